//! One open thread and the viewer's side of it: sending with a client id,
//! pending/failed state, retry. Shared by the widget and the console.

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::thread::{Delivery, PendingMessage};
use talkshop_protocol::{validate_text, ApiError, ErrorCode, Message, Sender};

pub use talkshop_protocol::thread::ThreadLog;

use crate::api::Api;
use crate::device::random_id;

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
        }
    }

    /// Switches to another conversation and loads its newest messages.
    pub async fn load(self, conversation_id: String, last_seq: i64) -> Result<(), ApiError> {
        self.conversation.set(Some(conversation_id.clone()));
        self.log.set(ThreadLog::default());
        let api = self.api.get_value();
        let page = api.latest_messages(&conversation_id, last_seq + 1, FIRST_PAGE).await?;
        self.has_older.set(page.has_more);
        self.accept(page.messages);
        Ok(())
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
        if !mine.is_empty() {
            self.log.update(|log| {
                log.merge(mine);
            });
        }
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
