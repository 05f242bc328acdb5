//! Commerce components (product cards, product detail, cart, order card,
//! payment card) rendered in headless Chromium, used the way a person uses
//! them. The chat components have their own files: thread_view.rs,
//! composer.rs, launcher.rs, connection_banner.rs, inbox.rs, device.rs.
//! Run with `wasm-pack test --headless --chrome -- -p talkshop-widget`.

#![cfg(target_arch = "wasm32")]

mod common;

use std::collections::BTreeMap;

use common::*;
use leptos::prelude::*;
use rust_decimal::Decimal;
use talkshop_protocol::thread::ThreadLog;
use talkshop_protocol::{
    Availability, Cart, CartLine, CartNotice, ChangeKind, Currency, MessageBody, Money, Order, OrderLine, Product,
    ProductOption, ProductSection, Sender, Variant,
};
use talkshop_widget::api::Api;
use talkshop_widget::cart_state::CartState;
use talkshop_widget::catalog_cache::CatalogCache;
use talkshop_widget::components::cart_view::CartView;
use talkshop_widget::components::product_detail::ProductDetail;
use talkshop_widget::components::thread_view::ThreadView;
use talkshop_widget::shop_context::ProductOpener;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

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
        contact: None,
        fulfilment: None,
        shipping: None,
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
        test_mode: false,
        contact: None,
        fulfilment: None,
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

#[wasm_bindgen_test]
async fn payment_card_shows_every_state_and_offers_pay_only_while_payable() {
    use talkshop_protocol::payment::PaymentState;
    use talkshop_widget::components::payment_card::{PaymentCard, Payments};
    let expected = [
        (PaymentState::Requested, "Awaiting payment", true),
        (PaymentState::Pending, "Payment pending", true),
        (PaymentState::Paid, "Paid", false),
        (PaymentState::Shipped, "Shipped", false),
        (PaymentState::Delivered, "Delivered", false),
        (PaymentState::Cancelled, "Cancelled", false),
        (PaymentState::Expired, "Expired", false),
        (PaymentState::Refunded, "Refunded", false),
    ];
    for (state, label, payable) in expected {
        let payments = Payments::new(Api::new("http://127.0.0.1:9"), true);
        let request = payment_request(state);
        let root = mount(move || {
            provide_context(payments);
            view! { <PaymentCard request=request/> }
        });
        settle().await;
        assert_eq!(text(&root, ".ts-pay__state"), label);
        assert_eq!(find(&root, ".ts-pay__method").is_some(), payable, "{label}");
        assert_eq!(find(&root, ".ts-pay__expiry").is_some(), payable, "{label}");
    }
}

#[wasm_bindgen_test]
async fn pending_instant_payment_shows_the_qr_code_and_a_hosted_link_opens_in_a_new_tab() {
    use talkshop_protocol::payment::{PaymentAttempt, PaymentMethod, PaymentState};
    use talkshop_widget::components::payment_card::{PaymentCard, Payments};
    let payments = Payments::new(Api::new("http://127.0.0.1:9"), true);
    let mut request = payment_request(PaymentState::Pending);
    request.attempt = Some(PaymentAttempt {
        method: PaymentMethod::InstantQr,
        card_brand: None,
        card_last4: None,
        qr_payload: Some("00020101021226580014br.gov.bcb.pix6304ABCD".into()),
        hosted_url: None,
        failure: None,
        received: None,
    });
    let root = mount(move || {
        provide_context(payments);
        view! { <PaymentCard request=request/> }
    });
    settle().await;
    let img = get(&root, ".ts-pay__qrimg");
    assert_eq!(img.get_attribute("src").as_deref(), Some("http://127.0.0.1:9/api/v1/payment-requests/pr1/qr.svg"));
    assert!(img.get_attribute("alt").is_some_and(|a| a.contains("QR")));
    assert_eq!(text(&root, ".ts-pay__code"), "00020101021226580014br.gov.bcb.pix6304ABCD");

    let mut hosted = payment_request(PaymentState::Pending);
    hosted.id = "pr2".into();
    hosted.attempt = Some(PaymentAttempt {
        method: PaymentMethod::HostedLink,
        card_brand: None,
        card_last4: None,
        qr_payload: None,
        hosted_url: Some("/sandbox/hosted/pr2".into()),
        failure: None,
        received: None,
    });
    let mut evil = payment_request(PaymentState::Pending);
    evil.id = "pr3".into();
    evil.attempt = Some(PaymentAttempt {
        method: PaymentMethod::HostedLink,
        card_brand: None,
        card_last4: None,
        qr_payload: None,
        hosted_url: Some("javascript:alert(1)".into()),
        failure: None,
        received: None,
    });
    let root = mount(move || {
        provide_context(payments);
        view! { <PaymentCard request=hosted/> <PaymentCard request=evil/> }
    });
    settle().await;
    let links = all(&root, ".ts-pay__hosted");
    assert_eq!(links.len(), 1, "a javascript: URL never becomes a link");
    assert_eq!(links[0].get_attribute("href").as_deref(), Some("http://127.0.0.1:9/sandbox/hosted/pr2"));
    assert_eq!(links[0].get_attribute("target").as_deref(), Some("_blank"));
    assert!(links[0].get_attribute("rel").is_some_and(|r| r.contains("noopener")));
}

#[wasm_bindgen_test]
async fn the_buyer_sees_test_mode_and_waits_for_the_shop_to_confirm_a_real_instant_payment() {
    use talkshop_protocol::payment::{PaymentAttempt, PaymentMethod, PaymentState};
    use talkshop_widget::components::payment_card::{PaymentCard, Payments};
    let qr = PaymentAttempt {
        method: PaymentMethod::InstantQr,
        card_brand: None,
        card_last4: None,
        qr_payload: Some("00020101021226580014br.gov.bcb.pix6304ABCD".into()),
        hosted_url: None,
        failure: None,
        received: None,
    };
    for (test_mode, state, attempt, badge, waiting) in [
        (true, PaymentState::Pending, Some(qr.clone()), true, false),
        (false, PaymentState::Pending, Some(qr.clone()), false, true),
        (false, PaymentState::Requested, None, false, false),
        (false, PaymentState::Paid, Some(qr.clone()), false, false),
        (true, PaymentState::Requested, None, true, false),
    ] {
        let payments = Payments::new(Api::new("http://127.0.0.1:9"), true);
        let mut request = payment_request(state);
        request.test_mode = test_mode;
        request.attempt = attempt;
        let root = mount(move || {
            provide_context(payments);
            view! { <PaymentCard request=request/> }
        });
        settle().await;
        let case = format!("test_mode={test_mode} {state:?}");
        assert_eq!(
            find(&root, ".ts-pay__test").map(|b| b.text_content().unwrap_or_default()),
            badge.then(|| "Test mode".to_string()),
            "{case}"
        );
        assert_eq!(
            find(&root, ".ts-pay__waiting").map(|b| b.text_content().unwrap_or_default()),
            waiting.then(|| "Waiting for the shop to confirm your payment".to_string()),
            "{case}"
        );
        if waiting {
            // Under the QR code.
            let qr = get(&root, ".ts-pay__qr");
            let line = get(&root, ".ts-pay__waiting");
            assert_eq!(
                qr.next_element_sibling().as_ref(),
                Some(wasm_bindgen::JsCast::unchecked_ref::<web_sys::Element>(&line)),
                "{case}"
            );
        }
    }
}
