mod window;

use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::locale::Locale;
use talkshop_protocol::payment::PaymentState;
use talkshop_protocol::thread::{starts_group, Delivery, ThreadLog};
use talkshop_protocol::{MessageBody, Money, Sender};
use wasm_bindgen::JsCast;

use crate::i18n::{lang, texts, Texts};
use crate::parts;
use crate::time::clock_time;

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

/// What a row shows. Text and order updates are drawn here; a card is drawn by
/// the `cards` part from the message in the log (its body is copied there,
/// so the first load has no code to copy orders, payment requests or products).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowBody {
    Text(String),
    /// An order update (`MessageBody::OrderStatus`), written in the viewer's language.
    Update {
        state: PaymentState,
        text: String,
        total: Option<Money>,
        carrier: Option<String>,
        tracking: Option<String>,
    },
    /// Any other body: the stored message's `seq`.
    Card(i64),
}

/// One line of the thread as displayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadRow {
    pub id: RowId,
    pub client_id: String,
    pub mine: bool,
    pub starts_group: bool,
    pub author: &'static str,
    pub body: RowBody,
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
    let row = |place: &RowPlace, client_id: &String, body: RowBody, at: i64| ThreadRow {
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
        let body = match &m.body {
            MessageBody::Text { text } => RowBody::Text(text.clone()),
            MessageBody::OrderStatus { state, text, total, carrier, tracking, .. } => RowBody::Update {
                state: *state,
                text: text.clone(),
                total: *total,
                carrier: carrier.clone(),
                tracking: tracking.clone(),
            },
            _ => RowBody::Card(m.seq),
        };
        rows.push(row(place, &m.client_id, body, m.created_at));
    }
    let pending_from = range.start.max(stored_len);
    for (i, p) in log.pending().iter().enumerate().skip(pending_from - stored_len) {
        if stored_len + i >= range.end {
            break;
        }
        rows.push(row(&places[stored_len + i], &p.client_id, RowBody::Text(p.text.clone()), p.created_at));
    }
    rows
}

/// The rendered rows' elements, in order.
fn row_elements(list: &web_sys::Element) -> Vec<web_sys::Element> {
    let Ok(nodes) = list.query_selector_all(":scope > .ts-msg") else { return Vec::new() };
    (0..nodes.length()).filter_map(|i| nodes.item(i)).filter_map(|n| n.dyn_into().ok()).collect()
}

/// What the thread view remembers between renders, outside the reactive graph.
#[derive(Default)]
struct ScrollState {
    /// The rows in the DOM, in order (as last rendered: `places` may be newer).
    shown: Vec<RowId>,
    heights: RowHeights<RowId>,
    /// Whether the reader is at the bottom and follows new messages.
    stick: bool,
    /// The first row in view and its distance from the thread's top edge.
    anchor: Option<(RowId, f64)>,
    passes: u8,
    /// The newest message (mine, client id), to tell a new one from a receipt.
    newest: Option<(bool, String)>,
    announce_newest: bool,
}

/// The scrolling state of one thread view: which rows are rendered, where the
/// reader is, and whether they follow new messages.
#[derive(Clone, Copy)]
struct ThreadScroll {
    places: Memo<Vec<RowPlace>>,
    window: RwSignal<Window>,
    list: NodeRef<html::Div>,
    below: NodeRef<html::Div>,
    unseen: RwSignal<bool>,
    /// Spoken by screen readers: the newest message when one arrives.
    announcement: RwSignal<String>,
    state: StoredValue<ScrollState>,
    render_all: bool,
}

impl ThreadScroll {
    fn with<R: Default>(self, f: impl FnOnce(&mut ScrollState) -> R) -> R {
        self.state.try_update_value(f).unwrap_or_default()
    }

    fn row_heights(self) -> Vec<f64> {
        self.places.with_untracked(|p| {
            self.state.with_value(|s| {
                let estimate = s.heights.estimate();
                p.iter().map(|row| s.heights.of(&row.id, estimate)).collect()
            })
        })
    }

