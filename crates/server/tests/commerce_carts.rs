//! Carts: one per buyer, device and shop; every change is checked against the
//! catalog and published to the buyer's sockets.

mod common;

use common::commerce::*;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use talkshop_protocol::{Cart, ErrorCode, Product};

/// Seeded: R$ 219,00 with 2 left.
const TEAPOT: &str = "CA-TEAPOT-BARRO";
/// Seeded: out of stock.
const HAMMOCK: &str = "CA-HAMMOCK";
/// Seeded with a colour option: Sand, Terracotta (2 left), Olive (R$ 259,00).
const THROW: &str = "CA-THROW-LINEN";

#[tokio::test]
async fn cart_adds_merges_sets_removes_and_clears() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    let empty = server.cart(&buyer).await;
    assert!(empty.lines.is_empty());
    assert_eq!(empty.shop_id, "demo");

    let c = server.added(&buyer, MUG, 2).await;
    let line = &c.lines[0];
    assert_eq!((line.retailer_id.as_str(), line.quantity, line.title.as_str()), (MUG, 2, "Café mug"));
    assert_eq!(line.unit_price.amount.to_string(), "49.90");
    assert_eq!(line.image_url, "/catalog-images/demo/CA-MUG-CAFE.svg");
    assert_eq!(line.product_version, 1);
    let c = server.added(&buyer, MUG, 1).await;
    assert_eq!((c.lines.len(), c.lines[0].quantity), (1, 3), "the same product merges into one line");

    let resp = server
        .add_to_cart(&buyer, json!({"retailer_id": THROW, "variant_sku": "CA-THROW-LINEN-OLIVE", "quantity": 1}))
        .await;
    let c: Cart = expect_json(resp, StatusCode::OK).await;
    assert_eq!(c.lines.len(), 2);
    assert_eq!(c.lines[1].options["Colour"], "Olive");
    assert_eq!(c.lines[1].variant_sku.as_deref(), Some("CA-THROW-LINEN-OLIVE"));
    assert_eq!(c.lines[1].unit_price.amount.to_string(), "259.00");
    assert_eq!(c.subtotal().unwrap().amount.to_string(), "408.70", "3 × 49.90 + 259.00");
    // Another colour of the same product is another line.
    let resp = server
        .add_to_cart(&buyer, json!({"retailer_id": THROW, "variant_sku": "CA-THROW-LINEN-SAND", "quantity": 1}))
        .await;
    assert_eq!(expect_json::<Cart>(resp, StatusCode::OK).await.lines.len(), 3);

    let mug_line = c.lines[0].id.clone();
    let c: Cart = expect_json(server.set_quantity(&buyer, &mug_line, json!(5)).await, StatusCode::OK).await;
    assert_eq!(c.lines[0].quantity, 5);
    let resp = server.delete(&format!("/cart/lines/{mug_line}"), Some(&buyer)).send().await.unwrap();
    let c: Cart = expect_json(resp, StatusCode::OK).await;
    assert_eq!(c.lines.len(), 2);
    assert!(c.lines.iter().all(|l| l.id != mug_line));
    let resp = server.delete(&format!("/cart/lines/{mug_line}"), Some(&buyer)).send().await.unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let resp = server.delete("/cart", Some(&buyer)).send().await.unwrap();
    let cleared: Cart = expect_json(resp, StatusCode::OK).await;
    assert!(cleared.lines.is_empty());
    assert_eq!(cleared.id, c.id, "the same cart, emptied");
    assert_eq!(server.cart(&buyer).await, cleared);
}

#[tokio::test]
async fn every_cart_change_is_published_to_that_buyer_only() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    let (other, _) = server.buyer().await;
    let mut buyer_ws = server.ws(&buyer).await;
    let mut other_ws = server.ws(&other).await;

    let added = server.added(&buyer, MUG, 1).await;
    assert_eq!(buyer_ws.next_cart_change().await, added);
    let line = added.lines[0].id.clone();
    let set: Cart = expect_json(server.set_quantity(&buyer, &line, json!(4)).await, StatusCode::OK).await;
    assert_eq!(buyer_ws.next_cart_change().await, set);
    let resp = server.delete(&format!("/cart/lines/{line}"), Some(&buyer)).send().await.unwrap();
    assert_eq!(buyer_ws.next_cart_change().await, expect_json::<Cart>(resp, StatusCode::OK).await);
    server.added(&buyer, VASE, 1).await;
    buyer_ws.next_cart_change().await;
    let resp = server.delete("/cart", Some(&buyer)).send().await.unwrap();
    assert_eq!(buyer_ws.next_cart_change().await, expect_json::<Cart>(resp, StatusCode::OK).await);
    // The other buyer heard none of it: their first cart frame is their own.
    let own = server.added(&other, VASE, 1).await;
    assert_eq!(other_ws.next_cart_change().await, own);
    // A refused change publishes nothing.
    expect_invalid(server.add_to_cart(&buyer, json!({"retailer_id": HAMMOCK, "quantity": 1})).await, "quantity").await;
    let own = server.added(&buyer, MUG, 2).await;
    assert_eq!(buyer_ws.next_cart_change().await, own);
}

