//! The merchant console's conversation list (`Inbox` + `InboxState`) in
//! headless Chromium: order, unread badges, live messages, selection.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use talkshop_protocol::{ConversationSummary, Message, Sender, ShopInfo};
use talkshop_widget::console::inbox::{Inbox, InboxState};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const NAMES: &str = ".ts-inbox__name";

fn summary(id: &str, activity: i64, unread: i64, last: &str) -> ConversationSummary {
    ConversationSummary {
        id: id.into(),
        shop: ShopInfo { id: "demo".into(), name: "Casa Aurora".into() },
        buyer_label: format!("Visitor {id}"),
        last_seq: 1,
        last_activity: activity,
        unread,
        read_seq: 0,
        peer_delivered_seq: 0,
        peer_read_seq: 0,
        last_message: Some(Message { conversation_id: id.into(), ..text_msg(1, Sender::Buyer, last) }),
    }
}

/// A live message in conversation `id`.
fn live(id: &str, seq: i64, sender: Sender, text: &str, at: i64) -> Message {
    Message { conversation_id: id.into(), created_at: at, ..text_msg(seq, sender, text) }
}

fn mount_inbox(state: InboxState) -> web_sys::HtmlElement {
    mount(move || {
        view! { <Inbox state=state selected=Signal::derive(|| None::<String>) on_select=Callback::new(|_| {})/> }
    })
}

/// For each listed conversation: its name and its unread badge, if any.
fn rows(root: &web_sys::Element) -> Vec<(String, Option<String>)> {
    all(root, ".ts-inbox__item")
        .iter()
        .map(|item| {
            let name = find(item, NAMES).and_then(|n| n.text_content()).unwrap_or_default();
            (name, find(item, ".ts-inbox__badge").and_then(|b| b.text_content()))
        })
        .collect()
}

fn row(name: &str, badge: Option<&str>) -> (String, Option<String>) {
    (name.to_string(), badge.map(str::to_string))
}

#[wasm_bindgen_test]
async fn conversations_are_listed_newest_activity_first() {
    let state = InboxState::new();
    let root = mount_inbox(state);
    settle().await;
    assert!(find(&root, ".ts-empty").is_some(), "an empty inbox says so");

    state.replace(vec![summary("a", 100, 0, "old"), summary("c", 300, 0, "newest"), summary("b", 200, 0, "middle")]);
    settle().await;
    assert_eq!(texts(&root, NAMES), vec!["Visitor c", "Visitor b", "Visitor a"]);
    assert_eq!(texts(&root, ".ts-inbox__preview"), vec!["newest", "middle", "old"]);
    assert!(find(&root, ".ts-empty").is_none());
}

#[wasm_bindgen_test]
async fn unread_conversations_show_a_badge() {
    let state = InboxState::new();
    state.replace(vec![summary("a", 100, 0, "read"), summary("b", 200, 2, "two new")]);
    let root = mount_inbox(state);
    settle().await;
    assert_eq!(rows(&root), vec![row("Visitor b", Some("2")), row("Visitor a", None)]);
    assert_eq!(attr(&root, ".ts-inbox__badge", "aria-label").as_deref(), Some("2 unread"));
    let unread: Vec<bool> = all(&root, ".ts-inbox__item").iter().map(|i| has_class(i, "ts-unread")).collect();
    assert_eq!(unread, vec![true, false]);

    state.mark_read("b", 3);
    settle().await;
    assert_eq!(rows(&root), vec![row("Visitor b", None), row("Visitor a", None)]);
}

