//! Exact sync in headless Chromium: receipt ticks on own messages, the typing
//! indicator, and unread marks shared between console tabs.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use talkshop_protocol::thread::{Delivery, PendingMessage, ThreadLog};
use talkshop_protocol::Sender;
use talkshop_widget::api::Api;
use talkshop_widget::chat_session::ChatSession;
use talkshop_widget::components::composer::Composer;
use talkshop_widget::components::thread_view::ThreadView;
use talkshop_widget::components::typing_indicator::TypingIndicator;
use talkshop_widget::i18n::EN;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn mount_thread(log: RwSignal<ThreadLog>, me: Sender) -> web_sys::HtmlElement {
    mount(move || view! { <ThreadView log=log me=me other_name="Shop" on_retry=Callback::new(|_: String| {})/> })
}

/// For each row: its tick's accessible name, or "" when it has none.
fn ticks(root: &web_sys::Element) -> Vec<String> {
    all(root, ".ts-msg")
        .iter()
        .map(|row| find(row, ".ts-msg__tick").and_then(|t| t.get_attribute("aria-label")).unwrap_or_default())
        .collect()
}

#[wasm_bindgen_test]
async fn own_messages_show_sent_delivered_and_read_ticks_that_follow_live_marks() {
    let mut log = ThreadLog::default();
    log.merge([
        text_msg(1, Sender::Buyer, "one"),
        text_msg(2, Sender::Buyer, "two"),
        text_msg(3, Sender::Merchant, "reply"),
        text_msg(4, Sender::Buyer, "three"),
    ]);
    let log = RwSignal::new(log);
    let root = mount_thread(log, Sender::Buyer);
    settle().await;
    // Only sent so far; the other party's message has no tick.
    assert_eq!(ticks(&root), ["Sent", "Sent", "", "Sent"]);
    assert_eq!(texts(&root, ".ts-msg__tick--sent"), ["✓", "✓", "✓"]);

    // The shop's device received up to 2, then read up to 1.
    log.update(|l| l.note_peer(2, 1));
    settle().await;
    assert_eq!(ticks(&root), [EN.receipt_read, EN.receipt_delivered, "", EN.receipt_sent]);
    assert_eq!(all(&root, ".ts-msg__tick--read").len(), 1);
    assert_eq!(text(&root, ".ts-msg__tick--delivered"), "✓✓");

    // Read everything: every own message shows the coloured double tick.
    log.update(|l| l.note_peer(0, 4));
    settle().await;
    assert_eq!(ticks(&root), ["Read", "Read", "", "Read"]);
    assert_eq!(texts(&root, ".ts-msg__tick--read"), ["✓✓", "✓✓", "✓✓"]);
}

#[wasm_bindgen_test]
async fn a_sending_message_shows_a_clock_and_a_failed_one_not_sent_with_retry() {
    let log = RwSignal::new(ThreadLog::default());
    let root = mount_thread(log, Sender::Buyer);
    log.update(|l| {
        for (id, delivery) in [("k-a", Delivery::Sending), ("k-b", Delivery::Failed)] {
            l.push_pending(PendingMessage { client_id: id.into(), text: id.into(), created_at: 0, delivery });
        }
    });
    settle().await;
    let rows = all(&root, ".ts-msg");
    assert!(find(&rows[0], ".ts-msg__tick--sending").is_some());
    assert_eq!(find(&rows[0], ".ts-msg__status").and_then(|s| s.text_content()).as_deref(), Some("Sending…"));
    assert!(find(&rows[1], ".ts-msg__tick").is_none());
    assert_eq!(find(&rows[1], ".ts-msg__status").and_then(|s| s.text_content()).as_deref(), Some("Not sent"));
    assert!(find(&rows[1], ".ts-msg__retry").is_some());
}

/// A buyer's session with conversation `c1` open and a typing indicator under it.
fn typing_session() -> (ChatSession, web_sys::HtmlElement) {
    let session = ChatSession::new(Api::new(""), Sender::Buyer);
    session.conversation.set(Some("c1".into()));
    let root = mount(move || view! { <TypingIndicator shown=session.peer_typing text=EN.shop_typing/> });
    (session, root)
}

fn indicator(root: &web_sys::Element) -> String {
    text(root, ".ts-typing").trim().to_string()
}

#[wasm_bindgen_test]
async fn staff_typing_shows_until_their_message_arrives() {
    let (session, root) = typing_session();
    settle().await;
    assert_eq!(indicator(&root), "");
    // The buyer's own typing (another tab) and another conversation's are not shown.
    session.saw_typing("c1", Sender::Buyer);
    session.saw_typing("c2", Sender::Merchant);
    settle().await;
    assert_eq!(indicator(&root), "");

    session.saw_typing("c1", Sender::Merchant);
    settle().await;
    assert_eq!(indicator(&root), EN.shop_typing);
    assert!(find(&root, ".ts-typing__dots").is_some());
    // Their message ends it.
    session.accept(vec![text_msg(1, Sender::Merchant, "here you go")]);
    settle().await;
    assert_eq!(indicator(&root), "");
}

#[wasm_bindgen_test]
async fn typing_expires_after_five_seconds_without_a_new_signal() {
    let (session, root) = typing_session();
    session.saw_typing("c1", Sender::Merchant);
    TimeoutFuture::new(3_000).await;
    // A new signal keeps it up past the first deadline.
    session.saw_typing("c1", Sender::Merchant);
    TimeoutFuture::new(2_500).await;
    settle().await;
    assert_eq!(indicator(&root), EN.shop_typing);
    TimeoutFuture::new(3_000).await;
    settle().await;
    assert_eq!(indicator(&root), "");
}

