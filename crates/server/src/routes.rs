//! HTTP routes, one module per resource, merged once in [`crate::app`].

pub mod conversations;
pub mod site;
pub mod staff;
pub mod visitors;
pub mod ws;
