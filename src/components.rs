//! Building blocks shared by the buyer widget and the merchant console.

pub mod composer;
pub mod connection_banner;
pub mod launcher;
pub mod thread_view;
