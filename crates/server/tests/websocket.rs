//! `GET /api/v1/ws?token=…`: live events, resume and frame errors over a real socket.

mod common;

use common::*;
use futures_util::SinkExt;
use reqwest::StatusCode;
use serde_json::json;
use talkshop_protocol::{ClientFrame, ErrorCode, Sender, ServerFrame};
use talkshop_server::auth::Role;
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn ws_without_token_is_refused_before_upgrade() {
    let server = Server::start().await;
    let url = format!("ws://{}/api/v1/ws", server.host());
    let (status, body) = server.ws_refused(&url).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    if let Some(body) = body.filter(|b| !b.is_empty()) {
        let body: serde_json::Value = serde_json::from_slice(&body).expect("JSON body");
        check_error_body(&body, ErrorCode::Unauthorized);
    }
    // The same refusal, seen as plain HTTP: a JSON error body.
    let resp = server.get("/ws", None).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
}

#[tokio::test]
async fn ws_with_bad_token_is_refused() {
    let server = Server::start().await;
    let visitor = server.visitor().await;
    let buyer = |exp| claims(&visitor.visitor_id, Role::Buyer, SHOP, exp);
    let expired = sign(&buyer(now_secs() - 1), None);
    let other_key = sign(&buyer(now_secs() + 3600), Some(b"not the server secret"));
    let mut tampered = token_parts(&visitor.token);
    tampered[1] = token_parts(&sign(&staff_claims_for(SHOP), None))[1].clone();
    let tampered = tampered.join(".");
    for token in ["", "garbage", &expired, &other_key, &tampered] {
        let (status, _) = server.ws_refused(&server.ws_url(token)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "token {token:?}");
    }
    let resp = server.http.get(server.api(&format!("/ws?token={expired}"))).send().await.unwrap();
    let error = expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    assert!(error.message.contains("expired"), "{error:?}");
}

#[tokio::test]
async fn ws_first_frame_is_ready_for_buyers_and_staff() {
    let server = Server::start().await;
    let visitor = server.visitor().await;
    let staff = server.staff_token().await;
    // `Server::ws` asserts the first frame is exactly {"type":"ready"}.
    let mut buyer_ws = server.ws(&visitor.token).await;
    let mut staff_ws = server.ws(&staff).await;
    buyer_ws.assert_alive().await;
    staff_ws.assert_alive().await;
}

#[tokio::test]
async fn buyer_message_reaches_staff_and_every_buyer_tab_live() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    let mut tab1 = server.ws(&buyer).await;
    let mut tab2 = server.ws(&buyer).await;
    let mut console = server.ws(&staff).await;

    let sent = server.send(&buyer, &conversation, "is this in stock?").await;
    for ws in [&mut console, &mut tab1, &mut tab2] {
        assert_eq!(ws.next_message().await, sent);
    }

    let reply = server.send(&staff, &conversation, "yes, 3 left").await;
    assert_eq!(reply.sender, Sender::Merchant);
    assert_eq!(reply.seq, sent.seq + 1);
    for ws in [&mut tab1, &mut tab2, &mut console] {
        assert_eq!(ws.next_message().await, reply);
    }
    // The frame on the wire has the documented shape.
    let third = server.send(&buyer, &conversation, "<b>great</b>").await;
    let raw = tab1.next_json().await;
    assert_eq!(raw, json!({"type": "message", "message": serde_json::to_value(&third).unwrap()}));
}

#[tokio::test]
async fn a_retried_send_is_not_pushed_twice() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let mut tab = server.ws(&buyer).await;
    let first = server.send_raw(&buyer, &conversation, "once-1", "hi").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let again = server.send_raw(&buyer, &conversation, "once-1", "hi").await;
    assert_eq!(again.status(), StatusCode::OK);
    let later = server.send(&buyer, &conversation, "later").await;
    assert_eq!(tab.next_message().await.client_id, "once-1");
    assert_eq!(tab.next_message().await, later);
}

#[tokio::test]
async fn other_buyers_socket_does_not_receive_the_conversation() {
    let server = Server::start().await;
    let (alice, alices) = server.buyer().await;
    let (bob, bobs) = server.buyer().await;
    let staff = server.staff_token().await;
    let mut bob_ws = server.ws(&bob).await;
    let outsider = server.outsider_staff().await;
    let mut outsider_ws = server.ws(&outsider).await;

    server.send(&alice, &alices, "alice's secret").await;
    server.send(&staff, &alices, "reply to alice").await;
    let resp = server.mark_read(&staff, &alices, 1).await;
    assert_eq!(resp.status(), StatusCode::OK);

    // Bob's next frame is his own later message: nothing of Alice's came before it.
    let own = server.send(&bob, &bobs, "bob here").await;
    assert_eq!(bob_ws.next_message().await, own);
    // Staff of another shop see nothing of this shop; a ping proves the socket is live.
    outsider_ws.assert_alive().await;
}

