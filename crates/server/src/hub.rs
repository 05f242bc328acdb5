//! Live events fanned out to every open WebSocket that may see them.

use talkshop_protocol::ServerFrame;

use crate::auth::{Role, Viewer};

/// Who may receive an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Both parties of a conversation: its buyer and the shop's staff.
    Conversation { shop_id: String, visitor_id: String },
    /// One buyer only (their cart).
    Visitor { shop_id: String, visitor_id: String },
    /// The shop's staff only (a buyer's typing indicator).
    Staff { shop_id: String },
    /// Everyone connected to a shop: its buyers and its staff (catalog changes).
    Shop { shop_id: String },
}

#[derive(Debug, Clone)]
pub struct Event {
    pub audience: Audience,
    pub frame: ServerFrame,
}

impl Event {
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        let claims = &viewer.claims;
        match (&self.audience, claims.role) {
            (Audience::Conversation { shop_id, visitor_id }, Role::Buyer)
            | (Audience::Visitor { shop_id, visitor_id }, Role::Buyer) => {
                claims.sub == *visitor_id && claims.shop == *shop_id
            }
            (Audience::Conversation { shop_id, .. }, Role::Staff) => claims.shop == *shop_id,
            (Audience::Visitor { .. }, Role::Staff) | (Audience::Staff { .. }, Role::Buyer) => false,
            (Audience::Staff { shop_id }, Role::Staff) => claims.shop == *shop_id,
            (Audience::Shop { shop_id }, _) => claims.shop == *shop_id,
        }
    }
}

/// Capacity of the in-process event channel; a socket that falls this far
/// behind is closed and resumes from its last sequence number.
pub const EVENT_BUFFER: usize = 4096;
