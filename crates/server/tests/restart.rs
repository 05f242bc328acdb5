//! Graceful shutdown and restart on the same database.

mod common;

use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn history_survives_a_graceful_restart() {
    let (_dir, db) = temp_db();
    let server = Server::start_on(&db).await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    for i in 1..=6 {
        let token = if i % 2 == 0 { &staff } else { &buyer };
        server.send(token, &conversation, &format!("#{i} ✓")).await;
    }
    let resp = server.mark_read(&buyer, &conversation, 4).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let before = server.all_messages(&buyer, &conversation).await;
    let buyer_view = server.summary(&buyer, &conversation).await;
    let staff_inbox = server.list(&staff).await;
    assert_eq!(before.len(), 6);
    server.stop().await;

    let server = Server::start_on(&db).await;
    // Tokens issued before the restart still work (same secret); the data is all there.
    assert_eq!(server.all_messages(&buyer, &conversation).await, before);
    assert_eq!(server.summary(&buyer, &conversation).await, buyer_view);
    assert_eq!(server.list(&staff).await, staff_inbox);
    // Reopening finds the same conversation, and numbering continues.
    assert_eq!(server.open_conversation(&buyer).await.id, conversation);
    assert_eq!(server.send(&buyer, &conversation, "after").await.seq, 7);
    // A retry of a message sent before the restart is still recognised.
    let first = &before[0];
    let resp = server.send_raw(&buyer, &conversation, &first.client_id, first.text()).await;
    let again: talkshop_protocol::Message = expect_json(resp, StatusCode::OK).await;
    assert_eq!(&again, first);
    // The staff password still works against the reopened file.
    server.staff_login().await;
    server.stop().await;
}

#[tokio::test]
async fn stop_closes_open_sockets_and_keeps_the_data() {
    let (_dir, db) = temp_db();
    let server = Server::start_on(&db).await;
    let (buyer, conversation) = server.buyer().await;
    let sent = server.send(&buyer, &conversation, "hi").await;
    let mut ws = server.ws(&buyer).await;
    ws.assert_alive().await;
    server.stop().await;
    ws.expect_closed().await;

    let server = Server::start_on(&db).await;
    assert_eq!(server.all_messages(&buyer, &conversation).await, vec![sent]);
    server.stop().await;
}

#[tokio::test]
async fn healthz_answers_ok() {
    let server = Server::start().await;
    let resp = server.http.get(format!("{}/healthz", server.url)).send().await.unwrap();
    let health: talkshop_protocol::Health = expect_json(resp, StatusCode::OK).await;
    assert_eq!(health.status, "ok");
    assert!(!health.version.is_empty());
    server.stop().await;
}
