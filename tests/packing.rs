//! The console's packing view in headless Chromium against a fake server:
//! paid orders as slips (contact, address, option, items, note, all as text),
//! an address corrected from the slip (checked before sending, sent with the
//! note), and a parcel marked shipped leaving the list.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use talkshop_widget::api::Api;
use talkshop_widget::components::payment_card::Payments;
use talkshop_widget::console::packing_page::PackingPage;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn address(line1: &str) -> serde_json::Value {
    serde_json::json!({"country": "BR", "line1": line1, "district": "Bela Vista", "city": "São Paulo", "state": "SP",
        "postal_code": "01310-100"})
}

fn paid_request(state: &str, line1: &str) -> serde_json::Value {
    serde_json::json!({
        "id": "pr-1", "conversation_id": "c1", "order_id": "ord12345-aaaa", "description": "Order",
        "lines": [
            {"retailer_id": "mug", "variant_sku": "MUG-BLUE", "title": "Caneca <i>azul</i>", "options": {"Cor": "Azul"},
             "quantity": 2, "unit_price": {"amount": "40.00", "currency": "BRL"}, "line_total": {"amount": "80.00", "currency": "BRL"}}
        ],
        "total": {"amount": "100.00", "currency": "BRL"}, "shipping": {"amount": "20.00", "currency": "BRL"},
        "state": state, "methods": [], "expires_at": 0, "created_at": 1_700_000_000_000_i64, "updated_at": 1_700_000_000_000_i64,
        "contact": {"name": "Maria <b>Silva</b>", "phone": "11987654321", "email": "maria@example.com"},
        "fulfilment": {"method": "ship", "option_id": "pac", "address": address(line1)}
    })
}

fn order(line1: &str) -> serde_json::Value {
    serde_json::json!({"id": "ord12345-aaaa", "conversation_id": "c1", "lines": [], "total": {"amount": "80.00", "currency": "BRL"},
        "note": "Gift wrap, please", "created_at": 0,
        "fulfilment": {"method": "ship", "option_id": "pac", "address": address(line1)}})
}

fn sent(path: &str) -> Vec<serde_json::Value> {
    requests()
        .into_iter()
        .filter(|(m, p, _)| m == "POST" && p == path)
        .map(|(_, _, body)| serde_json::from_str(&body).unwrap())
        .collect()
}

async fn until_sent(path: &str, n: usize) -> Vec<serde_json::Value> {
    for _ in 0..150 {
        if sent(path).len() >= n {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    sent(path)
}

#[wasm_bindgen_test]
async fn a_paid_order_is_a_slip_its_address_is_corrected_and_shipping_removes_it() {
    fake_server();
    route(
        "GET",
        "/api/v1/payment-requests",
        200,
        serde_json::json!({"requests": [paid_request("paid", "Av. Paulista, 1000")]}),
    );
    route("GET", "/api/v1/orders", 200, serde_json::json!({"orders": [order("Av. Paulista, 1000")]}));
    route(
        "GET",
        "/api/v1/shops/loja",
        200,
        serde_json::json!({"name": "Loja", "logo_initial": "L", "logo_color": "#000000", "pickup": false, "pickup_address": "",
            "shipping_options": [{"id": "pac", "name": "Correios PAC", "price": {"amount": "20.00", "currency": "BRL"}, "countries": ["BR"]}]}),
    );
    let payments = Payments::new(Api::new(String::new()).with_token("t-staff"), false);
    let root = mount(move || {
        provide_context(payments);
        view! { <PackingPage api=Api::new(String::new()).with_token("t-staff") shop="loja".to_owned()/> }
    });
    let slip = wait_for(&root, ".ts-pack__slip").await;
    assert_eq!(slip.get_attribute("data-order").as_deref(), Some("ord12345-aaaa"));
    assert_eq!(text(&root, ".ts-pack__head strong"), "Order ORD12345");
    assert_eq!(text(&root, ".ts-pack__count"), "1 to pack");
    let to = texts(&root, ".ts-pack__to .ts-delivery__line");
    assert_eq!(
        to,
        [
            "Maria <b>Silva</b>",
            "11987654321",
            "maria@example.com",
            "Av. Paulista, 1000",
            "Bela Vista",
            "São Paulo - SP, 01310-100",
            "BR"
        ]
    );
    assert!(all(&root, ".ts-pack__slip b, .ts-pack__slip i").is_empty(), "buyer and catalog text is never HTML");
    wait_for(&root, ".ts-pack__option").await;
    settle().await;
    assert_eq!(text(&root, ".ts-pack__option"), "Shipping · Correios PAC");
    assert_eq!(texts(&root, ".ts-pack__items tbody td"), ["2", "Caneca <i>azul</i>Cor: Azul", "MUG-BLUE"]);
    assert_eq!(text(&root, ".ts-pack__note"), "Buyer’s note: Gift wrap, please");

    // Correct the address: a bad CEP is caught before sending; then the fixed one goes with the note.
    click(&root, ".ts-pack__correct");
    let form = wait_for(&root, ".ts-pack__address").await;
    assert_eq!(value_of(&form, "input[name='address.postal_code']"), "01310-100");
    assert_eq!(value_of(&form, "input[name='address.country']"), "BR");
    type_into(&form, "input[name='address.postal_code']", "123");
    settle().await;
    click(&form, ".ts-pack__save");
    wait_for(&root, ".ts-field__error[data-field='address.postal_code']").await;
    assert!(sent("/api/v1/orders/ord12345-aaaa/address").is_empty());
    route("POST", "/api/v1/orders/ord12345-aaaa/address", 200, order("Rua Augusta, 500"));
    type_into(&form, "input[name='address.postal_code']", "01310100");
    type_into(&form, "input[name='address.line1']", "Rua Augusta, 500");
    type_into(&form, "input[name=note]", "Buyer called");
    settle().await;
    click(&form, ".ts-pack__save");
    let corrections = until_sent("/api/v1/orders/ord12345-aaaa/address", 1).await;
    assert_eq!(corrections[0]["address"]["line1"], "Rua Augusta, 500");
    assert_eq!(corrections[0]["address"]["postal_code"], "01310-100");
    assert_eq!(corrections[0]["note"], "Buyer called");
    for _ in 0..100 {
        if texts(&root, ".ts-pack__to .ts-delivery__line").contains(&"Rua Augusta, 500".to_string()) {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    assert!(
        texts(&root, ".ts-pack__to .ts-delivery__line").contains(&"Rua Augusta, 500".to_string()),
        "the slip shows the new address"
    );
    assert!(find(&root, ".ts-pack__address").is_none(), "the form closes");

    // Mark shipped with carrier and tracking: the slip leaves the list.
    route("POST", "/api/v1/payment-requests/pr-1/ship", 200, {
        let mut shipped = paid_request("shipped", "Rua Augusta, 500");
        shipped["updated_at"] = serde_json::json!(1_700_000_100_000_i64);
        shipped
    });
    type_into(&root, ".ts-pack__ship input[name=carrier]", "Correios");
    type_into(&root, ".ts-pack__ship input[name=tracking]", "BR123456789BR");
    settle().await;
    click(&root, ".ts-pack__shipped");
    let ships = until_sent("/api/v1/payment-requests/pr-1/ship", 1).await;
    assert_eq!(
        (ships[0]["carrier"].as_str(), ships[0]["tracking"].as_str()),
        (Some("Correios"), Some("BR123456789BR"))
    );
    wait_for(&root, ".ts-empty").await;
    assert!(find(&root, ".ts-pack__slip").is_none());
    assert_eq!(text(&root, ".ts-pack__count"), "0 to pack");
}
