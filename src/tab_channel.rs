//! Tabs of one buyer tell each other about messages through a
//! `BroadcastChannel`, so a message queued in one tab shows in the others
//! without being sent twice.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// What one tab tells the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TabNote {
    /// A message was put in the outbox.
    Queued { client_id: String, text: String, created_at: i64 },
    /// A tab is sending it now.
    Sending { client_id: String },
    /// The connection is down; it waits in the outbox.
    Waiting { client_id: String },
    /// The server refused it; it waits for Retry.
    Failed { client_id: String },
    /// The server stored it (the message is not copied: the other tabs get it
    /// from their socket or from history).
    Stored { conversation_id: String, seq: i64 },
}

impl TabNote {
    /// A plain array `[kind, text, text, number]`: the channel clones it, and
    /// it costs far less code than a serde enum.
    fn to_js(&self) -> JsValue {
        let (kind, a, b, n): (&str, &str, &str, f64) = match self {
            TabNote::Queued { client_id, text, created_at } => ("queued", client_id, text, *created_at as f64),
            TabNote::Sending { client_id } => ("sending", client_id, "", 0.0),
            TabNote::Waiting { client_id } => ("waiting", client_id, "", 0.0),
            TabNote::Failed { client_id } => ("failed", client_id, "", 0.0),
            TabNote::Stored { conversation_id, seq } => ("stored", conversation_id, "", *seq as f64),
        };
        js_sys::Array::of4(&kind.into(), &a.into(), &b.into(), &n.into()).into()
    }

    fn from_js(value: &JsValue) -> Option<TabNote> {
        let array = value.dyn_ref::<js_sys::Array>()?;
        let text = |i| array.get(i).as_string();
        let (a, n) = (text(1)?, array.get(3).as_f64()? as i64);
        Some(match text(0)?.as_str() {
            "queued" => TabNote::Queued { client_id: a, text: text(2)?, created_at: n },
            "sending" => TabNote::Sending { client_id: a },
            "waiting" => TabNote::Waiting { client_id: a },
            "failed" => TabNote::Failed { client_id: a },
            "stored" => TabNote::Stored { conversation_id: a, seq: n },
            _ => return None,
        })
    }
}

/// This tab's end of the channel; closes when dropped.
pub struct TabChannel {
    channel: web_sys::BroadcastChannel,
    _listener: Closure<dyn FnMut(web_sys::MessageEvent)>,
}

impl TabChannel {
    /// Opens the channel `name`; `on_note` gets what the other tabs say.
    /// None where the browser has no BroadcastChannel.
    pub fn open(name: &str, on_note: impl Fn(TabNote) + 'static) -> Option<TabChannel> {
        let channel = web_sys::BroadcastChannel::new(&format!("talkshop.tabs.{name}")).ok()?;
        let listener = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            if let Some(note) = TabNote::from_js(&event.data()) {
                on_note(note);
            }
        });
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        Some(TabChannel { channel, _listener: listener })
    }

    pub fn tell(&self, note: &TabNote) {
        let _ = self.channel.post_message(&note.to_js());
    }
}

impl Drop for TabChannel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}
