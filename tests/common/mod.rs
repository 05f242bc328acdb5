//! Shared helpers for the browser tests: mount into a fresh container, act as
//! a user (type, press keys, click) and let Leptos settle.

#![allow(dead_code)]

use leptos::prelude::*;
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

pub fn press(root: &Element, css: &str, key: &str, shift: bool) {
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_shift_key(shift);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).expect("key event");
    get(root, css).dispatch_event(&event).expect("keydown");
}

pub fn click(root: &Element, css: &str) {
    get(root, css).click();
}

pub fn is_disabled(root: &Element, css: &str) -> bool {
    get(root, css).has_attribute("disabled")
}
