mod window;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::thread::{starts_group, Delivery, ThreadLog};
use talkshop_protocol::{MessageBody, Sender};
use wasm_bindgen::JsCast;

use crate::components::order_card::OrderCard;
use crate::components::payment_card::PaymentCard;
use crate::components::product_card::ProductCard;
use crate::components::product_list_card::ProductListCard;

use crate::i18n::{lang, texts, Texts};
use crate::time::clock_time;
use talkshop_protocol::locale::Locale;

use window::{offset_of, RowHeights, Window, INITIAL_VIEWPORT_PX};

/// How close to the bottom (px) still counts as "reading the newest messages".
const STICK_SLACK_PX: i32 = 48;
/// Layout passes allowed after one change before the window is left as it is
/// (measured heights may move it a few times; it must not oscillate).
const MAX_PASSES: u8 = 4;

/// Which message a row shows; stays the same while its receipts change.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RowId {
    Stored(i64),
    Pending(String),
}

/// What the thread knows of every row without its body: enough to place it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowPlace {
    pub id: RowId,
    pub mine: bool,
    pub starts_group: bool,
    pub delivery: Delivery,
}

/// One line of the thread as displayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRow {
    pub id: RowId,
    pub client_id: String,
    pub mine: bool,
    pub starts_group: bool,
    pub author: &'static str,
    pub body: MessageBody,
    pub at: i64,
    pub delivery: Delivery,
}

impl ThreadRow {
    /// A receipt or a new group start redraws the row.
    fn key(&self) -> (RowId, Delivery, bool) {
        (self.id.clone(), self.delivery, self.starts_group)
    }
}

/// Every row of a thread, in display order: stored messages in `seq` order,
/// then the viewer's pending ones, each marked where a new sender group starts.
pub fn thread_places(log: &ThreadLog, me: Sender) -> Vec<RowPlace> {
    let mut prev: Option<(Sender, i64)> = None;
    // Own messages carry the other party's receipt.
    let stored = log.stored().map(|m| {
        let delivery = if m.sender == me { log.receipt(m.seq) } else { Delivery::Sent };
        (RowId::Stored(m.seq), m.sender, m.created_at, delivery)
    });
    let pending = log.pending().iter().map(|p| (RowId::Pending(p.client_id.clone()), me, p.created_at, p.delivery));
    stored
        .chain(pending)
        .map(|(id, sender, at, delivery)| {
            let group = starts_group(prev, sender, at);
            prev = Some((sender, at));
            RowPlace { id, mine: sender == me, starts_group: group, delivery }
        })
        .collect()
}

/// Display rows `range` of a thread whose places are `places`; only these
/// rows' bodies are copied.
pub fn thread_rows(
    log: &ThreadLog,
    places: &[RowPlace],
    range: std::ops::Range<usize>,
    you: &'static str,
    other_name: &'static str,
) -> Vec<ThreadRow> {
    let range = range.start.min(places.len())..range.end.min(places.len());
    let stored_len = log.len() - log.pending().len();
    let row = |place: &RowPlace, client_id: &String, body: MessageBody, at: i64| ThreadRow {
        id: place.id.clone(),
        client_id: client_id.clone(),
        mine: place.mine,
        starts_group: place.starts_group,
        author: if place.mine { you } else { other_name },
        body,
        at,
        delivery: place.delivery,
    };
    let mut rows = Vec::with_capacity(range.len());
    let stored = log.stored().skip(range.start).take(range.end.saturating_sub(range.start));
    for (m, place) in stored.zip(&places[range.clone()]) {
        rows.push(row(place, &m.client_id, m.body.clone(), m.created_at));
    }
    let pending_from = range.start.max(stored_len);
    for (i, p) in log.pending().iter().enumerate().skip(pending_from - stored_len) {
        if stored_len + i >= range.end {
            break;
        }
        let body = MessageBody::Text { text: p.text.clone() };
        rows.push(row(&places[stored_len + i], &p.client_id, body, p.created_at));
    }
    rows
}

/// The rendered rows' elements, in order.
fn row_elements(list: &web_sys::Element) -> Vec<web_sys::Element> {
    let Ok(nodes) = list.query_selector_all(":scope > .ts-msg") else { return Vec::new() };
    (0..nodes.length()).filter_map(|i| nodes.item(i)).filter_map(|n| n.dyn_into().ok()).collect()
}

