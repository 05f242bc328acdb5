//! Live events fanned out to every open WebSocket that may see them.

use talkshop_protocol::ServerFrame;

use crate::auth::{Role, Viewer};

/// A frame for one conversation, with what decides who may receive it.
#[derive(Debug, Clone)]
pub struct Event {
    pub shop_id: String,
    pub visitor_id: String,
    pub frame: ServerFrame,
}

impl Event {
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        match viewer.claims.role {
            Role::Buyer => viewer.claims.sub == self.visitor_id && viewer.claims.shop == self.shop_id,
            Role::Staff => viewer.claims.shop == self.shop_id,
        }
    }
}

/// Capacity of the in-process event channel; a socket that falls this far
/// behind is closed and resumes from its last sequence number.
pub const EVENT_BUFFER: usize = 4096;
