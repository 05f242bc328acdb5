//! Widget and console components rendered in headless Chromium, used the way
//! a person uses them. Run with `wasm-pack test --headless --chrome`.

#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use common::*;
use leptos::prelude::*;
use rust_decimal::Decimal;
use talkshop_protocol::thread::{Delivery, PendingMessage, ThreadLog};
use talkshop_protocol::{
    Availability, Cart, CartLine, CartNotice, ChangeKind, ConversationSummary, Currency, Message, MessageBody, Money,
    Order, OrderLine, Product, ProductOption, ProductSection, Sender, ShopInfo, Variant,
};
use talkshop_widget::api::Api;
use talkshop_widget::cart_state::CartState;
use talkshop_widget::catalog_cache::CatalogCache;
use talkshop_widget::components::cart_view::CartView;
use talkshop_widget::components::composer::Composer;
use talkshop_widget::components::connection_banner::ConnectionBanner;
use talkshop_widget::components::launcher::Launcher;
use talkshop_widget::components::product_detail::ProductDetail;
use talkshop_widget::components::thread_view::ThreadView;
use talkshop_widget::console::inbox::{Inbox, InboxState};
use talkshop_widget::shop_context::ProductOpener;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn message(seq: i64, sender: Sender, body: MessageBody) -> Message {
    Message {
        id: format!("m{seq}"),
        conversation_id: "c1".into(),
        seq,
        sender,
        client_id: format!("k{seq}"),
        body,
        created_at: 1_700_000_000_000 + seq * 1000,
    }
}

fn text_msg(seq: i64, sender: Sender, body: &str) -> Message {
    message(seq, sender, MessageBody::Text { text: body.into() })
}

fn brl(amount: &str) -> Money {
    Money::new(Decimal::from_str_exact(amount).unwrap(), Currency::Brl)
}

fn vase() -> Product {
    Product {
        retailer_id: "VASE-01".into(),
        title: "Terracotta vase".into(),
        description: "Hand thrown".into(),
        image_url: "/catalog-images/demo/VASE-01.svg".into(),
        price: brl("189.00"),
        availability: Availability::InStock,
        options: vec![ProductOption { name: "Size".into(), values: vec!["S".into(), "L".into()] }],
        variants: vec![
            Variant {
                sku: "VASE-01-S".into(),
                options: [("Size".to_string(), "S".to_string())].into(),
                price: brl("149.00"),
                availability: Availability::Limited { quantity: 2 },
            },
            Variant {
                sku: "VASE-01-L".into(),
                options: [("Size".to_string(), "L".to_string())].into(),
                price: brl("189.00"),
                availability: Availability::OutOfStock,
            },
        ],
        version: 1,
        archived: false,
        updated_at: 0,
    }
}

fn recorder<T: Clone + 'static>() -> (Rc<RefCell<Vec<T>>>, Callback<T>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    // Callbacks must be Send + Sync; tests run on the one browser thread.
    let sink = send_wrapper::SendWrapper::new(sink);
    (seen, Callback::new(move |v: T| sink.borrow_mut().push(v)))
}

// ---- ThreadView ----

#[wasm_bindgen_test]
async fn thread_shows_messages_in_order_and_markup_as_text() {
    let mut log = ThreadLog::default();
    log.merge([
        text_msg(2, Sender::Merchant, "<img src=x onerror=alert(1)>"),
        text_msg(1, Sender::Buyer, "<script>alert(1)</script>"),
    ]);
    let log = RwSignal::new(log);
    let root = mount(
        move || view! { <ThreadView log=log me=Sender::Buyer other_name="Shop" on_retry=Callback::new(|_: String| {})/> },
    );
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__bubble"), vec!["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]);
    assert!(all(&root, ".ts-thread script, .ts-thread img").is_empty(), "markup must not become elements");
    let rows = all(&root, ".ts-msg");
    assert!(rows[0].class_list().contains("ts-msg--mine"), "the buyer's own message is on their side");
    assert!(rows[1].class_list().contains("ts-msg--theirs"));
    assert_eq!(get(&root, ".ts-thread").get_attribute("role").as_deref(), Some("log"));
}

