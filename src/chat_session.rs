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
use crate::device::random_id;
use crate::live::Live;

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
    typing_seen: StoredValue<TypingSeen>,
    typing_out: StoredValue<TypingThrottle>,
    /// The live socket, once open: typing signals and delivered marks go through it.
    live: StoredValue<Option<Live>>,
    /// The highest seq this client has told the server it received.
    acknowledged: StoredValue<i64>,
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
            typing_seen: StoredValue::new(TypingSeen::default()),
            typing_out: StoredValue::new(TypingThrottle::default()),
            live: StoredValue::new(None),
            acknowledged: StoredValue::new(0),
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
        self.acknowledged.set_value(0);
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

    /// Tells the server this client received everything it holds of the open
    /// conversation (once per new seq; again after a reconnect).
    pub fn acknowledge(&self) {
        let (Some(live), Some(id)) = (self.live.get_value(), self.conversation.get_untracked()) else { return };
        let seq = self.log.with_untracked(|l| l.last_seq());
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

    /// Queues a text and sends it; returns false when the text breaks a rule.
    pub fn send(self, text: String) -> bool {
        if let Err(err) = validate_text(&text) {
            self.notice.set(Some(err));
            return false;
        }
        self.notice.set(None);
        let client_id = random_id("m-");
        self.log.update(|log| {
            log.push_pending(PendingMessage {
                client_id: client_id.clone(),
                text: text.clone(),
                created_at: js_sys::Date::now() as i64,
                delivery: Delivery::Sending,
            })
        });
        spawn_local(self.deliver(client_id, text));
        true
    }

    /// Sends a failed message again under the same client id (stored at most once).
    pub fn retry(self, client_id: String) {
        let text = self
            .log
            .with_untracked(|log| log.pending().iter().find(|p| p.client_id == client_id).map(|p| p.text.clone()));
        if let Some(text) = text {
            self.log.update(|log| log.set_delivery(&client_id, Delivery::Sending));
            spawn_local(self.deliver(client_id, text));
        }
    }

    /// Retries every failed message, oldest first (after a reconnect).
    pub fn retry_failed(self) {
        let failed: Vec<String> = self.log.with_untracked(|log| {
            log.pending().iter().filter(|p| p.delivery == Delivery::Failed).map(|p| p.client_id.clone()).collect()
        });
        for client_id in failed {
            self.retry(client_id);
        }
    }

    async fn deliver(self, client_id: String, text: String) {
        let api = self.api.get_value();
        let result = async {
            let conversation = match self.conversation.get_untracked() {
                Some(id) => id,
                // A buyer's first message opens the conversation.
                None if self.me == Sender::Buyer => {
                    let summary = api.open_conversation().await?;
                    self.conversation.set(Some(summary.id.clone()));
                    summary.id
                }
                None => return Err(ApiError::new(ErrorCode::NotFound, "Choose a conversation first")),
            };
            api.send_text(&conversation, &client_id, &text).await
        }
        .await;
        match result {
            Ok(message) => self.accept(vec![message]),
            Err(err) => {
                self.log.update(|log| log.set_delivery(&client_id, Delivery::Failed));
                self.notice.set(Some(err));
            }
        }
    }
}
