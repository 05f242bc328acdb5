//! Request and response bodies of the REST API under `/api/v1`.

use serde::{Deserialize, Serialize};

use crate::message::Message;

/// `POST /api/v1/visitors`: a browser asks for a visitor token for one shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateVisitor {
    /// The shop's public id (`data-shop` on the embed tag).
    pub shop: String,
    /// Created once per browser and kept in localStorage.
    pub device_id: String,
}

/// `POST /api/v1/visitors/resume`: a link from an e-mail reopens the buyer's
/// conversation on this device. The link's token works once and expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResumeRequest {
    pub shop: String,
    pub device_id: String,
    pub token: String,
}

/// `GET|PUT /api/v1/console/notifications`: what a staff member is e-mailed about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffNotifications {
    /// An e-mail when a buyer's message waits unread (the shop's delay).
    pub unread_email: bool,
}

/// A signed buyer identity for one shop on one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorSession {
    pub token: String,
    pub visitor_id: String,
    pub device_id: String,
    pub shop: ShopInfo,
    /// The merchant's user id once identity was verified (`identify`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// `POST /api/v1/visitors/identify`: the merchant vouches for a signed-in user.
/// `user_hash` is the lowercase hex HMAC-SHA256 of `user_id` under the shop's
/// identity secret, computed by the merchant's backend.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentifyRequest {
    pub user_id: String,
    pub user_hash: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

pub const MAX_USER_ID_CHARS: usize = 128;
pub const MAX_USER_NAME_CHARS: usize = 100;
pub const MAX_EMAIL_CHARS: usize = 254;

impl IdentifyRequest {
    /// Checks lengths and shapes; the hash itself is checked by the server.
    pub fn validate(&self) -> Result<(), crate::ApiError> {
        use crate::ApiError;
        let id = self.user_id.trim();
        if id.is_empty() || id.chars().count() > MAX_USER_ID_CHARS || id.chars().any(char::is_control) {
            return Err(ApiError::invalid("user_id", "user_id must be 1 to 128 printable characters"));
        }
        if self.user_hash.len() != 64 || !self.user_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ApiError::invalid("user_hash", "user_hash must be 64 hex digits (HMAC-SHA256)"));
        }
        if self
            .name
            .as_ref()
            .is_some_and(|n| n.chars().count() > MAX_USER_NAME_CHARS || n.chars().any(char::is_control))
        {
            return Err(ApiError::invalid("name", "name must be at most 100 printable characters"));
        }
        if self.email.as_ref().is_some_and(|e| {
            e.chars().count() > MAX_EMAIL_CHARS || !e.contains('@') || e.chars().any(char::is_whitespace)
        }) {
            return Err(ApiError::invalid("email", "email is not an e-mail address"));
        }
        Ok(())
    }
}

/// What the widget shows about the shop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopInfo {
    pub id: String,
    pub name: String,
}

/// `GET /api/v1/shops/{id}`: how the widget shows the shop (public; from the owner's Settings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopLook {
    pub name: String,
    /// One letter or digit.
    pub logo_initial: String,
    /// `#rrggbb`.
    pub logo_color: String,
    /// How the shop ships and whether buyers may pick up (the checkout step offers these).
    #[serde(default)]
    pub shipping_options: Vec<crate::address::ShippingOption>,
    #[serde(default)]
    pub pickup: bool,
    #[serde(default)]
    pub pickup_address: String,
    /// Whether and when the shop answers right now (updates live over the socket).
    #[serde(default = "crate::presence::ShopAvailability::unknown")]
    pub availability: crate::presence::ShopAvailability,
}

impl ShopLook {
    /// The colour, if it is the `#rrggbb` the server promises (it goes into a style).
    pub fn color(&self) -> Option<&str> {
        hex_color(&self.logo_color)
    }
}

/// What the widget's header shows of a [`ShopLook`]: the same answer, read
/// without the checkout's shipping terms (the checkout reads the whole look
/// when it opens), so the widget's first load carries no reader for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopHeader {
    pub name: String,
    pub logo_initial: String,
    pub logo_color: String,
    #[serde(default = "crate::presence::ShopAvailability::unknown")]
    pub availability: crate::presence::ShopAvailability,
}

impl ShopHeader {
    /// The colour, if it is the `#rrggbb` the server promises (it goes into a style).
    pub fn color(&self) -> Option<&str> {
        hex_color(&self.logo_color)
    }
}

fn hex_color(color: &str) -> Option<&str> {
    let c = color.as_bytes();
    (c.len() == 7 && c[0] == b'#' && c[1..].iter().all(u8::is_ascii_hexdigit)).then_some(color)
}

/// `POST /api/v1/console/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffLogin {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSession {
    pub token: String,
    pub staff_name: String,
    pub shop: ShopInfo,
    /// What the signed-in person may do (owners see Settings, Staff, API keys, Audit).
    #[serde(default = "default_role")]
    pub role: crate::shop::StaffRole,
}

fn default_role() -> crate::shop::StaffRole {
    crate::shop::StaffRole::Agent
}

/// One conversation as a list shows it (widget or console inbox).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: String,
    pub shop: ShopInfo,
    /// How the console names the buyer ("Visitor 3f2a…").
    pub buyer_label: String,
    pub last_seq: i64,
    /// Milliseconds since the Unix epoch of the last message (or of creation).
    pub last_activity: i64,
    /// Messages from the other party the viewer has not read.
    pub unread: i64,
    /// The viewer's own read mark: every message up to this `seq` has been read.
    #[serde(default)]
    pub read_seq: i64,
    /// The other party's marks: their clients received / read every message up to these.
    #[serde(default)]
    pub peer_delivered_seq: i64,
    #[serde(default)]
    pub peer_read_seq: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<Message>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationList {
    pub conversations: Vec<ConversationSummary>,
}

/// `POST /api/v1/conversations/{id}/messages`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendText {
    pub client_id: String,
    pub text: String,
}

/// `GET /api/v1/conversations/{id}/messages?after=&before=&limit=`: messages in
/// ascending `seq`. `has_more` says whether the page was cut by `limit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessagePage {
    pub messages: Vec<Message>,
    pub has_more: bool,
}

/// `POST /api/v1/conversations/{id}/read`: the viewer has read up to `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    pub seq: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_text_refuses_unknown_fields_and_wrong_types() {
        assert!(serde_json::from_str::<SendText>(r#"{"client_id":"a","text":"hi"}"#).is_ok());
        assert!(serde_json::from_str::<SendText>(r#"{"client_id":"a","text":5}"#).is_err());
        assert!(serde_json::from_str::<SendText>(r#"{"client_id":"a"}"#).is_err());
        assert!(serde_json::from_str::<SendText>(r#"{"client_id":"a","text":"x","html":true}"#).is_err());
    }

    #[test]
    fn create_visitor_shape() {
        let v: CreateVisitor = serde_json::from_str(r#"{"shop":"demo","device_id":"d1"}"#).unwrap();
        assert_eq!(v.shop, "demo");
        assert_eq!(v.device_id, "d1");
    }
}