#[wasm_bindgen_test]
async fn consecutive_messages_from_one_sender_form_one_group() {
    let mut log = ThreadLog::default();
    log.merge([text_msg(1, Sender::Buyer, "a"), text_msg(2, Sender::Buyer, "b"), text_msg(3, Sender::Merchant, "c")]);
    let log = RwSignal::new(log);
    let root = mount(
        move || view! { <ThreadView log=log me=Sender::Buyer other_name="Shop" on_retry=Callback::new(|_: String| {})/> },
    );
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__author"), vec!["You", "Shop"]);
    assert_eq!(all(&root, ".ts-msg--first").len(), 2);
}

#[wasm_bindgen_test]
async fn pending_and_failed_messages_show_their_state_and_retry() {
    let log = RwSignal::new(ThreadLog::default());
    let (retried, on_retry) = recorder::<String>();
    let root = mount(move || view! { <ThreadView log=log me=Sender::Buyer other_name="Shop" on_retry=on_retry/> });
    log.update(|l| {
        l.push_pending(PendingMessage {
            client_id: "k1".into(),
            text: "first".into(),
            created_at: 0,
            delivery: Delivery::Sending,
        });
        l.push_pending(PendingMessage {
            client_id: "k2".into(),
            text: "second".into(),
            created_at: 0,
            delivery: Delivery::Failed,
        });
    });
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__status"), vec!["Sending…", "Not sent"]);
    click(&root, ".ts-msg__retry");
    assert_eq!(*retried.borrow(), vec!["k2".to_string()]);
    // The stored copy of a pending message replaces it: shown once.
    log.update(|l| {
        let mut stored = text_msg(1, Sender::Buyer, "first");
        stored.client_id = "k1".into();
        l.merge([stored]);
    });
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__bubble"), vec!["first", "second"]);
    assert_eq!(texts(&root, ".ts-msg__status"), vec!["Not sent"]);
}

#[wasm_bindgen_test]
async fn empty_thread_invites_the_buyer() {
    let log = RwSignal::new(ThreadLog::default());
    let root = mount(
        move || view! { <ThreadView log=log me=Sender::Buyer other_name="Shop" on_retry=Callback::new(|_: String| {}) empty_text="Say hi"/> },
    );
    settle().await;
    assert_eq!(text(&root, ".ts-empty"), "Say hi");
}

// ---- Composer ----

#[wasm_bindgen_test]
async fn composer_sends_on_click_and_enter_but_not_blank_text() {
    let (sent, record) = recorder::<String>();
    let on_send = Callback::new(move |t: String| {
        record.run(t);
        true
    });
    let root = mount(move || view! { <Composer on_send=on_send/> });
    settle().await;
    assert!(is_disabled(&root, ".ts-composer__send"), "empty text cannot be sent");
    type_into(&root, ".ts-composer__input", "   \n ");
    settle().await;
    assert!(is_disabled(&root, ".ts-composer__send"), "whitespace cannot be sent");

    type_into(&root, ".ts-composer__input", "Is it in stock?");
    settle().await;
    assert!(!is_disabled(&root, ".ts-composer__send"));
    click(&root, ".ts-composer__send");
    settle().await;
    assert_eq!(*sent.borrow(), vec!["Is it in stock?".to_string()]);
    let field: web_sys::HtmlTextAreaElement = wasm_bindgen::JsCast::unchecked_into(get(&root, ".ts-composer__input"));
    assert_eq!(field.value(), "", "the box is cleared after sending");

    type_into(&root, ".ts-composer__input", "line one");
    press(&root, ".ts-composer__input", "Enter", true);
    settle().await;
    assert_eq!(sent.borrow().len(), 1, "Shift+Enter starts a new line");
    press(&root, ".ts-composer__input", "Enter", false);
    settle().await;
    assert_eq!(sent.borrow().last().map(String::as_str), Some("line one"));
}

