//! Screens and cards the buyer does not need at the first open, loaded on
//! first use.
//!
//! The widget's release build (`scripts/widget-wasm.sh`, `--cfg talkshop_split`)
//! runs `wasm-split` on the wasm: every function below marked
//! `#[cfg_attr(talkshop_split, wasm_split(…))]` moves, with the code only it
//! reaches, into the wasm file of its group (`panels`: cart, checkout, my
//! orders, product detail; `cards`: the product, list, order, payment and
//! attachment cards of the thread, and the readers of what they show, see
//! [`read_json`]; `identify`: identity verification, see `crate::embed`;
//! `upload`: sending a photo or a PDF (the chosen file's line in the
//! composer, and the upload), see `crate::chat_session`; `away`: the form to
//! leave an e-mail address when nobody is at the console, see
//! `crate::components::away_notice`; one group per language other than
//! English, see `crate::i18n::load`), which the browser fetches the first
//! time one of them is needed. Everywhere else (the console, debug builds,
//! the widget tests) they are ordinary calls, so the same code is tested. A
//! group that fails to load (offline) shows a retry instead of the screen;
//! nothing is lost, the next attempt fetches it again. Their rules
//! (`style/parts.css`) come with them too: see `crate::parts_style`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos::wasm_split::SplitLoaderError;
use talkshop_protocol::thread::ThreadLog;
use talkshop_protocol::{Cart, Contact, Fulfilment, MessageBody};

use crate::cart_state::{CartState, OrderToSend};
use crate::chat_session::ChatSession;
use crate::components::attachment_card::AttachmentCard;
use crate::components::away_notice::AwayForm;
use crate::components::cart_view::CartView;
use crate::components::checkout::Checkout;
use crate::components::composer::AttachDraft;
use crate::components::my_orders::MyOrders;
use crate::components::order_card::OrderCard;
use crate::components::payment_card::PaymentCard;
use crate::components::product_card::ProductCard;
use crate::components::product_detail::ProductDetail;
use crate::components::product_list_card::ProductListCard;
use crate::i18n::{more, texts};
use crate::parts_style;
use crate::widget::HostLink;

/// A part's code could not be fetched (offline, or the server was restarted
/// on a newer build): the next attempt fetches it again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartUnavailable;

impl From<SplitLoaderError> for PartUnavailable {
    fn from(_: SplitLoaderError) -> Self {
        PartUnavailable
    }
}

/// A part's view, or why its code could not be fetched.
pub type Loaded = Result<AnyView, PartUnavailable>;

/// One attempt at a part: its future view.
pub type Attempt = std::pin::Pin<Box<dyn std::future::Future<Output = Loaded>>>;

/// What the panel shows instead of the chat.
pub enum Panel {
    Cart { cart: CartState, on_back: Callback<()>, on_send: Callback<Option<String>>, on_orders: Callback<()> },
    Checkout(Box<CheckoutPanel>),
    Orders { on_back: Callback<()> },
    Product { retailer_id: String, cart: CartState, on_back: Callback<()>, on_added: Callback<()> },
}

pub struct CheckoutPanel {
    pub shop: String,
    /// The cart (its subtotal is worked out here, and the order sent, with the panels' code).
    pub cart: CartState,
    /// The conversation the order goes into (opened first if there is none yet).
    pub session: ChatSession,
    /// The host page hears of the placed order.
    pub host: HostLink,
    /// The cart's note for the shop, written before the checkout step.
    pub note: RwSignal<Option<String>>,
    pub on_back: Callback<()>,
    /// The order is in the thread.
    pub on_placed: Callback<()>,
}

/// A thread card: the stored message with this `seq` in the thread's log.
/// Its body is copied out of the log by the `cards` part's code.
pub struct Card {
    pub log: Signal<ThreadLog>,
    pub seq: i64,
}

