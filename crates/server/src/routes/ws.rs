//! `GET /api/v1/ws?token=…`: one socket per widget or console tab for live events.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use serde::Deserialize;
use talkshop_protocol::typing::{TypingThrottle, TYPING_ACCEPT_EVERY_MS};
use talkshop_protocol::validation::MAX_PAGE_SIZE;
use talkshop_protocol::{ApiError, ClientFrame, Message, Sender, ServerFrame};
use tokio::sync::{mpsc, Semaphore};

use crate::auth::Viewer;
use crate::clock;
use crate::error::{AppError, AppResult};
use crate::hub::{Audience, Live};
use crate::marks::Entry;
use crate::presence::StaffSocket;
use crate::routes::conversations::authorized;
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
    headers: axum::http::HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> AppResult<Response> {
    let token = params.token.ok_or_else(|| ApiError::unauthorized("Missing token query parameter"))?;
    let claims = state.tokens.verify(&token, clock::now_secs())?;
    let (origin, host) = crate::auth::origin_and_host(&headers);
    crate::auth::authorize(&state, &claims, origin, host).await?;
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
    let events = state.hub.subscribe(&viewer);
    if !send_frame(&mut sink, &ServerFrame::Ready).await {
        return;
    }
    // Staff count towards their shop's presence while connected; buyers learn it at once.
    let mut staff = StaffSocket::join(&state, &viewer).await;
    if staff.is_none() {
        match crate::presence::availability(&state, &viewer.claims.shop).await {
            Ok(availability) => {
                if !send_frame(&mut sink, &ServerFrame::Availability { availability }).await {
                    return;
                }
            }
            Err(err) => tracing::warn!(error = %err, "availability not sent"),
        }
    }
    serve_events(&mut sink, &mut stream, &viewer, &state, beat, events, staff.as_mut()).await;
    if let Some(staff) = staff {
        staff.leave(&state).await;
    }
}

/// The socket's loop: client frames, live events, heartbeats, until either side closes.
async fn serve_events<W, R, E>(
    mut sink: &mut W,
    stream: &mut R,
    viewer: &Viewer,
    state: &AppState,
    beat: Heartbeat,
    mut events: crate::hub::Subscription,
    mut staff: Option<&mut StaffSocket>,
) where
    W: Sink<WsMessage> + Unpin,
    R: Stream<Item = Result<WsMessage, E>> + Unpin,
{
    let (state, viewer) = (state.clone(), viewer.clone());
    let mut missed = state.hub.missed();
    let mut shutdown = state.shutdown.clone();
    let mut sent = SentRuns::default();
    let mut heartbeat = tokio::time::interval(beat.ping_every);
    let mut typing = HashMap::new();
    let mut last_heard = tokio::time::Instant::now();
    let (replies, mut late_replies) = mpsc::channel(16);
    let background = Background { replies, slots: Arc::new(Semaphore::new(BACKGROUND_MARKS)) };
    loop {
        tokio::select! {
            incoming = stream.next() => {
                let Some(Ok(msg)) = incoming else { break };
                last_heard = tokio::time::Instant::now();
                let reply = match msg {
                    WsMessage::Text(text) => match ClientFrame::parse(text.as_str()) {
                        Ok(ClientFrame::Activity { idle }) => match staff.as_deref_mut() {
                            Some(staff) => {
                                staff.activity(&state, idle).await;
                                None
                            }
                            None => Some(error_frame(ApiError::forbidden("Only staff consoles report activity"))),
                        },
                        Ok(frame) => handle_frame(&state, &viewer, frame, &mut sink, &mut sent, &mut typing, &background).await,
                        Err(error) => Some(error_frame(error)),
                    },
                    WsMessage::Binary(_) => Some(error_frame(ApiError::bad_request("Binary frames are not part of the protocol"))),
                    WsMessage::Close(_) => break,
                    WsMessage::Ping(_) | WsMessage::Pong(_) => None,
                };
                if let Some(frame) = reply {
                    if !send_frame(&mut sink, &frame).await { break; }
                }
            }
            event = events.recv() => match event {
                Some(event) => {
                    // Whatever else is already queued goes out in the same write.
                    let mut forwarded = forward(&state, &viewer, &event, &mut sink, &mut sent).await;
                    for _ in 1..WRITE_BATCH {
                        let Some(event) = events.try_recv() else { break };
                        if !forwarded { break; }
                        forwarded = forward(&state, &viewer, &event, &mut sink, &mut sent).await;
                    }
                    if !forwarded || sink.flush().await.is_err() {
                        let _ = sink.send(WsMessage::Close(None)).await;
                        break;
                    }
                }
                // Fell behind: close so the client reconnects and resumes from its last seq.
                None => {
                    let _ = sink.send(WsMessage::Close(None)).await;
                    break;
                }
            },
            Some(frame) = late_replies.recv() => {
                if !send_frame(&mut sink, &frame).await { break; }
            }
            _ = heartbeat.tick() => {
                if last_heard.elapsed() > beat.silence_limit { break; }
                if let Some(staff) = staff.as_deref_mut() {
                    staff.tick(&state).await;
                }
                if sink.send(WsMessage::Ping(Vec::new().into())).await.is_err() { break; }
            }
            // Events from other nodes may be lost: close so the client resumes.
            _ = missed.changed() => {
                let _ = sink.send(WsMessage::Close(None)).await;
                break;
            }
            _ = shutdown.changed() => {
                let _ = sink.send(WsMessage::Close(None)).await;
                break;
            }
        }
    }
}

