//! The live connection: one WebSocket, reconnecting with exponential backoff
//! and jitter, with heartbeats that notice a dead link.

use std::rc::Rc;

use futures::channel::mpsc;
use futures::{FutureExt, SinkExt, StreamExt};
use gloo_net::websocket::{futures::WebSocket, Message as WsMessage};
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::{ClientFrame, ServerFrame};

use crate::api::Api;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    Connecting,
    Online,
    Offline,
}

/// Pings go out after this much silence; the server answers each with `pong`
/// (the browser hides the server's own WebSocket pings from us).
pub const PING_EVERY_MS: u32 = 8_000;
/// A link silent this long is dead. Checked on each ping tick, so a dead link
/// is noticed at most `PING_EVERY_MS * 3` = 24 s after the last frame, within 30 s.
pub const SILENCE_LIMIT_MS: f64 = 20_000.0;
const MAX_BACKOFF_MS: f64 = 30_000.0;

/// How the link watches itself; tests shorten it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Heartbeat {
    pub ping_every_ms: u32,
    pub silence_limit_ms: f64,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat { ping_every_ms: PING_EVERY_MS, silence_limit_ms: SILENCE_LIMIT_MS }
    }
}

/// Handle to the live connection; cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct Live {
    pub link: RwSignal<LinkState>,
    /// How many times a socket was opened (the first one included).
    pub connections: RwSignal<u32>,
    outbox: StoredValue<Option<mpsc::UnboundedSender<String>>, LocalStorage>,
    retry_now: StoredValue<bool>,
    heartbeat: StoredValue<Heartbeat>,
}

impl Live {
    /// Opens the socket in the background and keeps it open. Every server
    /// frame goes to `on_frame`, `Ready` included (resume there).
    pub fn start(api: Api, on_frame: impl Fn(ServerFrame, Live) + 'static) -> Live {
        Live::start_with(api, Heartbeat::default(), on_frame)
    }

    pub fn start_with(api: Api, heartbeat: Heartbeat, on_frame: impl Fn(ServerFrame, Live) + 'static) -> Live {
        let live = Live {
            link: RwSignal::new(LinkState::Connecting),
            connections: RwSignal::new(0),
            outbox: StoredValue::new_local(None),
            retry_now: StoredValue::new(false),
            heartbeat: StoredValue::new(heartbeat),
        };
        let on_frame: Rc<dyn Fn(ServerFrame, Live)> = Rc::new(on_frame);
        spawn_local(live.run(api, on_frame));
        live
    }

    /// Sends a frame if the socket is open and answers whether it went out;
    /// frames are never queued across reconnects because `Ready` resumes from
    /// the last sequence number anyway.
    pub fn send(&self, frame: &ClientFrame) -> bool {
        let text = talkshop_protocol::json::to_string(frame);
        self.outbox
            .try_with_value(|outbox| outbox.as_ref().is_some_and(|tx| tx.unbounded_send(text).is_ok()))
            .unwrap_or(false)
    }

    /// Skips the rest of the current backoff.
    pub fn reconnect_now(&self) {
        self.retry_now.set_value(true);
    }

    async fn run(self, api: Api, on_frame: Rc<dyn Fn(ServerFrame, Live)>) {
        let mut attempt: i32 = 0;
        loop {
            if self.link.try_get_untracked().is_none() {
                return; // the owner is gone
            }
            self.link.set(LinkState::Connecting);
            if let Ok(socket) = WebSocket::open(&api.socket_url()) {
                self.connections.update(|n| *n += 1);
                if self.pump(socket, &on_frame).await {
                    attempt = 0;
                }
            }
            self.outbox.set_value(None);
            if self.link.try_set(LinkState::Offline).is_some() {
                return;
            }
            let backoff = (1000.0 * 2f64.powi(attempt)).min(MAX_BACKOFF_MS);
            let wait = backoff * (0.5 + js_sys::Math::random() * 0.5);
            attempt = (attempt + 1).min(10);
            let mut waited = 0.0;
            while waited < wait && !self.retry_now.get_value() {
                TimeoutFuture::new(250).await;
                waited += 250.0;
            }
            self.retry_now.set_value(false);
        }
    }

    /// Runs one connection until it drops; returns whether it ever became ready.
    async fn pump(self, socket: WebSocket, on_frame: &Rc<dyn Fn(ServerFrame, Live)>) -> bool {
        let (mut write, mut read) = socket.split();
        let (tx, mut rx) = mpsc::unbounded::<String>();
        self.outbox.set_value(Some(tx));
        spawn_local(async move {
            while let Some(text) = rx.next().await {
                if write.send(WsMessage::Text(text)).await.is_err() {
                    break;
                }
            }
        });
        let mut ready = false;
        let mut last_heard = js_sys::Date::now();
        let Some(heartbeat) = self.heartbeat.try_get_value() else { return false };
        loop {
            if self.link.try_get_untracked().is_none() {
                break; // the widget was unmounted: drop the socket
            }
            let mut tick = TimeoutFuture::new(heartbeat.ping_every_ms).fuse();
            let mut next = read.next().fuse();
            futures::select! {
                item = next => match item {
                    Some(Ok(WsMessage::Text(text))) => {
                        last_heard = js_sys::Date::now();
                        let frame = match crate::parts::read_json::<ServerFrame>(&text).await {
                            Ok(frame) => frame,
                            Err(crate::parts::Unread::Bad) => continue,
                            // Its readers could not be fetched: a new connection
                            // resumes from the last message this one delivered,
                            // after a backoff that grows while the fetch fails.
                            Err(crate::parts::Unread::PartUnavailable) => {
                                ready = false;
                                break;
                            }
                        };
                        if matches!(frame, ServerFrame::Ready) {
                            ready = true;
                            self.link.set(LinkState::Online);
                        }
                        on_frame(frame, self);
                    }
                    Some(Ok(WsMessage::Bytes(_))) => last_heard = js_sys::Date::now(),
                    Some(Err(_)) | None => break,
                },
                _ = tick => {
                    if js_sys::Date::now() - last_heard > heartbeat.silence_limit_ms {
                        break;
                    }
                    self.send(&ClientFrame::Ping);
                }
            }
        }
        ready
    }
}