    fn first_in_view(self, el: &web_sys::HtmlElement) -> Option<(RowId, f64)> {
        let top = el.get_bounding_client_rect().top();
        let elements = row_elements(el);
        self.state.with_value(|s| {
            if elements.len() != s.shown.len() {
                return None;
            }
            s.shown.iter().zip(&elements).find_map(|(id, e)| {
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
        let anchor = if self.render_all || self.with(|s| s.stick) { None } else { self.first_in_view(&el) };
        let next = if self.render_all {
            Window::whole(all.len())
        } else if self.with(|s| s.stick) {
            Window::tail(&all, viewport)
        } else {
            let top = anchor
                .as_ref()
                .and_then(|(id, rel)| {
                    let index = self.places.with_untracked(|p| p.iter().position(|row| &row.id == id))?;
                    Some(offset_of(&all, index) - rel)
                })
                .unwrap_or_else(|| el.scroll_top() as f64);
            Window::around(&all, top, viewport)
        };
        self.with(|s| s.anchor = anchor);
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
        let (stick, anchor, announce, again) = self.with(|s| {
            if s.shown.len() == tops.len() {
                let bottoms = tops.iter().skip(1).copied().chain(end);
                for ((id, top), bottom) in s.shown.iter().zip(&tops).zip(bottoms) {
                    s.heights.record(id.clone(), bottom - top);
                }
            }
            let anchor = s.anchor.as_ref().and_then(|(id, rel)| Some((s.shown.iter().position(|r| r == id)?, *rel)));
            s.passes += 1;
            (s.stick, anchor, std::mem::take(&mut s.announce_newest), s.passes <= MAX_PASSES)
        });
        if stick {
            el.set_scroll_top(el.scroll_height());
            if announce {
                self.announcement.set(elements.last().and_then(|e| e.text_content()).unwrap_or_default());
            }
        } else if let Some((e, rel)) = anchor.and_then(|(i, rel)| Some((elements.get(i)?, rel))) {
            let moved = e.get_bounding_client_rect().top() - el.get_bounding_client_rect().top() - rel;
            el.set_scroll_top(el.scroll_top() + moved.round() as i32);
        }
        if again {
            self.relayout(false);
        }
    }

    fn scroll_to_bottom(self) {
        self.with(|s| {
            s.stick = true;
            s.passes = 0;
        });
        self.unseen.set(false);
        self.relayout(true);
    }

    fn on_scroll(self) {
        let Some(el) = self.list.get_untracked() else { return };
        let at_bottom = el.scroll_height() - el.scroll_top() - el.client_height() <= STICK_SLACK_PX;
        self.with(|s| {
            s.stick = at_bottom;
            s.passes = 0;
        });
        if at_bottom {
            self.unseen.set(false);
        }
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
    let state = ScrollState { stick: true, ..ScrollState::default() };
    let first = places.with_untracked(|p| vec![state.heights.estimate(); p.len()]);
    let window =
        RwSignal::new(if render_all { Window::whole(first.len()) } else { Window::tail(&first, INITIAL_VIEWPORT_PX) });
    let scroll = ThreadScroll {
        places,
        window,
        list: NodeRef::new(),
        below: NodeRef::new(),
        unseen: RwSignal::new(false),
        announcement: RwSignal::new(String::new()),
        state: StoredValue::new(state),
        render_all,
    };
    let (list, unseen, locale) = (scroll.list, scroll.unseen, lang());
    // Only the window's rows are materialised, and only here; `window` is set after every change of the log.
    let window_rows = move || {
        let w = window.get();
        let rows =
            log.with_untracked(|l| places.with_untracked(|p| thread_rows(l, p, w.start..w.end, t.you, other_name)));
        scroll.with(|s| s.shown = rows.iter().map(|row| row.id.clone()).collect());
        rows
    };

    Effect::new(move |ran: Option<()>| {
        let first_run = ran.is_none();
        // Named by sender and client id, not by row: a receipt or a stored copy is not a new message.
        let newest = log.with(|l| {
            l.pending()
                .last()
                .map(|p| (true, p.client_id.clone()))
                .or_else(|| l.stored().next_back().map(|m| (m.sender == me, m.client_id.clone())))
        });
        let arrived = scroll.with(|s| {
            s.passes = 0;
            if newest.is_none() || newest == s.newest {
                return None;
            }
            let mine = newest.as_ref().is_some_and(|(mine, _)| *mine);
            s.newest = newest;
            // Your own new message always brings you to the bottom.
            s.stick |= mine;
            s.announce_newest = s.stick && !first_run && !mine;
            Some(s.stick)
        });
        match arrived {
            Some(true) => scroll.unseen.set(false),
            Some(false) => {
                scroll.unseen.set(true);
                scroll.announcement.set(t.new_messages.into());
            }
            None => {}
        }
        // The first time, the rows on screen were just rendered from this log: only measure and place them.
        if !scroll.relayout(!first_run) {
            scroll.after_render();
        }
    });
    // The widget mounts the thread in a hidden panel, and windows get resized:
    // a new size needs a new window (and, for a reader at the bottom, the bottom).
    let on_resize = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
        scroll.with(|s| s.passes = 0);
        scroll.relayout(false);
    });
    if let Ok(observer) = web_sys::ResizeObserver::new(on_resize.as_ref().unchecked_ref()) {
        let kept = StoredValue::new_local((observer, on_resize));
        Effect::new(move |_| {
            if let Some(el) = list.get() {
                kept.with_value(|(observer, _)| observer.observe(&el));
            }
        });
        on_cleanup(move || kept.with_value(|(observer, _)| observer.disconnect()));
    }
    let empty_text = empty_text.unwrap_or_else(|| t.empty_thread.into());
    // Whole pixels, written as integers: formatting floats would add its code to the widget.
    let px = |v: f64| format!("{}px", v.round() as i64);

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
                    <MessageRow row=row log=log on_retry=on_retry t=t locale=locale/>
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
fn MessageRow(
    row: ThreadRow,
    log: Signal<ThreadLog>,
    on_retry: Callback<String>,
    t: &'static Texts,
    locale: Locale,
) -> impl IntoView {
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
                RowBody::Text(text) => view! { <div class="ts-msg__bubble">{text}</div> }.into_any(),
                RowBody::Update { state, text, total, carrier, tracking } => {
                    let line = t
                        .order_update(state, total.as_ref(), carrier.as_deref(), tracking.as_deref(), Some(locale))
                        .unwrap_or(text);
                    view! { <div class="ts-status">{line}</div> }.into_any()
                }
                RowBody::Card(seq) => parts::card(log, seq).into_any(),
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