/// Events a socket writes out at most per flush (one syscall instead of one
/// per frame when events queue up under load).
const WRITE_BATCH: usize = 64;

/// Queues one event for the socket without flushing; false if the socket failed.
async fn forward<W>(state: &AppState, viewer: &Viewer, event: &Live, sink: &mut W, sent: &mut SentRuns) -> bool
where
    W: Sink<WsMessage> + Unpin,
{
    if !event.visible_to(viewer) {
        return true;
    }
    match &event.frame {
        ServerFrame::Message { message } => send_live_message(state, message, event.text(), sink, sent).await,
        _ => sink.feed(WsMessage::Text(event.text())).await.is_ok(),
    }
}

/// Delivered marks a socket may have in flight beside it; past that they are
/// handled in line, which slows down a client that floods them.
const BACKGROUND_MARKS: usize = 8;

/// Work a socket hands off so that its loop keeps forwarding events: a
/// `delivered` frame may wait for the database (and for the other tabs
/// acknowledging the same message), and marks only ever go up, so their
/// order does not matter. Errors come back through `replies`.
struct Background {
    replies: mpsc::Sender<ServerFrame>,
    slots: Arc<Semaphore>,
}

fn error_frame(error: ApiError) -> ServerFrame {
    ServerFrame::Error { error }
}

/// Answers one client frame; a backlog is streamed page by page before the answer.
async fn handle_frame<W>(
    state: &AppState,
    viewer: &Viewer,
    frame: ClientFrame,
    sink: &mut W,
    sent: &mut SentRuns,
    typing: &mut HashMap<String, TypingThrottle>,
    background: &Background,
) -> Option<ServerFrame>
where
    W: Sink<WsMessage> + Unpin,
{
    match frame {
        ClientFrame::Ping => Some(ServerFrame::Pong),
        ClientFrame::Resume { conversation_id, after_seq } => {
            match resume(state, viewer, &conversation_id, after_seq, sink, sent).await {
                Ok(()) => None,
                Err(err) => Some(error_frame(err.to_api())),
            }
        }
        ClientFrame::Typing { conversation_id } => {
            typing_signal(state, viewer, conversation_id, typing).await.err().map(|err| error_frame(err.to_api()))
        }
        ClientFrame::Delivered { conversation_id, seq } => match background.slots.clone().try_acquire_owned() {
            Ok(slot) => {
                let (state, viewer, replies) = (state.clone(), viewer.clone(), background.replies.clone());
                tokio::spawn(async move {
                    if let Err(err) = delivered(&state, &viewer, conversation_id, seq).await {
                        let _ = replies.send(error_frame(err.to_api())).await;
                    }
                    drop(slot);
                });
                None
            }
            Err(_) => delivered(state, viewer, conversation_id, seq).await.err().map(|err| error_frame(err.to_api())),
        },
        // Answered by the socket's loop, which holds the staff member's presence.
        ClientFrame::Activity { .. } => None,
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
        // Every device of the buyer (a verified user may have several).
        Sender::Merchant => Audience::Buyer { shop_id: conversation.shop_id, visitor_id: conversation.visitor_id },
    };
    crate::catalog_changes::publish(state, audience, ServerFrame::Typing { conversation_id: id, sender }).await;
    Ok(())
}

