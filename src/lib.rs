//! Talkshop widget and merchant console, client-side rendered with Leptos.
//!
//! The widget renders server state and sends intents; every rule (limits,
//! ordering, unread counts) comes from `talkshop_protocol`.

pub mod api;
pub mod attachment_transfer;
pub mod cart_state;
pub mod catalog_cache;
pub mod chat_outbox;
pub mod chat_session;
pub mod components;
pub mod console;
pub mod device;
pub mod embed;
pub mod i18n;
pub mod intl;
pub mod live;
pub mod parts;
pub mod parts_style;
pub mod reading;
pub mod shop_context;
pub mod tab_channel;
pub mod time;
pub mod widget;

/// Mounts the merchant console on its own page.
pub fn boot_console() {
    leptos::mount::mount_to_body(console::Console);
}
