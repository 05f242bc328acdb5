//! Product messages: one product or up to 30 in up to 10 sections, sent by the
//! shop into a conversation the buyer started, inside the service window.

mod common;

use common::commerce::*;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use talkshop_protocol::{ErrorCode, Message, MessageBody, Product};

/// A shop, its staff token, a buyer who has written once, and the conversation.
async fn written_to() -> (Server, String, String, String) {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "Do you have vases?").await;
    (server, staff, buyer, conversation)
}

fn multi(sections: Vec<Value>) -> Value {
    json!({"kind": "multi", "header": "Our picks", "body": "Chosen for you", "footer": "Casa Aurora", "sections": sections})
}

/// `n` SKUs of the demo shop: the seeded ones, topped up through the merchant API.
async fn demo_skus(server: &Server, staff: &str, n: usize) -> Vec<String> {
    let seeded = server.catalog(staff, "").await.len();
    if seeded < n {
        let extra: Vec<Value> = (seeded..n).map(|i| product(&format!("EXTRA-{i}"), "25.00")).collect();
        let resp = server.upsert(Some(API_KEY), &json!({ "products": extra })).await;
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let skus: Vec<String> = server.catalog(staff, "").await.into_iter().map(|p| p.retailer_id).take(n).collect();
    assert_eq!(skus.len(), n);
    skus
}

async fn assert_only_the_buyers_message(server: &Server, buyer: &str, conversation: &str) {
    let messages = server.all_messages(buyer, conversation).await;
    assert_eq!(messages.len(), 1, "nothing stored: {messages:?}");
}

#[tokio::test]
async fn single_and_multi_product_messages_arrive_live_on_the_buyer_socket() {
    let (server, staff, buyer, conversation) = written_to().await;
    let skus = demo_skus(&server, &staff, 30).await;
    let mut buyer_ws = server.ws(&buyer).await;
    let single = json!({"kind": "single", "retailer_id": VASE, "body": "Just out of the kiln", "footer": "Only 3"});
    let sent: Message =
        expect_json(server.send_products(&staff, &conversation, single).await, StatusCode::CREATED).await;
    assert_eq!(
        sent.body,
        MessageBody::Product {
            retailer_id: VASE.into(),
            body: Some("Just out of the kiln".into()),
            footer: Some("Only 3".into())
        }
    );
    assert_eq!(buyer_ws.next_message().await, sent);

    // 30 products in 10 sections is the most a list may hold.
    let sections: Vec<Value> = skus
        .chunks(3)
        .enumerate()
        .map(|(i, ids)| json!({"title": format!("Shelf {i}"), "retailer_ids": ids}))
        .collect();
    let sent: Message =
        expect_json(server.send_products(&staff, &conversation, multi(sections)).await, StatusCode::CREATED).await;
    let MessageBody::ProductList { ref header, ref sections, .. } = sent.body else {
        panic!("a product list: {sent:?}")
    };
    assert_eq!((header.as_str(), sections.len()), ("Our picks", 10));
    assert_eq!(buyer_ws.next_message().await, sent);
    // The buyer's card reads the products by id.
    assert_eq!(server.products_by_ids(&buyer, &skus.join(",")).await.len(), 30);
    assert_eq!(server.all_messages(&buyer, &conversation).await.len(), 3);
}

#[tokio::test]
async fn multi_product_message_rejects_31_items() {
    let (server, staff, buyer, conversation) = written_to().await;
    let skus = demo_skus(&server, &staff, 31).await;
    let sections =
        vec![json!({"title": "All", "retailer_ids": skus[..16]}), json!({"title": "More", "retailer_ids": skus[16..]})];
    let err = expect_invalid(server.send_products(&staff, &conversation, multi(sections)).await, "sections").await;
    assert!(err.message.contains("31"), "{err:?}");
    assert_only_the_buyers_message(&server, &buyer, &conversation).await;
}

#[tokio::test]
async fn multi_product_message_rejects_11_sections_and_empty_ones() {
    let (server, staff, buyer, conversation) = written_to().await;
    let skus = demo_skus(&server, &staff, 11).await;
    let eleven: Vec<Value> =
        skus.iter().enumerate().map(|(i, sku)| json!({"title": format!("S{i}"), "retailer_ids": [sku]})).collect();
    expect_invalid(server.send_products(&staff, &conversation, multi(eleven)).await, "sections").await;
    expect_invalid(server.send_products(&staff, &conversation, multi(vec![])).await, "sections").await;
    let empty = vec![json!({"title": "Mugs", "retailer_ids": [MUG]}), json!({"title": "Empty", "retailer_ids": []})];
    expect_invalid(server.send_products(&staff, &conversation, multi(empty)).await, "sections[1].retailer_ids").await;
    let twice = vec![json!({"title": "A", "retailer_ids": [MUG]}), json!({"title": "B", "retailer_ids": [MUG]})];
    expect_invalid(server.send_products(&staff, &conversation, multi(twice)).await, "sections[1].retailer_ids").await;
    assert_only_the_buyers_message(&server, &buyer, &conversation).await;
}

#[tokio::test]
async fn oversize_texts_are_refused_naming_the_field() {
    let (server, staff, buyer, conversation) = written_to().await;
    let cases = [
        (json!({"kind": "single", "retailer_id": MUG, "body": "b".repeat(1025)}), "body"),
        (json!({"kind": "single", "retailer_id": MUG, "footer": "f".repeat(61)}), "footer"),
        (
            json!({"kind": "multi", "header": "h".repeat(61), "sections": [{"title": "A", "retailer_ids": [MUG]}]}),
            "header",
        ),
        (json!({"kind": "multi", "header": " ", "sections": [{"title": "A", "retailer_ids": [MUG]}]}), "header"),
        (
            json!({"kind": "multi", "header": "H", "sections": [{"title": "t".repeat(25), "retailer_ids": [MUG]}]}),
            "sections[0].title",
        ),
        (json!({"kind": "single", "retailer_id": "not a sku"}), "retailer_id"),
    ];
    for (message, field) in cases {
        expect_invalid(server.send_products(&staff, &conversation, message).await, field).await;
    }
    let resp = server.send_products(&staff, &conversation, json!({"kind": "carousel", "retailer_id": MUG})).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    assert_only_the_buyers_message(&server, &buyer, &conversation).await;
}

#[tokio::test]
async fn unknown_archived_and_other_shop_skus_are_named() {
    let (server, staff, buyer, conversation) = written_to().await;
    let list = multi(vec![
        json!({"title": "Mugs", "retailer_ids": [MUG]}),
        json!({"title": "Vases", "retailer_ids": [VASE, "NOPE-1"]}),
    ]);
    let err = expect_invalid(server.send_products(&staff, &conversation, list).await, "sections[1].retailer_ids").await;
    assert!(err.message.contains("NOPE-1"), "{err:?}");
    let err = expect_invalid(
        server.send_products(&staff, &conversation, json!({"kind": "single", "retailer_id": "ST-JASMINE"})).await,
        "retailer_id",
    )
    .await;
    assert!(err.message.contains("ST-JASMINE"), "another shop's SKU is unknown here: {err:?}");
    expect_json::<Product>(server.archive_product(&staff, MUG).await, StatusCode::OK).await;
    let err = expect_invalid(
        server.send_products(&staff, &conversation, json!({"kind": "single", "retailer_id": MUG})).await,
        "retailer_id",
    )
    .await;
    assert!(err.message.contains(MUG) && err.message.contains("archived"), "{err:?}");
    let list = multi(vec![json!({"title": "Kitchen", "retailer_ids": [VASE, MUG]})]);
    let err = expect_invalid(server.send_products(&staff, &conversation, list).await, "sections[0].retailer_ids").await;
    assert!(err.message.contains(MUG));
    assert_only_the_buyers_message(&server, &buyer, &conversation).await;
}

#[tokio::test]
async fn no_product_message_before_the_buyer_writes() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    let resp = server.send_products(&staff, &conversation, json!({"kind": "single", "retailer_id": MUG})).await;
    let err = expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert!(err.message.contains("buyer"), "{err:?}");
    // Nor after only the shop has written.
    server.send(&staff, &conversation, "Hello! Can we help?").await;
    let resp = server.send_products(&staff, &conversation, json!({"kind": "single", "retailer_id": MUG})).await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert_eq!(server.all_messages(&buyer, &conversation).await.len(), 1);
}

