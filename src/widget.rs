//! The buyer's chat widget: launcher, panel, thread and composer, live.

use gloo_timers::future::TimeoutFuture;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::locale::Locale;
use talkshop_protocol::{ApiError, ClientFrame, ErrorCode, Sender, ServerFrame};
use wasm_bindgen::JsCast;

use crate::api::Api;
use crate::cart_state::CartState;
use crate::catalog_cache::CatalogCache;
use crate::chat_outbox::ChatOutbox;
use crate::chat_session::ChatSession;
use crate::components::attachment_card::FileAccess;
use crate::components::away_notice::AwayNotice;
use crate::components::composer::Composer;
use crate::components::connection_banner::ConnectionBanner;
use crate::components::launcher::Launcher;
use crate::components::payment_card::Payments;
use crate::components::shop_status::ShopStatus;
use crate::components::thread_view::ThreadView;
use crate::components::typing_indicator::TypingIndicator;
use crate::device;
use crate::i18n::{choose_locale, fill, texts_for, Lang};
use crate::live::{LinkState, Live};
use crate::parts;
use crate::shop_context::ProductOpener;

/// What the panel shows under its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PanelView {
    Chat,
    Cart,
    Orders,
    Product(String),
    /// Contact and delivery, after *Send order* in the cart.
    Checkout,
}

fn shop_name_key(shop: &str) -> String {
    format!("talkshop.shopname.{shop}")
}

