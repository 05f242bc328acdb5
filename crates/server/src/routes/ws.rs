//! `GET /api/v1/ws?token=…`: one socket per widget or console tab for live events.

use std::collections::HashMap;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Deserialize;
use talkshop_protocol::typing::{TypingThrottle, TYPING_ACCEPT_EVERY_MS};
use talkshop_protocol::validation::MAX_PAGE_SIZE;
use talkshop_protocol::{ApiError, ClientFrame, Sender, ServerFrame};
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Viewer;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::hub::Audience;
use crate::routes::conversations::{authorized, publish};
use crate::state::AppState;
use crate::storage::HistoryQuery;

/// How often the server pings, and how long a socket may stay silent (browsers
/// answer pings by themselves and the widget pings after 8 s of quiet).
/// Checked on each ping, so a dead client is dropped within 25 s.
pub const HEARTBEAT: Heartbeat =
    Heartbeat { ping_every: Duration::from_secs(5), silence_limit: Duration::from_secs(20) };

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heartbeat {
    pub ping_every: Duration,
    pub silence_limit: Duration,
}
const MAX_FRAME_BYTES: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/ws", get(upgrade))
}

#[derive(Debug, Deserialize)]
struct WsParams {
    token: Option<String>,
}

async fn upgrade(
    State(state): State<AppState>,
    Query(params): Query<WsParams>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> AppResult<Response> {
    let token = params.token.ok_or_else(|| ApiError::unauthorized("Missing token query parameter"))?;
    let claims = state.tokens.verify(&token, clock::now_secs())?;
    let ws = ws.map_err(|e| AppError::from(ApiError::bad_request(format!("Not a WebSocket request: {e}"))))?;
    let viewer = Viewer { claims };
    Ok(ws.max_message_size(MAX_FRAME_BYTES).on_upgrade(move |socket: WebSocket| {
        let (sink, stream) = socket.split();
        serve_socket(sink, stream, viewer, state)
    }))
}

async fn send_frame<W>(sink: &mut W, frame: &ServerFrame) -> bool
where
    W: Sink<WsMessage> + Unpin,
{
    let text = serde_json::to_string(frame).expect("frames serialize");
    sink.send(WsMessage::Text(text.into())).await.is_ok()
}

/// Runs one socket until either side closes it or the server shuts down.
/// Generic over the sink and stream so tests can drive it without a network.
pub async fn serve_socket<W, R, E>(sink: W, stream: R, viewer: Viewer, state: AppState)
where
    W: Sink<WsMessage> + Unpin,
    R: Stream<Item = Result<WsMessage, E>> + Unpin,
{
    serve_socket_with(sink, stream, viewer, state, HEARTBEAT).await
}

/// [`serve_socket`] with another heartbeat (tests shorten it).
pub async fn serve_socket_with<W, R, E>(mut sink: W, mut stream: R, viewer: Viewer, state: AppState, beat: Heartbeat)
where
    W: Sink<WsMessage> + Unpin,
    R: Stream<Item = Result<WsMessage, E>> + Unpin,
{
    let mut events = state.events.subscribe();
    let mut shutdown = state.shutdown.clone();
    let mut heartbeat = tokio::time::interval(beat.ping_every);
    let mut last_heard = tokio::time::Instant::now();
    let mut typing = HashMap::new();
    if !send_frame(&mut sink, &ServerFrame::Ready).await {
        return;
    }
    loop {
        tokio::select! {
            incoming = stream.next() => {
                let Some(Ok(msg)) = incoming else { break };
                last_heard = tokio::time::Instant::now();
                let reply = match msg {
                    WsMessage::Text(text) => handle_frame(&state, &viewer, text.as_str(), &mut sink, &mut typing).await,
                    WsMessage::Binary(_) => Some(error_frame(ApiError::bad_request("Binary frames are not part of the protocol"))),
                    WsMessage::Close(_) => break,
                    WsMessage::Ping(_) | WsMessage::Pong(_) => None,
                };
                if let Some(frame) = reply {
                    if !send_frame(&mut sink, &frame).await { break; }
                }
            }
            event = events.recv() => match event {
                Ok(event) if event.visible_to(&viewer) => {
                    if !send_frame(&mut sink, &event.frame).await { break; }
                }
                Ok(_) => {}
                // Fell behind: close so the client reconnects and resumes from its last seq.
                Err(RecvError::Lagged(_)) => {
                    let _ = sink.send(WsMessage::Close(None)).await;
                    break;
                }
                Err(RecvError::Closed) => break,
            },
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > beat.silence_limit { break; }
                if sink.send(WsMessage::Ping(Vec::new().into())).await.is_err() { break; }
            }
            _ = shutdown.changed() => {
                let _ = sink.send(WsMessage::Close(None)).await;
                break;
            }
        }
    }
}