/// The scrolling state of one thread view: which rows are rendered, where the
/// reader is, and whether they follow new messages.
#[derive(Clone, Copy)]
struct ThreadScroll {
    places: Memo<Vec<RowPlace>>,
    window: RwSignal<Window>,
    /// The rows in the DOM, in order (as last rendered: `places` may be newer).
    shown: StoredValue<Vec<RowId>>,
    list: NodeRef<html::Div>,
    below: NodeRef<html::Div>,
    /// Whether the reader is at the bottom and follows new messages.
    stick: StoredValue<bool>,
    unseen: RwSignal<bool>,
    heights: StoredValue<RowHeights<RowId>>,
    /// The first row in view and its distance from the thread's top edge.
    anchor: StoredValue<Option<(RowId, f64)>>,
    passes: StoredValue<u8>,
    render_all: bool,
    /// Spoken by screen readers: the newest message when one arrives.
    announcement: RwSignal<String>,
    announce_newest: StoredValue<bool>,
}

impl ThreadScroll {
    fn row_heights(self) -> Vec<f64> {
        self.places.with_untracked(|p| {
            self.heights.with_value(|h| {
                let estimate = h.estimate();
                p.iter().map(|row| h.of(&row.id, estimate)).collect()
            })
        })
    }

    fn first_in_view(self, el: &web_sys::HtmlElement) -> Option<(RowId, f64)> {
        let top = el.get_bounding_client_rect().top();
        let elements = row_elements(el);
        self.shown.with_value(|shown| {
            if elements.len() != shown.len() {
                return None;
            }
            shown.iter().zip(&elements).find_map(|(id, e)| {
                let rect = e.get_bounding_client_rect();
                (rect.bottom() > top).then(|| (id.clone(), rect.top() - top))
            })
        })
    }

    /// Picks the rows to render for where the reader is: the newest ones while
    /// they follow the thread, else those around the first row in view (at its
    /// new place if rows were added above it).
    /// Returns whether it rendered (then `after_render` follows).
    fn relayout(self, force: bool) -> bool {
        let Some(el) = self.list.get_untracked() else { return false };
        let all = self.row_heights();
        let viewport = el.client_height() as f64;
        let next = if self.render_all {
            Window::whole(all.len())
        } else if self.stick.get_value() {
            self.anchor.set_value(None);
            Window::tail(&all, viewport)
        } else {
            let found = self.first_in_view(&el);
            let top = found
                .as_ref()
                .and_then(|(id, rel)| {
                    let index = self.places.with_untracked(|p| p.iter().position(|row| &row.id == id))?;
                    Some(offset_of(&all, index) - rel)
                })
                .unwrap_or_else(|| el.scroll_top() as f64);
            self.anchor.set_value(found);
            Window::around(&all, top, viewport)
        };
        let render = force || next != self.window.get_untracked();
        if render {
            self.window.set(next);
            // Queued behind the render effects this `set` has just woken.
            spawn_local(async move { self.after_render() });
        }
        render
    }

    /// Measures the rendered rows, puts the reader back in place (or at the
    /// bottom), and renders again if the measured heights moved the window.
    fn after_render(self) {
        let Some(el) = self.list.get_untracked() else { return };
        let elements = row_elements(&el);
        let tops: Vec<f64> = elements.iter().map(|e| e.get_bounding_client_rect().top()).collect();
        let end = self.below.get_untracked().map(|b| b.get_bounding_client_rect().top());
        self.shown.with_value(|shown| {
            if shown.len() != tops.len() {
                return;
            }
            let bottoms = tops.iter().skip(1).copied().chain(end);
            self.heights.update_value(|h| {
                for ((id, top), bottom) in shown.iter().zip(&tops).zip(bottoms) {
                    h.record(id.clone(), bottom - top);
                }
            });
        });
        if self.stick.get_value() {
            el.set_scroll_top(el.scroll_height());
            if self.announce_newest.get_value() {
                self.announce_newest.set_value(false);
                let newest = elements.last().and_then(|e| e.text_content()).unwrap_or_default();
                self.announcement.set(newest);
            }
        } else if let Some((id, rel)) = self.anchor.get_value() {
            let index = self.shown.with_value(|shown| shown.iter().position(|shown| *shown == id));
            if let Some(e) = index.and_then(|i| elements.get(i)) {
                let moved = e.get_bounding_client_rect().top() - el.get_bounding_client_rect().top() - rel;
                el.set_scroll_top(el.scroll_top() + moved.round() as i32);
            }
        }
        if self.passes.get_value() < MAX_PASSES {
            self.passes.update_value(|p| *p += 1);
            self.relayout(false);
        }
    }

    fn scroll_to_bottom(self) {
        self.stick.set_value(true);
        self.unseen.set(false);
        self.passes.set_value(0);
        self.relayout(true);
    }

    fn on_scroll(self) {
        let Some(el) = self.list.get_untracked() else { return };
        let at_bottom = el.scroll_height() - el.scroll_top() - el.client_height() <= STICK_SLACK_PX;
        self.stick.set_value(at_bottom);
        if at_bottom {
            self.unseen.set(false);
        }
        self.passes.set_value(0);
        self.relayout(false);
    }
}

