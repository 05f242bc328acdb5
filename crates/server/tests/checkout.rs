//! Checkout: a purchase request carries the buyer's contact and delivery
//! (an address shaped by its country and a shipping option, or pickup); staff
//! correct the address with a note (audited); nobody else's buyer reads it.

mod common;

use common::commerce::*;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use talkshop_protocol::shop::AuditLog;
use talkshop_protocol::{DeliveryMethod, ErrorCode, Message, MessageBody, Order};

fn order_of(message: Message) -> Order {
    match message.body {
        MessageBody::Order { order } => order,
        other => panic!("an order message, got {other:?}"),
    }
}

async fn placed(server: &Server, buyer: &str, conversation: &str, body: &Value) -> Order {
    order_of(expect_json(server.order_with(buyer, conversation, body).await, StatusCode::CREATED).await)
}

#[tokio::test]
async fn an_order_without_contact_or_address_is_refused_with_the_field() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    server.added(&buyer, MUG, 1).await;
    let cases = [
        (json!({"client_id": "o-1"}), "contact"),
        (json!({"client_id": "o-1", "contact": contact()}), "fulfilment"),
        (
            json!({"client_id": "o-1", "contact": contact(), "fulfilment": {"method": "ship", "option_id": "pac"}}),
            "address",
        ),
        (
            json!({"client_id": "o-1", "contact": {"name": "Maria", "phone": "123", "email": "m@x.example"},
                   "fulfilment": {"method": "pickup"}}),
            "contact.phone",
        ),
        (
            json!({"client_id": "o-1", "contact": {"name": "Maria", "phone": "11987654321", "email": "nope"}}),
            "contact.email",
        ),
    ];
    for (body, field) in cases {
        expect_invalid(server.order_with(&buyer, &conversation, &body).await, field).await;
    }
    assert!(server.all_messages(&buyer, &conversation).await.is_empty(), "nothing ordered");
    assert_eq!(server.cart(&buyer).await.lines.len(), 1);
}

#[tokio::test]
async fn a_bad_cep_or_thai_postal_code_is_refused_at_the_field() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    server.added(&buyer, MUG, 1).await;
    for (key, value, field) in [
        ("postal_code", json!("01310-10"), "address.postal_code"),
        ("postal_code", json!("1234567"), "address.postal_code"),
        ("state", json!("XX"), "address.state"),
        ("line1", json!("  "), "address.line1"),
    ] {
        let mut address = br_address();
        address[key] = value;
        expect_invalid(server.order_with(&buyer, &conversation, &shipped_order("o-1", address, "pac")).await, field)
            .await;
    }

    let (thai, thai_conversation) = server.buyer_of(SIAM).await;
    server.added(&thai, "ST-JASMINE", 1).await;
    let bangkok = json!({"country": "TH", "line1": "99 Sukhumvit Rd", "district": "Khlong Toei", "city": "Bangkok",
                         "state": "Bangkok", "postal_code": "1011"});
    let err = expect_invalid(
        server.order_with(&thai, &thai_conversation, &shipped_order("o-1", bangkok.clone(), "ems")).await,
        "address.postal_code",
    )
    .await;
    assert!(err.message.contains("5 digits"), "{err:?}");
    let mut no_province = bangkok.clone();
    no_province["postal_code"] = json!("10110");
    no_province["state"] = json!("");
    expect_invalid(
        server.order_with(&thai, &thai_conversation, &shipped_order("o-2", no_province, "ems")).await,
        "address.state",
    )
    .await;
    let mut fixed = bangkok;
    fixed["postal_code"] = json!("10110");
    let order = placed(&server, &thai, &thai_conversation, &shipped_order("o-3", fixed, "ems")).await;
    assert_eq!(order.shipping.map(|m| m.display()).as_deref(), Some("฿50.00"));
}

#[tokio::test]
async fn an_option_that_does_not_ship_to_the_country_is_refused() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    server.added(&buyer, MUG, 1).await;
    let lisbon = json!({"country": "PT", "line1": "Rua Augusta 1", "city": "Lisboa", "postal_code": "1100-048"});
    let err = expect_invalid(
        server.order_with(&buyer, &conversation, &shipped_order("o-1", lisbon, "pac")).await,
        "address.country",
    )
    .await;
    assert!(err.message.contains("PT"), "{err:?}");
    expect_invalid(
        server.order_with(&buyer, &conversation, &shipped_order("o-1", br_address(), "teleport")).await,
        "fulfilment.option_id",
    )
    .await;
    assert!(server.all_messages(&buyer, &conversation).await.is_empty());
}

