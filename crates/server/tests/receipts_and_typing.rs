//! Typing indicators and delivered/read receipts over a real socket: who gets
//! them, who may send them, throttling, and marks that never go down.

mod common;

use common::*;
use reqwest::StatusCode;
use talkshop_protocol::{ClientFrame, ErrorCode, Sender, ServerFrame};

fn typing(conversation: &str) -> ClientFrame {
    ClientFrame::Typing { conversation_id: conversation.into() }
}

fn delivered(conversation: &str, seq: i64) -> ClientFrame {
    ClientFrame::Delivered { conversation_id: conversation.into(), seq }
}

#[tokio::test]
async fn buyer_typing_reaches_staff_only_and_staff_typing_reaches_only_that_buyer() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let (bob, _) = server.buyer().await;
    let staff = server.staff_token().await;
    let mut tab1 = server.ws(&buyer).await;
    let mut tab2 = server.ws(&buyer).await;
    let mut bob_ws = server.ws(&bob).await;
    let mut console = server.ws(&staff).await;
    let mut console2 = server.ws(&staff).await;
    let outsider = server.outsider_staff().await;
    let mut outsider_ws = server.ws(&outsider).await;

    tab1.send_frame(&typing(&conversation)).await;
    let buyer_typing = ServerFrame::Typing { conversation_id: conversation.clone(), sender: Sender::Buyer };
    assert_eq!(console.next_frame().await, buyer_typing);
    assert_eq!(console2.next_frame().await, buyer_typing);
    // The buyer's own tabs do not see themselves typing (the ping's pong is the next frame).
    tab1.assert_alive().await;
    tab2.assert_alive().await;

    console.send_frame(&typing(&conversation)).await;
    let staff_typing = ServerFrame::Typing { conversation_id: conversation.clone(), sender: Sender::Merchant };
    assert_eq!(tab1.next_frame().await, staff_typing);
    assert_eq!(tab2.next_frame().await, staff_typing);
    console.assert_alive().await;
    console2.assert_alive().await;
    bob_ws.assert_alive().await;
    outsider_ws.assert_alive().await;
}

#[tokio::test]
async fn buyer_cannot_signal_typing_in_another_buyers_conversation() {
    let server = Server::start().await;
    let (_alice, alices) = server.buyer().await;
    let (bob, _) = server.buyer().await;
    let staff = server.staff_token().await;
    let mut console = server.ws(&staff).await;
    let mut bob_ws = server.ws(&bob).await;

    bob_ws.send_frame(&typing(&alices)).await;
    assert_eq!(bob_ws.next_error().await.code, ErrorCode::Forbidden);
    bob_ws.send_frame(&typing("no-such-conversation")).await;
    assert_eq!(bob_ws.next_error().await.code, ErrorCode::NotFound);
    // Staff of another shop cannot either.
    let outsider = server.outsider_staff().await;
    let mut outsider_ws = server.ws(&outsider).await;
    outsider_ws.send_frame(&typing(&alices)).await;
    assert_eq!(outsider_ws.next_error().await.code, ErrorCode::Forbidden);
    // Nothing reached the shop's console.
    console.assert_alive().await;
}

#[tokio::test]
async fn typing_is_throttled_per_sender_and_never_stored() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    let mut tab = server.ws(&buyer).await;
    let mut console = server.ws(&staff).await;

    for _ in 0..5 {
        tab.send_frame(&typing(&conversation)).await;
    }
    assert!(matches!(console.next_frame().await, ServerFrame::Typing { sender: Sender::Buyer, .. }));
    // The four others inside the interval were dropped.
    console.assert_alive().await;
    // The staff side has its own allowance.
    console.send_frame(&typing(&conversation)).await;
    assert!(matches!(tab.next_frame().await, ServerFrame::Typing { sender: Sender::Merchant, .. }));
    assert!(server.all_messages(&buyer, &conversation).await.is_empty());
    assert_eq!(server.summary(&buyer, &conversation).await.last_seq, 0);
}

#[tokio::test]
async fn delivered_marks_are_stored_broadcast_and_never_lowered() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    let mut tab = server.ws(&buyer).await;
    let mut console = server.ws(&staff).await;
    for text in ["one", "two", "three"] {
        let sent = server.send(&buyer, &conversation, text).await;
        assert_eq!(tab.next_message().await, sent);
        assert_eq!(console.next_message().await, sent);
    }

    console.send_frame(&delivered(&conversation, 2)).await;
    let expected = ServerFrame::Delivered { conversation_id: conversation.clone(), party: Sender::Merchant, seq: 2 };
    assert_eq!(tab.next_frame().await, expected);
    // Staff tabs are not woken for their own mark: only the buyer shows ticks for it.
    console.assert_alive().await;
    let seen = server.summary(&buyer, &conversation).await;
    assert_eq!((seen.peer_delivered_seq, seen.peer_read_seq), (2, 0));

    // A lower or equal mark changes nothing and is not broadcast.
    console.send_frame(&delivered(&conversation, 1)).await;
    console.send_frame(&delivered(&conversation, 2)).await;
    tab.assert_alive().await;
    assert_eq!(server.summary(&buyer, &conversation).await.peer_delivered_seq, 2);

    // A mark past the last message stops at it.
    console.send_frame(&delivered(&conversation, 99)).await;
    let expected = ServerFrame::Delivered { conversation_id: conversation.clone(), party: Sender::Merchant, seq: 3 };
    assert_eq!(tab.next_frame().await, expected);
    assert_eq!(server.summary(&buyer, &conversation).await.peer_delivered_seq, 3);
    // The staff side's own view names the buyer's marks, not its own.
    let staff_view = server.summary(&staff, &conversation).await;
    assert_eq!((staff_view.peer_delivered_seq, staff_view.read_seq), (3, 0));
}