/// Records that the viewer's side received messages up to `seq` and tells both
/// parties when the mark moved.
async fn delivered(state: &AppState, viewer: &Viewer, id: String, seq: i64) -> AppResult<()> {
    if seq < 0 {
        return Err(ApiError::invalid("seq", "seq must not be negative").into());
    }
    let entry = match state.marks.get(&id) {
        Some(entry) => entry,
        None => state.marks.remember(&authorized(state, viewer, &id).await?),
    };
    if !viewer.may_access(&entry.shop_id, &entry.visitor_id) {
        return Err(ApiError::forbidden("This conversation belongs to someone else").into());
    }
    let party = viewer.sender();
    let slot = Entry::slot(party);
    let lock = || entry.delivered.lock().expect("marks");
    let (mut target, mut told) = {
        let mut marks = lock();
        let told = marks[slot].stored;
        match marks[slot].ask(seq) {
            Some(target) => (target, told),
            // Stored already, or another frame's write covers it.
            None => return Ok(()),
        }
    };
    loop {
        let result = state.storage.mark_delivered(&id, party, target).await;
        let (next, stored) = {
            let mut marks = lock();
            (marks[slot].written(target, result.as_ref().ok().copied()), marks[slot].stored)
        };
        result?;
        if stored > told {
            told = stored;
            // Only the other side shows ticks for this mark.
            let audience = match party {
                Sender::Buyer => Audience::Staff { shop_id: entry.shop_id.clone() },
                Sender::Merchant => {
                    Audience::Buyer { shop_id: entry.shop_id.clone(), visitor_id: entry.visitor_id.clone() }
                }
            };
            let frame = ServerFrame::Delivered { conversation_id: id.clone(), party, seq: stored };
            crate::catalog_changes::publish(state, audience, frame).await;
        }
        match next {
            Some(next) => target = next,
            None => return Ok(()),
        }
    }
}

async fn resume<W>(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    after_seq: i64,
    sink: &mut W,
    sent: &mut SentRuns,
) -> AppResult<()>
where
    W: Sink<WsMessage> + Unpin,
{
    if after_seq < 0 {
        return Err(ApiError::invalid("after_seq", "after_seq must not be negative").into());
    }
    let conversation = authorized(state, viewer, id).await?;
    // The client holds every message up to `after_seq` (of those that exist)
    // and then the backlog: live messages continue from there, in order.
    let mut held = after_seq.min(conversation.last_seq);
    let mut after = after_seq;
    loop {
        let query = HistoryQuery { after: Some(after), before: None, limit: MAX_PAGE_SIZE };
        let (messages, has_more) = state.storage.messages(id, query).await?;
        if let Some(last) = messages.last() {
            after = last.seq;
            held = held.max(last.seq);
        }
        let frame = ServerFrame::Backlog { conversation_id: id.to_owned(), messages };
        if !send_frame(sink, &frame).await {
            return Ok(());
        }
        if !has_more {
            sent.record(id, 0, held);
            return Ok(());
        }
    }
}

