//! The checkout step in headless Chromium against a fake server (`fetch`
//! replaced by a small router that records what was sent): the Brazilian form
//! (CEP, state), the order it sends, a server field error shown at its field,
//! and the details remembered on this device for a one-tap next order.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;
use talkshop_protocol::{Currency, Money, ShippingOption, ShopLook};
use talkshop_widget::api::Api;
use talkshop_widget::cart_state::{CartState, OrderToSend};
use talkshop_widget::components::checkout::Checkout;
use talkshop_widget::device;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The bodies of the orders the page sent.
fn orders_sent() -> Vec<serde_json::Value> {
    requests()
        .into_iter()
        .filter(|(method, path, _)| method == "POST" && path == "/api/v1/conversations/c1/order")
        .map(|(_, _, body)| serde_json::from_str(&body).unwrap())
        .collect()
}

/// Picks an option of a `<select>` as a user does (value + change event).
fn choose(root: &web_sys::Element, css: &str, value: &str) {
    let select: web_sys::HtmlInputElement = get(root, css).unchecked_into();
    select.set_value(value);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    select.dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap()).unwrap();
}

fn brl(amount: &str) -> Money {
    Money::new(Decimal::from_str_exact(amount).unwrap(), Currency::Brl)
}

fn look() -> ShopLook {
    ShopLook {
        name: "Casa Aurora".into(),
        logo_initial: "C".into(),
        logo_color: "#0f766e".into(),
        shipping_options: vec![ShippingOption {
            id: "pac".into(),
            name: "Correios PAC".into(),
            price: brl("20.00"),
            free_above: Some(brl("300.00")),
            countries: vec!["BR".into()],
        }],
        pickup: true,
        pickup_address: "Casa Aurora, Belo Horizonte".into(),
        availability: talkshop_protocol::presence::ShopAvailability::unknown(),
    }
}

/// A placed order, as the server answers it.
fn placed() -> serde_json::Value {
    serde_json::json!({
        "id": "m1", "conversation_id": "c1", "seq": 1, "sender": "buyer", "client_id": "o-1", "created_at": 0,
        "body": {"type": "order", "order": {"id": "o1", "conversation_id": "c1", "lines": [],
            "total": {"amount": "99.80", "currency": "BRL"}, "created_at": 0}}
    })
}

fn mount_checkout(shop: &'static str) -> (web_sys::HtmlElement, CartState) {
    let cart = CartState::new(Api::new(String::new()).with_token("t-buyer"), shop);
    let root = mount(move || {
        view! {
            <Checkout shop=shop.to_owned() look=Signal::derive(|| Some(look())) subtotal=Signal::derive(|| Some(brl("99.80")))
                busy=cart.busy error=cart.error on_back=Callback::new(|_| {})
                on_send=Callback::new(move |(contact, fulfilment)| spawn_local(async move {
                    let order = OrderToSend { conversation: "c1".into(), note: None, contact, fulfilment };
                    cart.place_order(order).await;
                }))/>
        }
    });
    (root, cart)
}

