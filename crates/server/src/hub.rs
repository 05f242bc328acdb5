//! Live events fanned out to every open WebSocket that may see them: on this
//! node, and with PostgreSQL on every node that shares the database.

pub mod postgres;
pub mod router;

use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use axum::extract::ws::Utf8Bytes;
use serde::{Deserialize, Serialize};
use talkshop_protocol::ServerFrame;
use tokio::sync::{mpsc, watch};

use crate::auth::{Role, Viewer};
use crate::error::AppResult;
use router::{Registration, Router};

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

/// An event as this node's sockets receive it: one shared copy, its frame
/// serialized once for all of them (not once per socket).
#[derive(Debug)]
pub struct LiveEvent {
    event: Event,
    text: OnceLock<Utf8Bytes>,
}

/// What the in-process channel carries (cloning it is a reference count).
pub type Live = Arc<LiveEvent>;

impl LiveEvent {
    pub fn new(event: Event) -> Live {
        Arc::new(LiveEvent { event, text: OnceLock::new() })
    }

    /// The frame as JSON text, serialized by the first socket that asks.
    pub fn text(&self) -> Utf8Bytes {
        self.text.get_or_init(|| serde_json::to_string(&self.event.frame).expect("frames serialize").into()).clone()
    }
}

impl Deref for LiveEvent {
    type Target = Event;

    fn deref(&self) -> &Event {
        &self.event
    }
}

/// Events queued per socket at most; a socket that falls this far behind is
/// closed and resumes from its last sequence number.
pub const EVENT_BUFFER: usize = 4096;

/// Where events are published and sockets subscribe.
#[derive(Clone)]
pub struct Hub {
    local: Arc<Router>,
    /// Counts the times this node may have missed other nodes' events.
    missed: Arc<watch::Sender<u64>>,
    relay: Option<Arc<postgres::Relay>>,
}

impl Hub {
    /// Events stay in this process (SQLite: one node).
    pub fn in_process() -> Hub {
        let local = Arc::new(Router::new(EVENT_BUFFER));
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

    /// The events this viewer's socket may see, in publishing order; the
    /// queue ends if the socket falls [`EVENT_BUFFER`] events behind.
    pub fn subscribe(&self, viewer: &Viewer) -> Subscription {
        let (registration, events) = self.local.register(viewer);
        Subscription { router: self.local.clone(), registration, events }
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
        let live = LiveEvent::new(event);
        self.local.deliver(&live);
        if let Some(relay) = &self.relay {
            relay.send(&live).await;
        }
    }

    /// Stops listening to other nodes (before storage closes).
    pub async fn close(&self) {
        if let Some(relay) = &self.relay {
            relay.close().await;
        }
    }
}

/// A socket's place in the hub; leaves it when dropped.
pub struct Subscription {
    router: Arc<Router>,
    registration: Registration,
    events: mpsc::Receiver<Live>,
}

impl Subscription {
    /// The next event; `None` once the socket fell too far behind.
    pub async fn recv(&mut self) -> Option<Live> {
        self.events.recv().await
    }

    /// The next event if one is queued already.
    pub fn try_recv(&mut self) -> Option<Live> {
        self.events.try_recv().ok()
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.router.unregister(&self.registration);
    }
}
