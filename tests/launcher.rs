//! The chat bubble (`Launcher`) in headless Chromium: unread badge, label, toggle.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use talkshop_widget::components::launcher::Launcher;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const BUTTON: &str = ".ts-launcher";
const BADGE: &str = ".ts-badge";

fn mount_launcher(open: RwSignal<bool>, unread: RwSignal<usize>) -> web_sys::HtmlElement {
    mount(move || view! { <Launcher open=open unread=unread on_toggle=Callback::new(|_| {})/> })
}

#[wasm_bindgen_test]
async fn a_closed_launcher_shows_the_unread_count() {
    let open = RwSignal::new(false);
    let unread = RwSignal::new(3usize);
    let root = mount_launcher(open, unread);
    settle().await;
    assert_eq!(text(&root, BADGE), "3");
    assert_eq!(attr(&root, BUTTON, "aria-label").as_deref(), Some("Open chat, 3 unread messages"));
    assert_eq!(attr(&root, BUTTON, "aria-expanded").as_deref(), Some("false"));

    unread.set(1);
    settle().await;
    assert_eq!(text(&root, BADGE), "1");
    assert_eq!(attr(&root, BUTTON, "aria-label").as_deref(), Some("Open chat, 1 unread message"));

    unread.set(150);
    settle().await;
    assert_eq!(text(&root, BADGE), "99+", "the badge stays small");
    assert_eq!(attr(&root, BUTTON, "aria-label").as_deref(), Some("Open chat, 150 unread messages"));
}

#[wasm_bindgen_test]
async fn the_badge_is_hidden_with_nothing_unread() {
    let root = mount_launcher(RwSignal::new(false), RwSignal::new(0));
    settle().await;
    assert!(find(&root, BADGE).is_none());
    assert_eq!(attr(&root, BUTTON, "aria-label").as_deref(), Some("Open chat"));
}

#[wasm_bindgen_test]
async fn the_badge_is_hidden_while_the_chat_is_open() {
    let open = RwSignal::new(false);
    let root = mount_launcher(open, RwSignal::new(3));
    settle().await;
    assert!(find(&root, BADGE).is_some());

    open.set(true);
    settle().await;
    assert!(find(&root, BADGE).is_none());
    assert_eq!(attr(&root, BUTTON, "aria-label").as_deref(), Some("Close chat"));
    assert_eq!(attr(&root, BUTTON, "aria-expanded").as_deref(), Some("true"));

    open.set(false);
    settle().await;
    assert_eq!(text(&root, BADGE), "3", "closed again: still unread");
}

#[wasm_bindgen_test]
async fn clicking_the_launcher_toggles_the_chat() {
    let (toggles, on_toggle) = recorder::<()>();
    let root = mount(
        move || view! { <Launcher open=Signal::derive(|| false) unread=Signal::derive(|| 0usize) on_toggle=on_toggle/> },
    );
    settle().await;
    click(&root, BUTTON);
    assert_eq!(toggles.borrow().len(), 1);
    click(&root, BUTTON);
    assert_eq!(toggles.borrow().len(), 2);
}
