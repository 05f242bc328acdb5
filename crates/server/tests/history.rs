//! `GET /api/v1/conversations/{id}/messages?after=&before=&limit=`.

mod common;

use common::*;
use reqwest::StatusCode;
use talkshop_protocol::{ErrorCode, MessagePage};

/// A conversation with messages numbered 1..=n (texts "#1".."#n").
async fn conversation_with(server: &Server, n: usize) -> (String, String) {
    let (buyer, conversation) = server.buyer().await;
    let staff = server.staff_token().await;
    for i in 1..=n {
        // Alternate senders: paging does not care who wrote what.
        let token = if i % 3 == 0 { &staff } else { &buyer };
        let message = server.send(token, &conversation, &format!("#{i}")).await;
        assert_eq!(message.seq, i as i64);
    }
    (buyer, conversation)
}

fn seqs(page: &MessagePage) -> Vec<i64> {
    page.messages.iter().map(|m| m.seq).collect()
}

#[tokio::test]
async fn history_without_parameters_returns_everything_ascending() {
    let server = Server::start().await;
    let (buyer, empty) = server.buyer().await;
    let page = server.history(&buyer, &empty, "").await;
    assert!(page.messages.is_empty());
    assert!(!page.has_more);

    let (buyer, conversation) = conversation_with(&server, 7).await;
    let page = server.history(&buyer, &conversation, "").await;
    assert_eq!(seqs(&page), vec![1, 2, 3, 4, 5, 6, 7]);
    assert!(!page.has_more);
    for m in &page.messages {
        assert_eq!(m.text(), format!("#{}", m.seq));
        assert_eq!(m.conversation_id, conversation);
    }
}

#[tokio::test]
async fn history_pages_forward_with_after_and_limit() {
    let server = Server::start().await;
    let (buyer, conversation) = conversation_with(&server, 7).await;
    let mut after = 0;
    let mut pages = Vec::new();
    loop {
        let page = server.history(&buyer, &conversation, &format!("after={after}&limit=3")).await;
        pages.push((seqs(&page), page.has_more));
        if !page.has_more {
            break;
        }
        after = page.messages.last().unwrap().seq;
    }
    assert_eq!(pages, vec![(vec![1, 2, 3], true), (vec![4, 5, 6], true), (vec![7], false)]);
    // Exactly `limit` left is not "more".
    let page = server.history(&buyer, &conversation, "after=4&limit=3").await;
    assert_eq!((seqs(&page), page.has_more), (vec![5, 6, 7], false));
    // Nothing after the last message.
    let page = server.history(&buyer, &conversation, "after=7").await;
    assert_eq!((seqs(&page), page.has_more), (vec![], false));
    let page = server.history(&buyer, &conversation, "after=1000").await;
    assert!(page.messages.is_empty());
}

#[tokio::test]
async fn history_pages_backward_with_before_and_limit() {
    let server = Server::start().await;
    let (buyer, conversation) = conversation_with(&server, 7).await;
    // The newest page first, each page ascending.
    let page = server.history(&buyer, &conversation, "before=8&limit=3").await;
    assert_eq!((seqs(&page), page.has_more), (vec![5, 6, 7], true));
    let page = server.history(&buyer, &conversation, "before=5&limit=3").await;
    assert_eq!((seqs(&page), page.has_more), (vec![2, 3, 4], true));
    let page = server.history(&buyer, &conversation, "before=2&limit=3").await;
    assert_eq!((seqs(&page), page.has_more), (vec![1], false));
    let page = server.history(&buyer, &conversation, "before=1").await;
    assert_eq!((seqs(&page), page.has_more), (vec![], false));
    // `before` alone, without a limit: everything below it.
    let page = server.history(&buyer, &conversation, "before=4").await;
    assert_eq!((seqs(&page), page.has_more), (vec![1, 2, 3], false));
}

#[tokio::test]
async fn history_with_after_and_before_returns_the_window_between() {
    let server = Server::start().await;
    let (buyer, conversation) = conversation_with(&server, 7).await;
    let page = server.history(&buyer, &conversation, "after=2&before=6").await;
    assert_eq!((seqs(&page), page.has_more), (vec![3, 4, 5], false));
    let page = server.history(&buyer, &conversation, "after=2&before=6&limit=2").await;
    assert_eq!((seqs(&page), page.has_more), (vec![3, 4], true));
    let page = server.history(&buyer, &conversation, "after=5&before=5").await;
    assert_eq!((seqs(&page), page.has_more), (vec![], false));
}

#[tokio::test]
async fn history_limit_is_clamped_to_at_least_one() {
    let server = Server::start().await;
    let (buyer, conversation) = conversation_with(&server, 3).await;
    let page = server.history(&buyer, &conversation, "limit=0").await;
    assert_eq!((seqs(&page), page.has_more), (vec![1], true));
    let page = server.history(&buyer, &conversation, "limit=1000").await;
    assert_eq!((seqs(&page), page.has_more), (vec![1, 2, 3], false));
}

#[tokio::test]
async fn history_staff_and_buyer_see_the_same_pages() {
    let server = Server::start().await;
    let (buyer, conversation) = conversation_with(&server, 5).await;
    let staff = server.staff_token().await;
    for query in ["", "after=2&limit=2", "before=4&limit=2"] {
        assert_eq!(
            server.history(&buyer, &conversation, query).await,
            server.history(&staff, &conversation, query).await,
            "{query}"
        );
    }
}

#[tokio::test]
async fn negative_after_or_before_is_invalid() {
    let server = Server::start().await;
    let (buyer, conversation) = conversation_with(&server, 2).await;
    for (query, field) in [("after=-1", "after"), ("before=-1", "before"), ("after=-5&limit=2", "after")] {
        let resp =
            server.get(&format!("/conversations/{conversation}/messages?{query}"), Some(&buyer)).send().await.unwrap();
        expect_invalid(resp, field).await;
    }
}

#[tokio::test]
async fn non_numeric_paging_parameters_are_a_json_bad_request() {
    let server = Server::start().await;
    let (buyer, conversation) = conversation_with(&server, 2).await;
    for query in
        ["after=abc", "after=1.5", "before=x", "limit=ten", "limit=-1", "after=99999999999999999999999", "page=2"]
    {
        let resp =
            server.get(&format!("/conversations/{conversation}/messages?{query}"), Some(&buyer)).send().await.unwrap();
        expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    }
}

#[tokio::test]
async fn history_of_an_unknown_conversation_is_not_found() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    let staff = server.staff_token().await;
    for token in [&buyer, &staff] {
        let resp = server.get("/conversations/no-such-conversation/messages", Some(token)).send().await.unwrap();
        expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
        let resp = server.get("/conversations/no-such-conversation", Some(token)).send().await.unwrap();
        expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    }
}
