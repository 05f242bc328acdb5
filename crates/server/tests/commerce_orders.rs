//! Change notices and purchase requests: when a product in a cart changes the
//! buyer is told with the old and new value, must acknowledge before ordering,
//! and an order is stored with its message and the emptied cart at once.

mod common;

use common::commerce::*;
use common::*;
use reqwest::StatusCode;
use serde_json::json;
use talkshop_protocol::{Availability, Cart, ChangeKind, ErrorCode, Message, MessageBody, Order, Product, ServerFrame};

fn order_of(message: &Message) -> &Order {
    match &message.body {
        MessageBody::Order { order } => order,
        other => panic!("an order message, got {other:?}"),
    }
}

async fn reprice(server: &Server, staff: &str, sku: &str, amount: &str) -> Product {
    let current = server.product(staff, sku).await;
    let body = as_input(&current, |b| b["price"]["amount"] = json!(amount));
    expect_json(server.replace_product(staff, sku, &body).await, StatusCode::OK).await
}

#[tokio::test]
async fn price_change_reaches_the_buyer_socket_with_old_and_new_value() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, _) = server.buyer().await;
    server.added(&buyer, VASE, 2).await;
    let mut buyer_ws = server.ws(&buyer).await;
    let mut staff_ws = server.ws(&staff).await;

    let changed = reprice(&server, &staff, VASE, "199.00").await;
    assert_eq!(changed.version, 2);
    let cart = buyer_ws.next_cart_change().await;
    let notice = &cart.lines[0].notices[0];
    assert_eq!((notice.kind, notice.old.as_str(), notice.new.as_str()), (ChangeKind::Price, "R$ 189,00", "R$ 199,00"));
    assert_eq!(cart.lines[0].unit_price.amount.to_string(), "189.00", "the line keeps what the buyer saw");
    assert_eq!(cart.subtotal().unwrap().amount.to_string(), "378.00", "totals never change silently");
    assert!(cart.needs_acknowledgement());
    // Cards showing the product refresh, for the buyer and the console alike.
    assert_eq!(buyer_ws.next_products_change().await, vec![changed.clone()]);
    assert_eq!(staff_ws.next_products_change().await, vec![changed]);
    // Staff are not told about buyers' carts.
    let fresh = reprice(&server, &staff, MUG, "52.00").await;
    match staff_ws.next_frame().await {
        ServerFrame::ProductsChanged { products } => assert_eq!(products, vec![fresh]),
        other => panic!("staff got {other:?}"),
    }
    assert_eq!(server.cart(&buyer).await, cart, "stored as sent");
}

#[tokio::test]
async fn a_change_undone_clears_the_notice() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, _) = server.buyer().await;
    server.added(&buyer, VASE, 1).await;
    let mut buyer_ws = server.ws(&buyer).await;
    reprice(&server, &staff, VASE, "149.00").await;
    assert_eq!(buyer_ws.next_cart_change().await.lines[0].notices.len(), 1);
    reprice(&server, &staff, VASE, "189.00").await;
    let cart = buyer_ws.next_cart_change().await;
    assert!(cart.lines[0].notices.is_empty(), "{cart:?}");
    assert!(!server.cart(&buyer).await.needs_acknowledgement());
}

#[tokio::test]
async fn archived_product_is_a_removed_notice_for_an_offline_buyer() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, _) = server.buyer().await;
    server.added(&buyer, MUG, 1).await;
    server.added(&buyer, VASE, 1).await;
    expect_json::<Product>(server.archive_product(&staff, MUG).await, StatusCode::OK).await;
    // The buyer was not connected: the notice waits in the stored cart.
    let cart = server.cart(&buyer).await;
    let notice = &cart.lines[0].notices[0];
    assert_eq!(
        (notice.kind, notice.old.as_str(), notice.new.as_str()),
        (ChangeKind::Removed, "Café mug", "No longer sold")
    );
    assert!(cart.lines[1].notices.is_empty());
    let acked = server.acknowledge(&buyer).await;
    assert_eq!(acked.lines.len(), 1, "a product no longer sold leaves the cart");
    assert_eq!(acked.lines[0].retailer_id, VASE);
}

