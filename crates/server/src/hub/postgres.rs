//! Live events between the nodes that share one PostgreSQL database: each
//! event goes out as a NOTIFY on one channel and every node LISTENs to it,
//! skipping its own. A payload too large for NOTIFY is stored in
//! `live_events` and the notification carries its id.
//!
//! Notifications sent while a node's listening connection is down are lost;
//! when it is back the hub says so (`Hub::missed`), sockets close, and their
//! clients resume from the database.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::PgPool;
use tokio::sync::{watch, Mutex};
use tokio::task::JoinHandle;

use super::router::Router;
use super::{Event, LiveEvent};
use crate::error::AppResult;

const CHANNEL: &str = "talkshop_events";
/// PostgreSQL refuses NOTIFY payloads of 8000 bytes or more.
const MAX_NOTIFY_BYTES: usize = 7900;
/// Stored payloads are read within moments; older ones are deleted.
const KEEP_STORED: &str = "10 minutes";

/// What one notification carries: the sending node and the event or its id.
#[derive(Debug, Serialize, Deserialize)]
struct Notice {
    node: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<Event>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stored: Option<i64>,
}

/// Connections reserved for sending notifications, apart from the request
/// pool: when requests exhaust that pool under load, events still go out.
const NOTIFY_CONNECTIONS: u32 = 2;

pub struct Relay {
    /// Only for NOTIFY (and the rare large payload): never starved by requests.
    notify_pool: PgPool,
    node: String,
    listening: Mutex<Option<JoinHandle<()>>>,
}

impl Relay {
    /// Starts listening (the first LISTEN must succeed) and relays what other
    /// nodes publish into `local` until `stop` turns true.
    pub async fn start(
        pool: PgPool,
        local: Arc<Router>,
        missed: Arc<watch::Sender<u64>>,
        stop: watch::Receiver<bool>,
    ) -> AppResult<Relay> {
        let node = uuid::Uuid::new_v4().to_string();
        let listener = listen(&pool).await?;
        let task = tokio::spawn(relay_in(listener, pool.clone(), node.clone(), local, missed, stop));
        let notify_pool = PgPoolOptions::new()
            .max_connections(NOTIFY_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(3))
            .connect_lazy_with((*pool.connect_options()).clone());
        tracing::info!(node = %node, "live events cross nodes through PostgreSQL");
        Ok(Relay { notify_pool, node, listening: Mutex::new(Some(task)) })
    }

    /// Tells the other nodes; a failure is logged (their clients catch up on
    /// their next resume) and does not fail the request that caused it.
    pub async fn send(&self, event: &Event) {
        if let Err(err) = self.notify(event).await {
            tracing::warn!(error = %err, "live event not relayed to other nodes");
        }
    }

    async fn notify(&self, event: &Event) -> AppResult<()> {
        let notice = Notice { node: self.node.clone(), event: Some(event.clone()), stored: None };
        let mut payload = to_json(&notice)?;
        if payload.len() > MAX_NOTIFY_BYTES {
            let id: i64 = sqlx::query_scalar("INSERT INTO live_events (payload) VALUES ($1) RETURNING id")
                .bind(to_json(event)?)
                .fetch_one(&self.notify_pool)
                .await?;
            sqlx::query(&format!("DELETE FROM live_events WHERE created_at < now() - interval '{KEEP_STORED}'"))
                .execute(&self.notify_pool)
                .await?;
            payload = to_json(&Notice { node: self.node.clone(), event: None, stored: Some(id) })?;
        }
        sqlx::query("SELECT pg_notify($1, $2)").bind(CHANNEL).bind(payload).execute(&self.notify_pool).await?;
        Ok(())
    }

    /// Stops listening and waits until the listening connection is back in the pool.
    pub async fn close(&self) {
        if let Some(task) = self.listening.lock().await.take() {
            task.abort();
            let _ = task.await;
        }
        self.notify_pool.close().await;
    }
}

fn to_json<T: Serialize>(value: &T) -> AppResult<String> {
    serde_json::to_string(value).map_err(|e| crate::error::AppError::Internal(e.to_string()))
}

