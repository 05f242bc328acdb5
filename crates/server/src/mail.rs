//! E-mail continuity: when a buyer's message waits unread by staff, or a
//! shop's reply (also payment requests and order updates) waits unread by the
//! buyer, for the shop's delay (`unread_mail_minutes`), one mail goes out per
//! conversation and unread burst — to each staff member who keeps
//! notifications on, or to the buyer's address with a link that reopens the
//! same conversation on any device (single use, 7 days, no token in the URL
//! beyond that one-time code).
//!
//! Every node scans and sends. Mails are queued in the database with a unique
//! `dedupe_key` (conversation, burst, recipient), so a burst is mailed once
//! however many nodes scan; a node claims a due mail with a lease (compare and
//! set), sends it over SMTP (`lettre`), and retries with backoff for 24 hours.
//! All state is in the database: a restart loses nothing.

use std::time::Duration;

use hmac::{Hmac, Mac};
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use sha2::Sha256;
use talkshop_protocol::locale::Locale;
use talkshop_protocol::{Message, Sender};

use crate::clock;
use crate::error::{AppError, AppResult};
use crate::shops::ShopConfig;
use crate::state::AppState;
use crate::storage::{ClaimedMail, HistoryQuery, MailOutcome, MailRecord, Reader, UnreadBurst};

pub mod templates;

/// Mails are retried for this long after they were queued, then `failed`.
const RETRY_FOR_MS: i64 = 24 * 3_600_000;
const LEASE_MS: i64 = 60_000;
/// Each SMTP command gives up after this long…
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// …and a whole send well before the lease ends (so no other node takes it over meanwhile).
const WHOLE_SEND_TIMEOUT: Duration = Duration::from_secs(45);
/// A resume link works for this long (and once).
pub const RESUME_LINK_MS: i64 = 7 * 86_400_000;
/// At most this many messages are quoted in one mail.
const QUOTED: usize = 5;

/// The SMTP connection settings and the From address.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// `None` without `--smtp-url`; an error for a URL or From address that cannot work.
    pub fn from_config(config: &crate::config::Config) -> AppResult<Option<Mailer>> {
        let Some(url) = &config.smtp_url else { return Ok(None) };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| AppError::Internal(format!("--smtp-url: {e}")))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let from = config.mail_from.parse().map_err(|e| AppError::Internal(format!("--mail-from: {e}")))?;
        Ok(Some(Mailer { transport, from }))
    }
}