/// Sends a live message once and in order: a message this socket already
/// sent is skipped, and messages missing before it (published out of order
/// by several requests or nodes, or lost with a node) are read from storage
/// and sent first. Everything below a message's seq is committed before it.
/// `text` is the message's frame, serialized once for every socket.
async fn send_live_message<W>(
    state: &AppState,
    message: &Message,
    text: Utf8Bytes,
    sink: &mut W,
    sent: &mut SentRuns,
) -> bool
where
    W: Sink<WsMessage> + Unpin,
{
    let id = &message.conversation_id;
    match sent.place(id, message.seq) {
        Placement::Sent => return true,
        Placement::New => {}
        Placement::After(last) => {
            let mut after = last;
            loop {
                let query = HistoryQuery { after: Some(after), before: Some(message.seq), limit: MAX_PAGE_SIZE };
                let Ok((missing, has_more)) = state.storage.messages(id, query).await else { return false };
                for m in &missing {
                    if !send_frame(sink, &ServerFrame::Message { message: m.clone() }).await {
                        return false;
                    }
                    sent.record(id, m.seq, m.seq);
                    after = m.seq;
                }
                if !has_more || missing.is_empty() {
                    break;
                }
            }
        }
    }
    // Flushed by the caller, with whatever else it forwards now.
    if sink.feed(WsMessage::Text(text)).await.is_err() {
        return false;
    }
    sent.record(id, message.seq, message.seq);
    true
}

/// Where a live message falls among those a socket sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    /// Already sent.
    Sent,
    /// Send it.
    New,
    /// Send the messages after this seq and before it first.
    After(i64),
}

/// The messages a socket sent, per conversation, as one run of consecutive
/// seqs (the newest run when they are not consecutive).
#[derive(Debug, Default)]
struct SentRuns {
    runs: HashMap<String, (i64, i64)>,
}

impl SentRuns {
    fn place(&self, conversation_id: &str, seq: i64) -> Placement {
        match self.runs.get(conversation_id) {
            Some(&(first, last)) if (first..=last).contains(&seq) => Placement::Sent,
            Some(&(_, last)) if seq > last + 1 => Placement::After(last),
            // The socket's first message here, the next one, or an older one
            // that arrived late (sent as is; clients merge by seq).
            _ => Placement::New,
        }
    }

    /// Notes that the messages `first..=last` were sent.
    fn record(&mut self, conversation_id: &str, first: i64, last: i64) {
        let run = self.runs.entry(conversation_id.to_owned()).or_insert((first, last));
        if first <= run.1 + 1 && last + 1 >= run.0 {
            *run = (run.0.min(first), run.1.max(last));
        } else if first > run.1 {
            *run = (first, last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_runs_skip_duplicates_and_ask_for_gaps() {
        let mut sent = SentRuns::default();
        assert_eq!(sent.place("c", 5), Placement::New);
        sent.record("c", 5, 5);
        assert_eq!(sent.place("c", 5), Placement::Sent);
        assert_eq!(sent.place("c", 6), Placement::New);
        assert_eq!(sent.place("c", 9), Placement::After(5));
        assert_eq!(sent.place("other", 9), Placement::New);
        // A late older message is sent and joins the run.
        assert_eq!(sent.place("c", 4), Placement::New);
        sent.record("c", 4, 4);
        sent.record("c", 6, 8);
        assert_eq!(sent.runs["c"], (4, 8));
        assert_eq!(sent.place("c", 7), Placement::Sent);
        // A resume backlog far ahead starts a new run; the old one is forgotten.
        sent.record("c", 20, 22);
        assert_eq!(sent.runs["c"], (20, 22));
        assert_eq!(sent.place("c", 7), Placement::New);
        // An older, disjoint run does not replace a newer one.
        sent.record("c", 1, 2);
        assert_eq!(sent.runs["c"], (20, 22));
    }
}
