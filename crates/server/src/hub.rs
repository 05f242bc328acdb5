//! Live events fanned out to every open WebSocket that may see them: on this
//! node, and with PostgreSQL on every node that shares the database.

pub mod postgres;

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use talkshop_protocol::ServerFrame;
use tokio::sync::{broadcast, watch};

use crate::auth::{Role, Viewer};
use crate::error::AppResult;

/// Who may receive an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Audience {
    /// Both parties of a conversation: its buyer and the shop's staff.
    Conversation { shop_id: String, visitor_id: String },
    /// One buyer device only (its cart).
    Visitor { shop_id: String, visitor_id: String },
    /// The buyer side of a conversation only: every device of its buyer (a
    /// verified user may have several), no staff (the shop's typing indicator).
    Buyer { shop_id: String, visitor_id: String },
    /// The shop's staff only (a buyer's typing indicator).
    Staff { shop_id: String },
    /// Everyone connected to a shop: its buyers and its staff (catalog changes).
    Shop { shop_id: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub audience: Audience,
    pub frame: ServerFrame,
}

impl Event {
    pub fn visible_to(&self, viewer: &Viewer) -> bool {
        let claims = &viewer.claims;
        match (&self.audience, claims.role) {
            (Audience::Conversation { shop_id, visitor_id }, Role::Buyer)
            | (Audience::Buyer { shop_id, visitor_id }, Role::Buyer) => {
                claims.principal() == *visitor_id && claims.shop == *shop_id
            }
            (Audience::Visitor { shop_id, visitor_id }, Role::Buyer) => {
                claims.sub == *visitor_id && claims.shop == *shop_id
            }
            (Audience::Conversation { shop_id, .. }, Role::Staff) => claims.shop == *shop_id,
            (Audience::Visitor { .. } | Audience::Buyer { .. }, Role::Staff)
            | (Audience::Staff { .. }, Role::Buyer) => false,
            (Audience::Staff { shop_id }, Role::Staff) => claims.shop == *shop_id,
            (Audience::Shop { shop_id }, _) => claims.shop == *shop_id,
        }
    }
}

/// Capacity of the in-process event channel; a socket that falls this far
/// behind is closed and resumes from its last sequence number.
pub const EVENT_BUFFER: usize = 4096;

/// Where events are published and sockets subscribe.
#[derive(Clone)]
pub struct Hub {
    local: broadcast::Sender<Event>,
    /// Counts the times this node may have missed other nodes' events.
    missed: Arc<watch::Sender<u64>>,
    relay: Option<Arc<postgres::Relay>>,
}

impl Hub {
    /// Events stay in this process (SQLite: one node).
    pub fn in_process() -> Hub {
        let (local, _) = broadcast::channel(EVENT_BUFFER);
        Hub { local, missed: Arc::new(watch::channel(0).0), relay: None }
    }

    /// Events also cross between the nodes sharing this PostgreSQL database
    /// (NOTIFY / LISTEN); listening has begun when this returns.
    pub async fn shared(pool: sqlx::PgPool, stop: watch::Receiver<bool>) -> AppResult<Hub> {
        let mut hub = Hub::in_process();
        let relay = postgres::Relay::start(pool, hub.local.clone(), hub.missed.clone(), stop).await?;
        hub.relay = Some(Arc::new(relay));
        Ok(hub)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.local.subscribe()
    }

    /// Changes whenever this node may have missed events from other nodes (its
    /// listening connection was lost and is back): sockets close on it so
    /// their clients reconnect and resume from their last seq.
    pub fn missed(&self) -> watch::Receiver<u64> {
        self.missed.subscribe()
    }

    /// Tells this node's sockets at once, then the other nodes. Returns once
    /// the other nodes were told, so an answer given after it cannot
    /// overtake the event.
    pub async fn publish(&self, event: Event) {
        if let Some(relay) = &self.relay {
            let _ = self.local.send(event.clone());
            relay.send(&event).await;
        } else {
            // No receivers is fine: nobody is online.
            let _ = self.local.send(event);
        }
    }

    /// Stops listening to other nodes (before storage closes).
    pub async fn close(&self) {
        if let Some(relay) = &self.relay {
            relay.close().await;
        }
    }
}
