//! The floor: the smallest server that speaks the part of Talkshop's HTTP +
//! WebSocket protocol the generator uses, with no storage, no signed tokens,
//! no idempotency and no shared event channel. A message is serialized once
//! and pushed straight to the sockets of its conversation's buyer and of the
//! shop's staff. Whatever the real server costs above this is our overhead.
//!
//! Tokens are `b.{shop}.{visitor}` (buyer) and `s.{shop}` (staff); a
//! conversation id is `{shop}.{visitor}`.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use talkshop_protocol::{
    ConversationSummary, CreateVisitor, Message, MessageBody, SendText, Sender, ServerFrame, ShopInfo, StaffLogin,
    StaffSession, VisitorSession,
};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

type Outbox = mpsc::UnboundedSender<Utf8Bytes>;

#[derive(Default)]
struct Sockets {
    /// Buyer sockets by `{shop}.{visitor}`.
    buyers: HashMap<String, Vec<(u64, Outbox)>>,
    /// Staff sockets by shop.
    staff: HashMap<String, Vec<(u64, Outbox)>>,
}

#[derive(Default)]
pub struct Floor {
    next_id: AtomicU64,
    sockets: Mutex<Sockets>,
    seqs: Mutex<HashMap<String, i64>>,
}

enum Who {
    Buyer { shop: String, visitor: String },
    Staff { shop: String },
}

impl Who {
    fn parse(token: &str) -> Option<Who> {
        let mut parts = token.splitn(3, '.');
        match (parts.next()?, parts.next()?, parts.next()) {
            ("b", shop, Some(visitor)) => Some(Who::Buyer { shop: shop.into(), visitor: visitor.into() }),
            ("s", shop, None) => Some(Who::Staff { shop: shop.into() }),
            _ => None,
        }
    }

    fn from_headers(headers: &HeaderMap) -> Option<Who> {
        let value = headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?;
        Who::parse(value.strip_prefix("Bearer ")?)
    }
}

fn now_millis() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

fn shop_info(id: &str) -> ShopInfo {
    ShopInfo { id: id.into(), name: format!("Shop {id}") }
}

pub fn router() -> Router {
    Router::new()
        .route("/api/v1/visitors", post(create_visitor))
        .route("/api/v1/console/login", post(login))
        .route("/api/v1/conversations", post(open))
        .route("/api/v1/conversations/{id}/messages", post(send))
        .route("/api/v1/ws", get(upgrade))
        .with_state(Arc::new(Floor::default()))
}

/// Serves the floor on `listener` until `shutdown` completes.
pub async fn serve(listener: TcpListener, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(listener, router()).with_graceful_shutdown(shutdown).await
}

async fn create_visitor(State(floor): State<Arc<Floor>>, Json(req): Json<CreateVisitor>) -> Response {
    let visitor = format!("v{}", floor.next_id.fetch_add(1, Ordering::Relaxed));
    let session = VisitorSession {
        token: format!("b.{}.{visitor}", req.shop),
        visitor_id: visitor,
        device_id: req.device_id,
        shop: shop_info(&req.shop),
        user_id: None,
    };
    (StatusCode::CREATED, Json(session)).into_response()
}

async fn login(Json(req): Json<StaffLogin>) -> Response {
    let shop = req.email.split('@').nth(1).and_then(|d| d.split('.').next()).unwrap_or("demo").to_owned();
    Json(StaffSession {
        token: format!("s.{shop}"),
        staff_name: req.email,
        shop: shop_info(&shop),
        role: talkshop_protocol::shop::StaffRole::Owner,
    })
    .into_response()
}

async fn open(headers: HeaderMap) -> Response {
    let Some(Who::Buyer { shop, visitor }) = Who::from_headers(&headers) else {
        return StatusCode::FORBIDDEN.into_response();
    };
    let summary = ConversationSummary {
        id: format!("{shop}.{visitor}"),
        shop: shop_info(&shop),
        buyer_label: format!("Visitor {visitor}"),
        last_seq: 0,
        last_activity: now_millis(),
        unread: 0,
        read_seq: 0,
        peer_delivered_seq: 0,
        peer_read_seq: 0,
        last_message: None,
    };
    (StatusCode::CREATED, Json(summary)).into_response()
}

