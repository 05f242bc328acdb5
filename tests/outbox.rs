//! The buyer's outbox and tabs in headless Chromium: messages written offline
//! survive a reload (a remount), go out in order once, and a second tab of the
//! same buyer shows them without sending them again. `fetch` is replaced by a
//! small fake shop that records what it stores.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use talkshop_protocol::Sender;
use talkshop_widget::api::Api;
use talkshop_widget::chat_outbox::ChatOutbox;
use talkshop_widget::chat_session::ChatSession;
use talkshop_widget::components::composer::Composer;
use talkshop_widget::components::thread_view::ThreadView;
use talkshop_widget::{device, i18n::EN};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A fake `fetch`: offline (a network error) or a shop that stores texts in
/// conversation `c1` (deduplicated by client id, as the server does), answers
/// history after a seq, answers after 30 ms, and refuses texts starting
/// "refuse" while `__tsRefuse` is set. `__tsSent` records every text posted.
const FAKE_SHOP: &str = r#"
window.__tsSent = [];
window.__tsSeq = 0;
window.__tsOffline = true;
window.__tsRefuse = true;
window.__tsStore = [];
window.fetch = async function (req) {
  if (window.__tsOffline) { throw new TypeError('Failed to fetch'); }
  await new Promise(r => setTimeout(r, 30));
  const json = { 'content-type': 'application/json' };
  if (req.method === 'GET') {
    const after = Number(new URL(req.url).searchParams.get('after') || 0);
    const messages = window.__tsStore.filter(m => m.seq > after);
    return new Response(JSON.stringify({ messages, has_more: false }), { status: 200, headers: json });
  }
  const body = JSON.parse(await req.text());
  if (window.__tsRefuse && body.text.startsWith('refuse')) {
    return new Response(JSON.stringify({ error: { code: 'conflict', message: 'Refused by the fake shop' } }), { status: 409, headers: json });
  }
  window.__tsSent.push(body.text);
  let stored = window.__tsStore.find(m => m.client_id === body.client_id);
  if (!stored) {
    window.__tsSeq += 1;
    const seq = window.__tsSeq;
    stored = { id: 'm' + seq, conversation_id: 'c1', seq, sender: 'buyer', client_id: body.client_id,
      body: { type: 'text', text: body.text }, created_at: 1700000000000 + seq };
    window.__tsStore.push(stored);
  }
  return new Response(JSON.stringify(stored), { status: 201, headers: json });
};
"#;

fn js(code: &str) -> wasm_bindgen::JsValue {
    js_sys::Function::new_no_args(code).call0(&wasm_bindgen::JsValue::NULL).expect("script runs")
}

fn fake_shop() {
    js(FAKE_SHOP);
}

fn set_online(online: bool) {
    js(&format!("window.__tsOffline = {};", !online));
}

fn stored_texts() -> Vec<String> {
    let list = js("return window.__tsSent;");
    list.unchecked_into::<js_sys::Array>().iter().filter_map(|v| v.as_string()).collect()
}

/// A fresh outbox scope per test: tests share the browser's localStorage.
fn scope() -> String {
    device::random_id("v-")
}

/// One tab of the buyer: the thread and the composer of a session with its outbox.
fn tab(visitor: &str, sessions: RwSignal<Vec<ChatSession>, LocalStorage>) -> impl IntoView {
    let session = ChatSession::new(Api::new(""), Sender::Buyer);
    session.conversation.set(Some("c1".into()));
    session.use_outbox(ChatOutbox::new("shop", visitor));
    sessions.update(|s| s.push(session));
    view! {
        <ThreadView log=session.log me=Sender::Buyer other_name="Shop" on_retry=Callback::new(move |id| session.retry(id))/>
        <Composer on_send=Callback::new(move |text| session.send(text))/>
    }
}

/// Mounts a tab into a fresh container; dropping the handle unmounts it (a reload).
fn open_tab(
    visitor: &str,
    sessions: RwSignal<Vec<ChatSession>, LocalStorage>,
) -> (web_sys::HtmlElement, leptos::mount::UnmountHandle<impl Mountable>) {
    let container = common::document().create_element("div").expect("div").unchecked_into::<web_sys::HtmlElement>();
    common::document().body().expect("body").append_child(&container).expect("append");
    let visitor = visitor.to_owned();
    let handle = leptos::mount::mount_to(container.clone(), move || tab(&visitor, sessions));
    (container, handle)
}

fn write(root: &web_sys::Element, text: &str) {
    type_into(root, ".ts-composer__input", text);
    press(root, ".ts-composer__input", "Enter", false);
}

