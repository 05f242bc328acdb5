//! Parts loaded on first use (`talkshop_widget::parts`) in headless Chromium:
//! a part shows once its code is there, a part whose code could not be
//! fetched says so with a retry that fetches it again, and the thread's cards
//! and the cart panel go through it (outside the split release build the code
//! is already there, so they show at once).

#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::Cell;
use std::rc::Rc;

use common::*;
use leptos::prelude::*;
use talkshop_protocol::{MessageBody, Sender};
use talkshop_widget::components::thread_view::ThreadView;
use talkshop_widget::parts::{self, Attempt, PartUnavailable};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn a_part_that_fails_to_load_offers_a_retry_that_loads_it() {
    let attempts = Rc::new(Cell::new(0u32));
    let (counted, gate) = (attempts.clone(), RwSignal::new(false));
    let counted = send_wrapper::SendWrapper::new(counted);
    let root = mount(move || {
        let counted = counted.clone();
        parts::show(move || -> Attempt {
            counted.set(counted.get() + 1);
            let first = counted.get() == 1;
            Box::pin(async move {
                // The fetch takes a moment: nothing is shown meanwhile.
                gloo_timers::future::TimeoutFuture::new(30).await;
                if first || !gate.get_untracked() {
                    Err(PartUnavailable)
                } else {
                    Ok(view! { <p class="loaded">"The part"</p> }.into_any())
                }
            })
        })
    });
    settle().await;
    assert!(find(&root, ".loaded").is_none() && find(&root, "[role=alert]").is_none(), "nothing while loading");
    let alert = wait_for(&root, "[role=alert]").await;
    assert!(alert.text_content().unwrap_or_default().starts_with("This part of the chat could not be loaded."));
    assert_eq!(attempts.get(), 1);

    // Still offline: the retry fails again, and says so again.
    click(&root, "[role=alert] button");
    settle().await;
    wait_for(&root, "[role=alert]").await;
    assert_eq!(attempts.get(), 2);

    // Back online: the retry shows the part, and the notice is gone.
    gate.set(true);
    click(&root, "[role=alert] button");
    assert_eq!(wait_for(&root, ".loaded").await.text_content().as_deref(), Some("The part"));
    assert!(find(&root, "[role=alert]").is_none());
    assert_eq!(attempts.get(), 3);
}

#[wasm_bindgen_test]
async fn thread_cards_render_through_parts_at_once_when_their_code_is_there() {
    let log = RwSignal::new(talkshop_protocol::thread::ThreadLog::default());
    let root = mount(move || {
        view! { <ThreadView log=log me=Sender::Buyer other_name="Shop" on_retry=Callback::new(|_| {})/> }
    });
    log.update(|l| {
        l.merge([
            text_msg(1, Sender::Merchant, "Here it is"),
            message(
                2,
                Sender::Merchant,
                MessageBody::Product { retailer_id: "vase-1".into(), body: Some("Handmade".into()), footer: None },
            ),
        ]);
    });
    settle().await;
    assert_eq!(texts(&root, ".ts-msg__bubble"), vec!["Here it is".to_owned()]);
    assert!(find(&root, ".ts-product").is_some(), "the product card is in the thread");
    assert!(find(&root, "[role=alert]").is_none());
}
