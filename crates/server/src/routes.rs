//! HTTP routes, one module per resource, merged once in [`crate::app`].

pub mod admin;
pub mod attachments;
pub mod buyer_emails;
pub mod cart;
pub mod catalog;
pub mod catalog_images;
pub mod conversations;
pub mod mail;
pub mod orders;
pub mod payments;
pub mod payouts;
pub mod product_messages;
pub mod shop_admin;
pub mod site;
pub mod staff;
pub mod visitors;
pub mod webhook_endpoints;
pub mod webhooks;
pub mod ws;