async fn listen(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    // A lost connection is replaced here, not silently inside `try_recv`, so
    // that the loss is always noticed.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    Ok(listener)
}

async fn relay_in(
    mut listener: PgListener,
    pool: PgPool,
    node: String,
    local: Arc<Router>,
    missed: Arc<watch::Sender<u64>>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let received = tokio::select! {
            received = listener.try_recv() => received,
            _ = stop.wait_for(|stop| *stop) => return,
        };
        match received {
            Ok(Some(notification)) => match incoming(&pool, &node, notification.payload()).await {
                Ok(Some(event)) => {
                    local.deliver(&LiveEvent::new(event));
                }
                Ok(None) => {}
                Err(()) => missed.send_modify(|times| *times += 1),
            },
            Ok(None) | Err(_) => {
                if let Err(err) = &received {
                    tracing::warn!(error = %err, "lost the live-event connection to PostgreSQL; reconnecting");
                } else {
                    tracing::warn!("lost the live-event connection to PostgreSQL; reconnecting");
                }
                drop(listener);
                listener = match relisten(&pool, &mut stop).await {
                    Some(listener) => listener,
                    None => return,
                };
                tracing::info!("listening to other nodes again; sockets resume from the database");
                missed.send_modify(|times| *times += 1);
            }
        }
    }
}

/// Listens again, retrying with backoff until it works or the server stops.
async fn relisten(pool: &PgPool, stop: &mut watch::Receiver<bool>) -> Option<PgListener> {
    let mut wait = Duration::from_millis(100);
    loop {
        if *stop.borrow() {
            return None;
        }
        match listen(pool).await {
            Ok(listener) => return Some(listener),
            Err(err) => tracing::debug!(error = %err, "PostgreSQL not reachable yet"),
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.wait_for(|stop| *stop) => return None,
        }
        wait = (wait * 2).min(Duration::from_secs(2));
    }
}

/// The event in a notification from another node: `None` for this node's
/// own events, an error when an event was sent but could not be read.
async fn incoming(pool: &PgPool, node: &str, payload: &str) -> Result<Option<Event>, ()> {
    let notice: Notice = serde_json::from_str(payload).map_err(|err| {
        tracing::warn!(error = %err, "unreadable live-event notification");
    })?;
    if notice.node == node {
        return Ok(None);
    }
    if let Some(event) = notice.event {
        return Ok(Some(event));
    }
    let Some(id) = notice.stored else { return Ok(None) };
    let stored: Option<String> = sqlx::query_scalar("SELECT payload FROM live_events WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .map_err(|err| tracing::warn!(error = %err, id, "stored live event not read"))?;
    match stored {
        Some(payload) => serde_json::from_str(&payload)
            .map(Some)
            .map_err(|err| tracing::warn!(error = %err, id, "stored live event unreadable")),
        None => {
            tracing::warn!(id, "stored live event already deleted");
            Err(())
        }
    }
}

#[cfg(test)]
mod tests {
    use talkshop_protocol::ServerFrame;

    use super::*;
    use crate::hub::Audience;

    fn event(frame: ServerFrame) -> Event {
        Event { audience: Audience::Shop { shop_id: "demo".into() }, frame }
    }

    #[test]
    fn a_notice_carries_the_event_and_its_node() {
        let notice = Notice {
            node: "n1".into(),
            event: Some(event(ServerFrame::Read {
                conversation_id: "c".into(),
                reader: talkshop_protocol::Sender::Buyer,
                seq: 3,
            })),
            stored: None,
        };
        let json = to_json(&notice).unwrap();
        assert!(json.len() < MAX_NOTIFY_BYTES);
        let back: Notice = serde_json::from_str(&json).unwrap();
        assert_eq!(back.node, "n1");
        let back = back.event.unwrap();
        assert_eq!(back.audience, Audience::Shop { shop_id: "demo".into() });
        assert_eq!(back.frame, notice.event.unwrap().frame);
        // A stored event's notice is only its id.
        let by_id = to_json(&Notice { node: "n1".into(), event: None, stored: Some(7) }).unwrap();
        assert_eq!(by_id, r#"{"node":"n1","stored":7}"#);
    }
}
