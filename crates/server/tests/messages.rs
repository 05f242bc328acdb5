//! Opening conversations and sending text: sequence numbers, retries, content.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use common::*;
use reqwest::StatusCode;
use talkshop_protocol::{ConversationSummary, ErrorCode, Message, MessageBody, Sender};

#[tokio::test]
async fn buyer_opening_twice_gets_the_same_conversation() {
    let server = Server::start().await;
    let visitor = server.visitor().await;
    let resp = server.post("/conversations", Some(&visitor.token)).send().await.unwrap();
    let first: ConversationSummary = expect_json(resp, StatusCode::CREATED).await;
    assert_eq!(first.shop.id, SHOP);
    assert_eq!((first.last_seq, first.unread), (0, 0));
    assert!(first.last_message.is_none());

    let again = server.open_conversation(&visitor.token).await;
    assert_eq!(again.id, first.id);

    // Once it has messages, reopening answers 200 with the same conversation.
    server.send(&visitor.token, &first.id, "hi").await;
    let resp = server.post("/conversations", Some(&visitor.token)).send().await.unwrap();
    let reopened: ConversationSummary = expect_json(resp, StatusCode::OK).await;
    assert_eq!(reopened.id, first.id);
    assert_eq!(reopened.last_seq, 1);
    assert_eq!(server.list(&visitor.token).await.conversations.len(), 1);
}

#[tokio::test]
async fn sent_message_comes_back_as_stored() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let before = talkshop_server::clock::now_millis();
    let resp = server.send_raw(&buyer, &conversation, "client-1", "Is the blue vase in stock?").await;
    let message: Message = expect_json(resp, StatusCode::CREATED).await;
    let after = talkshop_server::clock::now_millis();
    assert_eq!(message.conversation_id, conversation);
    assert_eq!(message.seq, 1);
    assert_eq!(message.sender, Sender::Buyer);
    assert_eq!(message.client_id, "client-1");
    assert_eq!(message.body, MessageBody::Text { text: "Is the blue vase in stock?".into() });
    assert!((before..=after).contains(&message.created_at));
    assert_eq!(server.all_messages(&buyer, &conversation).await, vec![message]);
}

#[tokio::test]
async fn seq_increases_by_one_per_message_across_buyer_and_merchant() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    let script = [
        (Sender::Buyer, "hi"),
        (Sender::Merchant, "hello!"),
        (Sender::Buyer, "do you ship to Porto?"),
        (Sender::Merchant, "yes"),
        (Sender::Merchant, "in 2 days"),
        (Sender::Buyer, "great"),
    ];
    for (i, (sender, text)) in script.iter().enumerate() {
        let token = match sender {
            Sender::Buyer => &buyer,
            Sender::Merchant => &staff,
        };
        let message = server.send(token, &conversation, text).await;
        assert_eq!(message.seq, i as i64 + 1, "{text}");
        assert_eq!(message.sender, *sender);
    }
    let stored = server.all_messages(&buyer, &conversation).await;
    let got: Vec<(i64, Sender, &str)> = stored.iter().map(|m| (m.seq, m.sender, m.text())).collect();
    let want: Vec<(i64, Sender, &str)> = script.iter().enumerate().map(|(i, (s, t))| (i as i64 + 1, *s, *t)).collect();
    assert_eq!(got, want);
    // Staff see the same history.
    assert_eq!(server.all_messages(&staff, &conversation).await, stored);
    let summary = server.summary(&buyer, &conversation).await;
    assert_eq!(summary.last_seq, 6);
    assert_eq!(summary.last_message.as_ref(), stored.last());
}

#[tokio::test]
async fn conversations_number_their_messages_independently() {
    let server = Server::start().await;
    let (alice, alices) = server.buyer().await;
    let (bob, bobs) = server.buyer().await;
    assert_eq!(server.send(&alice, &alices, "a1").await.seq, 1);
    assert_eq!(server.send(&bob, &bobs, "b1").await.seq, 1);
    assert_eq!(server.send(&alice, &alices, "a2").await.seq, 2);
    assert_eq!(server.send(&bob, &bobs, "b2").await.seq, 2);
}

#[tokio::test]
async fn same_client_id_twice_stores_one_message() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let resp = server.send_raw(&buyer, &conversation, "retry-1", "hello").await;
    let first: Message = expect_json(resp, StatusCode::CREATED).await;
    let resp = server.send_raw(&buyer, &conversation, "retry-1", "hello").await;
    let second: Message = expect_json(resp, StatusCode::OK).await;
    assert_eq!(second, first);

    let stored = server.all_messages(&buyer, &conversation).await;
    assert_eq!(stored, vec![first]);
    // The retry did not use up a sequence number.
    assert_eq!(server.send(&buyer, &conversation, "next").await.seq, 2);
}

#[tokio::test]
async fn same_client_id_with_different_text_is_a_conflict() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let resp = server.send_raw(&buyer, &conversation, "retry-1", "hello").await;
    let first: Message = expect_json(resp, StatusCode::CREATED).await;
    let resp = server.send_raw(&buyer, &conversation, "retry-1", "goodbye").await;
    let error = expect_error(resp, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(error.field.as_deref(), Some("client_id"));
    assert_eq!(server.all_messages(&buyer, &conversation).await, vec![first]);
}

