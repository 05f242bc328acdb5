//! Catalog, product messages, per-device carts with change notices and
//! purchase requests, over real HTTP and WebSocket on a real SQLite file.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use talkshop_protocol::catalog::{CatalogPage, UpsertReport};
use talkshop_protocol::{Cart, ChangeKind, ErrorCode, Message, MessageBody, Product, ServerFrame};

const API_KEY: &str = "test-api-key";

fn mug(price: &str) -> Value {
    json!({
        "retailer_id": "MUG-1",
        "title": "Café mug",
        "description": "300 ml",
        "image_url": "/catalog-images/demo/MUG-1.svg",
        "price": {"amount": price, "currency": "BRL"},
        "availability": {"status": "in_stock"}
    })
}

async fn create_mug(server: &Server, staff: &str, price: &str) -> Product {
    let resp = server.post("/catalog/products", Some(staff)).json(&mug(price)).send().await.unwrap();
    expect_json(resp, StatusCode::CREATED).await
}

async fn add(server: &Server, buyer: &str, body: Value) -> reqwest::Response {
    server.post("/cart/lines", Some(buyer)).json(&body).send().await.unwrap()
}

async fn cart(server: &Server, buyer: &str) -> Cart {
    expect_json(server.get("/cart", Some(buyer)).send().await.unwrap(), StatusCode::OK).await
}

async fn next_cart_change(ws: &mut Ws) -> Cart {
    loop {
        if let ServerFrame::CartChanged { cart } = ws.next_frame().await {
            return cart;
        }
    }
}

// ---- Catalog ----

#[tokio::test]
async fn demo_shops_are_seeded_with_44_products_and_images() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let page: CatalogPage =
        expect_json(server.get("/catalog", Some(&staff)).send().await.unwrap(), StatusCode::OK).await;
    assert!(page.products.len() >= 24, "{}", page.products.len());
    assert!(page.products.iter().any(|p| !p.variants.is_empty()));
    let siam = server
        .http
        .post(server.api("/console/login"))
        .json(&json!({"email": "staff@siam.talkshop.test", "password": STAFF_PASSWORD}))
        .send()
        .await
        .unwrap();
    let siam: talkshop_protocol::StaffSession = expect_json(siam, StatusCode::OK).await;
    let tea: CatalogPage =
        expect_json(server.get("/catalog", Some(&siam.token)).send().await.unwrap(), StatusCode::OK).await;
    assert!(tea.products.len() >= 20);
    assert!(tea.products.iter().all(|p| p.price.currency == talkshop_protocol::Currency::Thb));
    assert!(page.products.len() + tea.products.len() >= 44);
    let img = server.http.get(format!("{}{}", server.url, page.products[0].image_url)).send().await.unwrap();
    assert_eq!(img.status(), StatusCode::OK);
    assert_eq!(img.headers()["content-type"], "image/svg+xml");
    assert!(img.text().await.unwrap().starts_with("<svg"));
}

#[tokio::test]
async fn staff_create_edit_and_archive_products_with_versions() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let created = create_mug(&server, &staff, "49.90").await;
    assert_eq!(created.version, 1);
    let again = server.post("/catalog/products", Some(&staff)).json(&mug("49.90")).send().await.unwrap();
    expect_error(again, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let edited = server.put("/catalog/products/MUG-1", Some(&staff)).json(&mug("54.90")).send().await.unwrap();
    let edited: Product = expect_json(edited, StatusCode::OK).await;
    assert_eq!((edited.version, edited.price.amount.to_string()), (2, "54.90".to_string()));
    let archived = server.post("/catalog/products/MUG-1/archive", Some(&staff)).send().await.unwrap();
    let archived: Product = expect_json(archived, StatusCode::OK).await;
    assert!(archived.archived && archived.version == 3);
    // Buyers still see it by id (cards mark it), but not in the catalog listing.
    let (buyer, _) = server.buyer().await;
    let by_id: CatalogPage =
        expect_json(server.get("/catalog/products?ids=MUG-1", Some(&buyer)).send().await.unwrap(), StatusCode::OK)
            .await;
    assert!(by_id.products[0].archived);
    let listing: CatalogPage =
        expect_json(server.get("/catalog", Some(&buyer)).send().await.unwrap(), StatusCode::OK).await;
    assert!(listing.products.iter().all(|p| p.retailer_id != "MUG-1"));
}

