//! Identity verification: `POST /visitors/identify` with
//! `user_hash = hex(HMAC-SHA256(shop identity secret, user_id))`.

mod common;

use common::commerce::VASE;
use common::*;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde_json::json;
use sha2::Sha256;
use talkshop_protocol::{ErrorCode, ServerFrame, VisitorSession};

/// The identity secret `Config::for_tests` gives every shop.
const IDENTITY_SECRET: &str = "test-identity-secret";

fn user_hash(secret: &str, user_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(user_id.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

async fn identify_raw(server: &Server, token: &str, body: serde_json::Value) -> reqwest::Response {
    server.post("/visitors/identify", Some(token)).json(&body).send().await.expect("POST identify")
}

async fn identify(server: &Server, token: &str, user_id: &str) -> VisitorSession {
    let body = json!({"user_id": user_id, "user_hash": user_hash(IDENTITY_SECRET, user_id), "name": "Ana Souza", "email": "ana@example.com"});
    expect_json(identify_raw(server, token, body).await, StatusCode::OK).await
}

#[tokio::test]
async fn a_verified_user_shares_one_conversation_across_devices_and_live() {
    let server = Server::start().await;
    let user = unique("user");
    // Device 1 chats anonymously, then the shop's page signs the buyer in.
    let anon = server.visitor().await;
    let anon_token = anon.token.clone();
    let conversation = server.open_conversation(&anon_token).await.id;
    server.send(&anon_token, &conversation, "Hi, is the vase still available?").await;
    let phone = identify(&server, &anon_token, &user).await;
    assert_eq!(phone.user_id.as_deref(), Some(user.as_str()));
    assert_eq!(phone.visitor_id, anon.visitor_id, "the first device owns the user's conversation");
    let mine = server.list(&phone.token).await.conversations;
    assert_eq!(mine.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec![conversation.as_str()]);

    // Device 2 (another visitor) signs in as the same user: same conversation, same history.
    let laptop_visitor = server.visitor().await;
    let laptop = identify(&server, &laptop_visitor.token, &user).await;
    assert_eq!(laptop.visitor_id, laptop_visitor.visitor_id, "the device keeps its own visitor (and cart)");
    let on_laptop = server.list(&laptop.token).await.conversations;
    assert_eq!(on_laptop.len(), 1);
    assert_eq!(on_laptop[0].id, conversation);
    let texts: Vec<String> =
        server.all_messages(&laptop.token, &conversation).await.iter().map(|m| m.preview()).collect();
    assert_eq!(texts, vec!["Hi, is the vase still available?".to_owned()]);
    // Opening the conversation from the laptop lands in the same one.
    assert_eq!(server.open_conversation(&laptop.token).await.id, conversation);

    // Live: the phone's socket hears what the laptop sends, and the shop's reply.
    let mut phone_ws = server.ws(&phone.token).await;
    let sent = server.send(&laptop.token, &conversation, "Sent from my laptop").await;
    let heard = phone_ws.next_message().await;
    assert_eq!(heard.id, sent.id);
    let staff = server.staff_token().await;
    server.send(&staff, &conversation, "Yes, it is!").await;
    assert_eq!(phone_ws.next_message().await.preview(), "Yes, it is!");

    // The anonymous token of device 1 is still what it was: the same visitor, so the same conversation.
    assert_eq!(server.list(&anon_token).await.conversations[0].id, conversation);
    server.stop().await;
}

#[tokio::test]
async fn carts_stay_per_device_for_a_verified_user() {
    let server = Server::start().await;
    let user = unique("user");
    let phone = identify(&server, &server.visitor().await.token, &user).await;
    let laptop = identify(&server, &server.visitor().await.token, &user).await;
    server.added(&phone.token, VASE, 2).await;
    assert_eq!(server.cart(&phone.token).await.lines.len(), 1);
    assert!(server.cart(&laptop.token).await.lines.is_empty(), "the laptop's cart is its own");
    server.stop().await;
}

#[tokio::test]
async fn forged_missing_or_malformed_hashes_are_refused_and_the_visitor_stays_anonymous() {
    let server = Server::start().await;
    let (token, conversation) = server.buyer().await;
    let user = unique("user");

    let forged = json!({"user_id": user, "user_hash": user_hash("not-the-secret", &user)});
    let err =
        expect_error(identify_raw(&server, &token, forged).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    assert!(err.message.contains("Identity verification failed"), "{}", err.message);
    // A hash for another user id does not pass either.
    let other = json!({"user_id": user, "user_hash": user_hash(IDENTITY_SECRET, "someone-else")});
    expect_error(identify_raw(&server, &token, other).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;

    expect_invalid(identify_raw(&server, &token, json!({"user_id": user, "user_hash": ""})).await, "user_hash").await;
    expect_invalid(
        identify_raw(&server, &token, json!({"user_id": user, "user_hash": "zz".repeat(32)})).await,
        "user_hash",
    )
    .await;
    expect_invalid(
        identify_raw(&server, &token, json!({"user_id": "", "user_hash": "00".repeat(32)})).await,
        "user_id",
    )
    .await;
    let long = "u".repeat(129);
    expect_invalid(
        identify_raw(&server, &token, json!({"user_id": long, "user_hash": "00".repeat(32)})).await,
        "user_id",
    )
    .await;
    let bad_email = json!({"user_id": user, "user_hash": user_hash(IDENTITY_SECRET, &user), "email": "not an email"});
    expect_invalid(identify_raw(&server, &token, bad_email).await, "email").await;
    let resp = identify_raw(&server, &token, json!({"user_hash": "00"})).await;
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);

    // Still the same anonymous visitor with the same conversation.
    assert_eq!(server.list(&token).await.conversations[0].id, conversation);
    // Another device that identifies properly as that user does not see the anonymous conversation.
    let verified = identify(&server, &server.visitor().await.token, &user).await;
    assert!(server.list(&verified.token).await.conversations.iter().all(|c| c.id != conversation));
    let resp =
        server.get(&format!("/conversations/{conversation}/messages"), Some(&verified.token)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    server.stop().await;
}

#[tokio::test]
async fn only_buyers_identify_and_a_device_holds_one_user_at_a_time() {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let user = unique("user");
    let body = json!({"user_id": user, "user_hash": user_hash(IDENTITY_SECRET, &user)});
    expect_error(identify_raw(&server, &staff, body.clone()).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let resp = server.post("/visitors/identify", None).json(&body).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;

    // Identified as one user, the same visitor cannot become another (log out first: a new visitor).
    let visitor = server.visitor().await;
    let first = identify(&server, &visitor.token, &user).await;
    let again = identify(&server, &first.token, &user).await;
    assert_eq!(again.user_id, first.user_id, "identifying again as the same user is fine");
    let other = unique("user");
    let body = json!({"user_id": other, "user_hash": user_hash(IDENTITY_SECRET, &other)});
    expect_error(identify_raw(&server, &first.token, body).await, StatusCode::CONFLICT, ErrorCode::Conflict).await;

    // Users of one shop are not users of another: a siam buyer with the same id gets their own conversation.
    let siam = server.buyer_of("siam").await;
    let siam_user = identify(&server, &siam.0, &user).await;
    let demo_conversation = server.open_conversation(&first.token).await.id;
    assert!(server.list(&siam_user.token).await.conversations.iter().all(|c| c.id != demo_conversation));
    server.stop().await;
}

#[tokio::test]
async fn events_for_a_users_conversation_reach_only_that_user() {
    let server = Server::start().await;
    let ana = identify(&server, &server.visitor().await.token, &unique("ana")).await;
    let bob = identify(&server, &server.visitor().await.token, &unique("bob")).await;
    let ana_conversation = server.open_conversation(&ana.token).await.id;
    let mut bob_ws = server.ws(&bob.token).await;
    server.send(&ana.token, &ana_conversation, "private").await;
    bob_ws.send_frame(&talkshop_protocol::ClientFrame::Ping).await;
    assert_eq!(bob_ws.next_frame().await, ServerFrame::Pong, "Bob hears nothing of Ana's conversation");
    server.stop().await;
}
