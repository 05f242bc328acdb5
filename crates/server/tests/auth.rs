//! Tokens, staff sign-in, and who may touch which conversation.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use talkshop_protocol::{ErrorCode, StaffSession};
use talkshop_server::auth::{Role, TokenKey};

#[tokio::test]
async fn staff_login_returns_a_console_token() {
    let server = Server::start().await;
    let resp = server
        .post("/console/login", None)
        .json(&json!({"email": STAFF_EMAIL, "password": STAFF_PASSWORD}))
        .send()
        .await
        .unwrap();
    let session: StaffSession = expect_json(resp, StatusCode::OK).await;
    assert_eq!(session.shop.id, SHOP);
    assert_eq!(session.shop.name, SHOP_NAME);
    assert!(!session.staff_name.is_empty());
    let claims = TokenKey::new(SECRET).verify(&session.token, now_secs()).unwrap();
    assert_eq!(claims.role, Role::Staff);
    assert_eq!(claims.shop, SHOP);

    let resp = server.get("/console/me", Some(&session.token)).send().await.unwrap();
    let me: talkshop_protocol::shop::ConsoleMe = expect_json(resp, StatusCode::OK).await;
    assert_eq!((me.shop.id.as_str(), me.email.as_str()), (SHOP, STAFF_EMAIL));
    assert_eq!(me.role, talkshop_protocol::shop::StaffRole::Owner);
}

