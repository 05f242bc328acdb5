//! One open thread and the viewer's side of it: sending with a client id,
//! pending/failed state, retry. Shared by the widget and the console.

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::thread::{Delivery, PendingMessage};
use talkshop_protocol::typing::{TypingSeen, TypingThrottle, TYPING_SHOWN_MS};
use talkshop_protocol::{validate_text, ApiError, ClientFrame, ConversationSummary, ErrorCode, Message, Sender};

pub use talkshop_protocol::thread::ThreadLog;

use crate::api::Api;
use crate::chat_outbox::{ChatOutbox, OutboxEntry, LEASE_MS};
use crate::device::random_id;
use crate::live::Live;
use crate::tab_channel::{TabChannel, TabNote};

/// How many messages a thread loads at first.
pub const FIRST_PAGE: u32 = 50;

#[derive(Clone, Copy)]
pub struct ChatSession {
    pub api: StoredValue<Api>,
    pub conversation: RwSignal<Option<String>>,
    pub log: RwSignal<ThreadLog>,
    /// The side the viewer writes as.
    pub me: Sender,
    /// The last problem worth telling the user about.
    pub notice: RwSignal<Option<ApiError>>,
    /// Whether the server holds messages older than the first one loaded.
    pub has_older: RwSignal<bool>,
    /// Whether the other party is typing in the open conversation.
    pub peer_typing: RwSignal<bool>,
    /// Percent sent of the file being uploaded, while one is.
    pub upload: RwSignal<Option<u8>>,
    typing_seen: StoredValue<TypingSeen>,
    typing_out: StoredValue<TypingThrottle>,
    /// The live socket, once open: typing signals and delivered marks go through it.
    live: StoredValue<Option<Live>>,
    /// The highest seq this client has told the server it received.
    acknowledged: StoredValue<i64>,
    /// Where unsent messages wait (the buyer's widget); None in the console.
    outbox: StoredValue<Option<ChatOutbox>>,
    /// This tab's link to the buyer's other tabs.
    tabs: StoredValue<Option<TabChannel>, LocalStorage>,
    /// Names this tab in the outbox lease.
    tab: StoredValue<String>,
    /// Whether this tab is sending its outbox right now.
    flushing: StoredValue<bool>,
    /// Live messages that arrived after a gap, and whether history is being fetched for it.
    held: StoredValue<Vec<Message>>,
    filling: StoredValue<bool>,
}

impl ChatSession {
    pub fn new(api: Api, me: Sender) -> ChatSession {
        ChatSession {
            api: StoredValue::new(api),
            conversation: RwSignal::new(None),
            log: RwSignal::new(ThreadLog::default()),
            me,
            notice: RwSignal::new(None),
            has_older: RwSignal::new(false),
            peer_typing: RwSignal::new(false),
            upload: RwSignal::new(None),
            typing_seen: StoredValue::new(TypingSeen::default()),
            typing_out: StoredValue::new(TypingThrottle::default()),
            live: StoredValue::new(None),
            acknowledged: StoredValue::new(0),
            outbox: StoredValue::new(None),
            tabs: StoredValue::new_local(None),
            tab: StoredValue::new(random_id("tab-")),
            flushing: StoredValue::new(false),
            held: StoredValue::new(Vec::new()),
            filling: StoredValue::new(false),
        }
    }

    /// Switches to another conversation and loads its newest messages; the
    /// summary carries the other party's receipts.
    pub async fn load(self, summary: ConversationSummary) -> Result<(), ApiError> {
        let conversation_id = summary.id.clone();
        self.conversation.set(Some(conversation_id.clone()));
        let mut log = ThreadLog::default();
        log.note_peer(summary.peer_delivered_seq, summary.peer_read_seq);
        self.log.set(log);
        // Unsent messages stay in view; stored copies in the page replace them.
        self.show_outbox();
        self.acknowledged.set_value(0);
        self.held.set_value(Vec::new());
        self.typing_seen.set_value(TypingSeen::default());
        self.peer_typing.set(false);
        let api = self.api.get_value();
        let page = api.latest_messages(&conversation_id, summary.last_seq + 1, FIRST_PAGE).await?;
        self.has_older.set(page.has_more);
        self.accept(page.messages);
        Ok(())
    }