#[wasm_bindgen_test]
async fn a_buyer_message_moves_its_conversation_to_the_top_and_counts_as_unread() {
    let state = InboxState::new();
    state.replace(vec![summary("a", 100, 0, "old"), summary("b", 200, 2, "hi"), summary("c", 50, 0, "older")]);
    let root = mount_inbox(state);
    settle().await;
    assert_eq!(rows(&root), vec![row("Visitor b", Some("2")), row("Visitor a", None), row("Visitor c", None)]);

    assert!(state.record(&live("a", 2, Sender::Buyer, "hello again", 300), false));
    settle().await;
    assert_eq!(rows(&root), vec![row("Visitor a", Some("1")), row("Visitor b", Some("2")), row("Visitor c", None)]);
    assert_eq!(texts(&root, ".ts-inbox__preview")[0], "hello again");

    // The same message again (resume backlog) changes nothing.
    assert!(state.record(&live("a", 2, Sender::Buyer, "hello again", 300), false));
    settle().await;
    assert_eq!(rows(&root)[0], row("Visitor a", Some("1")));

    // In the open conversation, or from the merchant: moves up, nothing unread.
    assert!(state.record(&live("c", 2, Sender::Buyer, "seen at once", 400), true));
    settle().await;
    assert_eq!(rows(&root)[0], row("Visitor c", None));
    assert!(state.record(&live("b", 2, Sender::Merchant, "on its way", 500), false));
    settle().await;
    assert_eq!(rows(&root), vec![row("Visitor b", Some("2")), row("Visitor c", None), row("Visitor a", Some("1"))]);
    assert_eq!(texts(&root, ".ts-inbox__preview")[0], "You: on its way");

    // An unknown conversation is reported, not invented.
    assert!(!state.record(&live("zz", 1, Sender::Buyer, "who?", 600), false));
    settle().await;
    assert_eq!(all(&root, ".ts-inbox__item").len(), 3);
}

#[wasm_bindgen_test]
async fn clicking_a_conversation_selects_it() {
    let state = InboxState::new();
    state.replace(vec![summary("a", 100, 0, "old"), summary("b", 200, 2, "hi")]);
    let selected = RwSignal::new(None::<String>);
    let (chosen, on_select) = recorder::<ConversationSummary>();
    let root = mount(move || view! { <Inbox state=state selected=selected on_select=on_select/> });
    settle().await;

    let items = all(&root, ".ts-inbox__item");
    wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlElement>(&items[1]).click();
    assert_eq!(*chosen.borrow(), vec![summary("a", 100, 0, "old")]);

    // After a live message the item hands over the updated summary.
    state.record(&live("b", 2, Sender::Buyer, "still there?", 300), false);
    settle().await;
    click(&root, ".ts-inbox__item");
    let latest = chosen.borrow().last().cloned().expect("selected");
    assert_eq!((latest.id.as_str(), latest.unread, latest.last_seq), ("b", 3, 2));

    selected.set(Some("a".into()));
    settle().await;
    let marked: Vec<bool> = all(&root, ".ts-inbox__item").iter().map(|i| has_class(i, "ts-selected")).collect();
    assert_eq!(marked, vec![false, true]);
}

#[wasm_bindgen_test]
async fn buyer_markup_in_the_preview_is_literal_text() {
    count_alerts();
    let state = InboxState::new();
    let mut hostile = summary("x", 100, 1, "<img src=x onerror=alert(1)>");
    hostile.buyer_label = "<script>alert(1)</script>".into();
    state.replace(vec![hostile, summary("y", 50, 0, "<b>bold?</b>")]);
    let root = mount_inbox(state);
    settle().await;
    assert_eq!(texts(&root, ".ts-inbox__preview"), vec!["<img src=x onerror=alert(1)>", "<b>bold?</b>"]);
    assert_eq!(texts(&root, NAMES)[0], "<script>alert(1)</script>");
    assert!(all(&root, "img, script, b").is_empty(), "markup must not become elements");
    assert_eq!(alerts().await, 0, "no buyer script ran");
}

#[wasm_bindgen_test]
async fn a_read_in_another_console_tab_clears_the_badge_here() {
    let state = InboxState::new();
    state.replace(vec![summary("a", 10, 2, "hello"), summary("b", 5, 1, "hi")]);
    let root = mount_inbox(state);
    settle().await;
    assert_eq!(rows(&root), [row("Visitor a", Some("2")), row("Visitor b", Some("1"))]);
    // Another tab read conversation a up to its last message: known here at once.
    assert!(state.mark_read_to("a", 1));
    settle().await;
    assert_eq!(rows(&root), [row("Visitor a", None), row("Visitor b", Some("1"))]);
    // A read that stops short of the last message cannot be counted here: the caller fetches it.
    state.record(&live("b", 3, Sender::Buyer, "more", 20), false);
    assert!(!state.mark_read_to("b", 2));
}