#[tokio::test]
async fn bad_quantities_are_refused_and_nothing_stored() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    for quantity in [json!(0), json!(1000)] {
        expect_invalid(server.add_to_cart(&buyer, json!({"retailer_id": MUG, "quantity": quantity})).await, "quantity")
            .await;
    }
    for quantity in [json!(-1), json!(1.5), json!("2"), json!(null), json!(4294967296u64)] {
        let resp = server.add_to_cart(&buyer, json!({"retailer_id": MUG, "quantity": quantity})).await;
        expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    }
    let resp = server.add_to_cart(&buyer, json!({"retailer_id": MUG})).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    let resp = server.add_to_cart(&buyer, json!({"retailer_id": MUG, "quantity": 1, "price": "0.01"})).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    assert!(server.cart(&buyer).await.lines.is_empty());

    let line = server.added(&buyer, MUG, 999).await.lines[0].id.clone();
    let err =
        expect_invalid(server.add_to_cart(&buyer, json!({"retailer_id": MUG, "quantity": 1})).await, "quantity").await;
    assert!(err.message.contains("999"), "merging past 999 is refused: {err:?}");
    for quantity in [json!(0), json!(1000)] {
        expect_invalid(server.set_quantity(&buyer, &line, quantity).await, "quantity").await;
    }
    for quantity in [json!(-1), json!(1.5), json!("2")] {
        expect_error(
            server.set_quantity(&buyer, &line, quantity).await,
            StatusCode::BAD_REQUEST,
            ErrorCode::BadRequest,
        )
        .await;
    }
    assert_eq!(server.cart(&buyer).await.lines[0].quantity, 999);
}

#[tokio::test]
async fn variant_is_required_for_products_with_options() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    let err =
        expect_invalid(server.add_to_cart(&buyer, json!({"retailer_id": THROW, "quantity": 1})).await, "variant_sku")
            .await;
    assert!(err.message.contains("options"), "{err:?}");
    let cases: [(Value, &str); 3] = [
        (json!({"retailer_id": THROW, "variant_sku": "CA-THROW-LINEN-PINK", "quantity": 1}), "variant_sku"),
        (json!({"retailer_id": MUG, "variant_sku": "CA-MUG-CAFE-L", "quantity": 1}), "variant_sku"),
        (json!({"retailer_id": THROW, "variant_sku": "bad sku", "quantity": 1}), "variant_sku"),
    ];
    for (body, field) in cases {
        expect_invalid(server.add_to_cart(&buyer, body).await, field).await;
    }
    assert!(server.cart(&buyer).await.lines.is_empty());
}

#[tokio::test]
async fn unavailable_products_and_limited_stock_are_refused() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    let err =
        expect_invalid(server.add_to_cart(&buyer, json!({"retailer_id": HAMMOCK, "quantity": 1})).await, "quantity")
            .await;
    assert!(err.message.contains("Out of stock"), "{err:?}");
    let resp = server
        .add_to_cart(&buyer, json!({"retailer_id": "CA-RUG-JUTE", "variant_sku": "CA-RUG-JUTE-200X300", "quantity": 1}))
        .await;
    expect_invalid(resp, "quantity").await;
    let err =
        expect_invalid(server.add_to_cart(&buyer, json!({"retailer_id": TEAPOT, "quantity": 3})).await, "quantity")
            .await;
    assert!(err.message.contains("Only 2 left"), "{err:?}");
    let line = server.added(&buyer, TEAPOT, 1).await.lines[0].id.clone();
    expect_invalid(server.add_to_cart(&buyer, json!({"retailer_id": TEAPOT, "quantity": 2})).await, "quantity").await;
    expect_invalid(server.set_quantity(&buyer, &line, json!(3)).await, "quantity").await;
    let c: Cart = expect_json(server.set_quantity(&buyer, &line, json!(2)).await, StatusCode::OK).await;
    assert_eq!(c.lines[0].quantity, 2);
    // Fewer is always fine, even once the product is gone; more is not.
    let staff = server.staff_token().await;
    expect_json::<Product>(server.archive_product(&staff, TEAPOT).await, StatusCode::OK).await;
    let c: Cart = expect_json(server.set_quantity(&buyer, &line, json!(1)).await, StatusCode::OK).await;
    assert_eq!(c.lines[0].quantity, 1);
    let err = expect_invalid(server.set_quantity(&buyer, &line, json!(2)).await, "quantity").await;
    assert!(err.message.contains("No longer sold"), "{err:?}");
    assert_eq!(server.cart(&buyer).await.lines[0].quantity, 1);
}

