//! `GET /api/v1/ws?token=…`: one socket per widget or console tab for live events.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Deserialize;
use talkshop_protocol::validation::MAX_PAGE_SIZE;
use talkshop_protocol::{ApiError, ClientFrame, ServerFrame};
use tokio::sync::broadcast::error::RecvError;

use crate::auth::Viewer;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::routes::conversations::authorized;
use crate::state::AppState;
use crate::storage::HistoryQuery;

/// How often the server pings; a socket silent for three intervals is dropped.
const HEARTBEAT: Duration = Duration::from_secs(15);
const MAX_FRAME_BYTES: usize = 64 * 1024;
/// Initial read buffer of a socket (it grows for a larger frame, up to
/// `MAX_FRAME_BYTES`). tungstenite's default is 128 KiB, and it zero-fills the
/// spare capacity on every read attempt; since every socket task polls its
/// stream whenever any event wakes it, that memset dominated the server's CPU
/// with 2,000 sockets (see BENCHMARKS.md). Clients send only small frames.
const READ_BUFFER_BYTES: usize = 4 * 1024;

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
    Ok(ws.max_message_size(MAX_FRAME_BYTES).read_buffer_size(READ_BUFFER_BYTES).on_upgrade(move |socket: WebSocket| {
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
pub async fn serve_socket<W, R, E>(mut sink: W, mut stream: R, viewer: Viewer, state: AppState)
where
    W: Sink<WsMessage> + Unpin,
    R: Stream<Item = Result<WsMessage, E>> + Unpin,
{
    let mut events = state.events.subscribe();
    let mut shutdown = state.shutdown.clone();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    let mut last_heard = tokio::time::Instant::now();
    if !send_frame(&mut sink, &ServerFrame::Ready).await {
        return;
    }
    loop {
        tokio::select! {
            incoming = stream.next() => {
                let Some(Ok(msg)) = incoming else { break };
                last_heard = tokio::time::Instant::now();
                let reply = match msg {
                    WsMessage::Text(text) => handle_frame(&state, &viewer, text.as_str(), &mut sink).await,
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
                if last_heard.elapsed() > HEARTBEAT * 3 { break; }
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
async fn handle_frame<W>(state: &AppState, viewer: &Viewer, text: &str, sink: &mut W) -> Option<ServerFrame>
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
    }
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