#[wasm_bindgen_test]
async fn composer_counts_down_and_refuses_over_4096_characters() {
    let root = mount(move || view! { <Composer on_send=Callback::new(|_: String| true)/> });
    type_into(&root, ".ts-composer__input", &"a".repeat(4097));
    settle().await;
    assert_eq!(text(&root, ".ts-composer__count"), "4097 / 4096");
    assert!(get(&root, ".ts-composer__count").class_list().contains("ts-over"));
    assert!(is_disabled(&root, ".ts-composer__send"));
    type_into(&root, ".ts-composer__input", &"a".repeat(4096));
    settle().await;
    assert!(!is_disabled(&root, ".ts-composer__send"));
}

// ---- Launcher and banner ----

#[wasm_bindgen_test]
async fn launcher_badge_shows_unread_only_while_closed() {
    let open = RwSignal::new(false);
    let unread = RwSignal::new(3usize);
    let (toggles, on_toggle) = recorder::<()>();
    let root = mount(move || view! { <Launcher open=open unread=unread on_toggle=on_toggle/> });
    settle().await;
    assert_eq!(text(&root, ".ts-badge"), "3");
    assert_eq!(get(&root, ".ts-launcher").get_attribute("aria-label").as_deref(), Some("Open chat, 3 unread messages"));
    click(&root, ".ts-launcher");
    assert_eq!(toggles.borrow().len(), 1);
    open.set(true);
    settle().await;
    assert!(find(&root, ".ts-badge").is_none());
    open.set(false);
    unread.set(0);
    settle().await;
    assert!(find(&root, ".ts-badge").is_none());
}

#[wasm_bindgen_test]
async fn connection_banner_offers_retry() {
    let problem = RwSignal::new(None::<talkshop_protocol::ApiError>);
    let (retries, on_retry) = recorder::<()>();
    let root = mount(move || view! { <ConnectionBanner problem=problem on_retry=on_retry/> });
    settle().await;
    assert!(find(&root, ".ts-banner").is_none());
    problem.set(Some(talkshop_widget::api::unreachable()));
    settle().await;
    assert_eq!(get(&root, ".ts-banner").get_attribute("role").as_deref(), Some("alert"));
    assert_eq!(text(&root, ".ts-banner__text"), "Can't reach the shop right now");
    click(&root, ".ts-banner__retry");
    assert_eq!(retries.borrow().len(), 1);
}

// ---- Console inbox ----

fn summary(id: &str, activity: i64, unread: i64, last: &str) -> ConversationSummary {
    ConversationSummary {
        id: id.into(),
        shop: ShopInfo { id: "demo".into(), name: "Casa Aurora".into() },
        buyer_label: format!("Visitor {id}"),
        last_seq: 1,
        last_activity: activity,
        unread,
        read_seq: 0,
        last_message: Some(Message { conversation_id: id.into(), ..text_msg(1, Sender::Buyer, last) }),
    }
}

#[wasm_bindgen_test]
async fn inbox_orders_by_activity_and_moves_new_messages_up() {
    let state = InboxState::new();
    state.replace(vec![summary("a", 100, 0, "old"), summary("b", 200, 2, "<b>bold?</b>")]);
    let (selected, on_select) = recorder::<ConversationSummary>();
    let root =
        mount(move || view! { <Inbox state=state selected=Signal::derive(|| None::<String>) on_select=on_select/> });
    settle().await;
    assert_eq!(texts(&root, ".ts-inbox__name"), vec!["Visitor b", "Visitor a"]);
    assert_eq!(texts(&root, ".ts-inbox__badge"), vec!["2"]);
    assert_eq!(texts(&root, ".ts-inbox__preview")[0], "<b>bold?</b>");
    assert!(all(&root, ".ts-inbox b").is_empty());

    let mut new = text_msg(2, Sender::Buyer, "hello again");
    new.conversation_id = "a".into();
    new.created_at = 300;
    assert!(state.record(&new, false));
    settle().await;
    assert_eq!(texts(&root, ".ts-inbox__name"), vec!["Visitor a", "Visitor b"]);
    assert_eq!(texts(&root, ".ts-inbox__badge"), vec!["1", "2"]);
    click(&root, ".ts-inbox__item");
    assert_eq!(selected.borrow()[0].id, "a");
}

// ---- Commerce: product cards, detail, cart, order ----

fn cache_with(products: Vec<Product>) -> CatalogCache {
    let cache = CatalogCache::new(Api::new("http://127.0.0.1:9"));
    cache.apply(products);
    cache
}

