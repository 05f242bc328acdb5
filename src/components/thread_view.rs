use leptos::html;
use leptos::prelude::*;
use talkshop_protocol::thread::{starts_group, Delivery, ThreadLog};
use talkshop_protocol::{MessageBody, Sender};

use crate::components::order_card::OrderCard;
use crate::components::payment_card::PaymentCard;
use crate::components::product_card::ProductCard;
use crate::components::product_list_card::ProductListCard;

use crate::i18n::{lang, texts};
use crate::time::clock_time;

/// How close to the bottom (px) still counts as "reading the newest messages".
const STICK_SLACK_PX: i32 = 48;

/// One line of the thread as displayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRow {
    pub key: String,
    pub client_id: String,
    pub mine: bool,
    pub starts_group: bool,
    pub author: &'static str,
    pub text: String,
    pub body: MessageBody,
    pub at: i64,
    pub delivery: Delivery,
}

/// Display rows for a thread: stored messages in `seq` order, then the
/// viewer's pending ones, each marked where a new sender group starts.
pub fn thread_rows(log: &ThreadLog, me: Sender, you: &'static str, other_name: &'static str) -> Vec<ThreadRow> {
    let mut rows = Vec::with_capacity(log.len());
    let mut prev: Option<(Sender, i64)> = None;
    let stored = log.stored().map(|m| {
        // Own messages carry the other party's receipt; it is part of the key so the row redraws.
        let delivery = if m.sender == me { log.receipt(m.seq) } else { Delivery::Sent };
        let key = if m.sender == me { format!("s{}{delivery:?}", m.seq) } else { format!("s{}", m.seq) };
        (key, &m.client_id, m.sender, &m.body, m.created_at, delivery)
    });
    let pending_bodies: Vec<MessageBody> =
        log.pending().iter().map(|p| MessageBody::Text { text: p.text.clone() }).collect();
    let pending = log.pending().iter().zip(&pending_bodies).map(|(p, body)| {
        (format!("p{}{:?}", p.client_id, p.delivery), &p.client_id, me, body, p.created_at, p.delivery)
    });
    for (key, client_id, sender, body, at, delivery) in stored.chain(pending) {
        let group = starts_group(prev, sender, at);
        prev = Some((sender, at));
        let text = match body {
            MessageBody::Text { text } => text.clone(),
            _ => String::new(),
        };
        rows.push(ThreadRow {
            key: format!("{key}{}", if group { "g" } else { "" }),
            client_id: client_id.clone(),
            mine: sender == me,
            starts_group: group,
            author: if sender == me { you } else { other_name },
            text,
            body: body.clone(),
            at,
            delivery,
        });
    }
    rows
}

/// The message list: grouped by sender, times, delivery state, and scrolling
/// that follows new messages only while the reader is at the bottom.
#[component]
pub fn ThreadView(
    #[prop(into)] log: Signal<ThreadLog>,
    me: Sender,
    /// How the other party is named above their messages.
    other_name: &'static str,
    #[prop(into)] on_retry: Callback<String>,
    #[prop(into, optional)] empty_text: Option<String>,
    /// Whether older history can be loaded, and how.
    #[prop(into, optional)]
    has_older: Signal<bool>,
    #[prop(into, optional)] on_load_older: Option<Callback<()>>,
) -> impl IntoView {
    let t = texts();
    let rows = Memo::new(move |_| log.with(|l| thread_rows(l, me, t.you, other_name)));
    let list = NodeRef::<html::Div>::new();
    let stick = StoredValue::new(true);
    let unseen = RwSignal::new(false);
    let last_key = StoredValue::new(String::new());
    // Scroll height before older messages were prepended, to keep the reader's place.
    let anchor = StoredValue::new(None::<i32>);

    let scroll_to_bottom = move || {
        if let Some(el) = list.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
        unseen.set(false);
    };
    Effect::new(move |_| {
        // Named by sender and client id, not by key: a receipt or a stored copy is not a new message.
        let (newest_key, newest_mine) =
            rows.with(|r| r.last().map(|r| (format!("{}{}", r.mine, r.client_id), r.mine)).unwrap_or_default());
        if let (Some(before), Some(el)) = (anchor.get_value(), list.get_untracked()) {
            anchor.set_value(None);
            el.set_scroll_top(el.scroll_top() + el.scroll_height() - before);
        }
        if newest_key == last_key.get_value() {
            return;
        }
        last_key.set_value(newest_key);
        // Your own new message always brings you to the bottom.
        if stick.get_value() || newest_mine {
            stick.set_value(true);
            scroll_to_bottom();
        } else {
            unseen.set(true);
        }
    });
    let on_scroll = move |_| {
        if let Some(el) = list.get_untracked() {
            let at_bottom = el.scroll_height() - el.scroll_top() - el.client_height() <= STICK_SLACK_PX;
            stick.set_value(at_bottom);
            if at_bottom {
                unseen.set(false);
            }
        }
    };
    let empty_text = empty_text.unwrap_or_else(|| t.empty_thread.into());

    view! {
        <div class="ts-thread-wrap">
            <div class="ts-thread" node_ref=list on:scroll=on_scroll role="log" aria-live="polite" aria-relevant="additions" aria-label=t.messages>
                {on_load_older.map(|load| view! {
                    <Show when=move || has_older.get()>
                        <button class="ts-older" type="button" on:click=move |_| {
                            anchor.set_value(list.get_untracked().map(|el| el.scroll_height()));
                            load.run(());
                        }>{t.load_older}</button>
                    </Show>
                })}
                <Show when=move || rows.with(Vec::is_empty)>
                    <p class="ts-empty">{empty_text.clone()}</p>
                </Show>
                <For each=move || rows.get() key=|row| row.key.clone() let:row>
                    <MessageRow row=row on_retry=on_retry/>
                </For>
            </div>
            <Show when=move || unseen.get()>
                <button class="ts-jump" type="button" on:click=move |_| { stick.set_value(true); scroll_to_bottom(); }>
                    {t.new_messages}
                </button>
            </Show>
        </div>
    }
}

