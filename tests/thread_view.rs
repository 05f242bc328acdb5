//! The message list (`ThreadView`) in headless Chromium: order, grouping,
//! sides, delivery state, retry, and buyer text shown as text.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use talkshop_protocol::thread::{Delivery, PendingMessage, ThreadLog};
use talkshop_protocol::{Message, MessageBody, Sender};
use talkshop_widget::components::thread_view::ThreadView;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn pending(client_id: &str, text: &str, delivery: Delivery) -> PendingMessage {
    PendingMessage { client_id: client_id.into(), text: text.into(), created_at: 1_700_000_100_000, delivery }
}

fn log_of(messages: Vec<Message>) -> RwSignal<ThreadLog> {
    let mut log = ThreadLog::default();
    log.merge(messages);
    RwSignal::new(log)
}

/// The thread as `me` sees it, with the other party named "Shop" or "Buyer".
fn mount_thread(log: RwSignal<ThreadLog>, me: Sender) -> web_sys::HtmlElement {
    let other_name = if me == Sender::Buyer { "Shop" } else { "Buyer" };
    mount(move || view! { <ThreadView log=log me=me other_name=other_name on_retry=Callback::new(|_: String| {})/> })
}

/// For each row: its author label, if it shows one.
fn authors(root: &web_sys::Element) -> Vec<Option<String>> {
    all(root, ".ts-msg").iter().map(|row| find(row, ".ts-msg__author").and_then(|a| a.text_content())).collect()
}

#[wasm_bindgen_test]
async fn stored_messages_show_in_seq_order() {
    // A history page and a live event arrive out of order.
    let log = log_of(vec![text_msg(3, Sender::Merchant, "three"), text_msg(1, Sender::Buyer, "one")]);
    let root = mount_thread(log, Sender::Buyer);
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__bubble"), vec!["one", "three"]);

    log.update(|l| {
        l.merge([text_msg(2, Sender::Merchant, "two")]);
    });
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__bubble"), vec!["one", "two", "three"]);

    // The same message delivered again (live event and resume backlog) shows once.
    log.update(|l| {
        l.merge([text_msg(2, Sender::Merchant, "two"), text_msg(3, Sender::Merchant, "three")]);
    });
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__bubble"), vec!["one", "two", "three"]);
}

#[wasm_bindgen_test]
async fn buyer_markup_shows_as_literal_text() {
    let script = "<script>alert(1)</script>";
    let img = "<img src=x onerror=alert(1)>";
    count_alerts();
    let log = log_of(vec![text_msg(1, Sender::Buyer, script), text_msg(2, Sender::Buyer, img)]);
    // The merchant reads what the buyer wrote; the buyer sees their own text and a pending copy.
    let console = mount_thread(log, Sender::Merchant);
    let widget = mount_thread(log, Sender::Buyer);
    log.update(|l| l.push_pending(pending("p1", "<b onmouseover=alert(1)>hi</b>", Delivery::Sending)));
    settle().await;

    assert_eq!(texts(&console, ".ts-msg__bubble"), vec![script, img, "<b onmouseover=alert(1)>hi</b>"]);
    assert_eq!(texts(&widget, ".ts-msg__bubble"), vec![script, img, "<b onmouseover=alert(1)>hi</b>"]);
    for root in [&console, &widget] {
        assert!(all(root, "script, img, b").is_empty(), "buyer text must not become elements");
        let first = get(root, ".ts-msg__bubble");
        assert!(first.inner_html().contains("&lt;script&gt;"), "escaped: {}", first.inner_html());
    }
    assert_eq!(alerts().await, 0, "no buyer script ran");
}

#[wasm_bindgen_test]
async fn consecutive_messages_from_one_sender_form_one_group() {
    let log = log_of(vec![
        text_msg(1, Sender::Buyer, "hi"),
        text_msg(2, Sender::Buyer, "is the vase in stock?"),
        text_msg(3, Sender::Merchant, "yes"),
        text_msg(4, Sender::Merchant, "two left"),
        text_msg(5, Sender::Merchant, "want one?"),
        text_msg(6, Sender::Buyer, "please"),
    ]);
    let root = mount_thread(log, Sender::Buyer);
    settle().await;
    let you = Some("You".to_string());
    let shop = Some("Shop".to_string());
    assert_eq!(authors(&root), vec![you.clone(), None, shop, None, None, you]);
    let first: Vec<bool> = all(&root, ".ts-msg").iter().map(|row| has_class(row, "ts-msg--first")).collect();
    assert_eq!(first, vec![true, false, true, false, false, true]);
}