#[wasm_bindgen_test]
async fn product_card_shows_current_data_and_opens_detail() {
    let cache = cache_with(vec![vase()]);
    let (opened, on_open) = recorder::<String>();
    let mut log = ThreadLog::default();
    log.merge([message(
        1,
        Sender::Merchant,
        MessageBody::Product { retailer_id: "VASE-01".into(), body: Some("Just glazed".into()), footer: None },
    )]);
    let log = RwSignal::new(log);
    let root = mount(move || {
        provide_context(cache);
        provide_context(ProductOpener(on_open));
        view! { <ThreadView log=log me=Sender::Buyer other_name="Shop" on_retry=Callback::new(|_: String| {})/> }
    });
    settle().await;
    assert_eq!(text(&root, ".ts-product__title"), "Terracotta vase");
    assert_eq!(text(&root, ".ts-product__price"), "from R$ 149,00");
    assert_eq!(text(&root, ".ts-product__body"), "Just glazed");
    assert_eq!(get(&root, ".ts-product__img").get_attribute("alt").as_deref(), Some("Terracotta vase"));
    click(&root, ".ts-product__view");
    assert_eq!(*opened.borrow(), vec!["VASE-01".to_string()]);
    // The merchant archives it: the card marks it instead of hiding it.
    let mut archived = vase();
    archived.archived = true;
    archived.version = 2;
    cache.apply(vec![archived]);
    settle().await;
    assert_eq!(text(&root, ".ts-product__stock"), "No longer available");
}

#[wasm_bindgen_test]
async fn product_list_groups_items_by_section() {
    let mut mug = vase();
    mug.retailer_id = "MUG".into();
    mug.title = "Mug".into();
    mug.variants.clear();
    mug.options.clear();
    mug.price = brl("39.90");
    let cache = cache_with(vec![vase(), mug]);
    let mut log = ThreadLog::default();
    log.merge([message(
        1,
        Sender::Merchant,
        MessageBody::ProductList {
            header: "Our picks".into(),
            body: None,
            footer: Some("Free shipping over R$ 300".into()),
            sections: vec![
                ProductSection { title: "Vases".into(), retailer_ids: vec!["VASE-01".into()] },
                ProductSection { title: "Kitchen".into(), retailer_ids: vec!["MUG".into()] },
            ],
        },
    )]);
    let log = RwSignal::new(log);
    let root = mount(move || {
        provide_context(cache);
        view! { <ThreadView log=log me=Sender::Buyer other_name="Shop" on_retry=Callback::new(|_: String| {})/> }
    });
    settle().await;
    assert_eq!(text(&root, ".ts-plist__header"), "Our picks");
    assert_eq!(texts(&root, ".ts-plist__title"), vec!["Vases", "Kitchen"]);
    assert_eq!(texts(&root, ".ts-plist__name"), vec!["Terracotta vase", "Mug"]);
    assert_eq!(texts(&root, ".ts-plist__price"), vec!["from R$ 149,00", "R$ 39,90"]);
    assert_eq!(text(&root, ".ts-plist__count"), "2 items");
}

#[wasm_bindgen_test]
async fn product_detail_picks_options_and_limits_quantity() {
    let cache = cache_with(vec![vase()]);
    let cart = CartState::new(Api::new("http://127.0.0.1:9"), "test-detail");
    let root = mount(move || {
        provide_context(cache);
        view! { <ProductDetail retailer_id="VASE-01".to_string() cart=cart on_back=Callback::new(|_| {}) on_added=Callback::new(|_| {})/> }
    });
    settle().await;
    // The first size that can be bought is chosen: S, 2 left.
    assert_eq!(text(&root, ".ts-detail__price"), "R$ 149,00");
    assert_eq!(text(&root, ".ts-detail__stock"), "Only 2 left");
    assert_eq!(texts(&root, ".ts-chip--on"), vec!["S"]);
    click(&root, ".ts-stepper button[aria-label=More]");
    click(&root, ".ts-stepper button[aria-label=More]");
    click(&root, ".ts-stepper button[aria-label=More]");
    settle().await;
    assert_eq!(text(&root, ".ts-stepper__value"), "2", "cannot pick more than are left");
    assert!(!is_disabled(&root, ".ts-detail__add"));
    // Size L is out of stock: price changes, Add is disabled.
    let chips = all(&root, ".ts-chip");
    wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlElement>(&chips[1]).click();
    settle().await;
    assert_eq!(text(&root, ".ts-detail__price"), "R$ 189,00");
    assert_eq!(text(&root, ".ts-detail__stock"), "Out of stock");
    assert!(is_disabled(&root, ".ts-detail__add"));
}