#[tokio::test]
async fn the_stored_order_carries_contact_address_and_shipping_price() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    server.added(&buyer, MUG, 2).await;
    let order = placed(&server, &buyer, &conversation, &shipped_order("o-1", br_address(), "pac")).await;
    let contact = order.contact.clone().expect("contact");
    assert_eq!((contact.name.as_str(), contact.phone.as_str()), ("Maria Silva", "+5511987654321"));
    let fulfilment = order.fulfilment.clone().expect("fulfilment");
    assert_eq!(fulfilment.method, DeliveryMethod::Ship);
    assert_eq!(fulfilment.option_id.as_deref(), Some("pac"));
    let address = fulfilment.address.expect("address");
    assert_eq!((address.postal_code.as_str(), address.state.as_deref()), ("01310-100", Some("SP")), "normalized");
    assert_eq!(order.shipping.map(|m| m.amount.to_string()).as_deref(), Some("20.00"));
    assert_eq!(order.total_with_shipping().amount.to_string(), "119.80", "2 × 49.90 + 20.00");
    assert_eq!(server.orders(&staff).await.orders, vec![order.clone()]);

    // Free above R$ 300.00: two vases come to R$ 378.00.
    server.added(&buyer, VASE, 2).await;
    let free = placed(&server, &buyer, &conversation, &shipped_order("o-2", br_address(), "pac")).await;
    assert_eq!(free.shipping.map(|m| m.amount.is_zero()), Some(true));
    assert_eq!(free.total_with_shipping().amount.to_string(), "378.00");

    // Billing the order: shipping is the option's price, the card carries where it goes.
    let resp = server
        .post(&format!("/conversations/{conversation}/payment-requests"), Some(&staff))
        .json(&json!({"client_id": "bill-1", "order_id": order.id}))
        .send()
        .await
        .unwrap();
    let message: Message = expect_json(resp, StatusCode::CREATED).await;
    let MessageBody::PaymentRequest { request } = message.body else { panic!("a payment request") };
    assert_eq!(request.total.amount.to_string(), "119.80");
    assert_eq!(request.shipping.map(|m| m.amount.to_string()).as_deref(), Some("20.00"));
    assert_eq!(request.fulfilment, order.fulfilment);
    assert_eq!(request.contact, order.contact);
}

#[tokio::test]
async fn old_orders_without_contact_still_read() {
    let raw =
        r#"{"id":"o","conversation_id":"c","lines":[],"total":{"amount":"10.00","currency":"BRL"},"created_at":1}"#;
    let order: Order = serde_json::from_str(raw).unwrap();
    assert_eq!((order.contact, order.fulfilment, order.shipping), (None, None, None));
}

#[tokio::test]
async fn staff_correct_the_address_with_a_note_and_it_is_audited() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    server.added(&buyer, MUG, 1).await;
    let order = placed(&server, &buyer, &conversation, &shipped_order("o-1", br_address(), "pac")).await;
    let path = format!("/orders/{}/address", order.id);
    let mut corrected = br_address();
    corrected["line1"] = json!("Av. Paulista, 1578");
    corrected["postal_code"] = json!("01310-200");

    // Only the shop's staff, and only a valid address.
    let body = json!({"address": corrected, "note": "Buyer called: wrong number"});
    let resp = server.post(&path, Some(&buyer)).json(&body).send().await.unwrap();
    assert!(matches!(resp.status(), StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED), "{}", resp.status());
    let siam = server.siam_staff_token().await;
    let resp = server.post(&path, Some(&siam)).json(&body).send().await.unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let mut bad = body.clone();
    bad["address"]["postal_code"] = json!("123");
    expect_invalid(server.post(&path, Some(&staff)).json(&bad).send().await.unwrap(), "address.postal_code").await;

    let fixed: Order =
        expect_json(server.post(&path, Some(&staff)).json(&body).send().await.unwrap(), StatusCode::OK).await;
    let address = fixed.fulfilment.as_ref().and_then(|f| f.address.clone()).expect("address");
    assert_eq!((address.line1.as_str(), address.postal_code.as_str()), ("Av. Paulista, 1578", "01310-200"));
    assert_eq!(fixed.shipping, order.shipping, "the price stays");
    assert_eq!(server.orders(&buyer).await.orders, vec![fixed.clone()], "the buyer sees the corrected address");

    // Billed, the payment request carries the corrected address too; once shipped it can no longer change.
    let resp = server
        .post(&format!("/conversations/{conversation}/payment-requests"), Some(&staff))
        .json(&json!({"client_id": "bill-1", "order_id": order.id}))
        .send()
        .await
        .unwrap();
    let billed: talkshop_protocol::Message = expect_json(resp, StatusCode::CREATED).await;
    let talkshop_protocol::MessageBody::PaymentRequest { request } = billed.body else { panic!("a payment request") };
    let mut again = body.clone();
    again["address"]["line1"] = json!("Av. Paulista, 1600");
    expect_json::<Order>(server.post(&path, Some(&staff)).json(&again).send().await.unwrap(), StatusCode::OK).await;
    let resp = server.get(&format!("/payment-requests/{}", request.id), Some(&buyer)).send().await.unwrap();
    let now: talkshop_protocol::payment::PaymentRequest = expect_json(resp, StatusCode::OK).await;
    let line1 = now.fulfilment.as_ref().and_then(|f| f.address.as_ref()).map(|a| a.line1.clone());
    assert_eq!(line1.as_deref(), Some("Av. Paulista, 1600"), "the card and the webhooks see the correction");
    let card =
        json!({"method": "sandbox_card", "card": {"number": "4242424242424242", "expiry": "12/30", "cvc": "123"}});
    let resp = server.post(&format!("/payment-requests/{}/pay", request.id), Some(&buyer)).json(&card).send();
    assert_eq!(resp.await.unwrap().status(), StatusCode::OK);
    let resp = server.post(&format!("/payment-requests/{}/ship", request.id), Some(&staff)).json(&json!({})).send();
    assert_eq!(resp.await.unwrap().status(), StatusCode::OK);
    expect_error(
        server.post(&path, Some(&staff)).json(&body).send().await.unwrap(),
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
    )
    .await;

    let log: AuditLog =
        expect_json(server.get("/console/audit", Some(&staff)).send().await.unwrap(), StatusCode::OK).await;
    let first_fix = |e: &&talkshop_protocol::shop::AuditEntry| e.action == "order.address" && e.detail.contains("1000");
    let entry = log.entries.iter().find(first_fix).expect("audited");
    assert!(entry.detail.contains("Av. Paulista, 1000") && entry.detail.contains("Av. Paulista, 1578"), "{entry:?}");
    assert!(entry.detail.contains("wrong number"), "{entry:?}");
}