#[cfg_attr(talkshop_split, leptos::wasm_split::wasm_split(panels, wasm_split_path = leptos::wasm_split, fallible))]
fn panel_view(panel: Panel) -> Loaded {
    parts_style::adopt();
    let t = more();
    Ok(match panel {
        Panel::Cart { cart, on_back, on_send, on_orders } => view! {
            <button class="ts-link ts-cart__orders" type="button" on:click=move |_| on_orders.run(())>{t.my_orders_link}</button>
            <CartView cart=cart on_back=on_back on_send=on_send/>
        }
        .into_any(),
        Panel::Checkout(p) => {
            let CheckoutPanel { shop, cart, session, host, note, on_back, on_placed } = *p;
            let subtotal = Signal::derive(move || cart.cart.with(|c| c.as_ref().and_then(Cart::subtotal)));
            let on_send = Callback::new(move |(contact, fulfilment): (Contact, Fulfilment)| {
                let note = note.get_untracked();
                spawn_local(async move {
                    let conversation = match session.conversation_id().await {
                        Ok(id) => id,
                        Err(err) => return cart.error.set(Some(err)),
                    };
                    let order = OrderToSend { conversation, note, contact, fulfilment };
                    if let Some(placed) = cart.place_order(order).await {
                        if placed.event.is_some() {
                            host.order.set(placed.event);
                        }
                        session.accept(vec![placed.message]);
                        on_placed.run(());
                    }
                })
            });
            let busy: Signal<bool> = cart.busy.into();
            // The shop's shipping terms, read as the checkout opens (the widget's
            // first load reads only what its header shows): current, and their
            // reader is the panels' code.
            let attempt = RwSignal::new(0u32);
            (move || {
                attempt.track();
                let (api, shop) = (session.api.get_value(), shop.clone());
                let id = shop.clone();
                let look = send_wrapper::SendWrapper::new(async move { api.shop_look(&id).await });
                Suspend::new(async move {
                    match look.await {
                        Ok(look) => view! {
                            <Checkout shop=shop look=Signal::stored(Some(look)) busy=busy error=cart.error subtotal=subtotal
                                on_back=on_back on_send=on_send/>
                        }
                        .into_any(),
                        Err(err) => view! {
                            <button class="ts-back" type="button" on:click=move |_| on_back.run(())>{t.back}</button>
                            {retry_notice(err.message, attempt)}
                        }
                        .into_any(),
                    }
                })
            })
            .into_any()
        }
        Panel::Orders { on_back } => view! { <MyOrders on_back=on_back/> }.into_any(),
        Panel::Product { retailer_id, cart, on_back, on_added } => {
            view! { <ProductDetail retailer_id=retailer_id cart=cart on_back=on_back on_added=on_added/> }.into_any()
        }
    })
}

#[cfg_attr(talkshop_split, leptos::wasm_split::wasm_split(cards, wasm_split_path = leptos::wasm_split, fallible))]
fn card_view(card: Card) -> Loaded {
    parts_style::adopt();
    let body = card.log.with_untracked(|log| log.by_seq(card.seq).map(|m| m.body.clone()));
    Ok(match body {
        Some(MessageBody::Product { retailer_id, body, footer }) => {
            view! { <ProductCard retailer_id=retailer_id body=body footer=footer/> }.into_any()
        }
        Some(MessageBody::ProductList { header, body, footer, sections }) => {
            view! { <ProductListCard header=header body=body footer=footer sections=sections/> }.into_any()
        }
        Some(MessageBody::Order { order }) => view! { <OrderCard order=order/> }.into_any(),
        Some(MessageBody::PaymentRequest { request }) => view! { <PaymentCard request=*request/> }.into_any(),
        Some(MessageBody::Attachment(attachment)) => view! { <AttachmentCard attachment=attachment/> }.into_any(),
        // Drawn by the thread itself, or no longer held.
        Some(MessageBody::Text { .. } | MessageBody::OrderStatus { .. }) | None => ().into_any(),
    })
}

#[cfg_attr(talkshop_split, leptos::wasm_split::wasm_split(away, wasm_split_path = leptos::wasm_split, fallible))]
fn away_form_view(session: ChatSession) -> Loaded {
    parts_style::adopt();
    Ok(view! { <AwayForm session=session/> }.into_any())
}

#[cfg_attr(talkshop_split, leptos::wasm_split::wasm_split(upload, wasm_split_path = leptos::wasm_split, fallible))]
fn draft_view(draft: Draft) -> Loaded {
    parts_style::adopt();
    Ok(view! { <AttachDraft draft=draft.file alt=draft.alt/> }.into_any())
}

/// A file chosen in the composer, waiting to be sent, and its description.
pub struct Draft {
    pub file: RwSignal<Option<web_sys::File>, LocalStorage>,
    pub alt: RwSignal<String>,
}

