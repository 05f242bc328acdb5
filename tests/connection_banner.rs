//! The "can't reach the shop" banner (`ConnectionBanner`) in headless Chromium.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use talkshop_protocol::{ApiError, ErrorCode};
use talkshop_widget::components::connection_banner::ConnectionBanner;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn no_banner_without_a_problem() {
    let root = mount(
        move || view! { <ConnectionBanner problem=Signal::derive(|| None::<ApiError>) on_retry=Callback::new(|_| {})/> },
    );
    settle().await;
    assert!(find(&root, ".ts-banner").is_none());
    assert!(all(&root, "[role=alert]").is_empty());
}

#[wasm_bindgen_test]
async fn a_problem_shows_as_an_alert_with_retry() {
    let problem = RwSignal::new(None::<ApiError>);
    let (retries, on_retry) = recorder::<()>();
    let root = mount(move || view! { <ConnectionBanner problem=problem on_retry=on_retry/> });
    settle().await;

    problem.set(Some(talkshop_widget::api::unreachable()));
    settle().await;
    assert_eq!(attr(&root, ".ts-banner", "role").as_deref(), Some("alert"));
    assert_eq!(text(&root, ".ts-banner__text"), "Can't reach the shop right now");
    assert_eq!(text(&root, ".ts-banner__retry"), "Retry");
    click(&root, ".ts-banner__retry");
    assert_eq!(retries.borrow().len(), 1);

    // A different problem replaces the message; none hides the banner.
    problem.set(Some(ApiError::new(ErrorCode::Unavailable, "Connection lost — reconnecting…")));
    settle().await;
    assert_eq!(text(&root, ".ts-banner__text"), "Connection lost — reconnecting…");
    problem.set(None);
    settle().await;
    assert!(find(&root, ".ts-banner").is_none());
}