#[tokio::test]
async fn another_buyer_cannot_read_the_address() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    let (other, _) = server.buyer().await;
    server.added(&buyer, MUG, 1).await;
    let order = placed(&server, &buyer, &conversation, &shipped_order("o-1", br_address(), "pac")).await;
    let path = format!("/orders/{}", order.id);
    let own: Order = expect_json(server.get(&path, Some(&buyer)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(own, order);
    let theirs: Order = expect_json(server.get(&path, Some(&staff)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(theirs, order);
    expect_error(server.get(&path, Some(&other)).send().await.unwrap(), StatusCode::NOT_FOUND, ErrorCode::NotFound)
        .await;
    let siam = server.siam_staff_token().await;
    expect_error(server.get(&path, Some(&siam)).send().await.unwrap(), StatusCode::NOT_FOUND, ErrorCode::NotFound)
        .await;
    assert!(server.orders(&other).await.orders.is_empty());
}

async fn remembered(server: &Server, token: &str) -> talkshop_protocol::order::RememberedCheckout {
    expect_json(server.get("/checkout/remembered", Some(token)).send().await.unwrap(), StatusCode::OK).await
}

#[tokio::test]
async fn an_identified_user_finds_their_address_on_another_device_and_nobody_else_does() {
    let server = Server::start().await;
    let user = unique("user");
    let identify = |token: String| {
        let body = json!({"user_id": user, "user_hash": user_hash(&user)});
        let request = server.post("/visitors/identify", Some(&token)).json(&body).send();
        async move { expect_json::<talkshop_protocol::VisitorSession>(request.await.unwrap(), StatusCode::OK).await }
    };
    // The phone places an order with a Brazilian address.
    let phone = identify(server.visitor().await.token).await;
    let fresh = remembered(&server, &phone.token).await;
    assert_eq!((fresh.contact, fresh.fulfilment), (None, None), "nothing before the first order");
    let conversation = server.open_conversation(&phone.token).await.id;
    server.added(&phone.token, MUG, 1).await;
    let order = placed(&server, &phone.token, &conversation, &shipped_order("o-1", br_address(), "pac")).await;

    // The laptop (its own visitor and cart) signs in as the same user: the same details.
    let laptop = identify(server.visitor().await.token).await;
    assert_ne!(laptop.visitor_id, phone.visitor_id);
    let there = remembered(&server, &laptop.token).await;
    assert_eq!(there.contact.as_ref(), order.contact.as_deref());
    assert_eq!(there.fulfilment.as_ref(), order.fulfilment.as_deref());
    let address = there.fulfilment.and_then(|f| f.address).expect("the address");
    assert_eq!(address.postal_code, "01310-100");

    // An anonymous buyer, another user and staff never see it.
    let (stranger, _) = server.buyer().await;
    assert_eq!(remembered(&server, &stranger).await.contact, None);
    let other = {
        let other_user = unique("user");
        let body = json!({"user_id": other_user, "user_hash": user_hash(&other_user)});
        let token = server.visitor().await.token;
        let resp = server.post("/visitors/identify", Some(&token)).json(&body).send().await.unwrap();
        expect_json::<talkshop_protocol::VisitorSession>(resp, StatusCode::OK).await
    };
    assert_eq!(remembered(&server, &other.token).await.fulfilment, None);
    let staff = server.staff_token().await;
    let resp = server.get("/checkout/remembered", Some(&staff)).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let resp = server.get("/checkout/remembered", None).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}