async fn send(
    State(floor): State<Arc<Floor>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(req): Json<SendText>,
) -> Response {
    let Some((conv_shop, _)) = id.split_once('.') else { return StatusCode::NOT_FOUND.into_response() };
    let sender = match Who::from_headers(&headers) {
        Some(Who::Buyer { shop, visitor }) if id == format!("{shop}.{visitor}") => Sender::Buyer,
        Some(Who::Staff { shop }) if shop == conv_shop => Sender::Merchant,
        Some(_) => return StatusCode::FORBIDDEN.into_response(),
        None => return StatusCode::UNAUTHORIZED.into_response(),
    };
    let seq = {
        let mut seqs = floor.seqs.lock().expect("seqs");
        let seq = seqs.entry(id.clone()).or_insert(0);
        *seq += 1;
        *seq
    };
    let message = Message {
        id: format!("m{}", floor.next_id.fetch_add(1, Ordering::Relaxed)),
        conversation_id: id.clone(),
        seq,
        sender,
        client_id: req.client_id,
        body: MessageBody::Text { text: req.text },
        created_at: now_millis(),
    };
    let frame = Utf8Bytes::from(
        serde_json::to_string(&ServerFrame::Message { message: message.clone() }).expect("frames serialize"),
    );
    {
        let sockets = floor.sockets.lock().expect("sockets");
        let buyers = sockets.buyers.get(&id).into_iter().flatten();
        let staff = sockets.staff.get(conv_shop).into_iter().flatten();
        for (_, outbox) in buyers.chain(staff) {
            let _ = outbox.send(frame.clone());
        }
    }
    (StatusCode::CREATED, Json(message)).into_response()
}

#[derive(Deserialize)]
struct WsParams {
    token: Option<String>,
}

async fn upgrade(State(floor): State<Arc<Floor>>, Query(params): Query<WsParams>, ws: WebSocketUpgrade) -> Response {
    let Some(who) = params.token.as_deref().and_then(Who::parse) else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    // A small read buffer, as the real server has: tungstenite zero-fills its
    // spare capacity (128 KiB by default) on every read attempt.
    ws.read_buffer_size(4 * 1024).on_upgrade(move |socket| serve_socket(floor, who, socket))
}

async fn serve_socket(floor: Arc<Floor>, who: Who, mut socket: WebSocket) {
    let id = floor.next_id.fetch_add(1, Ordering::Relaxed);
    let (outbox, mut inbox) = mpsc::unbounded_channel();
    let key = match &who {
        Who::Buyer { shop, visitor } => format!("{shop}.{visitor}"),
        Who::Staff { shop } => shop.clone(),
    };
    {
        let mut sockets = floor.sockets.lock().expect("sockets");
        let map = if matches!(who, Who::Buyer { .. }) { &mut sockets.buyers } else { &mut sockets.staff };
        map.entry(key.clone()).or_default().push((id, outbox));
    }
    let ready = serde_json::to_string(&ServerFrame::Ready).expect("frames serialize");
    if socket.send(WsMessage::Text(ready.into())).await.is_ok() {
        loop {
            tokio::select! {
                frame = inbox.recv() => {
                    let Some(frame) = frame else { break };
                    if socket.send(WsMessage::Text(frame)).await.is_err() { break; }
                }
                incoming = socket.recv() => match incoming {
                    Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
                    Some(Ok(_)) => {}
                },
            }
        }
    }
    let mut sockets = floor.sockets.lock().expect("sockets");
    let map = if matches!(who, Who::Buyer { .. }) { &mut sockets.buyers } else { &mut sockets.staff };
    if let Some(list) = map.get_mut(&key) {
        list.retain(|(other, _)| *other != id);
        if list.is_empty() {
            map.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert!(
            matches!(Who::parse("b.demo.v1"), Some(Who::Buyer { shop, visitor }) if shop == "demo" && visitor == "v1")
        );
        assert!(matches!(Who::parse("s.demo"), Some(Who::Staff { shop }) if shop == "demo"));
        assert!(Who::parse("x.demo").is_none());
        assert!(Who::parse("s.demo.extra").is_none());
    }
}
