//! The live link in headless Chromium against a fake `WebSocket`: a link that
//! goes silent is noticed and replaced, one that answers pings stays.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use talkshop_protocol::ServerFrame;
use talkshop_widget::api::Api;
use talkshop_widget::live::{Heartbeat, LinkState, Live, PING_EVERY_MS, SILENCE_LIMIT_MS};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A `WebSocket` stand-in: opens, says `ready`, and answers `ping` with `pong`
/// while `__tsAnswerPings` is set (otherwise it goes silent, like a dead link).
const FAKE_SOCKET: &str = r#"
window.__tsSockets = [];
window.__tsAnswerPings = true;
window.WebSocket = class extends EventTarget {
  constructor(url) {
    super();
    this.url = url; this.readyState = 0; this.binaryType = 'blob'; this.sent = [];
    window.__tsSockets.push(this);
    setTimeout(() => {
      this.readyState = 1;
      this.dispatchEvent(new Event('open'));
      this.receive('{"type":"ready"}');
    }, 5);
  }
  send(text) {
    this.sent.push(text);
    if (window.__tsAnswerPings && text.includes('"ping"')) { setTimeout(() => this.receive('{"type":"pong"}'), 5); }
  }
  close() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.dispatchEvent(new CloseEvent('close', { code: 1000, wasClean: true }));
  }
  receive(data) { if (this.readyState === 1) this.dispatchEvent(new MessageEvent('message', { data })); }
};
"#;

fn js(code: &str) -> wasm_bindgen::JsValue {
    js_sys::Function::new_no_args(code).call0(&wasm_bindgen::JsValue::NULL).expect("script runs")
}

fn sockets_opened() -> u32 {
    js("return window.__tsSockets.length;").as_f64().unwrap_or(0.0) as u32
}

fn pings_sent_on_first_socket() -> usize {
    let sent = js("return window.__tsSockets[0].sent;").unchecked_into::<js_sys::Array>();
    sent.iter().filter(|t| t.as_string().is_some_and(|t| t.contains("\"ping\""))).count()
}

/// A heartbeat 40 times faster than the real one, same proportions.
fn fast() -> Heartbeat {
    Heartbeat { ping_every_ms: PING_EVERY_MS / 40, silence_limit_ms: SILENCE_LIMIT_MS / 40.0 }
}

#[wasm_bindgen_test]
fn the_real_heartbeat_notices_a_dead_link_within_30_seconds() {
    // Checked on each ping tick after the last frame: the third tick is past the limit.
    let ticks_to_notice = (SILENCE_LIMIT_MS / f64::from(PING_EVERY_MS)).floor() + 1.0;
    assert!(ticks_to_notice * f64::from(PING_EVERY_MS) <= 30_000.0);
}

#[wasm_bindgen_test]
async fn a_silent_link_is_dropped_and_reconnected_and_a_live_one_stays() {
    js(FAKE_SOCKET);
    // Mounting starts Leptos' task executor, as the widget's mount does.
    mount(|| ());
    let readies = RwSignal::new(0u32);
    let live = Live::start_with(Api::new("http://shop.test"), fast(), move |frame, _| {
        if frame == ServerFrame::Ready {
            readies.update(|n| *n += 1);
        }
    });
    TimeoutFuture::new(50).await;
    assert_eq!(live.link.get_untracked(), LinkState::Online);
    // Answered pings keep it: still the first socket after several ping intervals.
    TimeoutFuture::new(1_500).await;
    assert_eq!(sockets_opened(), 1);
    assert!(pings_sent_on_first_socket() >= 3, "pings go out while the link is quiet");

    // The link goes silent: it is dropped within the silence limit plus a tick,
    // then reopened after a backoff of 0.5–1 s (jitter), and says ready again.
    js("window.__tsAnswerPings = false;");
    TimeoutFuture::new(900).await;
    assert_ne!(live.link.get_untracked(), LinkState::Online, "a silent link is noticed");
    js("window.__tsAnswerPings = true;");
    TimeoutFuture::new(1_200).await;
    settle().await;
    assert_eq!(sockets_opened(), 2);
    assert_eq!(live.connections.get_untracked(), 2);
    assert_eq!(live.link.get_untracked(), LinkState::Online);
    assert_eq!(readies.get_untracked(), 2, "each connection resumes from Ready");
}
