//! Whether the staff member is at their console: after
//! [`IDLE_AFTER_MINUTES`] without input the console tells the server it is
//! idle (buyers then see the shop as away), and that it is back on the next input.

use gloo_timers::future::TimeoutFuture;
use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::presence::IDLE_AFTER_MINUTES;
use talkshop_protocol::ClientFrame;

use crate::live::Live;

const IDLE_AFTER_MS: f64 = IDLE_AFTER_MINUTES as f64 * 60_000.0;
const CHECK_EVERY_MS: u32 = 30_000;
const INPUTS: [&str; 5] = ["keydown", "pointerdown", "pointermove", "wheel", "focus"];

#[derive(Clone, Copy)]
pub struct Activity {
    last_input: StoredValue<f64>,
    idle: StoredValue<bool>,
    live: StoredValue<Option<Live>>,
}

impl Activity {
    /// Watches the page's input for as long as the calling component lives.
    pub fn watch() -> Activity {
        let activity = Activity {
            last_input: StoredValue::new(js_sys::Date::now()),
            idle: StoredValue::new(false),
            live: StoredValue::new(None),
        };
        for kind in INPUTS {
            let handle = window_event_listener_untyped(kind, move |_| activity.input());
            on_cleanup(move || handle.remove());
        }
        spawn_local(async move {
            loop {
                TimeoutFuture::new(CHECK_EVERY_MS).await;
                let Some(last) = activity.last_input.try_get_value() else { return };
                if js_sys::Date::now() - last >= IDLE_AFTER_MS && activity.idle.try_get_value() == Some(false) {
                    activity.idle.set_value(true);
                    activity.send(true);
                }
            }
        });
        activity
    }

    /// A socket starts as online on the server: tell a new one if the person is idle.
    pub fn ready(&self, live: Live) {
        self.live.set_value(Some(live));
        if self.idle.get_value() {
            live.send(&ClientFrame::Activity { idle: true });
        }
    }

    fn input(&self) {
        if self.last_input.try_set_value(js_sys::Date::now()).is_none() && self.idle.get_value() {
            self.idle.set_value(false);
            self.send(false);
        }
    }

    fn send(&self, idle: bool) {
        if let Some(live) = self.live.get_value() {
            live.send(&ClientFrame::Activity { idle });
        }
    }
}