#[tokio::test]
async fn read_implies_delivered_and_both_show_in_the_summary() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    for text in ["a", "b"] {
        server.send(&staff, &conversation, text).await;
    }
    let resp = server.mark_read(&buyer, &conversation, 1).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let staff_view = server.summary(&staff, &conversation).await;
    assert_eq!((staff_view.peer_delivered_seq, staff_view.peer_read_seq), (1, 1));
    // A delivered mark below the read mark does not lower anything.
    let mut tab = server.ws(&buyer).await;
    let mut console = server.ws(&staff).await;
    tab.send_frame(&delivered(&conversation, 0)).await;
    tab.assert_alive().await;
    tab.send_frame(&delivered(&conversation, 2)).await;
    // The buyer's mark goes to the staff (their ticks), not back to the buyer.
    let expected = ServerFrame::Delivered { conversation_id: conversation.clone(), party: Sender::Buyer, seq: 2 };
    assert_eq!(console.next_frame().await, expected);
    tab.assert_alive().await;
    let staff_view = server.summary(&staff, &conversation).await;
    assert_eq!((staff_view.peer_delivered_seq, staff_view.peer_read_seq), (2, 1));
    // The inbox carries the same marks.
    let inbox = server.list(&staff).await;
    assert_eq!(inbox.conversations[0].peer_delivered_seq, 2);
}

#[tokio::test]
async fn delivered_on_someone_elses_conversation_or_below_zero_is_refused() {
    let server = Server::start().await;
    let (alice, alices) = server.buyer().await;
    let (bob, _) = server.buyer().await;
    let staff = server.staff_token().await;
    server.send(&staff, &alices, "hello alice").await;
    // Alice's own mark first, so the node remembers her conversation: its
    // memory must not let anyone else through.
    let mut alice_ws = server.ws(&alice).await;
    let mut console = server.ws(&staff).await;
    alice_ws.send_frame(&delivered(&alices, 1)).await;
    assert!(matches!(console.next_frame().await, ServerFrame::Delivered { seq: 1, .. }));
    let mut bob_ws = server.ws(&bob).await;
    bob_ws.send_frame(&delivered(&alices, 1)).await;
    assert_eq!(bob_ws.next_error().await.code, ErrorCode::Forbidden);
    bob_ws.send_frame(&delivered(&alices, 0)).await;
    assert_eq!(bob_ws.next_error().await.code, ErrorCode::Forbidden);
    alice_ws.send_text(r#"{"type":"delivered","conversation_id":"x","seq":-1}"#).await;
    let error = alice_ws.next_error().await;
    assert_eq!((error.code, error.field.as_deref()), (ErrorCode::Invalid, Some("seq")));
    assert_eq!(server.summary(&staff, &alices).await.peer_delivered_seq, 1);
}

/// Every open console acknowledges every buyer message: twenty tabs racing to
/// acknowledge the same message move the mark once and broadcast it once.
#[tokio::test]
async fn many_consoles_acknowledging_one_message_broadcast_one_mark() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    let mut tab = server.ws(&buyer).await;
    let mut consoles = Vec::new();
    for _ in 0..20 {
        consoles.push(server.ws(&staff).await);
    }
    let sent = server.send(&buyer, &conversation, "anyone there?").await;
    assert_eq!(tab.next_message().await, sent);
    for console in &mut consoles {
        assert_eq!(console.next_message().await, sent);
    }
    futures_util::future::join_all(consoles.iter_mut().map(|console| async {
        console.send_frame(&delivered(&conversation, 1)).await;
        // Frames on one socket are handled in order: after the pong, its mark was handled.
        console.send_text(r#"{"type":"ping"}"#).await;
        while console.next_json().await != serde_json::json!({"type": "pong"}) {}
    }))
    .await;
    // Marks are written beside the socket loop: wait for the first to reach the buyer.
    let mark = ServerFrame::Delivered { conversation_id: conversation.clone(), party: Sender::Merchant, seq: 1 };
    assert_eq!(tab.next_frame().await, mark);
    assert_eq!(server.summary(&buyer, &conversation).await.peer_delivered_seq, 1);
    // A later event marks the end: no other delivered frame came before it.
    let reply = server.send(&staff, &conversation, "yes!").await;
    let mut marks = Vec::new();
    loop {
        match tab.next_frame().await {
            ServerFrame::Message { message } if message == reply => break,
            ServerFrame::Delivered { party, seq, .. } => marks.push((party, seq)),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(marks, []);
}