fn error_frame(error: ApiError) -> ServerFrame {
    ServerFrame::Error { error }
}

/// Answers one client frame; a backlog is streamed page by page before the answer.
async fn handle_frame<W>(
    state: &AppState,
    viewer: &Viewer,
    text: &str,
    sink: &mut W,
    typing: &mut HashMap<String, TypingThrottle>,
) -> Option<ServerFrame>
where
    W: Sink<WsMessage> + Unpin,
{
    let frame = match ClientFrame::parse(text) {
        Ok(frame) => frame,
        Err(error) => return Some(error_frame(error)),
    };
    match frame {
        ClientFrame::Ping => Some(ServerFrame::Pong),
        ClientFrame::Resume { conversation_id, after_seq } => {
            match resume(state, viewer, &conversation_id, after_seq, sink).await {
                Ok(()) => None,
                Err(err) => Some(error_frame(err.to_api())),
            }
        }
        ClientFrame::Typing { conversation_id } => {
            typing_signal(state, viewer, conversation_id, typing).await.err().map(|err| error_frame(err.to_api()))
        }
        ClientFrame::Delivered { conversation_id, seq } => {
            delivered(state, viewer, conversation_id, seq).await.err().map(|err| error_frame(err.to_api()))
        }
    }
}

/// Passes a typing signal to the other party only; never stored. Signals
/// faster than the throttle are dropped before touching storage.
async fn typing_signal(
    state: &AppState,
    viewer: &Viewer,
    id: String,
    typing: &mut HashMap<String, TypingThrottle>,
) -> AppResult<()> {
    let now = clock::now_millis();
    if typing.get(&id).is_some_and(|t| !t.is_due(now)) {
        return Ok(());
    }
    let conversation = authorized(state, viewer, &id).await?;
    // Only conversations the viewer may see get a throttle, so the map stays small.
    typing.entry(id.clone()).or_insert_with(|| TypingThrottle::new(TYPING_ACCEPT_EVERY_MS)).allow(now);
    let sender = viewer.sender();
    let audience = match sender {
        Sender::Buyer => Audience::Staff { shop_id: conversation.shop_id },
        Sender::Merchant => Audience::Visitor { shop_id: conversation.shop_id, visitor_id: conversation.visitor_id },
    };
    crate::catalog_changes::publish(state, audience, ServerFrame::Typing { conversation_id: id, sender });
    Ok(())
}

/// Records that the viewer's side received messages up to `seq` and tells both
/// parties when the mark moved.
async fn delivered(state: &AppState, viewer: &Viewer, id: String, seq: i64) -> AppResult<()> {
    if seq < 0 {
        return Err(ApiError::invalid("seq", "seq must not be negative").into());
    }
    let conversation = authorized(state, viewer, &id).await?;
    let party = viewer.sender();
    let before = match party {
        Sender::Buyer => conversation.buyer_delivered_seq,
        Sender::Merchant => conversation.merchant_delivered_seq,
    };
    let stored = state.storage.mark_delivered(&id, party, seq).await?;
    if stored > before {
        publish(state, &conversation, ServerFrame::Delivered { conversation_id: id, party, seq: stored });
    }
    Ok(())
}

async fn resume<W>(state: &AppState, viewer: &Viewer, id: &str, after_seq: i64, sink: &mut W) -> AppResult<()>
where
    W: Sink<WsMessage> + Unpin,
{
    if after_seq < 0 {
        return Err(ApiError::invalid("after_seq", "after_seq must not be negative").into());
    }
    authorized(state, viewer, id).await?;
    let mut after = after_seq;
    loop {
        let query = HistoryQuery { after: Some(after), before: None, limit: MAX_PAGE_SIZE };
        let (messages, has_more) = state.storage.messages(id, query).await?;
        after = messages.last().map_or(after, |m| m.seq);
        let frame = ServerFrame::Backlog { conversation_id: id.to_owned(), messages };
        if !send_frame(sink, &frame).await || !has_more {
            return Ok(());
        }
    }
}