fn cart_line(id: &str, title: &str, price: &str, quantity: u32, notices: Vec<CartNotice>) -> CartLine {
    CartLine {
        id: id.into(),
        retailer_id: id.to_uppercase(),
        variant_sku: None,
        title: title.into(),
        options: BTreeMap::new(),
        image_url: "/catalog-images/demo/x.svg".into(),
        unit_price: brl(price),
        quantity,
        product_version: 1,
        notices,
    }
}

#[wasm_bindgen_test]
async fn cart_shows_change_notices_and_blocks_the_order_until_acknowledged() {
    let cart = CartState::new(Api::new("http://127.0.0.1:9"), "test-cart");
    cart.cart.set(Some(Cart {
        id: "cart".into(),
        shop_id: "demo".into(),
        lines: vec![
            cart_line("mug", "Mug", "39.90", 2, vec![]),
            cart_line(
                "vase",
                "Terracotta vase",
                "189.00",
                1,
                vec![CartNotice { kind: ChangeKind::Price, old: "R$ 189,00".into(), new: "R$ 199,00".into() }],
            ),
        ],
        updated_at: 0,
    }));
    let (sent, on_send) = recorder::<Option<String>>();
    let root = mount(move || view! { <CartView cart=cart on_back=Callback::new(|_| {}) on_send=on_send/> });
    settle().await;
    assert_eq!(texts(&root, ".ts-cart__name"), vec!["Mug", "Terracotta vase"]);
    assert_eq!(text(&root, ".ts-cart__total strong"), "R$ 268,80");
    assert_eq!(text(&root, ".ts-cart__notice"), "Price changed: R$ 189,00 → R$ 199,00");
    assert!(find(&root, ".ts-cart__changed").is_some());
    assert!(is_disabled(&root, ".ts-cart__send"), "a cart with unacknowledged changes cannot be sent");
    // Once the server has applied the new values, the order can go.
    cart.cart.update(|c| {
        if let Some(c) = c {
            c.lines[1].notices.clear();
            c.lines[1].unit_price = brl("199.00");
        }
    });
    settle().await;
    assert!(find(&root, ".ts-cart__changed").is_none());
    assert_eq!(text(&root, ".ts-cart__total strong"), "R$ 278,80");
    click(&root, ".ts-cart__send");
    assert_eq!(*sent.borrow(), vec![None]);
}

#[wasm_bindgen_test]
async fn order_card_lists_lines_and_the_total() {
    let order = Order {
        id: "o1".into(),
        conversation_id: "c1".into(),
        lines: vec![OrderLine {
            retailer_id: "MUG".into(),
            variant_sku: None,
            title: "Mug".into(),
            options: [("Colour".to_string(), "Teal".to_string())].into(),
            quantity: 3,
            unit_price: brl("39.90"),
            line_total: brl("119.70"),
        }],
        total: brl("119.70"),
        note: Some("Gift wrap <b>please</b>".into()),
        created_at: 0,
    };
    let mut log = ThreadLog::default();
    log.merge([message(1, Sender::Buyer, MessageBody::Order { order })]);
    let log = RwSignal::new(log);
    let root = mount(
        move || view! { <ThreadView log=log me=Sender::Merchant other_name="Buyer" on_retry=Callback::new(|_: String| {})/> },
    );
    settle().await;
    assert_eq!(text(&root, ".ts-order__qty"), "3 × R$ 39,90");
    assert_eq!(text(&root, ".ts-order__opts"), "Colour: Teal");
    assert_eq!(text(&root, ".ts-order__total strong"), "R$ 119,70");
    assert_eq!(text(&root, ".ts-order__note"), "Gift wrap <b>please</b>");
    assert!(all(&root, ".ts-order b").is_empty());
}

