//! How the widget reads the JSON it gets: answers, socket frames, what it keeps
//! in localStorage.
//!
//! What the first open reads (sessions, the shop's look, conversations, pages
//! of messages, frames, errors, an empty cart) is read without serde, by
//! `talkshop_protocol::json`: one small parser instead of a serde_json reader
//! per type, which kept ~80 KB (before compression) of the first-open wasm.
//! Everything else is read with serde, in the part of the widget (or the
//! console) that asks for it.

use talkshop_protocol::json;

/// A type the widget reads from JSON text.
pub trait ReadJson: Sized {
    fn read_json(text: &str) -> Result<Self, String>;
}

/// Types read by `talkshop_protocol::json` (they implement its `FromValue`).
macro_rules! without_serde {
    ($($t:ty),* $(,)?) => {
        $(impl ReadJson for $t {
            fn read_json(text: &str) -> Result<Self, String> {
                json::from_str(text)
            }
        })*
    };
}

/// Types read with serde.
macro_rules! with_serde {
    ($($t:ty),* $(,)?) => {
        $(impl ReadJson for $t {
            fn read_json(text: &str) -> Result<Self, String> {
                serde_json::from_str(text).map_err(|e| e.to_string())
            }
        })*
    };
}

use talkshop_protocol::deferred::CartJson;
use talkshop_protocol::error::ErrorBody;
use talkshop_protocol::presence::StoredBuyerEmail;
use talkshop_protocol::{
    ConversationList, ConversationSummary, MarkRead, Message, MessagePage, ServerFrame, ShopHeader, ShopLook,
    VisitorSession,
};

without_serde!(
    CartJson,
    ConversationList,
    ConversationSummary,
    ErrorBody,
    MarkRead,
    Message,
    MessagePage,
    ServerFrame,
    ShopHeader,
    ShopLook,
    StoredBuyerEmail,
    VisitorSession,
);

/// An answer whose body does not matter (it must still be JSON).
impl ReadJson for serde::de::IgnoredAny {
    fn read_json(text: &str) -> Result<Self, String> {
        json::parse(text).map(|_| serde::de::IgnoredAny)
    }
}

use talkshop_protocol::catalog::CatalogPage;
use talkshop_protocol::order::{OrderList, RememberedCheckout};
use talkshop_protocol::payment::{PaymentRequest, PaymentRequestList, PayoutSummary};
use talkshop_protocol::shop::{
    ApiKeyList, AuditLog, ConsoleMe, CreatedApiKey, CreatedInvite, IdentitySecret, ReceivingSettings, SettingsPage,
    StaffList,
};
use talkshop_protocol::webhook::{CreatedWebhook, DeliveryList, WebhookDelivery, WebhookList};
use talkshop_protocol::{Order, Product, StaffNotifications, StaffSession};

// The buyer's panels and cards (read in their parts).
with_serde!(CatalogPage, Order, OrderList, PaymentRequest, Product, RememberedCheckout);

// The console.
with_serde!(
    ApiKeyList,
    AuditLog,
    ConsoleMe,
    CreatedApiKey,
    CreatedInvite,
    CreatedWebhook,
    DeliveryList,
    IdentitySecret,
    PaymentRequestList,
    PayoutSummary,
    ReceivingSettings,
    SettingsPage,
    StaffList,
    StaffNotifications,
    StaffSession,
    WebhookDelivery,
    WebhookList,
);