#[tokio::test]
async fn a_signed_token_of_a_staff_member_who_does_not_exist_is_refused() {
    let server = Server::start().await;
    let ghost = sign(&staff_claims_for(SHOP), None);
    let resp = server.get("/conversations", Some(&ghost)).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn wrong_staff_password_is_unauthorized() {
    let server = Server::start().await;
    let wrong_password = server
        .post("/console/login", None)
        .json(&json!({"email": STAFF_EMAIL, "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    let wrong_password = expect_error(wrong_password, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let unknown_email = server
        .post("/console/login", None)
        .json(&json!({"email": "nobody@demo.talkshop.test", "password": STAFF_PASSWORD}))
        .send()
        .await
        .unwrap();
    let unknown_email = expect_error(unknown_email, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    // The answer does not tell which of the two was wrong.
    assert_eq!(wrong_password, unknown_email);
}

#[tokio::test]
async fn missing_token_is_unauthorized() {
    let server = Server::start().await;
    let (_, conversation) = server.buyer().await;
    let requests = [
        server.get("/conversations", None),
        server.post("/conversations", None),
        server.get(&format!("/conversations/{conversation}"), None),
        server.get(&format!("/conversations/{conversation}/messages"), None),
        server
            .post(&format!("/conversations/{conversation}/messages"), None)
            .json(&json!({"client_id": "c1", "text": "hi"})),
        server.post(&format!("/conversations/{conversation}/read"), None).json(&json!({"seq": 1})),
        server.get("/console/me", None),
        // Not a bearer token.
        server.get("/conversations", None).header("authorization", "Basic c3RhZmY6cGFzcw=="),
        server.get("/conversations", None).header("authorization", "Bearer "),
    ];
    for request in requests {
        let resp = request.send().await.unwrap();
        expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    }
}

#[tokio::test]
async fn forged_token_is_unauthorized() {
    let server = Server::start().await;
    let visitor = server.visitor().await;
    // Keep the buyer's signature, swap in staff claims.
    let staff_claims = claims(&visitor.visitor_id, Role::Staff, SHOP, now_secs() + 3600);
    let mut forged = token_parts(&visitor.token);
    forged[1] = token_parts(&sign(&staff_claims, Some(b"whatever")))[1].clone();
    let forged = forged.join(".");
    for token in [forged.as_str(), "v1.e30.AAAA", "garbage", "v2.a.b", &format!("{}x", visitor.token)] {
        let resp = server.get("/conversations", Some(token)).send().await.unwrap();
        expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    }
    // Nothing was opened in anybody's name.
    let staff = server.staff_token().await;
    assert!(server.list(&staff).await.conversations.is_empty());
}

#[tokio::test]
async fn expired_token_is_unauthorized() {
    let server = Server::start().await;
    let visitor = server.visitor().await;
    let conversation = server.open_conversation(&visitor.token).await.id;
    let expired = sign(&claims(&visitor.visitor_id, Role::Buyer, SHOP, now_secs() - 10), None);
    let resp = server.get(&format!("/conversations/{conversation}/messages"), Some(&expired)).send().await.unwrap();
    let error = expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    assert!(error.message.contains("expired"), "{error:?}");
    // The same claims with a future expiry are accepted.
    let fresh = sign(&claims(&visitor.visitor_id, Role::Buyer, SHOP, now_secs() + 60), None);
    let page = server.history(&fresh, &conversation, "").await;
    assert!(page.messages.is_empty());
}

#[tokio::test]
async fn token_signed_with_another_key_is_unauthorized() {
    let server = Server::start().await;
    let visitor = server.visitor().await;
    let conversation = server.open_conversation(&visitor.token).await.id;
    let other_key = sign(
        &claims(&visitor.visitor_id, Role::Buyer, SHOP, now_secs() + 3600),
        Some(b"another-secret-0123456789abcdef"),
    );
    let resp = server
        .post(&format!("/conversations/{conversation}/messages"), Some(&other_key))
        .json(&json!({"client_id": "c1", "text": "hi"}))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let staff_other_key = sign(&staff_claims_for(SHOP), Some(b"another key"));
    let resp = server.get("/conversations", Some(&staff_other_key)).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    assert!(server.all_messages(&visitor.token, &conversation).await.is_empty());
}

#[tokio::test]
async fn console_me_refuses_buyer_tokens() {
    let server = Server::start().await;
    let visitor = server.visitor().await;
    let resp = server.get("/console/me", Some(&visitor.token)).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
}

#[tokio::test]
async fn staff_cannot_open_a_conversation() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let resp = server.post("/conversations", Some(&staff)).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert!(server.list(&staff).await.conversations.is_empty());
}

#[tokio::test]
async fn buyer_cannot_read_another_buyers_conversation() {
    let server = Server::start().await;
    let (alice, alices) = server.buyer().await;
    let (bob, _) = server.buyer().await;
    server.send(&alice, &alices, "my address is secret").await;

    for path in [
        format!("/conversations/{alices}/messages"),
        format!("/conversations/{alices}/messages?after=0"),
        format!("/conversations/{alices}"),
    ] {
        let resp = server.get(&path, Some(&bob)).send().await.unwrap();
        expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    }
    // Bob's own list does not show it either.
    let list = server.list(&bob).await;
    assert!(list.conversations.iter().all(|c| c.id != alices));
}

#[tokio::test]
async fn buyer_cannot_send_into_another_buyers_conversation() {
    let server = Server::start().await;
    let (alice, alices) = server.buyer().await;
    let (bob, _) = server.buyer().await;
    server.send(&alice, &alices, "hello").await;
    let resp = server.send_raw(&bob, &alices, "c-bob-1", "injected").await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let messages = server.all_messages(&alice, &alices).await;
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].text(), "hello");
    assert_eq!(server.summary(&alice, &alices).await.last_seq, 1);
}

#[tokio::test]
async fn buyer_cannot_mark_another_buyers_conversation_read() {
    let server = Server::start().await;
    let (alice, alices) = server.buyer().await;
    let (bob, _) = server.buyer().await;
    let staff = server.staff_token().await;
    server.send(&alice, &alices, "hi").await;
    server.send(&staff, &alices, "hello, how can I help?").await;
    assert_eq!(server.summary(&alice, &alices).await.unread, 1);

    let resp = server.mark_read(&bob, &alices, 2).await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let summary = server.summary(&alice, &alices).await;
    assert_eq!(summary.unread, 1);
    assert_eq!(summary.read_seq, 1);
}

#[tokio::test]
async fn staff_of_another_shop_cannot_touch_this_shops_conversations() {
    let server = Server::start().await;
    let (alice, alices) = server.buyer().await;
    server.send(&alice, &alices, "hi").await;
    let outsider = server.outsider_staff().await;

    assert!(server.list(&outsider).await.conversations.is_empty());
    let resp = server.get(&format!("/conversations/{alices}/messages"), Some(&outsider)).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let resp = server.send_raw(&outsider, &alices, "c-x", "hijack").await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let resp = server.mark_read(&outsider, &alices, 1).await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;

    assert_eq!(server.all_messages(&alice, &alices).await.len(), 1);
    let staff = server.staff_token().await;
    assert_eq!(server.summary(&staff, &alices).await.unread, 1);
}

#[tokio::test]
async fn staff_inbox_lists_conversations_with_unread_counts_that_drop_after_read() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (alice, alices) = server.buyer().await;
    let (bob, bobs) = server.buyer().await;
    // An opened but silent conversation stays out of the inbox.
    let (_silent, silents) = server.buyer().await;
    for text in ["one", "two", "three"] {
        server.send(&alice, &alices, text).await;
    }
    server.send(&bob, &bobs, "hello?").await;

    let inbox = server.list(&staff).await.conversations;
    assert_eq!(inbox.len(), 2, "{inbox:?}");
    assert!(inbox.iter().all(|c| c.id != silents));
    let find = |inbox: &[talkshop_protocol::ConversationSummary], id: &str| {
        inbox.iter().find(|c| c.id == id).cloned().expect("listed")
    };
    let a = find(&inbox, &alices);
    assert_eq!((a.unread, a.read_seq, a.last_seq), (3, 0, 3));
    assert_eq!(a.last_message.as_ref().map(|m| m.text()), Some("three"));
    assert_eq!(find(&inbox, &bobs).unread, 1);

    // Reading part of Alice's messages.
    let resp = server.mark_read(&staff, &alices, 2).await;
    let body: serde_json::Value = expect_json(resp, StatusCode::OK).await;
    assert_eq!(body, json!({"seq": 2}));
    let inbox = server.list(&staff).await.conversations;
    assert_eq!(find(&inbox, &alices).unread, 1);
    assert_eq!(find(&inbox, &bobs).unread, 1);

    // Reading all of it; a read mark never goes back nor past the last message.
    for (asked, stored) in [(3, 3), (1, 3), (99, 3)] {
        let resp = server.mark_read(&staff, &alices, asked).await;
        let body: serde_json::Value = expect_json(resp, StatusCode::OK).await;
        assert_eq!(body, json!({ "seq": stored }), "asked {asked}");
    }
    let inbox = server.list(&staff).await.conversations;
    let a = find(&inbox, &alices);
    assert_eq!((a.unread, a.read_seq), (0, 3));
    assert_eq!(find(&inbox, &bobs).unread, 1);

    // A reply is unread for the buyer until they read it; the merchant has read their own reply.
    let reply = server.send(&staff, &alices, "on its way").await;
    assert_eq!(reply.seq, 4);
    let buyer_view = server.summary(&alice, &alices).await;
    assert_eq!((buyer_view.unread, buyer_view.read_seq), (1, 3));
    let staff_view = server.summary(&staff, &alices).await;
    assert_eq!((staff_view.unread, staff_view.read_seq), (0, 4));
    let resp = server.mark_read(&alice, &alices, 4).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(server.summary(&alice, &alices).await.unread, 0);
    // The buyer's list shows only their own conversation.
    let mine = server.list(&alice).await.conversations;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].id, alices);
    assert_eq!(mine[0].unread, 0);
}