#[tokio::test]
async fn read_marks_are_pushed_to_both_parties() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    let mut tab = server.ws(&buyer).await;
    let mut console = server.ws(&staff).await;
    let sent = server.send(&buyer, &conversation, "hi").await;
    assert_eq!(tab.next_message().await, sent);
    assert_eq!(console.next_message().await, sent);

    let resp = server.mark_read(&staff, &conversation, sent.seq).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let expected = ServerFrame::Read { conversation_id: conversation.clone(), reader: Sender::Merchant, seq: 1 };
    assert_eq!(tab.next_frame().await, expected);
    assert_eq!(console.next_frame().await, expected);
}

#[tokio::test]
async fn invalid_frames_get_an_error_frame_and_the_socket_keeps_working() {
    let server = Server::start().await;
    let visitor = server.visitor().await;
    let mut ws = server.ws(&visitor.token).await;
    for text in [
        "garbage",
        "",
        "{}",
        "[]",
        r#"{"type":"launch_missiles"}"#,
        r#"{"type":"resume","conversation_id":1,"after_seq":0}"#,
        r#"{"type":"resume","conversation_id":"c"}"#,
        r#"{"type":"resume","conversation_id":"c","after_seq":0,"extra":true}"#,
        r#"{"type":"message","text":"hi"}"#,
    ] {
        ws.send_text(text).await;
        let error = ws.next_error().await;
        assert_eq!(error.code, ErrorCode::BadRequest, "{text:?}");
        ws.assert_alive().await;
    }
    ws.stream.send(WsMessage::binary(vec![0u8, 159, 146, 150])).await.unwrap();
    let error = ws.next_error().await;
    assert_eq!(error.code, ErrorCode::BadRequest);
    ws.assert_alive().await;
}

#[tokio::test]
async fn oversized_frame_closes_only_that_socket() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let mut greedy = server.ws(&buyer).await;
    let mut other = server.ws(&buyer).await;
    let huge = format!(r#"{{"type":"ping","pad":"{}"}}"#, "x".repeat(70 * 1024));
    // The server may drop the connection while the frame is still being
    // written, so a failed send is as good as a close here.
    if greedy.stream.send(WsMessage::text(huge)).await.is_ok() {
        greedy.expect_closed().await;
    }
    other.assert_alive().await;
    let sent = server.send(&buyer, &conversation, "still here").await;
    assert_eq!(other.next_message().await, sent);
}

#[tokio::test]
async fn resume_returns_exactly_the_messages_after_the_given_seq() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    for i in 1..=5 {
        let token = if i % 2 == 0 { &staff } else { &buyer };
        server.send(token, &conversation, &format!("#{i}")).await;
    }
    let stored = server.all_messages(&buyer, &conversation).await;
    let mut ws = server.ws(&buyer).await;
    for after_seq in [0, 2, 4, 5, 9] {
        ws.send_frame(&ClientFrame::Resume { conversation_id: conversation.clone(), after_seq }).await;
        let frame = ws.next_frame().await;
        let ServerFrame::Backlog { conversation_id, messages } = frame else {
            panic!("expected a backlog, got {frame:?}");
        };
        assert_eq!(conversation_id, conversation);
        let want: Vec<_> = stored.iter().filter(|m| m.seq > after_seq).cloned().collect();
        assert_eq!(messages, want, "after {after_seq}");
    }
    // Staff resume the same conversation too.
    let mut console = server.ws(&staff).await;
    console.send_text(&format!(r#"{{"type":"resume","conversation_id":"{conversation}","after_seq":3}}"#)).await;
    match console.next_frame().await {
        ServerFrame::Backlog { messages, .. } => {
            assert_eq!(messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [4, 5]);
        }
        other => panic!("expected a backlog, got {other:?}"),
    }
}

#[tokio::test]
async fn resume_on_another_buyers_conversation_is_forbidden() {
    let server = Server::start().await;
    let (alice, alices) = server.buyer().await;
    let (bob, _) = server.buyer().await;
    server.send(&alice, &alices, "private").await;
    let mut ws = server.ws(&bob).await;
    ws.send_frame(&ClientFrame::Resume { conversation_id: alices.clone(), after_seq: 0 }).await;
    let error = ws.next_error().await;
    assert_eq!(error.code, ErrorCode::Forbidden);
    // No backlog follows; the socket still works.
    ws.assert_alive().await;
}

#[tokio::test]
async fn resume_with_bad_arguments_answers_an_error_frame() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "hi").await;
    let mut ws = server.ws(&buyer).await;
    ws.send_frame(&ClientFrame::Resume { conversation_id: "no-such-conversation".into(), after_seq: 0 }).await;
    assert_eq!(ws.next_error().await.code, ErrorCode::NotFound);
    ws.send_frame(&ClientFrame::Resume { conversation_id: conversation.clone(), after_seq: -1 }).await;
    let error = ws.next_error().await;
    assert_eq!(error.code, ErrorCode::Invalid);
    assert_eq!(error.field.as_deref(), Some("after_seq"));
    ws.assert_alive().await;
}