#[wasm_bindgen_test]
async fn a_long_pause_starts_a_new_group() {
    let mut later = text_msg(2, Sender::Buyer, "anyone there?");
    later.created_at += 6 * 60 * 1000;
    let log = log_of(vec![text_msg(1, Sender::Buyer, "hi"), later]);
    let root = mount_thread(log, Sender::Buyer);
    settle().await;
    assert_eq!(authors(&root), vec![Some("You".to_string()), Some("You".to_string())]);
}

#[wasm_bindgen_test]
async fn own_messages_are_mine_and_the_other_partys_are_theirs() {
    let log = log_of(vec![text_msg(1, Sender::Buyer, "hello"), text_msg(2, Sender::Merchant, "welcome")]);
    let widget = mount_thread(log, Sender::Buyer);
    let console = mount_thread(log, Sender::Merchant);
    settle().await;

    let sides = |root: &web_sys::Element| -> Vec<(bool, bool)> {
        all(root, ".ts-msg")
            .iter()
            .map(|row| (has_class(row, "ts-msg--mine"), has_class(row, "ts-msg--theirs")))
            .collect()
    };
    // (mine, theirs) for "hello" then "welcome".
    assert_eq!(sides(&widget), vec![(true, false), (false, true)]);
    assert_eq!(sides(&console), vec![(false, true), (true, false)]);
    assert_eq!(texts(&widget, ".ts-msg__author"), vec!["You", "Shop"]);
    assert_eq!(texts(&console, ".ts-msg__author"), vec!["Buyer", "You"]);
}

#[wasm_bindgen_test]
async fn a_pending_message_shows_sending() {
    let log = log_of(vec![text_msg(1, Sender::Merchant, "welcome")]);
    let root = mount_thread(log, Sender::Buyer);
    log.update(|l| l.push_pending(pending("k-new", "is it in stock?", Delivery::Sending)));
    settle().await;

    assert_eq!(texts(&root, ".ts-msg__bubble"), vec!["welcome", "is it in stock?"]);
    let rows = all(&root, ".ts-msg");
    assert!(has_class(&rows[1], "ts-msg--mine"));
    assert!(has_class(&rows[1], "ts-msg--sending"));
    assert_eq!(texts(&root, ".ts-msg__status"), vec!["Sending…"]);
    assert!(find(&root, ".ts-msg__retry").is_none(), "a message on its way cannot be retried");
}

#[wasm_bindgen_test]
async fn a_failed_message_shows_not_sent_and_retry_reports_its_client_id() {
    let log = RwSignal::new(ThreadLog::default());
    let (retried, on_retry) = recorder::<String>();
    let root = mount(move || view! { <ThreadView log=log me=Sender::Buyer other_name="Shop" on_retry=on_retry/> });
    log.update(|l| {
        l.push_pending(pending("k1", "first", Delivery::Sending));
        l.push_pending(pending("k2", "second", Delivery::Failed));
    });
    settle().await;

    assert_eq!(texts(&root, ".ts-msg__status"), vec!["Sending…", "Not sent"]);
    assert!(has_class(&all(&root, ".ts-msg")[1], "ts-msg--failed"));
    assert_eq!(all(&root, ".ts-msg__retry").len(), 1, "only the failed message offers Retry");
    assert_eq!(text(&root, ".ts-msg__retry"), "Retry");
    click(&root, ".ts-msg__retry");
    assert_eq!(*retried.borrow(), vec!["k2".to_string()]);

    // The session marks it as sending again: Retry goes away.
    log.update(|l| l.set_delivery("k2", Delivery::Sending));
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__status"), vec!["Sending…", "Sending…"]);
    assert!(find(&root, ".ts-msg__retry").is_none());
}

#[wasm_bindgen_test]
async fn the_stored_copy_of_a_pending_message_replaces_it() {
    let log = log_of(vec![text_msg(1, Sender::Merchant, "welcome")]);
    let root = mount_thread(log, Sender::Buyer);
    log.update(|l| l.push_pending(pending("m-abc", "hello", Delivery::Sending)));
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__bubble"), vec!["welcome", "hello"]);

    // The server's answer and the live event both bring the stored copy.
    let mut stored = text_msg(2, Sender::Buyer, "hello");
    stored.client_id = "m-abc".into();
    log.update(|l| {
        l.merge([stored.clone()]);
    });
    settle().await;
    log.update(|l| {
        l.merge([stored]);
    });
    settle().await;

    assert_eq!(texts(&root, ".ts-msg__bubble"), vec!["welcome", "hello"], "shown once");
    assert!(all(&root, ".ts-msg__status").is_empty(), "stored: no delivery status");
    assert!(all(&root, ".ts-msg--sending").is_empty());
    assert!(has_class(&all(&root, ".ts-msg")[1], "ts-msg--mine"));
}

