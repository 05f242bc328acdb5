//! `Idempotency-Key` on mutating calls other than paying: a retried add to
//! cart or a retried upsert does its work once.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use talkshop_protocol::{Cart, ErrorCode};

#[tokio::test]
async fn a_retried_add_to_cart_adds_once_and_another_body_is_refused() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    let add = |quantity: u32, key: &'static str| {
        server
            .post("/cart/lines", Some(&buyer))
            .header("Idempotency-Key", key)
            .json(&json!({"retailer_id": "CA-MUG-CAFE", "quantity": quantity}))
            .send()
    };
    let first: Cart = expect_json(add(2, "add-1").await.unwrap(), StatusCode::OK).await;
    let retry: Cart = expect_json(add(2, "add-1").await.unwrap(), StatusCode::OK).await;
    assert_eq!(first, retry, "the first answer, again");
    let (a, b) = tokio::join!(add(1, "add-2"), add(1, "add-2"));
    assert_eq!((a.unwrap().status(), b.unwrap().status()), (StatusCode::OK, StatusCode::OK));
    let err = expect_error(add(5, "add-1").await.unwrap(), StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(err.field.as_deref(), Some("Idempotency-Key"));
    let cart: Cart = expect_json(server.get("/cart", Some(&buyer)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(cart.lines[0].quantity, 3, "2 once, then 1 once");
    // Another buyer's identical key is a different key.
    let (other, _) = server.buyer().await;
    let resp = server
        .post("/cart/lines", Some(&other))
        .header("Idempotency-Key", "add-1")
        .json(&json!({"retailer_id": "CA-MUG-CAFE", "quantity": 2}))
        .send()
        .await
        .unwrap();
    let theirs: Cart = expect_json(resp, StatusCode::OK).await;
    assert_ne!(theirs.id, first.id);
    let resp = server
        .post("/cart/lines", Some(&buyer))
        .header("Idempotency-Key", "x".repeat(101))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    expect_invalid(resp, "Idempotency-Key").await;
}