    /// Uses this socket for typing signals and delivered marks.
    pub fn attach(&self, live: Live) {
        self.live.set_value(Some(live));
        self.acknowledge();
    }

    /// Tells the server this client received the other party's messages it
    /// holds of the open conversation (once per new one; again after a
    /// reconnect). Its own messages need no receipt: acknowledging them would
    /// only wake every tab of the other side for nothing.
    pub fn acknowledge(&self) {
        let (Some(live), Some(id)) = (self.live.get_value(), self.conversation.get_untracked()) else { return };
        let other = match self.me {
            Sender::Buyer => Sender::Merchant,
            Sender::Merchant => Sender::Buyer,
        };
        let seq = self.log.with_untracked(|l| l.last_seq_from(other));
        if seq > self.acknowledged.get_value() && live.send(&ClientFrame::Delivered { conversation_id: id, seq }) {
            self.acknowledged.set_value(seq);
        }
    }

    /// The socket dropped: the next connection acknowledges again.
    pub fn forget_acknowledged(&self) {
        self.acknowledged.set_value(0);
    }

    /// The viewer typed in the composer: signal it, at most once per interval.
    pub fn typed(&self) {
        let (Some(live), Some(id)) = (self.live.get_value(), self.conversation.get_untracked()) else { return };
        let now = js_sys::Date::now() as i64;
        if self.typing_out.try_update_value(|t| t.is_due(now)).unwrap_or(false)
            && live.send(&ClientFrame::Typing { conversation_id: id })
        {
            self.typing_out.update_value(|t| {
                t.allow(now);
            });
        }
    }

    /// A typing signal arrived; shows it if it is the other party's in the open conversation.
    pub fn saw_typing(&self, conversation_id: &str, sender: Sender) {
        if sender == self.me || self.conversation.get_untracked().as_deref() != Some(conversation_id) {
            return;
        }
        let now = js_sys::Date::now() as i64;
        self.typing_seen.update_value(|t| t.signal(now));
        self.peer_typing.set(true);
        let session = *self;
        spawn_local(async move {
            TimeoutFuture::new(TYPING_SHOWN_MS as u32 + 50).await;
            let Some(seen) = session.typing_seen.try_get_value() else { return };
            if !seen.is_shown(js_sys::Date::now() as i64) {
                session.peer_typing.try_set(false);
            }
        });
    }

    /// A party's delivered or read mark moved; the viewer's ticks follow the other party's.
    pub fn saw_marks(&self, conversation_id: &str, party: Sender, delivered: i64, read: i64) {
        if party != self.me && self.conversation.get_untracked().as_deref() == Some(conversation_id) {
            self.log.update(|l| l.note_peer(delivered, read));
        }
    }

    /// Loads the page of history before the first message shown.
    pub async fn load_older(self) -> Result<(), ApiError> {
        let (Some(id), Some(first)) = (self.conversation.get_untracked(), self.log.with_untracked(|l| l.first_seq()))
        else {
            return Ok(());
        };
        let page = self.api.get_value().latest_messages(&id, first, FIRST_PAGE).await?;
        self.has_older.set(page.has_more);
        self.accept(page.messages);
        Ok(())
    }

    /// Merges stored messages that belong to the open conversation.
    pub fn accept(&self, messages: Vec<Message>) {
        let current = self.conversation.get_untracked();
        let mine: Vec<Message> =
            messages.into_iter().filter(|m| current.as_deref() == Some(m.conversation_id.as_str())).collect();
        if mine.is_empty() {
            return;
        }
        // A message from the other party ends their typing.
        if mine.iter().any(|m| m.sender != self.me) {
            self.typing_seen.update_value(TypingSeen::clear);
            self.peer_typing.set(false);
        }
        if mine.iter().any(|m| m.sender == self.me) {
            self.typing_out.update_value(TypingThrottle::reset);
        }
        self.log.update(|log| {
            log.merge(mine);
        });
        self.acknowledge();
    }