#[wasm_bindgen_test]
async fn an_empty_thread_shows_the_empty_text() {
    let log = RwSignal::new(ThreadLog::default());
    let custom = mount(
        move || view! { <ThreadView log=log me=Sender::Merchant other_name="Buyer" on_retry=Callback::new(|_: String| {}) empty_text="No messages yet."/> },
    );
    let default = mount_thread(log, Sender::Buyer);
    settle().await;
    assert_eq!(text(&custom, ".ts-empty"), "No messages yet.");
    assert_eq!(text(&default, ".ts-empty"), "Say hello — we usually reply within minutes.");
    assert!(all(&default, ".ts-msg").is_empty());

    // The first message replaces the invitation.
    log.update(|l| l.push_pending(pending("k1", "hi", Delivery::Sending)));
    settle().await;
    assert!(find(&custom, ".ts-empty").is_none());
    assert!(find(&default, ".ts-empty").is_none());
    assert_eq!(texts(&default, ".ts-msg__bubble"), vec!["hi"]);
}

/// A thread of `seqs`, as in the render benchmark: texts, and a product card every fifth message.
fn long_thread(seqs: std::ops::RangeInclusive<i64>) -> Vec<Message> {
    seqs.map(|seq| {
        let sender = if seq % 2 == 0 { Sender::Buyer } else { Sender::Merchant };
        if seq % 5 == 3 {
            let product = MessageBody::Product { retailer_id: format!("SKU-{seq}"), body: None, footer: None };
            message(seq, sender, product)
        } else {
            text_msg(seq, sender, &format!("message {seq}"))
        }
    })
    .collect()
}

/// Mounts the thread in a 500 px tall scrolling box, as the widget's panel does.
fn mount_long_thread(log: RwSignal<ThreadLog>) -> (web_sys::HtmlElement, web_sys::HtmlElement) {
    let style = common::document().create_element("style").expect("style");
    style.set_text_content(Some(".ts-long .ts-thread { display: block; height: 500px; overflow-y: auto; }"));
    common::document().head().expect("head").append_child(&style).expect("append style");
    let root = mount_thread(log, Sender::Buyer);
    root.set_class_name("ts-long");
    let thread = get(&root, ".ts-thread");
    (root, thread)
}