#[component]
fn MessageRow(row: ThreadRow, on_retry: Callback<String>) -> impl IntoView {
    let class = format!(
        "ts-msg{}{}{}",
        if row.mine { " ts-msg--mine" } else { " ts-msg--theirs" },
        if row.starts_group { " ts-msg--first" } else { "" },
        match row.delivery {
            Delivery::Sending | Delivery::Queued => " ts-msg--sending",
            Delivery::Failed => " ts-msg--failed",
            Delivery::Sent | Delivery::Delivered | Delivery::Read => "",
        }
    );
    let t = texts();
    let time = clock_time(row.at, lang());
    let status = match row.delivery {
        Delivery::Sending => t.sending,
        Delivery::Queued => t.outbox_waiting,
        Delivery::Failed => t.not_sent,
        Delivery::Sent | Delivery::Delivered | Delivery::Read => "",
    };
    // Ticks on the viewer's own stored messages: ✓ sent, ✓✓ delivered, coloured ✓✓ read.
    let tick = match row.delivery {
        _ if !row.mine => None,
        // The clock is decoration: "Sending…" is already written next to it.
        Delivery::Sending | Delivery::Queued => Some(("\u{1F552}\u{FE0E}", "ts-msg__tick ts-msg__tick--sending", "")),
        Delivery::Sent => Some(("✓", "ts-msg__tick ts-msg__tick--sent", t.receipt_sent)),
        Delivery::Delivered => Some(("✓✓", "ts-msg__tick ts-msg__tick--delivered", t.receipt_delivered)),
        Delivery::Read => Some(("✓✓", "ts-msg__tick ts-msg__tick--read", t.receipt_read)),
        Delivery::Failed => None,
    };
    let client_id = row.client_id.clone();
    view! {
        <div class=class>
            {row.starts_group.then(|| view! { <div class="ts-msg__author">{row.author}</div> })}
            {match row.body {
                MessageBody::Text { text } => view! { <div class="ts-msg__bubble">{text}</div> }.into_any(),
                MessageBody::Product { retailer_id, body, footer } => {
                    view! { <ProductCard retailer_id=retailer_id body=body footer=footer/> }.into_any()
                }
                MessageBody::ProductList { header, body, footer, sections } => {
                    view! { <ProductListCard header=header body=body footer=footer sections=sections/> }.into_any()
                }
                MessageBody::Order { order } => view! { <OrderCard order=order/> }.into_any(),
                MessageBody::PaymentRequest { request } => view! { <PaymentCard request=*request/> }.into_any(),
                MessageBody::OrderStatus { text, .. } => view! { <div class="ts-status">{text}</div> }.into_any(),
            }}
            <div class="ts-msg__meta">
                <time>{time}</time>
                {tick.map(|(glyph, class, label)| view! {
                    <span class=class role=(!label.is_empty()).then_some("img") aria-hidden=label.is_empty().then_some("true")
                        aria-label=(!label.is_empty()).then_some(label) title=(!label.is_empty()).then_some(label)>{glyph}</span>
                })}
                {(!status.is_empty()).then(|| view! { <span class="ts-msg__status">{status}</span> })}
                {(row.delivery == Delivery::Failed).then(|| {
                    let client_id = client_id.clone();
                    view! {
                        <button class="ts-msg__retry" type="button" on:click=move |_| on_retry.run(client_id.clone())>
                            {t.retry}
                        </button>
                    }
                })}
            </div>
        </div>
    }
}