    /// A live message: shown at once when it follows what is shown; after a
    /// gap it waits until the missing messages are fetched from history, so
    /// the thread never shows a hole.
    pub fn accept_live(self, message: Message) {
        if self.conversation.get_untracked().as_deref() != Some(message.conversation_id.as_str()) {
            return;
        }
        let last = self.log.with_untracked(|l| l.last_seq());
        if last == 0 || message.seq <= last + 1 {
            self.accept(vec![message]);
            return;
        }
        self.held.update_value(|h| h.push(message));
        self.fill_gap();
    }

    /// Fetches what follows the newest message shown, then shows the held live ones.
    fn fill_gap(self) {
        if self.filling.get_value() {
            return;
        }
        self.filling.set_value(true);
        spawn_local(async move {
            let api = self.api.get_value();
            while let Some(id) = self.conversation.get_untracked() {
                let after = self.log.with_untracked(|l| l.last_seq());
                let Ok(page) = api.messages_after(&id, after, FIRST_PAGE).await else {
                    break; // the resume after the reconnect fills it instead
                };
                let more = page.has_more && !page.messages.is_empty();
                self.accept(page.messages);
                if !more {
                    break;
                }
            }
            if self.filling.try_set_value(false).is_none() {
                // Taken, not copied: no code to copy a message in the first load.
                self.accept(self.held.try_update_value(std::mem::take).unwrap_or_default());
            }
        });
    }

    /// Queues a text and sends it; returns false when the text breaks a rule.
    pub fn send(self, text: String) -> bool {
        if let Err(err) = validate_text(&text) {
            self.notice.set(Some(err));
            return false;
        }
        self.notice.set(None);
        let client_id = random_id("m-");
        let created_at = js_sys::Date::now() as i64;
        self.log.update(|log| {
            log.push_pending(PendingMessage {
                client_id: client_id.clone(),
                text: text.clone(),
                created_at,
                delivery: Delivery::Sending,
            })
        });
        match self.outbox.get_value() {
            Some(outbox) => {
                outbox.push(OutboxEntry {
                    client_id: client_id.clone(),
                    text: text.clone(),
                    created_at,
                    failed: false,
                });
                self.tell_tabs(TabNote::Queued { client_id, text, created_at });
                self.flush_outbox();
            }
            None => spawn_local(self.deliver(client_id, text)),
        }
        true
    }

    /// Uploads a photo or PDF into the open conversation (one at a time); the
    /// stored message joins the thread, a refusal is shown as the notice.
    pub fn send_file(self, file: web_sys::File, alt: String) {
        if self.upload.with_untracked(Option::is_some) {
            return;
        }
        self.upload.set(Some(0));
        spawn_local(async move {
            let sent = match crate::parts::call_part!(upload_flow(Upload { session: self, file, alt })) {
                Ok(flow) => flow.await,
                Err(crate::parts::PartUnavailable) => Err(crate::api::unreachable()),
            };
            self.upload.try_set(None);
            match sent {
                Ok(message) => self.accept(vec![message]),
                Err(err) => {
                    self.notice.try_set(Some(err));
                }
            }
        });
    }

    /// Keeps unsent messages in `outbox` (localStorage, shared by the tabs of
    /// this buyer) and shows the ones already there; tabs tell each other
    /// what they queue and send over a `BroadcastChannel`.
    pub fn use_outbox(self, outbox: ChatOutbox) {
        if self.outbox.with_value(|o| o.as_ref() == Some(&outbox)) {
            return;
        }
        let channel = TabChannel::open(outbox.scope(), move |note| self.heard_from_tab(note));
        self.tabs.set_value(channel);
        self.outbox.set_value(Some(outbox));
        self.show_outbox();
    }

    /// Whether messages can be written while offline (they wait in the outbox).
    pub fn has_outbox(&self) -> bool {
        self.outbox.with_value(Option::is_some)
    }