// ---- Device identity ----

#[wasm_bindgen_test]
fn device_id_is_created_once_and_kept() {
    talkshop_widget::device::forget(talkshop_widget::device::DEVICE_KEY);
    let first = talkshop_widget::device::device_id();
    assert_eq!(talkshop_widget::device::device_id(), first);
    assert!(talkshop_protocol::validate_client_id(&first).is_ok());
    assert_ne!(talkshop_widget::device::random_id("m-"), talkshop_widget::device::random_id("m-"));
}

// ---- Payments ----

fn payment_request(state: talkshop_protocol::payment::PaymentState) -> talkshop_protocol::payment::PaymentRequest {
    use talkshop_protocol::payment::{PaymentMethod, PaymentRequest};
    PaymentRequest {
        id: "pr1".into(),
        conversation_id: "c1".into(),
        order_id: None,
        description: "Custom glaze <b>blue</b>".into(),
        lines: vec![],
        shipping: Some(brl("20.00")),
        discount: None,
        total: brl("140.00"),
        state,
        methods: vec![PaymentMethod::SandboxCard, PaymentMethod::InstantQr],
        expires_at: i64::MAX,
        attempt: None,
        shipment: None,
        payout_at: None,
        paid_out_at: None,
        created_at: 0,
        updated_at: 1,
    }
}

#[wasm_bindgen_test]
async fn payment_card_shows_the_request_and_updates_live() {
    use talkshop_protocol::payment::PaymentState;
    use talkshop_widget::components::payment_card::Payments;
    let payments = Payments::new(Api::new("http://127.0.0.1:9"), true);
    let mut log = ThreadLog::default();
    log.merge([message(
        1,
        Sender::Merchant,
        MessageBody::PaymentRequest { request: Box::new(payment_request(PaymentState::Requested)) },
    )]);
    let log = RwSignal::new(log);
    let root = mount(move || {
        provide_context(payments);
        view! { <ThreadView log=log me=Sender::Buyer other_name="Shop" on_retry=Callback::new(|_: String| {})/> }
    });
    settle().await;
    assert_eq!(text(&root, ".ts-pay__state"), "Awaiting payment");
    assert_eq!(text(&root, ".ts-pay__desc"), "Custom glaze <b>blue</b>");
    assert!(all(&root, ".ts-pay b").is_empty());
    assert_eq!(text(&root, ".ts-pay__total strong"), "R$ 140,00");
    assert_eq!(texts(&root, ".ts-pay__method"), vec!["Card", "Instant QR (Pix / PromptPay / QRIS)"]);
    click(&root, ".ts-pay__method");
    settle().await;
    assert_eq!(text(&root, ".ts-pay__submit"), "Pay R$ 140,00");
    // The provider confirms: the card follows without reload and the pay actions go.
    let mut paid = payment_request(PaymentState::Paid);
    paid.updated_at = 2;
    payments.apply(paid);
    settle().await;
    assert_eq!(text(&root, ".ts-pay__state"), "Paid");
    assert!(find(&root, ".ts-pay__method").is_none());
}

#[wasm_bindgen_test]
async fn merchant_sees_next_steps_on_the_payment_card() {
    use talkshop_protocol::payment::PaymentState;
    use talkshop_widget::components::payment_card::Payments;
    let payments = Payments::new(Api::new("http://127.0.0.1:9"), false);
    let mut log = ThreadLog::default();
    log.merge([message(
        1,
        Sender::Merchant,
        MessageBody::PaymentRequest { request: Box::new(payment_request(PaymentState::Paid)) },
    )]);
    let log = RwSignal::new(log);
    let root = mount(move || {
        provide_context(payments);
        view! { <ThreadView log=log me=Sender::Merchant other_name="Buyer" on_retry=Callback::new(|_: String| {})/> }
    });
    settle().await;
    assert!(find(&root, ".ts-pay__method").is_none(), "staff do not pay");
    let actions = texts(&root, ".ts-pay__actions button");
    assert_eq!(actions, vec!["Mark shipped", "Refund"]);
    assert!(find(&root, ".ts-pay__actions input[name=tracking]").is_some());
}