#[wasm_bindgen_test]
async fn receipts_from_the_other_party_reach_the_open_thread_only() {
    let session = ChatSession::new(Api::new(""), Sender::Buyer);
    session.conversation.set(Some("c1".into()));
    session.accept(vec![text_msg(1, Sender::Buyer, "hi"), text_msg(2, Sender::Buyer, "there")]);
    // Own marks (another tab of the buyer) and other conversations do not move the ticks.
    session.saw_marks("c1", Sender::Buyer, 2, 2);
    session.saw_marks("c2", Sender::Merchant, 2, 2);
    assert_eq!(session.log.with_untracked(|l| (l.receipt(1), l.receipt(2))), (Delivery::Sent, Delivery::Sent));
    session.saw_marks("c1", Sender::Merchant, 2, 0);
    session.saw_marks("c1", Sender::Merchant, 0, 1);
    assert_eq!(session.log.with_untracked(|l| (l.receipt(1), l.receipt(2))), (Delivery::Read, Delivery::Delivered));
}

#[wasm_bindgen_test]
async fn typing_in_the_composer_signals_but_empty_text_does_not() {
    let (seen, on_typing) = recorder::<()>();
    let root = mount(move || view! { <Composer on_send=Callback::new(|_: String| true) on_typing=on_typing/> });
    type_into(&root, ".ts-composer__input", "h");
    type_into(&root, ".ts-composer__input", "he");
    type_into(&root, ".ts-composer__input", "   ");
    settle().await;
    assert_eq!(seen.borrow().len(), 2);
}

/// A fake `fetch` answering history after seq 2 of `c1` with messages 3 and 4.
const FAKE_HISTORY: &str = r#"
window.__tsAsked = [];
window.fetch = async function (req) {
  window.__tsAsked.push(req.url);
  await new Promise(r => setTimeout(r, 30));
  const msg = seq => ({ id: 'm' + seq, conversation_id: 'c1', seq, sender: 'merchant', client_id: 'k' + seq,
    body: { type: 'text', text: 'missed ' + seq }, created_at: 1700000000000 + seq * 1000 });
  return new Response(JSON.stringify({ messages: [msg(3), msg(4)], has_more: false }),
    { status: 200, headers: { 'content-type': 'application/json' } });
};
"#;

#[wasm_bindgen_test]
async fn a_live_message_after_a_gap_waits_until_history_fills_it() {
    js_sys::Function::new_no_args(FAKE_HISTORY).call0(&wasm_bindgen::JsValue::NULL).expect("fake fetch");
    let session = ChatSession::new(Api::new(""), Sender::Buyer);
    session.conversation.set(Some("c1".into()));
    session.accept(vec![text_msg(1, Sender::Buyer, "one"), text_msg(2, Sender::Merchant, "two")]);
    let root = mount(
        move || view! { <ThreadView log=session.log me=Sender::Buyer other_name="Shop" on_retry=Callback::new(|_: String| {})/> },
    );
    // Seq 5 arrives live, but 3 and 4 were missed while reconnecting.
    session.accept_live(text_msg(5, Sender::Merchant, "five"));
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__bubble"), ["one", "two"], "no hole is shown");
    TimeoutFuture::new(150).await;
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__bubble"), ["one", "two", "missed 3", "missed 4", "five"]);
    let asked = js_sys::Reflect::get(&web_sys::window().unwrap(), &"__tsAsked".into()).unwrap();
    let asked: Vec<String> = asked.unchecked_into::<js_sys::Array>().iter().filter_map(|v| v.as_string()).collect();
    assert_eq!(asked.len(), 1);
    assert!(asked[0].contains("/api/v1/conversations/c1/messages?after=2&limit=50"), "{asked:?}");
    // The next message in sequence shows at once.
    session.accept_live(text_msg(6, Sender::Merchant, "six"));
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__bubble").last().map(String::as_str), Some("six"));
}

#[wasm_bindgen_test]
async fn a_receipt_does_not_pull_a_reader_who_scrolled_up_to_the_bottom() {
    let style = common::document().create_element("style").expect("style");
    style.set_text_content(Some(".ts-thread { display: block; height: 120px; overflow-y: auto; }"));
    common::document().head().expect("head").append_child(&style).expect("append style");
    let mut log = ThreadLog::default();
    log.merge((1..=30).map(|seq| text_msg(seq, Sender::Buyer, &format!("line {seq}"))));
    let log = RwSignal::new(log);
    let root = mount_thread(log, Sender::Buyer);
    settle().await;
    let thread = get(&root, ".ts-thread");
    assert!(thread.scroll_top() > 0, "starts at the newest message");
    thread.set_scroll_top(0);
    thread.dispatch_event(&web_sys::Event::new("scroll").expect("event")).expect("scroll");
    settle().await;

    log.update(|l| l.note_peer(30, 30));
    settle().await;
    assert_eq!(thread.scroll_top(), 0, "the reader stays where they are");
    assert!(find(&root, ".ts-jump").is_none());
    assert_eq!(texts(&root, ".ts-msg__tick--read").len(), 30);
    // A real new message still offers the jump.
    log.update(|l| {
        l.merge([text_msg(31, Sender::Merchant, "new")]);
    });
    settle().await;
    assert_eq!(thread.scroll_top(), 0);
    assert!(find(&root, ".ts-jump").is_some());
}
