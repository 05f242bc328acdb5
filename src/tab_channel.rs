//! Tabs of one buyer tell each other about messages through a
//! `BroadcastChannel`, so a message queued in one tab shows in the others
//! without being sent twice.

use serde::{Deserialize, Serialize};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// What one tab tells the others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
            if let Some(note) = event.data().as_string().and_then(|json| serde_json::from_str::<TabNote>(&json).ok()) {
                on_note(note);
            }
        });
        channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
        Some(TabChannel { channel, _listener: listener })
    }

    pub fn tell(&self, note: &TabNote) {
        if let Ok(json) = serde_json::to_string(note) {
            let _ = self.channel.post_message(&json.into());
        }
    }
}

impl Drop for TabChannel {
    fn drop(&mut self) {
        self.channel.set_onmessage(None);
        self.channel.close();
    }
}