/// The one-time code of a resume link in the page's address, removed from the
/// address at once (it must not stay in the history or be bookmarked).
fn take_resume_code() -> Option<String> {
    let (code, rest) = device::take_query_param("ts_resume")?;
    let location = web_sys::window()?.location();
    let path = location.pathname().unwrap_or_default();
    device::replace_address(&format!("{path}{rest}{}", location.hash().unwrap_or_default()));
    Some(code).filter(|c| !c.is_empty() && c.len() <= 128 && c.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// A link from a mail (`?ts_resume=…`) reopens the buyer's conversation on
/// this device, once: the session it gives replaces this device's. A used or
/// expired link leaves the visitor as it was. Answers whether it resumed.
pub async fn resume_from_link(base: &Api, shop: &str) -> bool {
    let Some(code) = take_resume_code() else { return false };
    match base.resume(shop, &device::device_id(), &code).await {
        Ok(visitor) => {
            device::save(&device::visitor_key(shop), &visitor.token);
            device::save(&shop_name_key(shop), &visitor.shop.name);
            true
        }
        Err(_) => false,
    }
}

/// Signs the visitor in (reusing the token this browser keeps), finds their
/// conversation and loads it. Returns the API client carrying the token.
async fn bootstrap(
    shop: &str,
    base: &Api,
    session: ChatSession,
    shop_name: RwSignal<String>,
    read_seq: RwSignal<i64>,
) -> Result<Api, ApiError> {
    let device_id = device::device_id();
    let key = device::visitor_key(shop);
    resume_from_link(base, shop).await;
    let mut fresh = false;
    let token = match device::load(&key) {
        Some(token) => token,
        None => {
            let visitor = base.create_visitor(shop, &device_id).await?;
            device::save(&key, &visitor.token);
            device::save(&shop_name_key(shop), &visitor.shop.name);
            fresh = true;
            visitor.token
        }
    };
    let mut api = base.with_token(token);
    let conversations = match api.conversations().await {
        // An expired or foreign token: start over as a new visitor, once.
        Err(err) if err.code == ErrorCode::Unauthorized && !fresh => {
            device::forget(&key);
            let visitor = base.create_visitor(shop, &device_id).await?;
            device::save(&key, &visitor.token);
            device::save(&shop_name_key(shop), &visitor.shop.name);
            api = base.with_token(visitor.token);
            api.conversations().await?
        }
        other => other?,
    };
    if let Some(name) = device::load(&shop_name_key(shop)) {
        shop_name.set(name);
    }
    session.api.set_value(api.clone());
    if let Some(conversation) = conversations.into_iter().find(|c| c.shop.id == shop) {
        shop_name.set(conversation.shop.name.clone());
        // What this buyer already read (in any tab or device) is not unread here.
        read_seq.update(|r| *r = (*r).max(conversation.read_seq));
        session.load(conversation).await?;
    }
    Ok(api)
}

/// What the widget shares with the page that embeds it (`window.Talkshop`):
/// the host opens and closes the panel, and hears about unread messages and orders.
#[derive(Debug, Clone, Copy)]
pub struct HostLink {
    pub open: RwSignal<bool>,
    pub unread: RwSignal<usize>,
    pub order: RwSignal<Option<OrderEvent>>,
}

impl HostLink {
    pub fn new(open: bool) -> HostLink {
        HostLink { open: RwSignal::new(open), unread: RwSignal::new(0), order: RwSignal::new(None) }
    }
}

/// An order the buyer placed, or a change of its payment state.
/// The host page gets it as the `order` event's detail (`embed.rs`, `to_js`: camelCase names).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderEvent {
    /// `placed` or the payment state (`requested`, `paid`, `shipped`, …).
    pub status: String,
    pub order_id: Option<String>,
    pub payment_request_id: Option<String>,
    pub total: String,
    pub currency: String,
}

/// A live update of what only cards show.
enum CardFrame {
    Products(CatalogCache, Vec<talkshop_protocol::Product>),
    Payment(Payments, HostLink, Box<talkshop_protocol::payment::PaymentRequest>),
}

/// Applies a [`CardFrame`]. Its code comes with the cards: the frame was read
/// by their readers, so the part is there already (`src/parts.rs`).
fn card_frame(frame: CardFrame) {
    #[cfg(talkshop_split)]
    spawn_local(async move {
        let _ = apply_card_frame(frame).await;
    });
    #[cfg(not(talkshop_split))]
    let _ = apply_card_frame(frame);
}

#[cfg_attr(talkshop_split, leptos::wasm_split::wasm_split(cards, wasm_split_path = leptos::wasm_split, fallible))]
fn apply_card_frame(frame: CardFrame) -> Result<(), crate::parts::PartUnavailable> {
    match frame {
        CardFrame::Products(catalog, products) => catalog.apply(products),
        CardFrame::Payment(payments, host, request) => {
            // The page hears about a new state once (not about an address correction).
            let known = payments.requests.with_untracked(|m| m.get(&request.id).map(|r| r.state));
            if known != Some(request.state) {
                host.order.set(Some(OrderEvent {
                    status: request.state.label().to_owned(),
                    order_id: request.order_id.clone(),
                    payment_request_id: Some(request.id.clone()),
                    total: request.total.amount.to_string(),
                    currency: request.total.currency.code().to_owned(),
                }));
            }
            payments.apply(*request);
        }
    }
    Ok(())
}

/// Keeps this visitor's unsent messages in their outbox (named by the token's visitor).
fn use_outbox_of(session: ChatSession, shop: &str, token: &str) {
    if let Some(visitor) = device::token_subject(token) {
        session.use_outbox(ChatOutbox::new(shop, &visitor));
    }
}

#[component]
pub fn ChatWidget(
    shop: String,
    #[prop(optional)] api_base: String,
    /// Open the panel at once (the buyer clicked the launcher before the wasm loaded).
    #[prop(optional)]
    start_open: bool,
    /// The widget's language; the browser's when not given.
    #[prop(optional)]
    locale: Option<Locale>,
    /// The embedding page's side of the widget (open state, events).
    #[prop(optional)]
    host: Option<HostLink>,
) -> impl IntoView {
    let locale = locale.unwrap_or_else(|| choose_locale(None));
    provide_context(Lang(locale));
    let t = texts_for(locale);
    let host = host.unwrap_or_else(|| HostLink::new(start_open));
    let base = Api::new(api_base);
    let session = ChatSession::new(base.clone(), Sender::Buyer);
    let open = host.open;
    let shop_name = RwSignal::new(String::from(t.shop));
    // The owner's logo letter and colour (Settings), once known.
    let look = RwSignal::new(None::<talkshop_protocol::ShopHeader>);
    // Whether and when the shop answers: with the look, then live from the socket.
    let availability = RwSignal::new(talkshop_protocol::presence::ShopAvailability::unknown());
    let boot_error = RwSignal::new(None::<ApiError>);
    let ready = RwSignal::new(false);
    let live = RwSignal::new(None::<Live>);
    let catalog = CatalogCache::new(base.clone());
    let cart = CartState::new(base.clone(), &shop);
    let panel = RwSignal::new(PanelView::Chat);
    provide_context(catalog);
    let payments = Payments::new(base.clone(), true);
    provide_context(payments);
    provide_context(FileAccess(session.api));
    provide_context(ProductOpener(Callback::new(move |id| panel.set(PanelView::Product(id)))));
    // The highest seq the buyer has seen with the panel open.
    let read_seq = RwSignal::new(0i64);

    let on_frame = move |frame: ServerFrame, live: Live| match frame {
        ServerFrame::Ready => {
            if let Some(id) = session.conversation.get_untracked() {
                let after_seq = session.log.with_untracked(|l| l.last_seq());
                live.send(&ClientFrame::Resume { conversation_id: id, after_seq });
            }
            session.forget_acknowledged();
            session.attach(live);
            session.retry_failed();
            cart.flush();
        }
        ServerFrame::Typing { conversation_id, sender } => session.saw_typing(&conversation_id, sender),
        ServerFrame::Delivered { conversation_id, party, seq } => session.saw_marks(&conversation_id, party, seq, 0),
        ServerFrame::Read { conversation_id, reader, seq } => {
            session.saw_marks(&conversation_id, reader, seq, seq);
            // Read in another tab or device: the badge clears here too.
            if reader == Sender::Buyer && session.conversation.get_untracked().as_deref() == Some(&conversation_id) {
                read_seq.update(|r| *r = (*r).max(seq));
            }
        }
        ServerFrame::CartChanged { cart: changed } => cart.accept(changed),
        ServerFrame::ProductsChanged { products } => card_frame(CardFrame::Products(catalog, products)),
        ServerFrame::PaymentUpdated { request } => card_frame(CardFrame::Payment(payments, host, request)),
        ServerFrame::Message { message } => {
            if session.conversation.get_untracked().is_none() {
                session.conversation.set(Some(message.conversation_id.clone()));
            }
            session.accept_live(message);
        }
        ServerFrame::Backlog { messages, .. } => session.accept(messages),
        ServerFrame::Availability { availability: now } => availability.set(now),
        _ => {}
    };

    // Messages left unsent by an earlier visit (or another tab) show at once, even offline.
    if let Some(token) = device::load(&device::visitor_key(&shop)) {
        use_outbox_of(session, &shop, &token);
    }
    let booting = StoredValue::new(false);
    let boot_now = StoredValue::new(false);
    let start = {
        let shop = shop.clone();
        move || {
            if booting.get_value() {
                boot_now.set_value(true); // Retry clicked: skip the rest of the wait
                return;
            }
            booting.set_value(true);
            let shop = shop.clone();
            let base = base.clone();
            boot_error.set(None);
            spawn_local(async move {
                // Unreachable: try again by itself with backoff, so the outbox goes out when the shop is back.
                let mut wait_ms = 2_000;
                loop {
                    match bootstrap(&shop, &base, session, shop_name, read_seq).await {
                        Ok(api) => {
                            if let Ok(header) = base.shop_header(&shop).await {
                                shop_name.set(header.name.clone());
                                availability.set(header.availability.clone());
                                look.set(Some(header));
                            }
                            catalog.set_api(api.clone());
                            payments.api.set_value(api.clone());
                            cart.set_api(api.clone());
                            if let Some(token) = api.token.as_deref() {
                                use_outbox_of(session, &shop, token);
                            }
                            ready.set(true);
                            boot_error.set(None);
                            if live.with_untracked(Option::is_none) {
                                live.set(Some(Live::start(api, on_frame)));
                            }
                        }
                        Err(err) => {
                            let unreachable = err.code == ErrorCode::Unavailable;
                            let gone = boot_error.try_set(Some(err)).is_some();
                            if unreachable && !gone {
                                let mut waited = 0;
                                while waited < wait_ms && boot_now.try_get_value() == Some(false) {
                                    TimeoutFuture::new(250).await;
                                    waited += 250;
                                }
                                boot_now.try_set_value(false);
                                wait_ms = (wait_ms * 2).min(30_000);
                                continue;
                            }
                        }
                    }
                    break;
                }
                booting.try_set_value(false);
            });
        }
    };
    start();

    let link = move || live.get().map(|l| l.link.get());
    let unread = Memo::new(move |_| session.log.with(|l| l.unread_from(Sender::Merchant, read_seq.get())));
    Effect::new(move |_| host.unread.set(unread.get()));
    // Focus follows the panel: into it when it opens, back to the launcher when it closes.
    let panel_ref = NodeRef::<html::Section>::new();
    let launcher_ref = NodeRef::<html::Button>::new();
    Effect::new(move |was_open: Option<bool>| {
        let is_open = open.get();
        if is_open && was_open != Some(true) {
            request_animation_frame(move || {
                let target = panel_ref.get_untracked().and_then(|p| p.query_selector("textarea").ok().flatten());
                if let Some(el) = target.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
                    let _ = el.focus();
                }
            });
        } else if !is_open && was_open == Some(true) {
            if let Some(button) = launcher_ref.get_untracked() {
                let _ = button.focus();
            }
        }
        is_open
    });
    // While the panel is open, everything shown is read; tell the server.
    Effect::new(move |_| {
        let last = session.log.with(|l| l.last_seq());
        if open.get() && ready.get() && last > read_seq.get_untracked() {
            read_seq.set(last);
            if let Some(id) = session.conversation.get_untracked() {
                let api = session.api.get_value();
                spawn_local(async move {
                    let _ = api.mark_read(&id, last).await;
                });
            }
        }
    });

    let problem = Signal::derive(move || {
        // Not reached at all: say so in the buyer's language (the server's own errors keep their text).
        let boot = boot_error.get().map(|e| match e.code {
            ErrorCode::Unavailable => ApiError::new(ErrorCode::Unavailable, t.connection_lost),
            _ => e,
        });
        boot.or_else(|| match link() {
            Some(LinkState::Offline) => Some(ApiError::new(ErrorCode::Unavailable, t.connection_lost)),
            _ => None,
        })
    });
    let retry = {
        let start = start.clone();
        move |_| {
            if boot_error.get_untracked().is_some() {
                start();
            } else if let Some(l) = live.get_untracked() {
                l.reconnect_now();
            }
        }
    };
    // Opening or closing by the schedule: ask again once the time has passed (no staff event may come then).
    let recheck_at = {
        let shop = shop.clone();
        move |at: i64| {
            let (base, shop) = (session.api.get_value(), shop.clone());
            spawn_local(async move {
                let wait = (at - js_sys::Date::now() as i64).clamp(0, i32::MAX as i64) as u32;
                TimeoutFuture::new(wait.saturating_add(1_000)).await;
                if availability.try_with_untracked(|a| a.changes_at()) == Some(Some(at)) {
                    if let Ok(header) = base.shop_header(&shop).await {
                        availability.try_set(header.availability);
                    }
                }
            });
        }
    };
    Effect::new(move |_| {
        if let Some(at) = availability.with(|a| a.changes_at()) {
            recheck_at(at);
        }
    });
    let on_send = move |text: String| session.send(text);
    // The cart's note waits while the buyer fills in the checkout step.
    let order_note = RwSignal::new(None::<String>);
    let to_checkout = Callback::new(move |note: Option<String>| {
        order_note.set(note);
        cart.error.set(None);
        panel.set(PanelView::Checkout);
    });
    let to_chat = Callback::new(move |_| panel.set(PanelView::Chat));
    let checkout_shop = shop.clone();
    let cart_count = move || cart.item_count();

    view! {
        <div class="ts-root" class:ts-root--open=move || open.get()>
            <section class="ts-panel" class:ts-panel--open=move || open.get() role="dialog" aria-label=t.panel_label
                node_ref=panel_ref hidden=move || !open.get()
                on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Escape" { ev.stop_propagation(); open.set(false); }>
                <header class="ts-header">
                    <div class="ts-avatar" aria-hidden="true"
                        style:background=move || look.with(|l| l.as_ref().and_then(|l| l.color()).map(str::to_owned))>
                        {move || look.with(|l| match l {
                            Some(l) => l.logo_initial.clone(),
                            None => shop_name.with(|n| n.chars().next().unwrap_or('S').to_string()),
                        })}
                    </div>
                    <div class="ts-header__title">
                        <h2 class="ts-header__name">{move || shop_name.get()}</h2>
                        <ShopStatus link=Signal::derive(link) failed=Signal::derive(move || boot_error.with(Option::is_some)) availability=availability/>
                    </div>
                    <button class="ts-header__cart" type="button"
                        aria-label=move || fill(t.cart_label, "n", cart_count())
                        on:click=move |_| panel.set(PanelView::Cart)>
                        <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M7 18a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm10 0a2 2 0 1 0 0 4 2 2 0 0 0 0-4zM5.2 4H2V2h4.8l.9 2H21l-3.3 8H8.1l-1 2H19v2H4l2.6-5.1L5.2 4z"></path></svg>
                        <Show when=move || { cart_count() > 0 }>
                            <span class="ts-badge">{cart_count}</span>
                        </Show>
                    </button>
                    <button class="ts-header__close" type="button" aria-label=t.close_chat on:click=move |_| open.set(false)>"×"</button>
                </header>
                <ConnectionBanner problem=problem on_retry=Callback::new(retry)/>
                {move || match panel.get() {
                    PanelView::Chat => ().into_any(),
                    PanelView::Cart => parts::panel(move || parts::Panel::Cart {
                        cart, on_back: to_chat, on_send: to_checkout, on_orders: Callback::new(move |_| panel.set(PanelView::Orders)),
                    }).into_any(),
                    PanelView::Checkout => {
                        let shop = checkout_shop.clone();
                        parts::panel(move || parts::Panel::Checkout(Box::new(parts::CheckoutPanel {
                            shop: shop.clone(), cart, session, host, note: order_note,
                            on_back: Callback::new(move |_| panel.set(PanelView::Cart)), on_placed: to_chat,
                        }))).into_any()
                    }
                    PanelView::Orders => parts::panel(move || parts::Panel::Orders { on_back: to_chat }).into_any(),
                    PanelView::Product(id) => parts::panel(move || parts::Panel::Product {
                        retailer_id: id.clone(), cart, on_back: to_chat, on_added: Callback::new(move |_| panel.set(PanelView::Cart)),
                    }).into_any(),
                }}
                <div class="ts-chat" hidden=move || panel.with(|p| *p != PanelView::Chat)>
                <AwayNotice session=session availability=availability/>
                <ThreadView log=session.log me=Sender::Buyer other_name=t.shop on_retry=Callback::new(move |id| session.retry(id))
                    has_older=session.has_older on_load_older=Callback::new(move |_| spawn_local(async move {
                        if let Err(err) = session.load_older().await { session.notice.set(Some(err)); }
                    }))/>
                <Show when=move || session.notice.with(|n| n.as_ref().is_some_and(|n| n.code != ErrorCode::Unavailable))>
                    <p class="ts-notice" role="status">{move || session.notice.get().map(|n| n.message).unwrap_or_default()}</p>
                </Show>
                <TypingIndicator shown=session.peer_typing text=t.shop_typing/>
                <Composer on_send=Callback::new(on_send) disabled=Signal::derive(move || !ready.get() && !session.has_outbox())
                    on_typing=Callback::new(move |_| session.typed())
                    on_attach=Callback::new(move |(file, alt)| session.send_file(file, alt)) uploading=session.upload/>
                </div>
            </section>
            <Launcher open=open unread=unread node_ref=launcher_ref on_toggle=Callback::new(move |_| open.update(|o| *o = !*o))/>
        </div>
    }
}