    /// Shows the outbox's messages as pending (after a reload or a switch).
    fn show_outbox(&self) {
        let Some(outbox) = self.outbox.get_value() else { return };
        let entries = outbox.entries();
        self.log.update(|log| {
            for e in entries {
                log.push_pending(PendingMessage {
                    client_id: e.client_id,
                    text: e.text,
                    created_at: e.created_at,
                    delivery: if e.failed { Delivery::Failed } else { Delivery::Queued },
                });
            }
        });
    }

    fn tell_tabs(&self, note: TabNote) {
        self.tabs.with_value(|tabs| {
            if let Some(tabs) = tabs {
                tabs.tell(&note);
            }
        });
    }

    fn heard_from_tab(self, note: TabNote) {
        match note {
            TabNote::Queued { client_id, text, created_at } => self.log.update(|log| {
                log.push_pending(PendingMessage { client_id, text, created_at, delivery: Delivery::Queued })
            }),
            TabNote::Sending { client_id } => self.log.update(|log| log.set_delivery(&client_id, Delivery::Sending)),
            TabNote::Waiting { client_id } => self.log.update(|log| log.set_delivery(&client_id, Delivery::Queued)),
            TabNote::Failed { client_id } => self.log.update(|log| log.set_delivery(&client_id, Delivery::Failed)),
            // The message itself comes over this tab's socket, or from history
            // when that is slower or down.
            TabNote::Stored { conversation_id, seq } => {
                if self.conversation.get_untracked().is_none() {
                    self.conversation.set(Some(conversation_id.clone()));
                }
                let shown = self.log.with_untracked(|log| log.last_seq() >= seq);
                if !shown && self.conversation.get_untracked().as_deref() == Some(conversation_id.as_str()) {
                    self.fill_gap();
                }
            }
        }
    }

    /// Sends the outbox oldest first while this tab holds the lease; stops at
    /// the first connection problem (the next reconnect calls this again).
    pub fn flush_outbox(self) {
        let Some(outbox) = self.outbox.get_value() else { return };
        // One flush per tab at a time; the running one re-reads the outbox before each message.
        if self.flushing.get_value() {
            return;
        }
        self.flushing.set_value(true);
        let tab = self.tab.get_value();
        spawn_local(async move {
            // Another tab is sending: it picks up new messages as it goes; take
            // over if it goes away without releasing the lease.
            let mut tries = 0;
            while !outbox.take_lease(&tab, js_sys::Date::now()) {
                tries += 1;
                if tries > LEASE_MS as u32 / 1000 + 2 || outbox.next_to_send().is_none() {
                    self.flushing.try_set_value(false);
                    return;
                }
                TimeoutFuture::new(1_000).await;
                if self.flushing.try_get_value().is_none() {
                    return; // the widget is gone
                }
            }
            while let Some(entry) = outbox.next_to_send() {
                if self.flushing.try_get_value().is_none() {
                    break; // the widget is gone
                }
                if !outbox.take_lease(&tab, js_sys::Date::now()) {
                    self.flushing.try_set_value(false);
                    return; // another tab took over
                }
                let client_id = entry.client_id.clone();
                self.log.update(|log| log.set_delivery(&client_id, Delivery::Sending));
                self.tell_tabs(TabNote::Sending { client_id: client_id.clone() });
                match self.post(&client_id, &entry.text).await {
                    Ok(message) => {
                        outbox.remove(&client_id);
                        let (conversation_id, seq) = (message.conversation_id.clone(), message.seq);
                        self.accept(vec![message]);
                        self.tell_tabs(TabNote::Stored { conversation_id, seq });
                    }
                    Err(err) if err.code == ErrorCode::Unavailable => {
                        // Everything behind it waits too.
                        for waiting in outbox.entries().into_iter().filter(|e| !e.failed) {
                            self.log.update(|log| log.set_delivery(&waiting.client_id, Delivery::Queued));
                            self.tell_tabs(TabNote::Waiting { client_id: waiting.client_id });
                        }
                        break;
                    }
                    Err(err) => {
                        outbox.set_failed(&client_id, true);
                        self.log.update(|log| log.set_delivery(&client_id, Delivery::Failed));
                        self.tell_tabs(TabNote::Failed { client_id });
                        self.notice.set(Some(err));
                    }
                }
            }
            outbox.release_lease(&tab);
            self.flushing.try_set_value(false);
        });
    }

