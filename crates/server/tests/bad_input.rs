//! Requests the server must refuse with a JSON error, storing nothing.

mod common;

use common::*;
use reqwest::StatusCode;
use talkshop_protocol::{ErrorCode, Message};

/// A conversation holding one message, so "nothing stored" is checked against a known state.
async fn conversation_with_one_message(server: &Server) -> (String, String, Message) {
    let (buyer, conversation) = server.buyer().await;
    let first = server.send(&buyer, &conversation, "first").await;
    (buyer, conversation, first)
}

/// The conversation still holds only `first`, and the next message gets seq 2.
async fn assert_nothing_stored(server: &Server, buyer: &str, conversation: &str, first: &Message) {
    assert_eq!(server.all_messages(buyer, conversation).await, vec![first.clone()]);
    assert_eq!(server.summary(buyer, conversation).await.last_seq, 1);
}

/// Posts `body` as JSON to the conversation's messages.
async fn post_raw(server: &Server, token: &str, conversation: &str, body: &str) -> reqwest::Response {
    server
        .post(&format!("/conversations/{conversation}/messages"), Some(token))
        .header("content-type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn malformed_json_is_a_bad_request() {
    let server = Server::start().await;
    let (buyer, conversation, first) = conversation_with_one_message(&server).await;
    for body in [
        r#"{"client_id":"c1","text":"#,
        r#"{"client_id":"c1","text":"hi""#,
        "{client_id: 'c1', text: 'hi'}",
        "not json",
        "",
        r#"{"client_id":"c1","text":"hi"} trailing"#,
    ] {
        let resp = post_raw(&server, &buyer, &conversation, body).await;
        let error = expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
        assert!(error.field.is_none(), "{body:?}: {error:?}");
    }
    assert_nothing_stored(&server, &buyer, &conversation, &first).await;
}

#[tokio::test]
async fn wrong_types_are_a_bad_request() {
    let server = Server::start().await;
    let (buyer, conversation, first) = conversation_with_one_message(&server).await;
    for body in [
        r#"{"client_id":"c1","text":5}"#,
        r#"{"client_id":7,"text":"hi"}"#,
        r#"{"client_id":"c1","text":null}"#,
        r#"{"client_id":"c1","text":["hi"]}"#,
        r#"{"client_id":"c1","text":{"type":"text","text":"hi"}}"#,
        r#"["c1","hi"]"#,
        r#""hi""#,
        "null",
    ] {
        let resp = post_raw(&server, &buyer, &conversation, body).await;
        expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    }
    assert_nothing_stored(&server, &buyer, &conversation, &first).await;
}

#[tokio::test]
async fn missing_fields_are_a_bad_request() {
    let server = Server::start().await;
    let (buyer, conversation, first) = conversation_with_one_message(&server).await;
    for body in [r#"{"client_id":"c1"}"#, r#"{"text":"hi"}"#, "{}"] {
        let resp = post_raw(&server, &buyer, &conversation, body).await;
        expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    }
    assert_nothing_stored(&server, &buyer, &conversation, &first).await;
}

#[tokio::test]
async fn unknown_fields_are_a_bad_request() {
    let server = Server::start().await;
    let (buyer, conversation, first) = conversation_with_one_message(&server).await;
    for body in [
        r#"{"client_id":"c1","text":"hi","html":true}"#,
        // A buyer may not pass themselves off as the merchant, nor pick a seq.
        r#"{"client_id":"c1","text":"hi","sender":"merchant"}"#,
        r#"{"client_id":"c1","text":"hi","seq":1}"#,
    ] {
        let resp = post_raw(&server, &buyer, &conversation, body).await;
        expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    }
    assert_nothing_stored(&server, &buyer, &conversation, &first).await;
}

#[tokio::test]
async fn duplicate_fields_are_a_bad_request() {
    let server = Server::start().await;
    let (buyer, conversation, first) = conversation_with_one_message(&server).await;
    for body in [r#"{"client_id":"c1","text":"a","text":"b"}"#, r#"{"client_id":"c1","client_id":"c2","text":"a"}"#] {
        let resp = post_raw(&server, &buyer, &conversation, body).await;
        expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    }
    assert_nothing_stored(&server, &buyer, &conversation, &first).await;
}

#[tokio::test]
async fn missing_or_wrong_content_type_is_a_bad_request() {
    let server = Server::start().await;
    let (buyer, conversation, first) = conversation_with_one_message(&server).await;
    let body = r#"{"client_id":"c1","text":"hi"}"#;
    let path = format!("/conversations/{conversation}/messages");
    let no_type = server.post(&path, Some(&buyer)).body(body).send().await.unwrap();
    expect_error(no_type, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let resp =
            server.post(&path, Some(&buyer)).header("content-type", content_type).body(body).send().await.unwrap();
        expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    }
    assert_nothing_stored(&server, &buyer, &conversation, &first).await;
}

#[tokio::test]
async fn empty_or_whitespace_only_text_is_invalid() {
    let server = Server::start().await;
    let (buyer, conversation, first) = conversation_with_one_message(&server).await;
    for text in ["", " ", "   \n\t  \r\n", "\u{3000}", "\u{a0}\u{2003}"] {
        let resp = server.send_raw(&buyer, &conversation, &unique("c"), text).await;
        expect_invalid(resp, "text").await;
    }
    assert_nothing_stored(&server, &buyer, &conversation, &first).await;
}

#[tokio::test]
async fn text_over_4096_characters_is_invalid() {
    let server = Server::start().await;
    let (buyer, conversation, first) = conversation_with_one_message(&server).await;
    for text in [
        "a".repeat(4097),
        "ก".repeat(4097),  // 3 bytes each
        "😀".repeat(4097), // 4 bytes each
        format!("{}é", "a".repeat(4096)),
    ] {
        let resp = server.send_raw(&buyer, &conversation, &unique("c"), &text).await;
        let error = expect_invalid(resp, "text").await;
        assert!(error.message.contains("4097"), "{error:?}");
    }
    assert_nothing_stored(&server, &buyer, &conversation, &first).await;
}

#[tokio::test]
async fn text_of_exactly_4096_characters_is_accepted() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let texts = ["a".repeat(4096), "ก".repeat(4096), "😀".repeat(4096), format!("{}é", "a".repeat(4095))];
    for text in &texts {
        let message = server.send(&buyer, &conversation, text).await;
        assert_eq!(message.text(), text);
        assert_eq!(message.text().chars().count(), 4096);
    }
    let stored = server.all_messages(&buyer, &conversation).await;
    let stored: Vec<&str> = stored.iter().map(|m| m.text()).collect();
    assert_eq!(stored, texts.iter().map(String::as_str).collect::<Vec<_>>());
}