/// Each row's text and status line.
fn rows(root: &web_sys::Element) -> Vec<(String, String)> {
    all(root, ".ts-msg")
        .iter()
        .map(|row| {
            let text = find(row, ".ts-msg__bubble").and_then(|b| b.text_content()).unwrap_or_default();
            let status = find(row, ".ts-msg__status")
                .and_then(|s| s.text_content())
                .or_else(|| find(row, ".ts-msg__tick").and_then(|t| t.get_attribute("aria-label")))
                .unwrap_or_default();
            (text, status)
        })
        .collect()
}

fn row(text: &str, status: &str) -> (String, String) {
    (text.to_string(), status.to_string())
}

async fn wait_ms(ms: u32) {
    TimeoutFuture::new(ms).await;
    settle().await;
}

#[wasm_bindgen_test]
async fn messages_written_offline_survive_a_reload_and_go_out_in_order_once() {
    fake_shop();
    let visitor = scope();
    let sessions = RwSignal::new_local(Vec::new());
    let (root, handle) = open_tab(&visitor, sessions);
    write(&root, "first");
    write(&root, "second");
    wait_ms(50).await;
    let waiting = EN.outbox_waiting;
    assert_eq!(rows(&root), [row("first", waiting), row("second", waiting)]);

    // Reload: the page goes away and comes back, still offline.
    drop(handle);
    root.remove();
    let (root, _handle) = open_tab(&visitor, sessions);
    settle().await;
    assert_eq!(rows(&root), [row("first", waiting), row("second", waiting)]);
    assert_eq!(ChatOutbox::new("shop", &visitor).entries().len(), 2);

    // The connection returns: the outbox goes out oldest first, once.
    set_online(true);
    let session = sessions.with_untracked(|s| *s.last().expect("a session"));
    session.flush_outbox();
    session.flush_outbox();
    wait_ms(300).await;
    assert_eq!(stored_texts(), ["first", "second"]);
    assert_eq!(rows(&root), [row("first", EN.receipt_sent), row("second", EN.receipt_sent)]);
    assert!(ChatOutbox::new("shop", &visitor).entries().is_empty());
}

#[wasm_bindgen_test]
async fn a_second_tab_shows_a_queued_message_and_only_one_tab_sends_it() {
    fake_shop();
    let visitor = scope();
    let sessions = RwSignal::new_local(Vec::new());
    let (tab_a, _a) = open_tab(&visitor, sessions);
    let (tab_b, _b) = open_tab(&visitor, sessions);
    write(&tab_a, "hello from A");
    wait_ms(100).await;
    // Tab B heard about it over the BroadcastChannel.
    assert_eq!(rows(&tab_b), [row("hello from A", EN.outbox_waiting)]);

    // Back online: both tabs reconnect and try to flush at the same time.
    set_online(true);
    for session in sessions.get_untracked() {
        session.flush_outbox();
    }
    wait_ms(400).await;
    assert_eq!(stored_texts(), ["hello from A"], "sent exactly once");
    for root in [&tab_a, &tab_b] {
        assert_eq!(rows(root), [row("hello from A", EN.receipt_sent)]);
    }
}

#[wasm_bindgen_test]
async fn a_refused_message_shows_not_sent_stays_after_reload_and_retry_sends_it() {
    fake_shop();
    set_online(true);
    let visitor = scope();
    let sessions = RwSignal::new_local(Vec::new());
    let (root, handle) = open_tab(&visitor, sessions);
    write(&root, "refuse this one");
    wait_ms(150).await;
    assert_eq!(rows(&root), [row("refuse this one", "Not sent")]);
    assert!(find(&root, ".ts-msg__retry").is_some());

    drop(handle);
    root.remove();
    let (root, _handle) = open_tab(&visitor, sessions);
    settle().await;
    assert_eq!(rows(&root), [row("refuse this one", "Not sent")]);
    // A reconnect does not resend what the shop refused; the buyer's Retry does.
    sessions.with_untracked(|s| s.last().copied()).expect("a session").retry_failed();
    wait_ms(150).await;
    assert!(stored_texts().is_empty());
    js("window.__tsRefuse = false;");
    click(&root, ".ts-msg__retry");
    wait_ms(150).await;
    assert_eq!(stored_texts(), ["refuse this one"]);
    assert_eq!(rows(&root), [row("refuse this one", EN.receipt_sent)]);
}

#[wasm_bindgen_test]
fn the_outbox_is_named_by_the_visitor_in_the_token() {
    // v1.{base64url of {"sub":"vis-1",...}}.{signature}
    let token = "v1.eyJzdWIiOiJ2aXMtMSIsInJvbGUiOiJidXllciIsInNob3AiOiJkZW1vIiwiZXhwIjo5OTk5OTk5OTk5fQ.c2ln";
    assert_eq!(device::token_subject(token).as_deref(), Some("vis-1"));
    assert_eq!(device::token_subject("garbage"), None);
}
