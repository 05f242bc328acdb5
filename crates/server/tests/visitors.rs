//! `POST /api/v1/visitors`: anonymous buyers get a signed visitor token.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use talkshop_protocol::{ErrorCode, VisitorSession};
use talkshop_server::auth::{Role, TokenKey};

#[tokio::test]
async fn visitor_is_created_with_a_working_token() {
    let server = Server::start().await;
    let resp = server
        .post("/visitors", None)
        .json(&json!({"shop": SHOP, "device_id": "device-abc_123"}))
        .send()
        .await
        .unwrap();
    let session: VisitorSession = expect_json(resp, StatusCode::CREATED).await;
    assert_eq!(session.device_id, "device-abc_123");
    assert_eq!(session.shop.id, SHOP);
    assert_eq!(session.shop.name, SHOP_NAME);
    assert!(!session.visitor_id.is_empty());

    // The token is a buyer token for this visitor and shop, valid for about a year.
    let claims =
        TokenKey::new(SECRET).verify(&session.token, now_secs()).expect("token verifies with the server secret");
    assert_eq!(claims.sub, session.visitor_id);
    assert_eq!(claims.role, Role::Buyer);
    assert_eq!(claims.shop, SHOP);
    let year = 365 * 86_400;
    assert!((claims.exp - now_secs() - year).abs() < 60, "{claims:?}");

    // ... and the server accepts it.
    let resp = server.post("/conversations", Some(&session.token)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    let list = server.list(&session.token).await;
    assert_eq!(list.conversations.len(), 1);
    assert_eq!(list.conversations[0].shop.id, SHOP);
}

#[tokio::test]
async fn each_visitor_gets_its_own_identity() {
    let server = Server::start().await;
    let a = server.visitor().await;
    let b = server.visitor().await;
    assert_ne!(a.visitor_id, b.visitor_id);
    assert_ne!(a.token, b.token);
    let conv_a = server.open_conversation(&a.token).await;
    let conv_b = server.open_conversation(&b.token).await;
    assert_ne!(conv_a.id, conv_b.id);
}

#[tokio::test]
async fn unknown_shop_is_refused_as_invalid_shop_field() {
    let server = Server::start().await;
    for shop in ["nope", "", "DEMO", "demo "] {
        let resp =
            server.post("/visitors", None).json(&json!({"shop": shop, "device_id": "device-1"})).send().await.unwrap();
        let error = expect_invalid(resp, "shop").await;
        assert!(error.message.contains("shop"), "{shop:?}: {error:?}");
    }
}

#[tokio::test]
async fn bad_device_id_is_refused() {
    let server = Server::start().await;
    let too_long = "d".repeat(65);
    for device_id in ["", "has space", "<b>", "ünïcode", "a/b", too_long.as_str()] {
        let resp =
            server.post("/visitors", None).json(&json!({"shop": SHOP, "device_id": device_id})).send().await.unwrap();
        expect_invalid(resp, "device_id").await;
    }
    // The longest allowed id still works.
    let resp =
        server.post("/visitors", None).json(&json!({"shop": SHOP, "device_id": "d".repeat(64)})).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn visitor_request_that_cannot_be_read_is_a_bad_request() {
    let server = Server::start().await;
    for body in [
        r#"{"shop":"demo"}"#,
        r#"{"device_id":"d1"}"#,
        r#"{"shop":"demo","device_id":"d1","admin":true}"#,
        r#"{"shop":"demo","device_id":7}"#,
        r#"{"shop":"demo","#,
        "[]",
    ] {
        let resp =
            server.post("/visitors", None).header("content-type", "application/json").body(body).send().await.unwrap();
        expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    }
}