#[tokio::test]
async fn product_messages_are_refused_outside_the_service_window() {
    let server = Server::start_with(|c| c.service_window_hours = 0).await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "hello").await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let resp = server.send_products(&staff, &conversation, json!({"kind": "single", "retailer_id": MUG})).await;
    let err = expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert!(err.message.contains("The buyer's last message was over 0 hours ago"), "{err:?}");
    // A plain text reply is still allowed; only product messages wait for the buyer.
    server.send(&staff, &conversation, "Write to us again and we'll send the catalog").await;
    assert_eq!(server.all_messages(&buyer, &conversation).await.len(), 2);
}

#[tokio::test]
async fn buyer_cannot_send_product_messages() {
    let (server, _staff, buyer, conversation) = written_to().await;
    let resp = server.send_products(&buyer, &conversation, json!({"kind": "single", "retailer_id": MUG})).await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    // Nor can another shop's staff.
    let siam = server.siam_staff_token().await;
    let resp = server.send_products(&siam, &conversation, json!({"kind": "single", "retailer_id": "ST-JASMINE"})).await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert_only_the_buyers_message(&server, &buyer, &conversation).await;
}

#[tokio::test]
async fn a_retried_product_message_is_stored_once() {
    let (server, staff, buyer, conversation) = written_to().await;
    let single = json!({"kind": "single", "retailer_id": MUG});
    let first: Message =
        expect_json(server.send_products_as(&staff, &conversation, "pm-1", single.clone()).await, StatusCode::CREATED)
            .await;
    // Even after the product was archived, the retry gets the stored message.
    expect_json::<Product>(server.archive_product(&staff, MUG).await, StatusCode::OK).await;
    let again: Message =
        expect_json(server.send_products_as(&staff, &conversation, "pm-1", single).await, StatusCode::OK).await;
    assert_eq!(again, first);
    let other = json!({"kind": "single", "retailer_id": VASE});
    let resp = server.send_products_as(&staff, &conversation, "pm-1", other).await;
    let err = expect_error(resp, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(err.field.as_deref(), Some("client_id"));
    assert_eq!(server.all_messages(&buyer, &conversation).await.len(), 2);
}

#[tokio::test]
async fn merchant_api_sends_product_messages_with_its_key() {
    let (server, _staff, buyer, conversation) = written_to().await;
    let mut buyer_ws = server.ws(&buyer).await;
    let send = |key: Option<&str>, conversation: &str, message: Value| {
        let mut req = server
            .http
            .post(server.api(&format!("/merchant/conversations/{conversation}/products")))
            .json(&json!({"client_id": unique("api"), "message": message}));
        if let Some(key) = key {
            req = req.header("X-Api-Key", key);
        }
        req.send()
    };
    let single = json!({"kind": "single", "retailer_id": VASE});
    for key in [None, Some("wrong")] {
        let resp = send(key, &conversation, single.clone()).await.unwrap();
        expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    }
    let sent: Message =
        expect_json(send(Some(API_KEY), &conversation, single.clone()).await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(buyer_ws.next_message().await, sent);
    // The same rules as the console's.
    let unknown = json!({"kind": "single", "retailer_id": "NOPE-2"});
    expect_invalid(send(Some(API_KEY), &conversation, unknown).await.unwrap(), "retailer_id").await;
    // The demo shop's key cannot reach the tea house's conversations.
    let (siam_buyer, siam_conversation) = server.buyer_of(SIAM).await;
    server.send(&siam_buyer, &siam_conversation, "สวัสดีครับ").await;
    let resp =
        send(Some(API_KEY), &siam_conversation, json!({"kind": "single", "retailer_id": "ST-JASMINE"})).await.unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    assert_eq!(server.all_messages(&buyer, &conversation).await.len(), 2);
}