/// Lets the thread measure its rows and settle its window (a few frames).
async fn frames() {
    for _ in 0..3 {
        settle().await;
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
}

async fn scroll_thread_to(thread: &web_sys::HtmlElement, top: i32) {
    // Measured heights move the rows a little; a reader scrolling to the end keeps going until there.
    for _ in 0..4 {
        thread.set_scroll_top(top);
        thread.dispatch_event(&web_sys::Event::new("scroll").expect("event")).expect("scroll");
        frames().await;
    }
}

/// The numbers of the text messages rendered, in DOM order.
fn shown_numbers(root: &web_sys::Element) -> Vec<i64> {
    texts(root, ".ts-msg__bubble").iter().map(|t| t.trim_start_matches("message ").parse().expect("a number")).collect()
}

fn assert_in_order(shown: &[i64]) {
    assert!(!shown.is_empty(), "some messages are shown");
    for pair in shown.windows(2) {
        // Consecutive, except where a product card sits between two texts.
        assert!(
            pair[1] == pair[0] + 1 || (pair[1] == pair[0] + 2 && (pair[0] + 1) % 5 == 3),
            "out of order: {shown:?}"
        );
    }
}

#[wasm_bindgen_test]
async fn a_ten_thousand_message_thread_keeps_few_elements_and_scrolls_end_to_end() {
    let log = log_of(long_thread(1..=10_000));
    let (root, thread) = mount_long_thread(log);
    frames().await;
    let elements = || thread.query_selector_all("*").expect("selector").length();

    // Opens at the newest message.
    let shown = shown_numbers(&root);
    assert_eq!(shown.last(), Some(&10_000), "the newest message is shown");
    assert_in_order(&shown);
    assert!(elements() <= 300, "{} elements in the thread", elements());
    assert!(thread.scroll_height() > 100_000, "the scroll bar stands for the whole thread");

    scroll_thread_to(&thread, 0).await;
    let shown = shown_numbers(&root);
    assert_eq!(shown.first(), Some(&1), "the top shows the first message");
    assert_in_order(&shown);
    assert!(elements() <= 300, "{} elements in the thread", elements());

    scroll_thread_to(&thread, thread.scroll_height() / 2).await;
    let shown = shown_numbers(&root);
    assert_in_order(&shown);
    assert!(shown[0] > 2_000 && shown[0] < 8_000, "the middle shows the middle: {shown:?}");
    assert!(elements() <= 300, "{} elements in the thread", elements());

    scroll_thread_to(&thread, thread.scroll_height()).await;
    let shown = shown_numbers(&root);
    assert_eq!(shown.last(), Some(&10_000), "the bottom shows the last message");
    assert_in_order(&shown);
    assert!(elements() <= 300, "{} elements in the thread", elements());
}

/// The first bubble whose top is in view, and its distance from the thread's top edge.
fn first_bubble_in_view(root: &web_sys::Element, thread: &web_sys::HtmlElement) -> (String, f64) {
    let top = thread.get_bounding_client_rect().top();
    all(root, ".ts-msg__bubble")
        .iter()
        .map(|b| (b.text_content().unwrap_or_default(), b.get_bounding_client_rect().top() - top))
        .find(|(_, y)| *y >= 0.0)
        .expect("a bubble in view")
}

#[wasm_bindgen_test]
async fn in_a_long_thread_older_pages_and_new_messages_leave_the_reader_in_place() {
    let log = log_of(long_thread(1_001..=3_000));
    let (root, thread) = mount_long_thread(log);
    frames().await;
    scroll_thread_to(&thread, thread.scroll_height() / 3).await;
    let before = first_bubble_in_view(&root, &thread);

    // An older page arrives above.
    log.update(|l| {
        l.merge(long_thread(951..=1_000));
    });
    frames().await;
    let after = first_bubble_in_view(&root, &thread);
    assert_eq!(after.0, before.0, "the same message is in view");
    assert!((after.1 - before.1).abs() <= 2.0, "at the same place: {before:?} then {after:?}");

    // A new message from the shop does not pull the reader down; it is offered.
    log.update(|l| {
        l.merge([text_msg(3_001, Sender::Merchant, "message 3001")]);
    });
    frames().await;
    let after = first_bubble_in_view(&root, &thread);
    assert_eq!(after.0, before.0);
    assert!((after.1 - before.1).abs() <= 2.0, "at the same place: {before:?} then {after:?}");
    assert!(find(&root, ".ts-jump").is_some(), "new messages are offered");
    click(&root, ".ts-jump");
    frames().await;
    assert_eq!(shown_numbers(&root).last(), Some(&3_001), "the jump shows the newest message");
    assert!(find(&root, ".ts-jump").is_none());
}

#[wasm_bindgen_test]
async fn a_new_message_from_the_other_party_is_announced() {
    let log = log_of(vec![text_msg(1, Sender::Buyer, "is the vase in stock?")]);
    let root = mount_thread(log, Sender::Buyer);
    frames().await;
    assert_eq!(attr(&root, ".ts-thread", "role").as_deref(), Some("log"));
    let live = get(&root, "[aria-live=polite]");
    assert_eq!(live.text_content().unwrap_or_default(), "", "history is not read out on opening");
    log.update(|l| {
        l.merge([text_msg(2, Sender::Merchant, "yes, two left")]);
    });
    frames().await;
    let spoken = live.text_content().unwrap_or_default();
    assert!(spoken.contains("Shop") && spoken.contains("yes, two left"), "announced: {spoken}");
}

#[wasm_bindgen_test]
async fn a_long_thread_loaded_while_hidden_opens_at_the_newest_message() {
    // The widget's panel is hidden until the launcher is clicked; history can arrive before.
    let log = log_of(long_thread(1..=2_000));
    let (root, thread) = mount_long_thread(log);
    root.style().set_property("display", "none").expect("hide");
    log.update(|l| {
        l.merge(long_thread(2_001..=2_500));
    });
    frames().await;
    root.style().remove_property("display").expect("show");
    frames().await;
    assert_eq!(shown_numbers(&root).last(), Some(&2_500), "the newest message is shown");
    let from_bottom = thread.scroll_height() - thread.scroll_top() - thread.client_height();
    assert!(from_bottom <= 2, "scrolled to the bottom, {from_bottom} px away");
    let top = thread.get_bounding_client_rect().top();
    let first = all(&root, ".ts-msg").first().map(|m| m.get_bounding_client_rect().top() - top).expect("rows");
    assert!(first <= 0.0, "rows fill the thread from its top edge, the first at {first} px");
}
