//! Signed webhooks to merchants' backends: events are queued in the database
//! (one delivery row per endpoint that wants the event) where the change is
//! stored, and a worker on every node sends the due ones.
//!
//! Nodes share the queue: a delivery is claimed with a 60 s lease (a compare
//! and set in [`crate::storage::WebhookStore::claim_webhook_delivery`]), so two
//! nodes never send it at the same time; a node that dies mid-send leaves the
//! lease to expire and the delivery is tried again (at least once; receivers
//! de-duplicate by `Talkshop-Event-Id`). All state is in the database, so a
//! restart loses nothing.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Serialize;
use talkshop_protocol::payment::PaymentState;
use talkshop_protocol::webhook::{self, WebhookEvent, WebhookUrl};
use talkshop_protocol::ApiError;

use crate::clock;
use crate::error::AppResult;
use crate::state::AppState;
use crate::storage::{ClaimedDelivery, DeliveryOutcome, WebhookEndpointRecord};

/// Deliveries are retried for this long after they were queued (or re-sent), then `failed`.
pub const RETRY_FOR_MS: i64 = 24 * 3_600_000;
/// The longest wait between two attempts.
pub const MAX_BACKOFF_MS: i64 = 3_600_000;
/// How long a claimed delivery belongs to the node that claimed it.
pub const LEASE_MS: i64 = 60_000;
/// Each POST gives up after this long.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries one node sends at once.
const BATCH: usize = 16;

/// The webhook event of a payment request's new state, if it has one.
pub fn payment_event(state: PaymentState) -> Option<&'static str> {
    match state {
        PaymentState::Paid => Some(webhook::PAYMENT_PAID),
        PaymentState::Shipped => Some(webhook::ORDER_SHIPPED),
        PaymentState::Delivered => Some(webhook::ORDER_DELIVERED),
        PaymentState::Cancelled => Some(webhook::ORDER_CANCELLED),
        PaymentState::Refunded => Some(webhook::ORDER_REFUNDED),
        PaymentState::Requested | PaymentState::Pending | PaymentState::Expired => None,
    }
}

/// Queues `event` for every endpoint of the shop that wants it. Called right
/// after the change itself was committed: the change stands even if queueing
/// fails, so a failure is logged, not answered to the caller.
pub async fn emit<T: Serialize + ?Sized>(state: &AppState, shop_id: &str, event: &str, data: &T) {
    if let Err(err) = enqueue(state, shop_id, event, data).await {
        tracing::error!(shop = shop_id, event, error = %err, "webhook event not queued");
    }
}

async fn enqueue<T: Serialize + ?Sized>(state: &AppState, shop_id: &str, event: &str, data: &T) -> AppResult<usize> {
    let now = clock::now_millis();
    let envelope = WebhookEvent {
        id: format!("evt_{}", uuid::Uuid::new_v4().simple()),
        kind: event.to_owned(),
        created_at: now,
        shop_id: shop_id.to_owned(),
        data: serde_json::to_value(data).map_err(|e| crate::error::AppError::Internal(e.to_string()))?,
    };
    let payload = serde_json::to_string(&envelope).map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    state.storage.enqueue_webhook_event(shop_id, &envelope.id, event, &payload, now, now + RETRY_FOR_MS).await
}

/// Checks an endpoint URL and where it leads: the URL rules, then every
/// address the host resolves to (none may be private unless `allow_private`).
/// Answers the address to connect to (the checked one, never resolved again).
pub async fn checked_destination(raw: &str, allow_private: bool) -> Result<(WebhookUrl, SocketAddr), ApiError> {
    let url = webhook::parse_url(raw, allow_private)?;
    let addrs: Vec<SocketAddr> = match url.ip() {
        Some(ip) => vec![SocketAddr::new(ip, url.port)],
        None => {
            let lookup = tokio::net::lookup_host((url.host.as_str(), url.port));
            match tokio::time::timeout(Duration::from_secs(5), lookup).await {
                Ok(Ok(addrs)) => addrs.collect(),
                _ => Vec::new(),
            }
        }
    };
    let Some(first) = addrs.first().copied() else {
        return Err(ApiError::invalid("url", format!("{} does not resolve", url.host)));
    };
    if !allow_private && addrs.iter().any(|a| webhook::is_private_ip(a.ip())) {
        return Err(ApiError::invalid("url", "Webhooks cannot go to private, loopback or link-local addresses"));
    }
    Ok((url, first))
}

/// Looks for due deliveries every `--webhook-poll-ms` until the server stops.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let mut stop = state.shutdown.clone();
        let mut tick = tokio::time::interval(Duration::from_millis(state.config.webhook_poll_ms.max(10)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => break,
            }
            // Sends in flight when the server stops are dropped; their leases expire and they are sent again.
            tokio::select! {
                _ = send_due(&state) => {}
                _ = stop.changed() => break,
            }
        }
    });
}

/// Claims up to a batch of due deliveries and sends them at once; answers how many.
pub async fn send_due(state: &AppState) -> usize {
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..BATCH {
        let now = clock::now_millis();
        match state.storage.claim_webhook_delivery(now, now + LEASE_MS).await {
            Ok(Some(claimed)) => {
                sends.spawn(deliver(state.clone(), claimed));
            }
            Ok(None) => break,
            Err(err) => {
                tracing::warn!(error = %err, "webhook queue unavailable");
                break;
            }
        }
    }
    let count = sends.len();
    while sends.join_next().await.is_some() {}
    count
}