#[tokio::test]
async fn stock_drop_from_the_merchant_api_is_an_availability_notice() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, _) = server.buyer().await;
    server.added(&buyer, MUG, 5).await;
    let mug = server.product(&staff, MUG).await;
    let body = as_input(&mug, |b| b["availability"] = json!({"status": "limited", "quantity": 2}));
    let resp = server.upsert(Some(API_KEY), &json!({ "products": [body] })).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let cart = server.cart(&buyer).await;
    let notice = &cart.lines[0].notices[0];
    assert_eq!(
        (notice.kind, notice.old.as_str(), notice.new.as_str()),
        (ChangeKind::Availability, "5 available", "Only 2 left")
    );
    let acked = server.acknowledge(&buyer).await;
    assert_eq!(acked.lines[0].quantity, 2, "acknowledging takes what is left");
    assert_eq!(acked.lines[0].product_version, 2);
    assert!(!acked.needs_acknowledgement());
}

#[tokio::test]
async fn ordering_with_notices_is_refused_until_acknowledged() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "I'd like the vases").await;
    server.added(&buyer, VASE, 2).await;
    server.added(&buyer, MUG, 1).await;
    let mut buyer_ws = server.ws(&buyer).await;
    let mut staff_ws = server.ws(&staff).await;
    reprice(&server, &staff, VASE, "199.00").await;
    buyer_ws.next_cart_change().await;

    let err =
        expect_error(server.order(&buyer, &conversation, "o-1").await, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(err.field.as_deref(), Some("cart"));
    assert!(err.message.contains("Terracotta vase") && !err.message.contains("Café mug"), "{err:?}");
    assert_eq!(server.all_messages(&buyer, &conversation).await.len(), 1, "nothing ordered");
    assert!(server.orders(&staff).await.orders.is_empty());
    assert_eq!(server.cart(&buyer).await.lines.len(), 2);

    let acked = server.acknowledge(&buyer).await;
    assert_eq!(buyer_ws.next_cart_change().await, acked);
    assert!(!acked.needs_acknowledgement());
    assert_eq!(acked.subtotal().unwrap().amount.to_string(), "447.90", "2 × 199.00 + 49.90");

    let placed: Message = expect_json(server.order(&buyer, &conversation, "o-2").await, StatusCode::CREATED).await;
    let order = order_of(&placed);
    assert_eq!(order.total.amount.to_string(), "447.90");
    assert_eq!(order.conversation_id, conversation);
    let lines: Vec<(&str, u32, String)> =
        order.lines.iter().map(|l| (l.retailer_id.as_str(), l.quantity, l.line_total.amount.to_string())).collect();
    assert_eq!(lines, vec![(VASE, 2, "398.00".to_string()), (MUG, 1, "49.90".to_string())]);
    assert!(uuid_like(&order.id), "{}", order.id);

    // The cart empties with the order, and the buyer's tabs hear it.
    let emptied = buyer_ws.next_cart_change().await;
    assert!(emptied.lines.is_empty());
    assert_eq!(server.cart(&buyer).await, emptied);
    // The merchant sees the purchase request live, with the same total.
    let seen = loop {
        if let ServerFrame::Message { message } = staff_ws.next_frame().await {
            break message;
        }
    };
    assert_eq!(seen, placed);
    assert_eq!(order_of(&seen).total.display(), "R$ 447,90");
    assert_eq!(server.orders(&staff).await.orders, vec![order.clone()]);
    assert_eq!(server.orders(&buyer).await.orders, vec![order.clone()]);
}

fn uuid_like(id: &str) -> bool {
    id.len() == 36 && id.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn order_retry_with_the_same_client_id_returns_the_stored_order_and_leaves_the_cart() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    server.added(&buyer, MUG, 2).await;
    let placed: Message = expect_json(server.order(&buyer, &conversation, "o-1").await, StatusCode::CREATED).await;
    // The buyer starts a new cart; a late retry of the first order must not take it.
    let new_cart = server.added(&buyer, VASE, 1).await;
    let again: Message = expect_json(server.order(&buyer, &conversation, "o-1").await, StatusCode::OK).await;
    assert_eq!(again, placed);
    assert_eq!(server.cart(&buyer).await, new_cart);
    assert_eq!(server.orders(&buyer).await.orders.len(), 1);
    assert_eq!(server.all_messages(&buyer, &conversation).await.len(), 1);
}

#[tokio::test]
async fn a_text_messages_client_id_cannot_place_an_order() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let text = server.send_raw(&buyer, &conversation, "c-1", "hello").await;
    assert_eq!(text.status(), StatusCode::CREATED);
    server.added(&buyer, MUG, 1).await;
    let err =
        expect_error(server.order(&buyer, &conversation, "c-1").await, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(err.field.as_deref(), Some("client_id"));
    assert_eq!(server.cart(&buyer).await.lines.len(), 1);
    assert!(server.orders(&buyer).await.orders.is_empty());
}

