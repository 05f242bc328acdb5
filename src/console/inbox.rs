use leptos::prelude::*;
use talkshop_protocol::{ConversationSummary, Message, Sender};

use crate::console::i18n::console_texts;
use crate::i18n::{fill, lang};
use crate::time::clock_time;

/// The console's conversation list, newest activity first.
#[derive(Clone, Copy)]
pub struct InboxState {
    pub conversations: RwSignal<Vec<ConversationSummary>>,
}

impl Default for InboxState {
    fn default() -> Self {
        Self::new()
    }
}

impl InboxState {
    pub fn new() -> InboxState {
        InboxState { conversations: RwSignal::new(Vec::new()) }
    }

    fn sort(list: &mut [ConversationSummary]) {
        list.sort_by(|a, b| b.last_activity.cmp(&a.last_activity).then_with(|| a.id.cmp(&b.id)));
    }

    pub fn replace(&self, mut list: Vec<ConversationSummary>) {
        Self::sort(&mut list);
        self.conversations.set(list);
    }

    pub fn upsert(&self, summary: ConversationSummary) {
        self.conversations.update(|list| {
            list.retain(|c| c.id != summary.id);
            list.push(summary);
            Self::sort(list);
        });
    }

    /// Applies a live message; returns false when the conversation is unknown.
    pub fn record(&self, message: &Message, open: bool) -> bool {
        let mut known = false;
        self.conversations.update(|list| {
            if let Some(c) = list.iter_mut().find(|c| c.id == message.conversation_id) {
                known = true;
                if message.seq > c.last_seq {
                    c.last_seq = message.seq;
                    c.last_activity = message.created_at;
                    c.last_message = Some(message.clone());
                    if message.sender == Sender::Buyer && !open {
                        c.unread += 1;
                    }
                }
                Self::sort(list);
            }
        });
        known
    }

    pub fn mark_read(&self, id: &str, seq: i64) {
        self.conversations.update(|list| {
            if let Some(c) = list.iter_mut().find(|c| c.id == id) {
                c.unread = 0;
                c.read_seq = c.read_seq.max(seq);
            }
        });
    }

    /// Another console tab read up to `seq`; answers false when the count
    /// cannot be known here (read only part of the conversation) and must be fetched.
    pub fn mark_read_to(&self, id: &str, seq: i64) -> bool {
        let mut known = true;
        self.conversations.update(|list| {
            if let Some(c) = list.iter_mut().find(|c| c.id == id) {
                c.read_seq = c.read_seq.max(seq);
                if c.read_seq >= c.last_seq {
                    c.unread = 0;
                } else {
                    known = false;
                }
            }
        });
        known
    }

    pub fn label(&self, id: &str) -> Option<String> {
        self.conversations.with(|list| list.iter().find(|c| c.id == id).map(|c| c.buyer_label.clone()))
    }
}

#[component]
pub fn Inbox(
    state: InboxState,
    #[prop(into)] selected: Signal<Option<String>>,
    #[prop(into)] on_select: Callback<ConversationSummary>,
) -> impl IntoView {
    let (ct, locale) = (console_texts(), lang());
    view! {
        <nav class="ts-inbox" aria-label=ct.inbox>
            <Show when=move || state.conversations.with(Vec::is_empty)>
                <p class="ts-empty">{ct.no_conversations}</p>
            </Show>
            <ul class="ts-inbox__list">
                <For each=move || state.conversations.get() key=|c| (c.id.clone(), c.last_seq, c.unread) let:c>
                    {
                        let id = c.id.clone();
                        let is_selected = move || selected.with(|s| s.as_deref() == Some(id.as_str()));
                        let preview = c.last_message.as_ref()
                            .map(|m| ct.preview(m.sender == Sender::Merchant, &m.preview()))
                            .unwrap_or_default();
                        let unread = c.unread;
                        let time = clock_time(c.last_activity, locale);
                        let summary = c.clone();
                        view! {
                            <li>
                                <button type="button" class="ts-inbox__item" class:ts-selected=is_selected
                                    class:ts-unread=move || { unread > 0 }
                                    on:click=move |_| on_select.run(summary.clone())>
                                    <span class="ts-inbox__name">{c.buyer_label.clone()}</span>
                                    <time class="ts-inbox__time">{time}</time>
                                    <span class="ts-inbox__preview">{preview}</span>
                                    {(unread > 0).then(|| view! { <span class="ts-badge ts-inbox__badge" aria-label=fill(ct.unread, "n", unread)>{unread}</span> })}
                                </button>
                            </li>
                        }
                    }
                </For>
            </ul>
        </nav>
    }
}