/// The message list: grouped by sender, times, delivery state, and scrolling
/// that follows new messages only while the reader is at the bottom.
///
/// A long thread keeps only the rows near the viewport in the DOM (see
/// `window`), between two spacers; the reader's place is kept by anchoring on
/// the first row in view whenever the rendered rows change.
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
    /// Renders every row, however long the thread (the render benchmark's
    /// measure of the cost per row).
    #[prop(optional)]
    render_all: bool,
) -> impl IntoView {
    let t = texts();
    let places = Memo::new(move |_| log.with(|l| thread_places(l, me)));
    let heights = StoredValue::new(RowHeights::<RowId>::default());
    let first = places.with_untracked(|p| vec![heights.with_value(RowHeights::estimate); p.len()]);
    let window =
        RwSignal::new(if render_all { Window::whole(first.len()) } else { Window::tail(&first, INITIAL_VIEWPORT_PX) });
    let scroll = ThreadScroll {
        places,
        window,
        shown: StoredValue::new(Vec::new()),
        list: NodeRef::new(),
        below: NodeRef::new(),
        stick: StoredValue::new(true),
        unseen: RwSignal::new(false),
        heights,
        anchor: StoredValue::new(None),
        passes: StoredValue::new(0),
        render_all,
        announcement: RwSignal::new(String::new()),
        announce_newest: StoredValue::new(false),
    };
    let (list, unseen, locale) = (scroll.list, scroll.unseen, lang());
    // Only the window's rows are materialised, and only here; `window` is set after every change of the log.
    let window_rows = move || {
        let w = window.get();
        let rows =
            log.with_untracked(|l| places.with_untracked(|p| thread_rows(l, p, w.start..w.end, t.you, other_name)));
        scroll.shown.set_value(rows.iter().map(|row| row.id.clone()).collect());
        rows
    };
    let last_key = StoredValue::new(None::<(bool, String)>);

    Effect::new(move |ran: Option<()>| {
        let first_run = ran.is_none();
        // Named by sender and client id, not by row: a receipt or a stored copy is not a new message.
        let newest = log.with(|l| {
            l.pending()
                .last()
                .map(|p| (true, p.client_id.clone()))
                .or_else(|| l.stored().next_back().map(|m| (m.sender == me, m.client_id.clone())))
        });
        if newest.is_some() && newest != last_key.get_value() {
            let mine = newest.as_ref().is_some_and(|(mine, _)| *mine);
            last_key.set_value(newest);
            // Your own new message always brings you to the bottom.
            if scroll.stick.get_value() || mine {
                scroll.stick.set_value(true);
                scroll.unseen.set(false);
                scroll.announce_newest.set_value(!first_run && !mine);
            } else {
                scroll.unseen.set(true);
                scroll.announcement.set(t.new_messages.into());
            }
        }
        scroll.passes.set_value(0);
        // The first time, the rows on screen were just rendered from this log: only measure and place them.
        if !scroll.relayout(!first_run) {
            scroll.after_render();
        }
    });
    let empty_text = empty_text.unwrap_or_else(|| t.empty_thread.into());
    let px = |v: f64| format!("{}px", v.round());

    // The thread is a log, but it does not announce its own changes: scrolling
    // adds and removes rows. New messages are spoken by the live region next to it.
    view! {
        <div class="ts-thread-wrap">
            <div class="ts-thread" node_ref=list on:scroll=move |_| scroll.on_scroll() role="log" aria-live="off" aria-label=t.messages tabindex="0">
                {on_load_older.map(|load| view! {
                    <Show when=move || has_older.get()>
                        <button class="ts-older" type="button" on:click=move |_| load.run(())>{t.load_older}</button>
                    </Show>
                })}
                <Show when=move || places.with(Vec::is_empty)>
                    <p class="ts-empty">{empty_text.clone()}</p>
                </Show>
                <div class="ts-thread__spacer" aria-hidden="true" style:height=move || px(window.get().above_px)></div>
                <For each=window_rows key=ThreadRow::key let:row>
                    <MessageRow row=row on_retry=on_retry t=t locale=locale/>
                </For>
                <div class="ts-thread__spacer" node_ref=scroll.below aria-hidden="true" style:height=move || px(window.get().below_px)></div>
            </div>
            <div class="ts-sr-only" aria-live="polite">{move || scroll.announcement.get()}</div>
            <Show when=move || unseen.get()>
                <button class="ts-jump" type="button" on:click=move |_| scroll.scroll_to_bottom()>
                    {t.new_messages}
                </button>
            </Show>
        </div>
    }
}

#[component]
fn MessageRow(row: ThreadRow, on_retry: Callback<String>, t: &'static Texts, locale: Locale) -> impl IntoView {
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
    let time = clock_time(row.at, locale);
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