#[tokio::test]
async fn messages_sent_while_offline_are_recovered_by_resume() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    let mut ws = server.ws(&buyer).await;
    let seen = server.send(&buyer, &conversation, "before drop").await;
    assert_eq!(ws.next_message().await, seen);
    ws.stream.close(None).await.unwrap();
    drop(ws);

    let missed =
        [server.send(&staff, &conversation, "missed 1").await, server.send(&staff, &conversation, "missed 2").await];
    let mut ws = server.ws(&buyer).await;
    ws.send_frame(&ClientFrame::Resume { conversation_id: conversation.clone(), after_seq: seen.seq }).await;
    assert_eq!(
        ws.next_frame().await,
        ServerFrame::Backlog { conversation_id: conversation.clone(), messages: missed.to_vec() }
    );
    // Live delivery continues after the backlog.
    let live = server.send(&staff, &conversation, "live again").await;
    assert_eq!(ws.next_message().await, live);
}

#[test]
fn the_real_heartbeat_drops_a_dead_client_within_30_seconds() {
    use talkshop_server::routes::ws::HEARTBEAT;
    // Silence is checked on each ping: noticed at most one interval after the limit.
    assert!(HEARTBEAT.silence_limit + HEARTBEAT.ping_every <= std::time::Duration::from_secs(30));
}

#[tokio::test]
async fn a_client_that_goes_silent_is_pinged_then_dropped_and_one_that_answers_stays() {
    use std::convert::Infallible;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    use axum::extract::ws::Message as WsMessage;

    use talkshop_server::auth::Viewer;
    use talkshop_server::routes::ws::{serve_socket_with, Heartbeat};

    let server = Server::start().await;
    let state = server.app_state();
    let visitor = server.visitor().await;
    let claims = state.tokens.verify(&visitor.token, now_secs()).expect("a valid token");
    // The real heartbeat scaled down 50 times.
    let beat = Heartbeat { ping_every: Duration::from_millis(100), silence_limit: Duration::from_millis(400) };
    let recorder = || {
        let frames = Arc::new(Mutex::new(Vec::<WsMessage>::new()));
        let into = frames.clone();
        let sink = Box::pin(futures_util::sink::unfold((), move |(), frame: WsMessage| {
            let into = into.clone();
            async move {
                into.lock().expect("frames").push(frame);
                Ok::<_, Infallible>(())
            }
        }));
        (frames, sink)
    };

    // A client that never says anything: pinged, then dropped after the silence limit.
    let (frames, sink) = recorder();
    let silent = futures_util::stream::pending::<Result<WsMessage, Infallible>>();
    let started = Instant::now();
    let viewer = Viewer { claims: claims.clone() };
    tokio::time::timeout(Duration::from_secs(5), serve_socket_with(sink, silent, viewer, state.clone(), beat))
        .await
        .expect("a silent socket is dropped");
    let took = started.elapsed();
    assert!(took >= beat.silence_limit && took <= beat.silence_limit + beat.ping_every * 3, "{took:?}");
    let frames = frames.lock().expect("frames").clone();
    assert!(matches!(&frames[0], WsMessage::Text(t) if t.as_str() == r#"{"type":"ready"}"#));
    assert!(frames.iter().filter(|f| matches!(f, WsMessage::Ping(_))).count() >= 3, "{frames:?}");

    // A client whose browser answers the pings stays connected.
    let (_frames, sink) = recorder();
    let answering = futures_util::stream::unfold((), |()| async {
        tokio::time::sleep(Duration::from_millis(80)).await;
        Some((Ok::<_, Infallible>(WsMessage::Pong(Vec::new().into())), ()))
    });
    let answering = Box::pin(answering);
    let outcome = tokio::time::timeout(
        Duration::from_secs(1),
        serve_socket_with(sink, answering, Viewer { claims }, state, beat),
    )
    .await;
    assert!(outcome.is_err(), "a socket that answers is kept");
}
