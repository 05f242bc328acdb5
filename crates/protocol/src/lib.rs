//! Talkshop's shared protocol: every shape that crosses the wire between the
//! widget, the console and the server, and the rules that go with them.
//!
//! The server enforces these rules; the widget only displays them. Nothing
//! here depends on a runtime, so the crate builds for `wasm32-unknown-unknown`.

pub mod address;
pub mod api;
pub mod attachment;
pub mod cart;
pub mod catalog;
pub mod deferred;
pub mod emv_qr;
pub mod error;
pub mod frame;
pub mod json;
pub mod locale;
pub mod message;
pub mod money;
pub mod order;
pub mod payment;
pub mod presence;
pub mod product_message;
pub mod receiving;
pub mod shop;
mod tagged;
pub mod thread;
pub mod typing;
pub mod validation;
pub mod webhook;

pub use address::{Address, Contact, DeliveryMethod, Fulfilment, ShippingOption};
pub use api::*;
pub use attachment::{Attachment, AttachmentKind};
pub use cart::{AddToCart, Cart, CartLine, CartNotice, ChangeKind, SetQuantity};
pub use catalog::{Availability, Product, ProductInput, ProductOption, Variant};
pub use error::{ApiError, ErrorCode};
pub use frame::{ClientFrame, ServerFrame};
pub use message::{Message, MessageBody, Sender};
pub use money::{Currency, Money};
pub use order::{Order, OrderLine, SendOrder};
pub use product_message::{ProductMessage, ProductSection, SendProducts};
pub use validation::{validate_client_id, validate_text, MAX_CLIENT_ID_CHARS, MAX_TEXT_CHARS};