#[tokio::test]
async fn bad_products_are_refused_naming_the_field() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let cases = [
        (json!({"amount": 49.9, "currency": "BRL"}), "price"),
        (json!({"amount": "49.999", "currency": "BRL"}), "price"),
        (json!({"amount": "0", "currency": "BRL"}), "price"),
        (json!({"amount": "10", "currency": "XXX"}), "price"),
    ];
    for (price, _field) in cases {
        let mut body = mug("1");
        body["price"] = price;
        let resp = server.post("/catalog/products", Some(&staff)).json(&body).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
        let body: Value = resp.json().await.unwrap();
        error_shape(&body);
    }
    let mut body = mug("1");
    body["image_url"] = json!("javascript:alert(1)");
    expect_invalid(server.post("/catalog/products", Some(&staff)).json(&body).send().await.unwrap(), "image_url").await;
    let mut body = mug("1");
    body["retailer_id"] = json!("bad sku");
    expect_invalid(server.post("/catalog/products", Some(&staff)).json(&body).send().await.unwrap(), "retailer_id")
        .await;
    let (buyer, _) = server.buyer().await;
    let resp = server.post("/catalog/products", Some(&buyer)).json(&mug("1")).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let page: CatalogPage =
        expect_json(server.get("/catalog/products?ids=MUG-1", Some(&staff)).send().await.unwrap(), StatusCode::OK)
            .await;
    assert!(page.products.is_empty(), "nothing stored");
}