#[tokio::test]
async fn archived_unknown_and_other_shop_products_cannot_be_added() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, _) = server.buyer().await;
    expect_json::<Product>(server.archive_product(&staff, MUG).await, StatusCode::OK).await;
    for sku in [MUG, "NOPE-1", "ST-JASMINE"] {
        let err =
            expect_invalid(server.add_to_cart(&buyer, json!({"retailer_id": sku, "quantity": 1})).await, "retailer_id")
                .await;
        assert!(err.message.contains(sku), "{err:?}");
    }
    assert!(server.cart(&buyer).await.lines.is_empty());
}

#[tokio::test]
async fn a_cart_holds_one_currency() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let mut thb = product("THB-MUG", "99.00");
    thb["price"]["currency"] = json!("THB");
    expect_json::<Product>(server.create_product(&staff, &thb).await, StatusCode::CREATED).await;
    let (buyer, _) = server.buyer().await;
    server.added(&buyer, MUG, 1).await;
    let err = expect_invalid(
        server.add_to_cart(&buyer, json!({"retailer_id": "THB-MUG", "quantity": 1})).await,
        "retailer_id",
    )
    .await;
    assert!(err.message.contains("BRL") && err.message.contains("THB"), "{err:?}");
    assert_eq!(server.cart(&buyer).await.lines.len(), 1);
    // Once emptied, the cart takes the other currency.
    server.delete("/cart", Some(&buyer)).send().await.unwrap();
    let c = server.added(&buyer, "THB-MUG", 1).await;
    assert_eq!(c.lines[0].unit_price.display(), "฿99.00");
}

#[tokio::test]
async fn two_devices_have_two_carts() {
    let server = Server::start().await;
    let (phone, _) = server.buyer().await;
    let (laptop, _) = server.buyer().await;
    let on_phone = server.added(&phone, MUG, 1).await;
    let on_laptop = server.added(&laptop, VASE, 2).await;
    assert_ne!(on_phone.id, on_laptop.id);
    assert_eq!(server.cart(&phone).await, on_phone);
    assert_eq!(server.cart(&laptop).await, on_laptop);
    // The tea house keeps its own carts too.
    let (siam_buyer, _) = server.buyer_of(SIAM).await;
    let tea = server.added(&siam_buyer, "ST-JASMINE", 1).await;
    assert_eq!(tea.shop_id, SIAM);
    assert_eq!(tea.lines[0].unit_price.display(), "฿280.00");
}

#[tokio::test]
async fn another_buyers_line_is_not_found() {
    let server = Server::start().await;
    let (phone, _) = server.buyer().await;
    let (laptop, _) = server.buyer().await;
    server.added(&laptop, VASE, 1).await;
    let line = server.added(&phone, MUG, 1).await.lines[0].id.clone();
    expect_error(server.set_quantity(&laptop, &line, json!(9)).await, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let resp = server.delete(&format!("/cart/lines/{line}"), Some(&laptop)).send().await.unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    assert_eq!(server.cart(&phone).await.lines[0].quantity, 1);
    assert_eq!(server.cart(&laptop).await.lines.len(), 1);
}

#[tokio::test]
async fn staff_have_no_cart() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let calls = [
        server.get("/cart", Some(&staff)),
        server.post("/cart/lines", Some(&staff)).json(&json!({"retailer_id": MUG, "quantity": 1})),
        server.patch("/cart/lines/x", Some(&staff)).json(&json!({"quantity": 1})),
        server.delete("/cart/lines/x", Some(&staff)),
        server.delete("/cart", Some(&staff)),
        server.post("/cart/acknowledge", Some(&staff)),
    ];
    for call in calls {
        expect_error(call.send().await.unwrap(), StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    }
    let resp = server.get("/cart", None).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn cart_survives_restart() {
    let (_dir, db) = temp_db();
    let server = Server::start_on(&db).await;
    let (buyer, _) = server.buyer().await;
    server.added(&buyer, MUG, 2).await;
    let before = server.added(&buyer, VASE, 1).await;
    server.stop().await;
    let server = Server::start_on(&db).await;
    assert_eq!(server.cart(&buyer).await, before);
    assert_eq!(server.catalog(&buyer, "").await.len(), 24, "the seeded catalog is not seeded twice");
}

#[tokio::test]
async fn concurrent_adds_are_all_counted() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    let adds = (0..12).map(|_| server.add_to_cart(&buyer, json!({"retailer_id": MUG, "quantity": 1})));
    for resp in futures_util::future::join_all(adds).await {
        assert_eq!(resp.status(), StatusCode::OK);
    }
    let c = server.cart(&buyer).await;
    assert_eq!((c.lines.len(), c.lines[0].quantity), (1, 12), "no add was lost: {c:?}");
}
