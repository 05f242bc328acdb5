//! Talkshop widget and merchant console, client-side rendered with Leptos.
//!
//! The widget renders server state and sends intents; every rule (limits,
//! ordering, unread counts) comes from `talkshop_protocol`.

pub mod api;
pub mod cart_state;
pub mod catalog_cache;
pub mod chat_outbox;
pub mod chat_session;
pub mod components;
pub mod console;
pub mod device;
pub mod live;
pub mod shop_context;
pub mod sync_text;
pub mod tab_channel;
pub mod time;
pub mod widget;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Id of the element the embed mounts into; it holds a static launcher that
/// shows before the wasm has loaded.
pub const MOUNT_ID: &str = "talkshop";

/// Mounts the buyer widget into the embed element, replacing its static launcher.
pub fn boot_widget() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Some(host) = document.get_element_by_id(MOUNT_ID) else { return };
    let shop = host.get_attribute("data-shop").unwrap_or_else(|| "demo".into());
    let api_base = host.get_attribute("data-api").unwrap_or_default();
    // The static launcher is a link to #talkshop-open: a click before the wasm loaded is kept.
    let start_open = web_sys::window().and_then(|w| w.location().hash().ok()).is_some_and(|h| h == "#talkshop-open");
    host.set_text_content(None);
    let Ok(host) = host.dyn_into::<web_sys::HtmlElement>() else { return };
    leptos::mount::mount_to(
        host,
        move || view! { <widget::ChatWidget shop=shop api_base=api_base start_open=start_open/> },
    )
    .forget();
}

/// Mounts the merchant console on its own page.
pub fn boot_console() {
    leptos::mount::mount_to_body(console::Console);
}
