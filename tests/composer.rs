//! The text box and send button (`Composer`) in headless Chromium, typed into
//! and sent the way a person does.

#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::*;
use leptos::prelude::*;
use talkshop_widget::components::composer::Composer;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const INPUT: &str = ".ts-composer__input";
const SEND: &str = ".ts-composer__send";
const COUNT: &str = ".ts-composer__count";

/// An `on_send` that records each text and answers `taken`.
fn on_send(taken: bool) -> (Rc<RefCell<Vec<String>>>, Callback<String, bool>) {
    let (sent, record) = recorder::<String>();
    (
        sent,
        Callback::new(move |text: String| {
            record.run(text);
            taken
        }),
    )
}

fn mount_composer(on_send: Callback<String, bool>) -> web_sys::HtmlElement {
    mount(move || view! { <Composer on_send=on_send/> })
}

#[wasm_bindgen_test]
async fn send_is_disabled_for_empty_and_whitespace_only_text() {
    let (sent, on_send) = on_send(true);
    let root = mount_composer(on_send);
    settle().await;
    assert!(is_disabled(&root, SEND), "empty text cannot be sent");

    type_into(&root, INPUT, "   \n\t ");
    settle().await;
    assert!(is_disabled(&root, SEND), "whitespace cannot be sent");
    click(&root, SEND);
    press(&root, INPUT, "Enter", false);
    settle().await;
    assert!(sent.borrow().is_empty(), "neither a click nor Enter sends blank text");

    type_into(&root, INPUT, " a ");
    settle().await;
    assert!(!is_disabled(&root, SEND));
    type_into(&root, INPUT, "");
    settle().await;
    assert!(is_disabled(&root, SEND), "deleting the text disables Send again");
}

#[wasm_bindgen_test]
async fn typing_and_clicking_send_sends_the_text_and_clears_the_box() {
    let (sent, on_send) = on_send(true);
    let root = mount_composer(on_send);
    type_into(&root, INPUT, "Is it in stock?");
    settle().await;
    assert!(!is_disabled(&root, SEND));
    click(&root, SEND);
    settle().await;
    assert_eq!(*sent.borrow(), vec!["Is it in stock?".to_string()]);
    assert_eq!(value_of(&root, INPUT), "", "the box is cleared after sending");
    assert!(is_disabled(&root, SEND), "nothing left to send");
}

#[wasm_bindgen_test]
async fn enter_sends_and_shift_enter_does_not() {
    let (sent, on_send) = on_send(true);
    let root = mount_composer(on_send);
    type_into(&root, INPUT, "line one");
    settle().await;

    let prevented = press(&root, INPUT, "Enter", true);
    settle().await;
    assert!(!prevented, "Shift+Enter is left to the browser: a new line");
    assert!(sent.borrow().is_empty(), "Shift+Enter does not send");
    assert_eq!(value_of(&root, INPUT), "line one");

    type_into(&root, INPUT, "line one\nline two");
    let prevented = press(&root, INPUT, "Enter", false);
    settle().await;
    assert!(prevented, "Enter does not also insert a new line");
    assert_eq!(*sent.borrow(), vec!["line one\nline two".to_string()]);
    assert_eq!(value_of(&root, INPUT), "");
}

#[wasm_bindgen_test]
async fn text_the_sender_refuses_stays_in_the_box() {
    let (sent, on_send) = on_send(false);
    let root = mount_composer(on_send);
    type_into(&root, INPUT, "keep me");
    settle().await;
    click(&root, SEND);
    settle().await;
    assert_eq!(*sent.borrow(), vec!["keep me".to_string()]);
    assert_eq!(value_of(&root, INPUT), "keep me", "not taken: the user can fix it and send again");
}

#[wasm_bindgen_test]
async fn over_4096_characters_the_counter_warns_and_send_is_disabled() {
    let (sent, on_send) = on_send(true);
    let root = mount_composer(on_send);
    type_into(&root, INPUT, &"a".repeat(3000));
    settle().await;
    assert!(find(&root, COUNT).is_none(), "no counter for ordinary messages");

    // Close to the limit the counter appears, not yet marked.
    type_into(&root, INPUT, &"a".repeat(3596));
    settle().await;
    assert_eq!(text(&root, COUNT), "3596 / 4096");
    assert!(!has_class(&get(&root, COUNT), "ts-over"));
    assert!(!is_disabled(&root, SEND));

    type_into(&root, INPUT, &"a".repeat(4097));
    settle().await;
    assert_eq!(text(&root, COUNT), "4097 / 4096");
    assert!(has_class(&get(&root, COUNT), "ts-over"));
    assert!(is_disabled(&root, SEND));
    press(&root, INPUT, "Enter", false);
    settle().await;
    assert!(sent.borrow().is_empty(), "Enter does not send an over-long message either");

    type_into(&root, INPUT, &"a".repeat(4096));
    settle().await;
    assert_eq!(text(&root, COUNT), "4096 / 4096");
    assert!(!has_class(&get(&root, COUNT), "ts-over"));
    assert!(!is_disabled(&root, SEND));
}

#[wasm_bindgen_test]
async fn the_limit_counts_characters_not_bytes() {
    let (_, on_send) = on_send(true);
    let root = mount_composer(on_send);
    // Thai characters take three bytes each in UTF-8.
    type_into(&root, INPUT, &"ก".repeat(4096));
    settle().await;
    assert_eq!(text(&root, COUNT), "4096 / 4096");
    assert!(!is_disabled(&root, SEND));
}

#[wasm_bindgen_test]
async fn a_disabled_composer_does_not_send() {
    let (sent, on_send) = on_send(true);
    let disabled = RwSignal::new(true);
    let root = mount(move || view! { <Composer on_send=on_send disabled=disabled/> });
    type_into(&root, INPUT, "hello");
    settle().await;
    assert!(is_disabled(&root, SEND));
    press(&root, INPUT, "Enter", false);
    settle().await;
    assert!(sent.borrow().is_empty());

    disabled.set(false);
    settle().await;
    assert!(!is_disabled(&root, SEND));
    click(&root, SEND);
    settle().await;
    assert_eq!(*sent.borrow(), vec!["hello".to_string()]);
}
