//! Shared helpers for the browser tests: mount into a fresh container, act as
//! a user (type, press keys, click), let Leptos settle, and record what the
//! components report through their callbacks.

#![allow(dead_code)]

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use talkshop_protocol::{Message, MessageBody, Sender};
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement};

pub fn document() -> web_sys::Document {
    web_sys::window().and_then(|w| w.document()).expect("a document")
}

/// A fresh `<div>` in the body with the view mounted in it.
pub fn mount<F, N>(f: F) -> HtmlElement
where
    F: FnOnce() -> N + 'static,
    N: IntoView,
{
    let container = document().create_element("div").expect("div").unchecked_into::<HtmlElement>();
    document().body().expect("body").append_child(&container).expect("append");
    leptos::mount::mount_to(container.clone(), f).forget();
    container
}

/// Lets effects and spawned tasks run.
pub async fn settle() {
    for _ in 0..3 {
        leptos::task::tick().await;
        gloo_timers::future::TimeoutFuture::new(0).await;
    }
}

pub fn find(root: &Element, css: &str) -> Option<Element> {
    root.query_selector(css).ok().flatten()
}

pub fn get(root: &Element, css: &str) -> HtmlElement {
    find(root, css).unwrap_or_else(|| panic!("no element matches {css}")).unchecked_into()
}

pub fn all(root: &Element, css: &str) -> Vec<Element> {
    let list = root.query_selector_all(css).expect("valid selector");
    (0..list.length()).filter_map(|i| list.item(i)).map(|n| n.unchecked_into()).collect()
}

pub fn texts(root: &Element, css: &str) -> Vec<String> {
    all(root, css).iter().map(|e| e.text_content().unwrap_or_default()).collect()
}

pub fn text(root: &Element, css: &str) -> String {
    get(root, css).text_content().unwrap_or_default()
}

fn bubbling(kind: &str) -> web_sys::Event {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    web_sys::Event::new_with_event_init_dict(kind, &init).expect("event")
}

/// Types `value` into a text box as a user does (value + input event).
pub fn type_into(root: &Element, css: &str, value: &str) {
    let field: HtmlTextAreaElement = get(root, css).unchecked_into();
    field.set_value(value);
    field.dispatch_event(&bubbling("input")).expect("input event");
}

/// The text a user sees in a text box.
pub fn value_of(root: &Element, css: &str) -> String {
    get(root, css).unchecked_into::<HtmlTextAreaElement>().value()
}

/// Presses `key` (with Shift or not) in the element; returns whether the page
/// prevented the key's default action (e.g. a new line in a text box).
pub fn press(root: &Element, css: &str, key: &str, shift: bool) -> bool {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("key event");
    let not_cancelled = get(root, css).dispatch_event(&event).expect("keydown");
    !not_cancelled
}

pub fn click(root: &Element, css: &str) {
    get(root, css).click();
}

pub fn is_disabled(root: &Element, css: &str) -> bool {
    get(root, css).has_attribute("disabled")
}

pub fn has_class(element: &Element, class: &str) -> bool {
    element.class_list().contains(class)
}

pub fn attr(root: &Element, css: &str, name: &str) -> Option<String> {
    get(root, css).get_attribute(name)
}

/// Replaces `window.alert` with a counter, so that injected markup that runs
/// script (`<img onerror=alert(1)>`) fails a test instead of blocking the page.
pub fn count_alerts() {
    let counter = js_sys::Function::new_no_args("window.__tsAlerts = (window.__tsAlerts || 0) + 1;");
    let window = web_sys::window().expect("a window");
    js_sys::Reflect::set(&window, &"alert".into(), &counter).expect("replace alert");
}

/// How many times `alert` was called since [`count_alerts`], after giving a
/// failed image load time to fire its `onerror`.
pub async fn alerts() -> u32 {
    gloo_timers::future::TimeoutFuture::new(200).await;
    let window = web_sys::window().expect("a window");
    js_sys::Reflect::get(&window, &"__tsAlerts".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0) as u32
}

/// Every value a callback was called with, and the callback.
pub fn recorder<T: Clone + 'static>() -> (Rc<RefCell<Vec<T>>>, Callback<T>) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    // Callbacks must be Send + Sync; tests run on the one browser thread.
    let sink = send_wrapper::SendWrapper::new(seen.clone());
    (seen, Callback::new(move |v: T| sink.borrow_mut().push(v)))
}

/// A stored message of conversation `c1`; its client id is `k{seq}`.
pub fn message(seq: i64, sender: Sender, body: MessageBody) -> Message {
    Message {
        id: format!("m{seq}"),
        conversation_id: "c1".into(),
        seq,
        sender,
        client_id: format!("k{seq}"),
        body,
        created_at: 1_700_000_000_000 + seq * 1000,
    }
}

pub fn text_msg(seq: i64, sender: Sender, body: &str) -> Message {
    message(seq, sender, MessageBody::Text { text: body.into() })
}

// ---- A fake server for pages that fetch ----

/// `fetch` answers from `window.__tsRoutes["METHOD /path"]` = { status, body, headers }
/// (404 otherwise) and records every request in `window.__tsRequests`.
/// `WebSocket` is a socket that never opens (the console's live link idles).
pub const FAKE_SERVER: &str = r#"
window.__tsRoutes = {};
window.__tsRequests = [];
window.fetch = async function (req) {
  const url = new URL(req.url, location.href);
  const text = req.method === 'GET' || req.method === 'DELETE' ? '' : await req.text();
  window.__tsRequests.push({ method: req.method, path: url.pathname, body: text, auth: req.headers.get('authorization') });
  const route = window.__tsRoutes[req.method + ' ' + url.pathname];
  const headers = Object.assign({ 'content-type': 'application/json' }, (route && route.headers) || {});
  if (!route) {
    return new Response(JSON.stringify({ error: { code: 'not_found', message: 'No fake route' } }), { status: 404, headers });
  }
  if (route.status === 204) return new Response(null, { status: 204 });
  return new Response(JSON.stringify(route.body), { status: route.status || 200, headers });
};
window.WebSocket = class extends EventTarget {
  constructor(url) { super(); this.url = url; this.readyState = 0; }
  send() {}
  close() { this.readyState = 3; }
};
"#;

pub fn js(code: &str) -> wasm_bindgen::JsValue {
    js_sys::Function::new_no_args(code).call0(&wasm_bindgen::JsValue::NULL).expect("script runs")
}

pub fn fake_server() {
    js(FAKE_SERVER);
}

pub fn route(method: &str, path: &str, status: u16, body: serde_json::Value) {
    let key = serde_json::to_string(&format!("{method} {path}")).unwrap();
    js(&format!("window.__tsRoutes[{key}] = {{ status: {status}, body: {body} }};"));
}

/// (method, path, body) of every request the page sent.
pub fn requests() -> Vec<(String, String, String)> {
    let list = js("return JSON.stringify(window.__tsRequests);").as_string().unwrap();
    let list: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    list.iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (s("method"), s("path"), s("body"))
        })
        .collect()
}

/// Waits (up to 3 s) for an element to appear.
pub async fn wait_for(root: &Element, css: &str) -> HtmlElement {
    for _ in 0..150 {
        if let Some(found) = find(root, css) {
            return found.unchecked_into();
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    panic!("{css} never appeared in {}", root.inner_html());
}