#[tokio::test]
async fn stale_cart_is_rechecked_when_ordering() {
    let (_dir, db) = temp_db();
    let server = Server::start_on(&db).await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    server.added(&buyer, VASE, 3).await;
    let mut buyer_ws = server.ws(&buyer).await;
    // The catalog changes behind the server's back (another process, a restore):
    // no notice was made, but the order still sees it.
    let mut vase = server.product(&staff, VASE).await;
    vase.availability = Availability::Limited { quantity: 1 };
    vase.version += 1;
    let storage = open_storage(&db).await;
    storage.save_products("demo", std::slice::from_ref(&vase)).await.expect("product saved");
    storage.close().await;
    assert!(!server.cart(&buyer).await.needs_acknowledgement());

    let err =
        expect_error(server.order(&buyer, &conversation, "o-1").await, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert!(err.message.contains("Terracotta vase"), "{err:?}");
    let cart = buyer_ws.next_cart_change().await;
    assert_eq!(cart.lines[0].notices[0].kind, ChangeKind::Availability);
    assert_eq!(server.cart(&buyer).await, cart, "the notices are kept for the buyer to review");
    assert!(server.orders(&buyer).await.orders.is_empty());
    let acked = server.acknowledge(&buyer).await;
    assert_eq!(acked.lines[0].quantity, 1);
    let placed: Message = expect_json(server.order(&buyer, &conversation, "o-2").await, StatusCode::CREATED).await;
    assert_eq!(order_of(&placed).total.amount.to_string(), "189.00");
}

#[tokio::test]
async fn an_empty_cart_cannot_be_ordered() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let err = expect_invalid(server.order(&buyer, &conversation, "o-1").await, "cart").await;
    assert!(err.message.contains("empty"), "{err:?}");
    // A cart emptied by acknowledging a removed product cannot be ordered either.
    let staff = server.staff_token().await;
    server.added(&buyer, MUG, 1).await;
    expect_json::<Product>(server.archive_product(&staff, MUG).await, StatusCode::OK).await;
    expect_error(server.order(&buyer, &conversation, "o-2").await, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert!(server.acknowledge(&buyer).await.lines.is_empty());
    expect_invalid(server.order(&buyer, &conversation, "o-3").await, "cart").await;
    assert!(server.all_messages(&buyer, &conversation).await.is_empty());
}

#[tokio::test]
async fn only_the_conversations_buyer_can_order() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let (other, _) = server.buyer().await;
    server.added(&other, MUG, 1).await;
    expect_error(server.order(&other, &conversation, "o-1").await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let staff = server.staff_token().await;
    expect_error(server.order(&staff, &conversation, "o-1").await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    expect_error(server.order(&buyer, "no-such-conversation", "o-1").await, StatusCode::NOT_FOUND, ErrorCode::NotFound)
        .await;
    let resp = server
        .post(&format!("/conversations/{conversation}/order"), Some(&buyer))
        .json(&{
            let mut body = pickup_order("o-2");
            body["note"] = json!("n".repeat(501));
            body
        })
        .send()
        .await
        .unwrap();
    expect_invalid(resp, "note").await;
    assert_eq!(server.cart(&other).await.lines.len(), 1, "nothing ordered");
    assert!(server.orders(&staff).await.orders.is_empty());
}

#[tokio::test]
async fn orders_list_is_newest_first_for_staff_and_own_for_buyers() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (first, first_conversation) = server.buyer().await;
    let (second, second_conversation) = server.buyer().await;
    server.added(&first, MUG, 1).await;
    let one: Message = expect_json(server.order(&first, &first_conversation, "o-1").await, StatusCode::CREATED).await;
    tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    server.added(&second, VASE, 1).await;
    let two: Message = expect_json(server.order(&second, &second_conversation, "o-1").await, StatusCode::CREATED).await;
    let ids = |orders: Vec<Order>| orders.into_iter().map(|o| o.id).collect::<Vec<_>>();
    assert_eq!(ids(server.orders(&staff).await.orders), vec![order_of(&two).id.clone(), order_of(&one).id.clone()]);
    assert_eq!(ids(server.orders(&first).await.orders), vec![order_of(&one).id.clone()]);
    assert_eq!(ids(server.orders(&second).await.orders), vec![order_of(&two).id.clone()]);
    assert!(server.orders(&server.siam_staff_token().await).await.orders.is_empty());
    let cart: Cart = server.cart(&second).await;
    assert!(cart.lines.is_empty());
}