/// Shows `part` once its code is there: at once when it already is (always
/// outside the split release build), else after the fetch; if the fetch
/// fails, a line saying so and a button to try again.
pub fn show(part: impl Fn() -> Attempt + Send + Sync + 'static) -> AnyView {
    shown(Box::new(part))
}

/// [`show`] for any part: one copy of this view in the wasm, not one per
/// place a part is shown (−1.2 KB brotli).
fn shown(part: Box<dyn Fn() -> Attempt + Send + Sync>) -> AnyView {
    let attempt = RwSignal::new(0u32);
    (move || {
        attempt.track();
        let future = send_wrapper::SendWrapper::new(part());
        Suspend::new(async move {
            match future.await {
                Ok(view) => view,
                Err(_) => retry_notice(texts().part_failed.to_owned(), attempt),
            }
        })
    })
    .into_any()
}

/// What went wrong, as text, and a *Retry* button that counts one more `attempt`.
fn retry_notice(message: String, attempt: RwSignal<u32>) -> AnyView {
    let t = texts();
    view! {
        <p class="ts-notice" role="alert">{message}
            " " <button class="ts-link" type="button" on:click=move |_| attempt.update(|n| *n += 1)>{t.retry}</button>
        </p>
    }
    .into_any()
}

/// One attempt at calling a part's function: a fetch of its code first in the
/// split build, a plain call elsewhere.
macro_rules! attempt {
    ($part:ident($arg:expr)) => {{
        #[cfg(talkshop_split)]
        let attempt: Attempt = Box::pin($part($arg));
        #[cfg(not(talkshop_split))]
        let attempt: Attempt = Box::pin(std::future::ready($part($arg)));
        attempt
    }};
}

/// Calls a part's function from async code: `Err(PartUnavailable)` when its
/// code cannot be fetched (split build), a plain call elsewhere.
macro_rules! call_part {
    ($part:ident($arg:expr)) => {{
        #[cfg(talkshop_split)]
        let called = $part($arg).await;
        #[cfg(not(talkshop_split))]
        let called = $part($arg);
        called
    }};
}
pub(crate) use call_part;

/// Installs the readers of what cards and panels show (`talkshop_protocol::deferred`):
/// in the split build they come with the `cards` part.
#[cfg_attr(talkshop_split, leptos::wasm_split::wasm_split(cards, wasm_split_path = leptos::wasm_split, fallible))]
fn install_readers() -> Result<(), PartUnavailable> {
    talkshop_protocol::deferred::install(talkshop_protocol::deferred::Readers::full());
    Ok(())
}

/// Why JSON from the server could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unread {
    /// It is not what was expected.
    Bad,
    /// It holds a card or a rare frame, and the `cards` part (their readers)
    /// could not be fetched: reading it again later may work.
    PartUnavailable,
}

/// Reads JSON from the server. In the split build, a card, a product, an
/// order, a payment request or a cart in it needs the readers of the `cards`
/// part: the part is fetched then (once) and the same text read again.
pub async fn read_json<T: crate::reading::ReadJson>(text: &str) -> Result<T, Unread> {
    match T::read_json(text) {
        Err(_) if talkshop_protocol::deferred::missing() => {
            #[cfg(talkshop_split)]
            let installed = install_readers().await;
            #[cfg(not(talkshop_split))]
            let installed = install_readers();
            installed.map_err(|_| Unread::PartUnavailable)?;
            T::read_json(text).map_err(|_| Unread::Bad)
        }
        read => read.map_err(|_| Unread::Bad),
    }
}

/// The panel `make` describes, loaded on first use.
pub fn panel(make: impl Fn() -> Panel + Send + Sync + 'static) -> impl IntoView {
    show(move || attempt!(panel_view(make())))
}

/// The card of the message `seq` in `log`, loaded on first use.
pub fn card(log: Signal<ThreadLog>, seq: i64) -> impl IntoView {
    show(move || attempt!(card_view(Card { log, seq })))
}

/// Outside business hours, the form to leave an e-mail address, loaded on first use.
pub fn away_form(session: ChatSession) -> impl IntoView {
    show(move || attempt!(away_form_view(session)))
}

/// The composer's chosen file, waiting to be sent (the `upload` part's code, like the upload itself).
pub fn draft(file: RwSignal<Option<web_sys::File>, LocalStorage>, alt: RwSignal<String>) -> impl IntoView {
    show(move || attempt!(draft_view(Draft { file, alt })))
}