#[tokio::test]
async fn bad_client_id_is_invalid() {
    let server = Server::start().await;
    let (buyer, conversation, first) = conversation_with_one_message(&server).await;
    let too_long = "k".repeat(65);
    for client_id in ["", "has space", "<b>", "ü", "a.b", too_long.as_str()] {
        let resp = server.send_raw(&buyer, &conversation, client_id, "hi").await;
        expect_invalid(resp, "client_id").await;
    }
    assert_nothing_stored(&server, &buyer, &conversation, &first).await;
}

#[tokio::test]
async fn unknown_conversation_is_not_found() {
    let server = Server::start().await;
    let (buyer, conversation, first) = conversation_with_one_message(&server).await;
    let staff = server.staff_token().await;
    for token in [&buyer, &staff] {
        let resp = server.send_raw(token, "no-such-conversation", &unique("c"), "hi").await;
        expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
        let resp = server.mark_read(token, "no-such-conversation", 1).await;
        expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    }
    assert_nothing_stored(&server, &buyer, &conversation, &first).await;
}

#[tokio::test]
async fn body_over_64_kib_is_payload_too_large() {
    let server = Server::start().await;
    let (buyer, conversation, first) = conversation_with_one_message(&server).await;
    for size in [64 * 1024 + 1, 256 * 1024] {
        let text = "a".repeat(size);
        let resp = server.send_raw(&buyer, &conversation, "big-1", &text).await;
        expect_error(resp, StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge).await;
    }
    assert_nothing_stored(&server, &buyer, &conversation, &first).await;
    // The server still answers normally afterwards.
    assert_eq!(server.send(&buyer, &conversation, "small").await.seq, 2);
}

#[tokio::test]
async fn bad_read_marks_are_refused() {
    let server = Server::start().await;
    let (buyer, conversation, _) = conversation_with_one_message(&server).await;
    let staff = server.staff_token().await;
    let path = format!("/conversations/{conversation}/read");
    let resp = server.mark_read(&staff, &conversation, -1).await;
    expect_invalid(resp, "seq").await;
    for body in [r#"{"seq":"1"}"#, "{}", r#"{"seq":1,"x":1}"#, "nope"] {
        let resp = server
            .post(&path, Some(&staff))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    }
    let summary = server.summary(&staff, &conversation).await;
    assert_eq!((summary.read_seq, summary.unread), (0, 1));
    assert_eq!(server.summary(&buyer, &conversation).await.read_seq, 1);
}

#[tokio::test]
async fn unknown_api_route_is_a_json_not_found() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    for path in ["/nope", "/conversations/x/y/z"] {
        let resp = server.get(path, Some(&buyer)).send().await.unwrap();
        expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    }
}