    /// Sends a failed message again under the same client id (stored at most once).
    pub fn retry(self, client_id: String) {
        if let Some(outbox) = self.outbox.get_value() {
            outbox.set_failed(&client_id, false);
            self.log.update(|log| log.set_delivery(&client_id, Delivery::Queued));
            self.tell_tabs(TabNote::Waiting { client_id });
            self.flush_outbox();
            return;
        }
        let text = self
            .log
            .with_untracked(|log| log.pending().iter().find(|p| p.client_id == client_id).map(|p| p.text.clone()));
        if let Some(text) = text {
            self.log.update(|log| log.set_delivery(&client_id, Delivery::Sending));
            spawn_local(self.deliver(client_id, text));
        }
    }

    /// After a reconnect: sends the outbox, or retries every failed message
    /// oldest first when there is no outbox (the console).
    pub fn retry_failed(self) {
        if self.outbox.get_value().is_some() {
            self.flush_outbox();
            return;
        }
        let failed: Vec<String> = self.log.with_untracked(|log| {
            log.pending().iter().filter(|p| p.delivery == Delivery::Failed).map(|p| p.client_id.clone()).collect()
        });
        for client_id in failed {
            self.retry(client_id);
        }
    }

    /// The open conversation; a buyer's is opened on first use.
    pub async fn conversation_id(self) -> Result<String, ApiError> {
        match self.conversation.get_untracked() {
            Some(id) => Ok(id),
            None if self.me == Sender::Buyer => {
                let summary = self.api.get_value().open_conversation().await?;
                self.conversation.set(Some(summary.id.clone()));
                Ok(summary.id)
            }
            None => Err(ApiError::new(ErrorCode::NotFound, "Choose a conversation first")),
        }
    }

    /// Stores one text; a buyer's first message opens the conversation.
    async fn post(self, client_id: &str, text: &str) -> Result<Message, ApiError> {
        let conversation = self.conversation_id().await?;
        self.api.get_value().send_text(&conversation, client_id, text).await
    }

    async fn deliver(self, client_id: String, text: String) {
        match self.post(&client_id, &text).await {
            Ok(message) => self.accept(vec![message]),
            Err(err) => {
                self.log.update(|log| log.set_delivery(&client_id, Delivery::Failed));
                self.notice.set(Some(err));
            }
        }
    }
}

/// One file on its way to the session's conversation.
struct Upload {
    session: ChatSession,
    file: web_sys::File,
    alt: String,
}

/// An upload once its code is there.
type UploadFlow = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Message, ApiError>>>>;

/// Sending a photo or a PDF: in the buyer widget's split build its code
/// (the size check, the request with its progress) is the `upload` part,
/// fetched the first time the buyer chooses a file (`src/parts.rs`).
#[cfg_attr(talkshop_split, leptos::wasm_split::wasm_split(upload, wasm_split_path = leptos::wasm_split, fallible))]
fn upload_flow(upload: Upload) -> Result<UploadFlow, crate::parts::PartUnavailable> {
    let Upload { session, file, alt } = upload;
    Ok(Box::pin(async move {
        if file.size() > talkshop_protocol::attachment::MAX_ATTACHMENT_BYTES as f64 {
            return Err(talkshop_protocol::attachment::too_large());
        }
        session.notice.set(None);
        let conversation = session.conversation_id().await?;
        let client_id = random_id("f-");
        let progress = session.upload;
        let progress = move |percent| {
            progress.try_set(Some(percent));
        };
        session.api.get_value().upload_attachment(&conversation, &client_id, &file, &alt, progress).await
    }))
}