#[tokio::test]
async fn buyer_and_merchant_client_ids_do_not_collide() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    let resp = server.send_raw(&buyer, &conversation, "k-1", "from buyer").await;
    let a: Message = expect_json(resp, StatusCode::CREATED).await;
    let resp = server.send_raw(&staff, &conversation, "k-1", "from merchant").await;
    let b: Message = expect_json(resp, StatusCode::CREATED).await;
    assert_eq!((a.seq, b.seq), (1, 2));
    assert_eq!(server.all_messages(&buyer, &conversation).await, vec![a, b]);
}

#[tokio::test]
async fn markup_is_stored_and_returned_verbatim_as_text() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let texts = [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "&lt;b&gt; & \"quotes\" 'single' \\ </textarea>",
        "  keeps  spacing\nand newlines\t ",
    ];
    for text in texts {
        let resp = server.send_raw(&buyer, &conversation, &unique("m"), text).await;
        let message: Message = expect_json(resp, StatusCode::CREATED).await;
        assert_eq!(message.text(), text);
    }
    // The raw JSON of the history carries the exact text as a text body.
    let resp = server.get(&format!("/conversations/{conversation}/messages"), Some(&buyer)).send().await.unwrap();
    let page: serde_json::Value = expect_json(resp, StatusCode::OK).await;
    let bodies: Vec<&serde_json::Value> = page["messages"].as_array().unwrap().iter().map(|m| &m["body"]).collect();
    assert_eq!(bodies.len(), texts.len());
    for (body, text) in bodies.iter().zip(texts) {
        assert_eq!(**body, serde_json::json!({"type": "text", "text": text}));
    }
    // Staff get the same, verbatim.
    let staff = server.staff_token().await;
    let staff_texts: Vec<String> =
        server.all_messages(&staff, &conversation).await.iter().map(|m| m.text().to_owned()).collect();
    assert_eq!(staff_texts, texts);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_sends_get_seqs_one_to_twenty() {
    let server = Arc::new(Server::start().await);
    let (buyer, conversation) = server.buyer().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..20 {
        let (server, buyer, conversation) = (server.clone(), buyer.clone(), conversation.clone());
        tasks.spawn(async move {
            let resp = server.send_raw(&buyer, &conversation, &format!("c-{i}"), &format!("#{i}")).await;
            let message: Message = expect_json(resp, StatusCode::CREATED).await;
            message
        });
    }
    let mut answered = Vec::new();
    while let Some(done) = tasks.join_next().await {
        answered.push(done.expect("send task"));
    }
    let seqs: BTreeSet<i64> = answered.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=20).collect::<BTreeSet<i64>>());

    let stored = server.all_messages(&buyer, &conversation).await;
    assert_eq!(stored.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=20).collect::<Vec<_>>());
    // Each answer is exactly what was stored under its seq.
    for message in &answered {
        assert_eq!(&stored[message.seq as usize - 1], message);
    }
    let texts: BTreeSet<&str> = stored.iter().map(|m| m.text()).collect();
    assert_eq!(texts.len(), 20);
    assert_eq!(server.summary(&buyer, &conversation).await.last_seq, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sends_from_buyer_and_merchant_share_one_sequence() {
    let server = Arc::new(Server::start().await);
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..10 {
        for token in [buyer.clone(), staff.clone()] {
            let (server, conversation) = (server.clone(), conversation.clone());
            tasks.spawn(async move { server.send(&token, &conversation, &format!("#{i}")).await });
        }
    }
    let mut count = 0;
    while let Some(done) = tasks.join_next().await {
        done.expect("send task");
        count += 1;
    }
    assert_eq!(count, 20);
    let stored = server.all_messages(&staff, &conversation).await;
    assert_eq!(stored.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=20).collect::<Vec<_>>());
    let merchant = stored.iter().filter(|m| m.sender == Sender::Merchant).count();
    assert_eq!(merchant, 10);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_of_one_client_id_store_one_message() {
    let server = Arc::new(Server::start().await);
    let (buyer, conversation) = server.buyer().await;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let (server, buyer, conversation) = (server.clone(), buyer.clone(), conversation.clone());
        tasks.spawn(async move {
            let resp = server.send_raw(&buyer, &conversation, "same-1", "only once").await;
            let status = resp.status();
            let message: Message = resp.json().await.expect("message body");
            (status, message)
        });
    }
    let mut answers = Vec::new();
    while let Some(done) = tasks.join_next().await {
        answers.push(done.expect("send task"));
    }
    let created = answers.iter().filter(|(s, _)| *s == StatusCode::CREATED).count();
    let repeated = answers.iter().filter(|(s, _)| *s == StatusCode::OK).count();
    assert_eq!((created, repeated), (1, 7), "{answers:?}");
    assert!(answers.iter().all(|(_, m)| m == &answers[0].1));
    let stored = server.all_messages(&buyer, &conversation).await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].seq, 1);
}