#[wasm_bindgen_test]
async fn the_brazilian_form_sends_the_order_and_is_remembered() {
    fake_server();
    device::forget("talkshop.checkout.loja-br");
    route("POST", "/api/v1/conversations/c1/order", 201, placed());
    route(
        "GET",
        "/api/v1/cart",
        200,
        serde_json::json!({"id": "k", "shop_id": "loja-br", "lines": [], "updated_at": 1}),
    );
    let (root, _cart) = mount_checkout("loja-br");
    settle().await;
    assert_eq!(value_of(&root, "select[name='address.country']"), "BR");
    // Brazil: CEP first, then a state (UF) select.
    assert!(find(&root, "input[name='address.postal_code']").is_some());
    assert_eq!(all(&root, "select[name='address.state'] option").len(), 28, "27 UFs and a blank");

    type_into(&root, "input[name='contact.name']", "Maria Silva");
    type_into(&root, "input[name='contact.phone']", "(11) 98765-4321");
    type_into(&root, "input[name='contact.email']", "maria@example.com");
    type_into(&root, "input[name='address.postal_code']", "01310100");
    type_into(&root, "input[name='address.line1']", "Av. Paulista, 1000");
    type_into(&root, "input[name='address.district']", "Bela Vista");
    type_into(&root, "input[name='address.city']", "São Paulo");
    settle().await;
    // Without a state the form says so at the field and sends nothing.
    click(&root, ".ts-checkout__send");
    let shown = wait_for(&root, ".ts-field__error[data-field='address.state']").await;
    assert!(!shown.text_content().unwrap_or_default().is_empty());
    assert!(orders_sent().is_empty());

    choose(&root, "select[name='address.state']", "SP");
    settle().await;
    click(&root, ".ts-checkout__send");
    settle().await;
    // The state is fine now; no shipping option is chosen yet.
    wait_for(&root, ".ts-field__error[data-field='fulfilment.option_id']").await;
    assert!(find(&root, ".ts-field__error[data-field='address.state']").is_none());
    click(&root, "input[value=pac]");
    settle().await;
    assert_eq!(text(&root, ".ts-checkout .ts-cart__total strong"), "R$ 119,80");
    click(&root, ".ts-checkout__send");
    for _ in 0..100 {
        if !orders_sent().is_empty() {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    let sent = orders_sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["contact"]["phone"], "11987654321", "normalized before sending");
    let f = &sent[0]["fulfilment"];
    assert_eq!((f["method"].as_str(), f["option_id"].as_str()), (Some("ship"), Some("pac")));
    assert_eq!(f["address"]["postal_code"], "01310-100");
    assert_eq!(f["address"]["state"], "SP");
    assert_eq!(f["address"]["country"], "BR");
    for _ in 0..50 {
        if device::load("talkshop.checkout.loja-br").is_some() {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    let remembered = device::load("talkshop.checkout.loja-br").expect("remembered on this device");
    assert!(remembered.contains("01310-100"), "{remembered}");

    // The next order: prefilled, one tap.
    let (again, _) = mount_checkout("loja-br");
    settle().await;
    let summary = texts(&again, ".ts-checkout__line");
    assert!(summary.contains(&"Maria Silva".to_string()), "{summary:?}");
    assert!(summary.iter().any(|l| l.contains("01310-100")), "{summary:?}");
    assert!(find(&again, "input[name='contact.name']").is_none(), "the form stays closed");
    click(&again, ".ts-checkout__use");
    for _ in 0..100 {
        if orders_sent().len() == 2 {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    assert_eq!(orders_sent()[1]["fulfilment"], sent[0]["fulfilment"]);
}

#[wasm_bindgen_test]
async fn a_server_error_shows_at_its_field_as_text() {
    fake_server();
    device::save(
        "talkshop.checkout.loja-err",
        r#"[{"name":"Ana <b>","phone":"11987654321","email":"a@b.example"},{"method":"ship","option_id":"pac","address":{"country":"BR","line1":"Rua A, 1","city":"Recife","state":"PE","postal_code":"50000-000"}}]"#,
    );
    route(
        "POST",
        "/api/v1/conversations/c1/order",
        400,
        serde_json::json!({"error": {"code": "invalid", "message": "Unknown CEP", "field": "address.postal_code"}}),
    );
    let (root, _) = mount_checkout("loja-err");
    settle().await;
    assert!(all(&root, ".ts-checkout b").is_empty(), "names are text, never HTML");
    assert!(texts(&root, ".ts-checkout__line").contains(&"Ana <b>".to_string()));
    click(&root, ".ts-checkout__use");
    let shown = wait_for(&root, ".ts-field__error[data-field='address.postal_code']").await;
    assert_eq!(shown.text_content().as_deref(), Some("Unknown CEP"));
    assert_eq!(value_of(&root, "input[name='address.postal_code']"), "50000-000", "the form opens, prefilled");
}

#[wasm_bindgen_test]
async fn on_a_new_device_an_identified_users_last_details_come_from_the_server() {
    fake_server();
    device::forget("talkshop.checkout.loja-id");
    route(
        "GET",
        "/api/v1/checkout/remembered",
        200,
        serde_json::json!({
            "contact": {"name": "Ana Souza", "phone": "11987654321", "email": "ana@example.com"},
            "fulfilment": {"method": "ship", "option_id": "pac", "address": {"country": "BR", "line1": "Rua Augusta, 500",
                "city": "São Paulo", "state": "SP", "postal_code": "01305-000"}}
        }),
    );
    let cart = CartState::new(Api::new(String::new()).with_token("t-buyer"), "loja-id");
    let payments =
        talkshop_widget::components::payment_card::Payments::new(Api::new(String::new()).with_token("t-buyer"), true);
    let root = mount(move || {
        provide_context(payments);
        view! {
            <Checkout shop="loja-id".to_owned() look=Signal::derive(|| Some(look())) subtotal=Signal::derive(|| Some(brl("99.80")))
                busy=cart.busy error=cart.error on_back=Callback::new(|_| {}) on_send=Callback::new(|_| {})/>
        }
    });
    wait_for(&root, ".ts-checkout__use").await;
    let summary = texts(&root, ".ts-checkout__line");
    assert!(summary.contains(&"Ana Souza".to_string()), "{summary:?}");
    assert!(summary.iter().any(|l| l.contains("01305-000")), "{summary:?}");
    assert!(requests().iter().any(|(m, p, _)| m == "GET" && p == "/api/v1/checkout/remembered"));

    // What the buyer already typed is never overwritten by a late answer.
    route("GET", "/api/v1/checkout/remembered", 200, serde_json::json!({}));
    let root = mount(move || {
        provide_context(payments);
        view! {
            <Checkout shop="loja-id".to_owned() look=Signal::derive(|| Some(look())) subtotal=Signal::derive(|| Some(brl("99.80")))
                busy=cart.busy error=cart.error on_back=Callback::new(|_| {}) on_send=Callback::new(|_| {})/>
        }
    });
    settle().await;
    assert!(find(&root, "input[name='contact.name']").is_some(), "nothing remembered: the form is open");
}

#[wasm_bindgen_test]
async fn cart_changes_left_waiting_on_an_earlier_visit_go_out_at_the_next_connection() {
    fake_server();
    // An earlier visit queued two changes while offline; they are kept on the device.
    device::save(
        "talkshop.cart-outbox.loja-kept",
        r#"[{"SetQuantity":{"line_id":"l1","quantity":3}},{"Remove":{"line_id":"l2"}}]"#,
    );
    let cart_body = serde_json::json!({"id": "k", "shop_id": "loja-kept", "lines": [], "updated_at": 2});
    route("PATCH", "/api/v1/cart/lines/l1", 200, cart_body.clone());
    route("DELETE", "/api/v1/cart/lines/l2", 200, cart_body.clone());
    route("GET", "/api/v1/cart", 200, cart_body);
    let cart = CartState::new(Api::new(String::new()).with_token("t-buyer"), "loja-kept");
    settle().await;
    assert!(requests().is_empty(), "nothing is sent before the connection: {:?}", requests());

    // The connection returns: they go out in order, then the cart is read again, and the device forgets them.
    cart.flush();
    for _ in 0..100 {
        if requests().len() >= 3 {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    let sent: Vec<(String, String, String)> = requests();
    let sent: Vec<(&str, &str, &str)> = sent.iter().map(|(m, p, b)| (m.as_str(), p.as_str(), b.as_str())).collect();
    assert_eq!(
        sent,
        [
            ("PATCH", "/api/v1/cart/lines/l1", r#"{"quantity":3}"#),
            ("DELETE", "/api/v1/cart/lines/l2", ""),
            ("GET", "/api/v1/cart", ""),
        ]
    );
    assert_eq!(device::load("talkshop.cart-outbox.loja-kept").as_deref(), Some("[]"));
    assert!(cart.outbox.with_untracked(Vec::is_empty));
}