#[tokio::test]
async fn merchant_api_bulk_upsert_counts_and_is_all_or_nothing() {
    let server = Server::start().await;
    let upsert = |body: Value, key: Option<&str>| {
        let mut req = server.http.put(server.api("/merchant/catalog")).json(&body);
        if let Some(key) = key {
            req = req.header("X-Api-Key", key);
        }
        req.send()
    };
    let resp = upsert(json!({"products": [mug("10")]}), None).await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let resp = upsert(json!({"products": [mug("10")]}), Some("wrong")).await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;

    let mut teapot = mug("120");
    teapot["retailer_id"] = json!("TEAPOT-1");
    let report: UpsertReport = expect_json(
        upsert(json!({"products": [mug("10"), teapot.clone()]}), Some(API_KEY)).await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!((report.created, report.updated, report.unchanged), (2, 0, 0));
    let report: UpsertReport = expect_json(
        upsert(json!({"products": [mug("12"), teapot.clone()]}), Some(API_KEY)).await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!((report.created, report.updated, report.unchanged), (0, 1, 1));

    let mut broken = mug("1");
    broken["retailer_id"] = json!("NEW-1");
    let mut bad = mug("1");
    bad["retailer_id"] = json!("NEW-2");
    bad["price"] = json!({"amount": "1.001", "currency": "BRL"});
    let resp = upsert(json!({"products": [broken, bad]}), Some(API_KEY)).await.unwrap();
    let err = expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::Invalid).await;
    assert_eq!(err.field.as_deref(), Some("products[1].price"));
    let staff = server.staff_token().await;
    let page: CatalogPage = expect_json(
        server.get("/catalog/products?ids=NEW-1,NEW-2", Some(&staff)).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(page.products.is_empty(), "all or nothing");
}

// ---- Product messages ----

async fn send_products(server: &Server, staff: &str, conversation: &str, message: Value) -> reqwest::Response {
    server
        .post(&format!("/conversations/{conversation}/products"), Some(staff))
        .json(&json!({"client_id": unique("p"), "message": message}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn product_messages_arrive_live_and_follow_the_rules() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    let single = json!({"kind": "single", "retailer_id": "CA-VASE-TERRA", "body": "Just glazed"});
    // Not before the buyer has written.
    let resp = send_products(&server, &staff, &conversation, single.clone()).await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;

    server.send(&buyer, &conversation, "Do you have vases?").await;
    let mut buyer_ws = server.ws(&buyer).await;
    let sent: Message =
        expect_json(send_products(&server, &staff, &conversation, single).await, StatusCode::CREATED).await;
    assert!(matches!(sent.body, MessageBody::Product { ref retailer_id, .. } if retailer_id == "CA-VASE-TERRA"));
    assert_eq!(buyer_ws.next_message().await.id, sent.id);

    let sections: Vec<Value> = (0..2)
        .map(
            |i| json!({"title": format!("S{i}"), "retailer_ids": [if i == 0 { "CA-MUG-CAFE" } else { "CA-BOWL-SET" }]}),
        )
        .collect();
    let multi = json!({"kind": "multi", "header": "Kitchen", "sections": sections});
    let sent: Message =
        expect_json(send_products(&server, &staff, &conversation, multi).await, StatusCode::CREATED).await;
    assert!(matches!(sent.body, MessageBody::ProductList { .. }));

    // A buyer cannot send product messages.
    let resp =
        send_products(&server, &buyer, &conversation, json!({"kind": "single", "retailer_id": "CA-MUG-CAFE"})).await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
}

#[tokio::test]
async fn multi_product_message_rejects_31_items_11_sections_and_unknown_skus() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "hi").await;
    let ids: Vec<String> = (0..31).map(|i| format!("SKU-{i}")).collect();
    let resp = send_products(
        &server,
        &staff,
        &conversation,
        json!({"kind": "multi", "header": "All", "sections": [{"title": "All", "retailer_ids": ids}]}),
    )
    .await;
    expect_invalid(resp, "sections").await;
    let eleven: Vec<Value> =
        (0..11).map(|i| json!({"title": format!("S{i}"), "retailer_ids": [format!("SKU-{i}")]})).collect();
    expect_invalid(
        send_products(&server, &staff, &conversation, json!({"kind": "multi", "header": "x", "sections": eleven}))
            .await,
        "sections",
    )
    .await;
    expect_invalid(
        send_products(
            &server,
            &staff,
            &conversation,
            json!({"kind": "multi", "header": "x", "sections": [{"title": "Empty", "retailer_ids": []}]}),
        )
        .await,
        "sections[0].retailer_ids",
    )
    .await;
    let err = expect_invalid(
        send_products(&server, &staff, &conversation, json!({"kind": "multi", "header": "x", "sections": [{"title": "A", "retailer_ids": ["CA-MUG-CAFE"]}, {"title": "B", "retailer_ids": ["NOPE-1"]}]})).await,
        "sections[1].retailer_ids",
    )
    .await;
    assert!(err.message.contains("NOPE-1"), "{err:?}");
    // Another shop's SKU is unknown here.
    let err = expect_invalid(
        send_products(&server, &staff, &conversation, json!({"kind": "single", "retailer_id": "ST-JASMINE"})).await,
        "retailer_id",
    )
    .await;
    assert!(err.message.contains("ST-JASMINE"));
    server.post("/catalog/products/CA-MUG-CAFE/archive", Some(&staff)).send().await.unwrap();
    let err = expect_invalid(
        send_products(&server, &staff, &conversation, json!({"kind": "single", "retailer_id": "CA-MUG-CAFE"})).await,
        "retailer_id",
    )
    .await;
    assert!(err.message.contains("archived"));
    let body = json!({"kind": "single", "retailer_id": "CA-BOWL-SET", "footer": "f".repeat(61)});
    expect_invalid(send_products(&server, &staff, &conversation, body).await, "footer").await;
    assert_eq!(server.all_messages(&buyer, &conversation).await.len(), 1, "nothing stored");
}

#[tokio::test]
async fn product_messages_are_refused_outside_the_service_window() {
    let server = Server::start_with(|c| c.service_window_hours = 0).await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "hello").await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let resp =
        send_products(&server, &staff, &conversation, json!({"kind": "single", "retailer_id": "CA-MUG-CAFE"})).await;
    let err = expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert!(err.message.contains("hours ago"), "{err:?}");
}

// ---- Carts ----

#[tokio::test]
async fn cart_adds_merges_changes_and_clears() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    assert!(cart(&server, &buyer).await.lines.is_empty());
    let c: Cart =
        expect_json(add(&server, &buyer, json!({"retailer_id": "CA-MUG-CAFE", "quantity": 2})).await, StatusCode::OK)
            .await;
    assert_eq!(c.lines.len(), 1);
    let c: Cart =
        expect_json(add(&server, &buyer, json!({"retailer_id": "CA-MUG-CAFE", "quantity": 1})).await, StatusCode::OK)
            .await;
    assert_eq!((c.lines.len(), c.lines[0].quantity), (1, 3), "same product merges");
    let c: Cart = expect_json(
        add(
            &server,
            &buyer,
            json!({"retailer_id": "CA-THROW-LINEN", "variant_sku": "CA-THROW-LINEN-OLIVE", "quantity": 1}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(c.lines[1].options["Colour"], "Olive");
    assert_eq!(c.subtotal().unwrap().amount.to_string(), "408.70"); // 3 × 49.90 + 259.00
    let line = c.lines[0].id.clone();
    let resp =
        server.patch(&format!("/cart/lines/{line}"), Some(&buyer)).json(&json!({"quantity": 5})).send().await.unwrap();
    let c: Cart = expect_json(resp, StatusCode::OK).await;
    assert_eq!(c.lines[0].quantity, 5);
    let resp = server.delete(&format!("/cart/lines/{line}"), Some(&buyer)).send().await.unwrap();
    assert_eq!(expect_json::<Cart>(resp, StatusCode::OK).await.lines.len(), 1);
    let resp = server.delete("/cart", Some(&buyer)).send().await.unwrap();
    assert!(expect_json::<Cart>(resp, StatusCode::OK).await.lines.is_empty());
}

#[tokio::test]
async fn bad_cart_input_is_refused_and_nothing_stored() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    for quantity in [json!(0), json!(1000)] {
        expect_invalid(
            add(&server, &buyer, json!({"retailer_id": "CA-MUG-CAFE", "quantity": quantity})).await,
            "quantity",
        )
        .await;
    }
    for quantity in [json!(-1), json!(1.5), json!("2")] {
        let resp = add(&server, &buyer, json!({"retailer_id": "CA-MUG-CAFE", "quantity": quantity})).await;
        expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    }
    expect_invalid(add(&server, &buyer, json!({"retailer_id": "NOPE", "quantity": 1})).await, "retailer_id").await;
    expect_invalid(add(&server, &buyer, json!({"retailer_id": "CA-THROW-LINEN", "quantity": 1})).await, "variant_sku")
        .await;
    expect_invalid(add(&server, &buyer, json!({"retailer_id": "CA-HAMMOCK", "quantity": 1})).await, "quantity").await;
    expect_invalid(add(&server, &buyer, json!({"retailer_id": "CA-TEAPOT-BARRO", "quantity": 3})).await, "quantity")
        .await;
    let staff = server.staff_token().await;
    let resp = server.get("/cart", Some(&staff)).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert!(cart(&server, &buyer).await.lines.is_empty());
}

#[tokio::test]
async fn a_cart_holds_one_currency() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let mut thb = mug("99");
    thb["retailer_id"] = json!("THB-MUG");
    thb["price"] = json!({"amount": "99.00", "currency": "THB"});
    expect_json::<Product>(
        server.post("/catalog/products", Some(&staff)).json(&thb).send().await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let (buyer, _) = server.buyer().await;
    expect_json::<Cart>(
        add(&server, &buyer, json!({"retailer_id": "CA-MUG-CAFE", "quantity": 1})).await,
        StatusCode::OK,
    )
    .await;
    let err =
        expect_invalid(add(&server, &buyer, json!({"retailer_id": "THB-MUG", "quantity": 1})).await, "retailer_id")
            .await;
    assert!(err.message.contains("BRL"), "{err:?}");
}

#[tokio::test]
async fn two_devices_have_two_carts_and_lines_are_private() {
    let server = Server::start().await;
    let (phone, _) = server.buyer().await;
    let (laptop, _) = server.buyer().await;
    let c: Cart =
        expect_json(add(&server, &phone, json!({"retailer_id": "CA-MUG-CAFE", "quantity": 1})).await, StatusCode::OK)
            .await;
    assert!(cart(&server, &laptop).await.lines.is_empty());
    let line = &c.lines[0].id;
    let resp =
        server.patch(&format!("/cart/lines/{line}"), Some(&laptop)).json(&json!({"quantity": 9})).send().await.unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let resp = server.delete(&format!("/cart/lines/{line}"), Some(&laptop)).send().await.unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    assert_eq!(cart(&server, &phone).await.lines[0].quantity, 1);
}

#[tokio::test]
async fn cart_survives_restart() {
    let (_dir, db) = temp_db();
    let server = Server::start_on(&db).await;
    let (buyer, _) = server.buyer().await;
    expect_json::<Cart>(
        add(&server, &buyer, json!({"retailer_id": "CA-MUG-CAFE", "quantity": 2})).await,
        StatusCode::OK,
    )
    .await;
    server.stop().await;
    let server = Server::start_on(&db).await;
    assert_eq!(cart(&server, &buyer).await.lines[0].quantity, 2);
}

// ---- Change notices and purchase requests ----

#[tokio::test]
async fn price_change_notifies_the_cart_live_and_blocks_the_order_until_acknowledged() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    create_mug(&server, &staff, "50.00").await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "I'd like mugs").await;
    expect_json::<Cart>(add(&server, &buyer, json!({"retailer_id": "MUG-1", "quantity": 2})).await, StatusCode::OK)
        .await;
    let mut buyer_ws = server.ws(&buyer).await;
    let mut staff_ws = server.ws(&staff).await;

    server.put("/catalog/products/MUG-1", Some(&staff)).json(&mug("55.00")).send().await.unwrap();
    let changed = next_cart_change(&mut buyer_ws).await;
    let notice = &changed.lines[0].notices[0];
    assert_eq!((notice.kind, notice.old.as_str(), notice.new.as_str()), (ChangeKind::Price, "R$ 50,00", "R$ 55,00"));
    assert_eq!(changed.subtotal().unwrap().amount.to_string(), "100.00", "totals never change silently");

    let order = |client_id: &str| {
        server
            .post(&format!("/conversations/{conversation}/order"), Some(&buyer))
            .json(&json!({"client_id": client_id, "note": "gift wrap"}))
            .send()
    };
    let err = expect_error(order("o-1").await.unwrap(), StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert!(err.message.contains("Café mug"), "{err:?}");

    let acked: Cart =
        expect_json(server.post("/cart/acknowledge", Some(&buyer)).send().await.unwrap(), StatusCode::OK).await;
    assert!(acked.lines[0].notices.is_empty());
    assert_eq!(acked.subtotal().unwrap().amount.to_string(), "110.00");

    let placed: Message = expect_json(order("o-2").await.unwrap(), StatusCode::CREATED).await;
    let MessageBody::Order { order: ref o } = placed.body else { panic!("an order message: {placed:?}") };
    assert_eq!(o.total.amount.to_string(), "110.00");
    assert_eq!(o.note.as_deref(), Some("gift wrap"));
    assert!(cart(&server, &buyer).await.lines.is_empty(), "the cart empties once the order is stored");
    // The merchant sees it live with the same total.
    let seen = loop {
        if let ServerFrame::Message { message } = staff_ws.next_frame().await {
            if matches!(message.body, MessageBody::Order { .. }) {
                break message;
            }
        }
    };
    assert_eq!(seen.id, placed.id);
    // A retry with the same client id answers the same order, stores nothing new.
    let again: Message = expect_json(order("o-2").await.unwrap(), StatusCode::OK).await;
    assert_eq!(again.id, placed.id);
    let orders: talkshop_protocol::order::OrderList =
        expect_json(server.get("/orders", Some(&staff)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(orders.orders.len(), 1);
}

#[tokio::test]
async fn archived_product_shows_as_removed_and_goes_on_acknowledge() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    create_mug(&server, &staff, "50.00").await;
    let (buyer, conversation) = server.buyer().await;
    expect_json::<Cart>(add(&server, &buyer, json!({"retailer_id": "MUG-1", "quantity": 1})).await, StatusCode::OK)
        .await;
    expect_json::<Cart>(
        add(&server, &buyer, json!({"retailer_id": "CA-BOWL-SET", "quantity": 1})).await,
        StatusCode::OK,
    )
    .await;
    server.post("/catalog/products/MUG-1/archive", Some(&staff)).send().await.unwrap();
    let c = cart(&server, &buyer).await;
    assert_eq!(c.lines[0].notices[0].kind, ChangeKind::Removed, "an offline buyer sees the notice on next load");
    let acked: Cart =
        expect_json(server.post("/cart/acknowledge", Some(&buyer)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(acked.lines.len(), 1);
    assert_eq!(acked.lines[0].retailer_id, "CA-BOWL-SET");
    server.send(&buyer, &conversation, "ok").await;
    let resp = server
        .post(&format!("/conversations/{conversation}/order"), Some(&buyer))
        .json(&json!({"client_id": "o-1"}))
        .send()
        .await
        .unwrap();
    expect_json::<Message>(resp, StatusCode::CREATED).await;
}

#[tokio::test]
async fn empty_cart_and_foreign_conversation_cannot_order() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let (other, _) = server.buyer().await;
    let resp = server
        .post(&format!("/conversations/{conversation}/order"), Some(&buyer))
        .json(&json!({"client_id": "o"}))
        .send()
        .await
        .unwrap();
    expect_invalid(resp, "cart").await;
    expect_json::<Cart>(
        add(&server, &other, json!({"retailer_id": "CA-MUG-CAFE", "quantity": 1})).await,
        StatusCode::OK,
    )
    .await;
    let resp = server
        .post(&format!("/conversations/{conversation}/order"), Some(&other))
        .json(&json!({"client_id": "o"}))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert_eq!(cart(&server, &other).await.lines.len(), 1, "nothing ordered");
}