/// Scans for unread bursts and sends due mails every `--mail-poll-ms` until the
/// server stops. `base` is this server's public origin (links in mails).
pub fn spawn_worker(state: AppState, mailer: Mailer, base: String) {
    tokio::spawn(async move {
        let mut stop = state.shutdown.clone();
        let mut tick = tokio::time::interval(Duration::from_millis(state.config.mail_poll_ms.max(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => break,
            }
            // Not interrupted by a shutdown: a send cut midway could go out twice.
            if let Err(err) = scan(&state, &base).await {
                tracing::warn!(error = %err, "unread scan failed");
            }
            send_due(&state, &mailer).await;
        }
    });
}

/// Queues a mail for every unread burst older than its shop's delay.
pub async fn scan(state: &AppState, base: &str) -> AppResult<()> {
    let now = clock::now_millis();
    let minute = i64::try_from(state.config.mail_minute_ms).unwrap_or(60_000).max(1);
    // Bursts older than the longest delay plus a day are history, not news.
    let since = now - (i64::from(talkshop_protocol::shop::MAX_UNREAD_MAIL_MINUTES) + 1440) * minute;
    for reader in [Reader::Staff, Reader::Buyer] {
        for burst in state.storage.unread_bursts(reader, since, now - minute).await? {
            let queued = async {
                let shop = crate::shops::load(state, &burst.shop_id).await?;
                if burst.first_at > now - i64::from(shop.settings.unread_mail_minutes) * minute {
                    return Ok(());
                }
                let handled = match reader {
                    Reader::Staff => mail_staff(state, base, &shop, &burst).await?,
                    Reader::Buyer => mail_buyer(state, base, &shop, &burst).await?,
                };
                if handled {
                    state.storage.burst_handled(reader, &burst.conversation_id, burst.read_seq).await?;
                }
                AppResult::Ok(())
            };
            if let Err(err) = queued.await {
                tracing::warn!(conversation = %burst.conversation_id, error = %err, "unread mail not queued");
            }
        }
    }
    Ok(())
}

/// The unread messages of the burst written by `writer`, oldest first.
async fn unread(state: &AppState, burst: &UnreadBurst, writer: Sender) -> AppResult<Vec<Message>> {
    let query = HistoryQuery { after: Some(burst.read_seq), before: None, limit: 50 };
    let (messages, _) = state.storage.messages(&burst.conversation_id, query).await?;
    Ok(messages.into_iter().filter(|m| m.sender == writer).collect())
}

fn quoted(locale: Locale, messages: &[Message]) -> Vec<String> {
    let skip = messages.len().saturating_sub(QUOTED);
    messages[skip..].iter().map(|m| templates::preview(locale, m)).collect()
}

fn locale_of(shop: &ShopConfig) -> Locale {
    Locale::from_tag(&shop.settings.default_locale).unwrap_or(Locale::En)
}

/// Answers whether the burst is done with (every staff member mailed or not wanting mail).
async fn mail_staff(state: &AppState, base: &str, shop: &ShopConfig, burst: &UnreadBurst) -> AppResult<bool> {
    let mut messages = None;
    for staff in state.storage.shop_staff(&burst.shop_id).await? {
        let key = format!("staff:{}:{}:{}", burst.conversation_id, burst.read_seq, staff.id);
        if state.storage.mail_queued(&key).await? || state.storage.opted_out(&burst.shop_id, &staff.email).await? {
            continue;
        }
        if messages.is_none() {
            messages = Some(unread(state, burst, Sender::Buyer).await?);
        }
        let quotes = quoted(locale_of(shop), messages.as_deref().unwrap_or_default());
        if quotes.is_empty() {
            return Ok(true);
        }
        let link = format!("{base}/console?conversation={}", burst.conversation_id);
        let content = templates::staff_unread(locale_of(shop), &shop.settings.name, &quotes, &link);
        queue(state, base, burst, key, "staff_unread", &staff.email, content).await?;
    }
    Ok(true)
}

/// Answers whether the burst is done with. An address that has not confirmed
/// it wants this shop's mail (anyone can type any address, or pass one to
/// `identify` from the page) first gets one confirmation mail, without the
/// conversation; the burst waits for the confirmation.
async fn mail_buyer(state: &AppState, base: &str, shop: &ShopConfig, burst: &UnreadBurst) -> AppResult<bool> {
    let key = format!("buyer:{}:{}", burst.conversation_id, burst.read_seq);
    if state.storage.mail_queued(&key).await? {
        return Ok(true);
    }
    // The address the buyer left in the widget (with consent), else the one passed to `identify`.
    let typed = state.storage.conversation_email(&burst.conversation_id).await?.map(|e| e.email);
    let address = match typed {
        Some(address) => Some(address),
        None => state.storage.buyer_email(&burst.shop_id, &burst.principal).await?,
    };
    let Some(address) = address else { return Ok(true) };
    if state.storage.opted_out(&burst.shop_id, &address).await? {
        return Ok(true);
    }
    let locale = locale_of(shop);
    if !state.storage.mail_confirmed(&burst.shop_id, &address).await? {
        let confirm_key = format!("confirm:{}:{}", burst.shop_id, address.to_ascii_lowercase());
        if !state.storage.mail_queued(&confirm_key).await? {
            let link = signed_url(state, base, "confirm", &burst.shop_id, &address);
            let content = templates::confirm_address(locale, &shop.settings.name, &link);
            queue(state, base, burst, confirm_key, "buyer_confirm", &address, content).await?;
        }
        return Ok(false);
    }
    let quotes = quoted(locale, &unread(state, burst, Sender::Merchant).await?);
    if quotes.is_empty() {
        return Ok(true);
    }
    let code = crate::seed::random_secret();
    let now = clock::now_millis();
    let hash = crate::shops::sha256_hex(&code);
    state
        .storage
        .create_resume_link(&hash, &burst.shop_id, &burst.conversation_id, &burst.principal, now, now + RESUME_LINK_MS)
        .await?;
    let link = format!("{base}/chat/{}?ts_resume={code}", burst.shop_id);
    let content = templates::buyer_unread(locale, &shop.settings.name, &quotes, &link);
    queue(state, base, burst, key, "buyer_unread", &address, content).await?;
    Ok(true)
}

async fn queue(
    state: &AppState,
    base: &str,
    burst: &UnreadBurst,
    dedupe_key: String,
    kind: &str,
    to: &str,
    content: templates::Content,
) -> AppResult<()> {
    let now = clock::now_millis();
    let unsubscribe_url = signed_url(state, base, "unsubscribe", &burst.shop_id, to);
    let (text_body, html_body) = content.bodies(&unsubscribe_url);
    let mail = MailRecord {
        id: uuid::Uuid::new_v4().to_string(),
        shop_id: burst.shop_id.clone(),
        dedupe_key,
        kind: kind.to_owned(),
        to_addr: to.to_owned(),
        subject: content.subject,
        text_body,
        html_body,
        unsubscribe_url,
        created_at: now,
        give_up_at: now + RETRY_FOR_MS,
    };
    if state.storage.enqueue_mail(&mail).await? {
        tracing::info!(kind, conversation = %burst.conversation_id, "mail queued");
    }
    Ok(())
}

/// The signature that makes a mail link (`purpose`: `unsubscribe`, `confirm`)
/// work for exactly one shop and address.
pub fn link_signature(state: &AppState, purpose: &str, shop_id: &str, address: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(state.tokens.secret()).expect("HMAC accepts keys of any length");
    mac.update(format!("{purpose}\n{shop_id}\n{}", address.to_ascii_lowercase()).as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// `{base}/mail/{purpose}?shop=…&to=…&sig=…`.
fn signed_url(state: &AppState, base: &str, purpose: &str, shop_id: &str, address: &str) -> String {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let sig = link_signature(state, purpose, shop_id, address);
    format!("{base}/mail/{purpose}?shop={}&to={}&sig={sig}", enc(shop_id), enc(address))
}

/// Claims and sends due mails, one after another (mail is not urgent).
pub async fn send_due(state: &AppState, mailer: &Mailer) -> usize {
    let mut sent = 0;
    loop {
        let now = clock::now_millis();
        let claimed = match state.storage.claim_mail(now, now + LEASE_MS).await {
            Ok(Some(claimed)) => claimed,
            Ok(None) => break,
            Err(err) => {
                tracing::warn!(error = %err, "mail queue unavailable");
                break;
            }
        };
        let attempt = tokio::time::timeout(WHOLE_SEND_TIMEOUT, send(mailer, &claimed.mail)).await;
        let outcome = match attempt.unwrap_or_else(|_| Err(("timed out".into(), false))) {
            Ok(()) => MailOutcome::Sent,
            Err((error, permanent)) => failure(state, &claimed, error, permanent),
        };
        tracing::info!(mail = %claimed.mail.id, kind = %claimed.mail.kind, attempt = claimed.attempts, outcome = ?outcome, "mail attempt");
        if let Err(err) =
            state.storage.finish_mail(&claimed.mail.id, claimed.lease_until, &outcome, clock::now_millis()).await
        {
            tracing::warn!(mail = %claimed.mail.id, error = %err, "mail outcome not stored; the lease will expire");
        }
        sent += 1;
    }
    sent
}

fn failure(state: &AppState, claimed: &ClaimedMail, error: String, permanent: bool) -> MailOutcome {
    let now = clock::now_millis();
    let error: String = error.chars().take(500).collect();
    if permanent || now >= claimed.mail.give_up_at {
        MailOutcome::Failed { error }
    } else {
        let next_attempt_at = now + crate::outbound::backoff_ms(state.config.mail_retry_base_ms, claimed.attempts);
        MailOutcome::Retry { next_attempt_at, error }
    }
}

/// One mail over SMTP; an error says whether trying again can help.
async fn send(mailer: &Mailer, mail: &MailRecord) -> Result<(), (String, bool)> {
    let to: Mailbox = mail.to_addr.parse().map_err(|e| (format!("bad recipient: {e}"), true))?;
    let header = |name: &'static str, value: String| HeaderValue::new(HeaderName::new_from_ascii_str(name), value);
    let message = lettre::Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(mail.subject.clone())
        .raw_header(header("List-Unsubscribe", format!("<{}>", mail.unsubscribe_url)))
        .raw_header(header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".into()))
        .raw_header(header("X-Talkshop-Mail", mail.kind.clone()))
        .multipart(MultiPart::alternative_plain_html(mail.text_body.clone(), mail.html_body.clone()))
        .map_err(|e| (e.to_string(), true))?;
    mailer.transport.send(message).await.map(|_| ()).map_err(|e| (e.to_string(), e.is_permanent()))
}