/// The wait after attempt number `attempts` failed: base, 2×base, 4×base, … at most an hour.
pub fn backoff_ms(base_ms: u64, attempts: i64) -> i64 {
    let base = i64::try_from(base_ms).unwrap_or(i64::MAX).max(1);
    let doublings = u32::try_from((attempts - 1).clamp(0, 30)).unwrap_or(30);
    base.saturating_mul(1_i64 << doublings).min(MAX_BACKOFF_MS)
}

async fn deliver(state: AppState, claimed: ClaimedDelivery) {
    let outcome = match state.storage.webhook_endpoint(&claimed.endpoint_id).await {
        Ok(Some(endpoint)) => match send(&state, &endpoint, &claimed).await {
            Ok(code) if (200..300).contains(&code) => DeliveryOutcome::Delivered { status_code: i64::from(code) },
            Ok(code) => failure(&state, &claimed, Some(i64::from(code)), format!("HTTP {code}")),
            Err(error) => failure(&state, &claimed, None, error),
        },
        Ok(None) => DeliveryOutcome::Failed { status_code: None, error: "endpoint removed".into() },
        Err(err) => failure(&state, &claimed, None, err.to_string()),
    };
    tracing::info!(delivery = %claimed.id, event = %claimed.event, attempt = claimed.attempts, outcome = ?outcome, "webhook attempt");
    if let Err(err) = state.storage.finish_webhook_delivery(&claimed.id, &outcome, clock::now_millis()).await {
        tracing::warn!(delivery = %claimed.id, error = %err, "webhook outcome not stored; the lease will expire");
    }
}

fn failure(state: &AppState, claimed: &ClaimedDelivery, status_code: Option<i64>, error: String) -> DeliveryOutcome {
    let now = clock::now_millis();
    let error: String = error.chars().take(500).collect();
    if now >= claimed.give_up_at {
        DeliveryOutcome::Failed { status_code, error }
    } else {
        let next_attempt_at = now + backoff_ms(state.config.webhook_retry_base_ms, claimed.attempts);
        DeliveryOutcome::Retry { next_attempt_at, status_code, error }
    }
}

/// One signed POST; answers the response's status code.
async fn send(state: &AppState, endpoint: &WebhookEndpointRecord, claimed: &ClaimedDelivery) -> Result<u16, String> {
    // Checked again now: a name may resolve elsewhere than at registration.
    let (url, addr) =
        checked_destination(&endpoint.url, state.config.allow_private_webhooks).await.map_err(|e| e.message)?;
    let mut client =
        reqwest::Client::builder().timeout(SEND_TIMEOUT).redirect(reqwest::redirect::Policy::none()).no_proxy();
    if url.ip().is_none() {
        // Connect to the address just checked, not to whatever a second lookup says.
        client = client.resolve(&url.host, addr);
    }
    let client = client.build().map_err(|e| e.to_string())?;
    let signature = webhook::signature_header(&endpoint.secret, clock::now_secs(), claimed.payload.as_bytes());
    let response = client
        .post(&endpoint.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(reqwest::header::USER_AGENT, "Talkshop-Webhooks/1")
        .header(webhook::SIGNATURE_HEADER, signature)
        .header(webhook::EVENT_ID_HEADER, &claimed.event_id)
        .body(claimed.payload.clone())
        .send()
        .await
        .map_err(|e| error_text(&e))?;
    Ok(response.status().as_u16())
}

fn error_text(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".into()
    } else if err.is_connect() {
        "could not connect".into()
    } else {
        err.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn names_that_resolve_to_private_addresses_are_refused() {
        // `localhost` is refused by name; a name from /etc/hosts that resolves to
        // loopback (when the machine has one) is refused by its address.
        let err = checked_destination("https://localhost/hook", false).await.unwrap_err();
        assert_eq!(err.field.as_deref(), Some("url"));
        for name in ["ip6-localhost", "ip6-loopback"] {
            let url = format!("https://{name}/hook");
            let err = checked_destination(&url, false).await.unwrap_err();
            assert_eq!(err.field.as_deref(), Some("url"));
            if tokio::net::lookup_host((name, 443)).await.is_ok_and(|mut a| a.next().is_some()) {
                assert!(err.message.contains("private"), "{name}: {}", err.message);
            }
        }
        // With the development flag the same names pass.
        assert!(checked_destination("http://127.0.0.1:9/hook", true).await.is_ok());
    }

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let waits: Vec<i64> = (1..=9).map(|a| backoff_ms(30_000, a)).collect();
        assert_eq!(waits[..4], [30_000, 60_000, 120_000, 240_000]);
        assert_eq!(backoff_ms(30_000, 8), MAX_BACKOFF_MS);
        assert_eq!(backoff_ms(30_000, 1_000), MAX_BACKOFF_MS);
        // Retries for 24 h at most an hour apart: well over ten attempts before giving up.
        let mut at = 0;
        let mut attempts = 0;
        while at < RETRY_FOR_MS {
            attempts += 1;
            at += backoff_ms(30_000, attempts);
        }
        assert!(attempts > 20, "{attempts}");
    }
}
