//! The buyer's chat outbox: messages typed while offline or reconnecting,
//! kept in localStorage per shop and visitor so they survive a reload and are
//! shared by every tab. One tab at a time sends them (a lease renewed before
//! each message), oldest first; the server's client-id dedup makes a lost
//! answer or a double send harmless.

use serde::{Deserialize, Serialize};
use talkshop_protocol::json::{self, Fields, FromValue, Value};

use crate::device;

/// How long a tab holds the right to send the outbox without renewing it.
pub const LEASE_MS: f64 = 10_000.0;

/// A message the server has not stored yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    pub client_id: String,
    pub text: String,
    pub created_at: i64,
    /// Refused by the server (not a connection problem): waits for the buyer's Retry.
    #[serde(default)]
    pub failed: bool,
}

/// Who may send the outbox, and until when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Lease {
    tab: String,
    /// Unix milliseconds, whole (written as an integer: no float formatting in the wasm).
    until: i64,
}

impl FromValue for OutboxEntry {
    fn from_value(value: &Value) -> Result<OutboxEntry, String> {
        talkshop_protocol::read_struct!(value, OutboxEntry { client_id, text, created_at; failed })
    }
}

talkshop_protocol::write_struct!(OutboxEntry { client_id, text, created_at, failed });

talkshop_protocol::write_struct!(Lease { tab, until });

impl FromValue for Lease {
    fn from_value(value: &Value) -> Result<Lease, String> {
        let f = Fields::of(value, "a lease")?;
        // Whole milliseconds; leases written before they were integers read
        // `1733000000000.0`: the whole part is read, without float parsing.
        let until = match f.find("until") {
            Some(Value::Number(n)) => n.split('.').next().and_then(|whole| whole.parse::<i64>().ok()),
            _ => None,
        };
        Ok(Lease { tab: f.get("tab")?, until: until.ok_or("a lease needs `until` in milliseconds")? })
    }
}

/// The outbox of one visitor of one shop, read from localStorage on every use
/// because other tabs change it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatOutbox {
    /// `{shop}.{visitor}`: names the storage keys and the tabs' channel.
    scope: String,
}

impl ChatOutbox {
    pub fn new(shop: &str, visitor: &str) -> ChatOutbox {
        ChatOutbox { scope: format!("{shop}.{visitor}") }
    }

    /// Shared by everything that belongs to this buyer in this browser.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    fn entries_key(&self) -> String {
        format!("talkshop.chat-outbox.{}", self.scope)
    }

    fn lease_key(&self) -> String {
        format!("talkshop.chat-outbox-lease.{}", self.scope)
    }

    /// Oldest first.
    pub fn entries(&self) -> Vec<OutboxEntry> {
        device::load(&self.entries_key()).and_then(|text| json::from_str(&text).ok()).unwrap_or_default()
    }

    fn edit(&self, change: impl FnOnce(&mut Vec<OutboxEntry>)) {
        let mut entries = self.entries();
        change(&mut entries);
        if entries.is_empty() {
            device::forget(&self.entries_key());
        } else {
            device::save(&self.entries_key(), &json::to_string(&entries));
        }
    }

    pub fn push(&self, entry: OutboxEntry) {
        self.edit(|entries| {
            if !entries.iter().any(|e| e.client_id == entry.client_id) {
                entries.push(entry);
            }
        });
    }

    pub fn remove(&self, client_id: &str) {
        self.edit(|entries| entries.retain(|e| e.client_id != client_id));
    }

    pub fn set_failed(&self, client_id: &str, failed: bool) {
        self.edit(|entries| {
            if let Some(e) = entries.iter_mut().find(|e| e.client_id == client_id) {
                e.failed = failed;
            }
        });
    }

    /// The oldest message that should go out now.
    pub fn next_to_send(&self) -> Option<OutboxEntry> {
        self.entries().into_iter().find(|e| !e.failed)
    }

    /// Takes (or renews) the right to send for `tab` unless another tab holds it.
    pub fn take_lease(&self, tab: &str, now: f64) -> bool {
        let held = device::load(&self.lease_key()).and_then(|text| json::from_str::<Lease>(&text).ok());
        if held.is_some_and(|l| l.tab != tab && l.until as f64 > now) {
            return false;
        }
        let lease = Lease { tab: tab.to_owned(), until: (now + LEASE_MS) as i64 };
        device::save(&self.lease_key(), &json::to_string(&lease));
        true
    }

    pub fn release_lease(&self, tab: &str) {
        let held = device::load(&self.lease_key()).and_then(|text| json::from_str::<Lease>(&text).ok());
        if held.is_some_and(|l| l.tab == tab) {
            device::forget(&self.lease_key());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_entries_and_leases_read_as_serde_wrote_them() {
        let entries = vec![
            OutboxEntry {
                client_id: "k1".into(),
                text: "oi \"você\"\n😀".into(),
                created_at: 1_733_000_000_000,
                failed: false,
            },
            OutboxEntry { client_id: "k2".into(), text: String::new(), created_at: 1, failed: true },
        ];
        let text = serde_json::to_string(&entries).unwrap();
        assert_eq!(json::from_str::<Vec<OutboxEntry>>(&text).unwrap(), entries);
        assert_eq!(json::to_string(&entries), text, "written as serde writes it");
        let old = r#"[{"client_id":"k","text":"t","created_at":5}]"#;
        assert!(!json::from_str::<Vec<OutboxEntry>>(old).unwrap()[0].failed);
        let lease = Lease { tab: "t1".into(), until: 1_733_000_010_000 };
        let text = serde_json::to_string(&lease).unwrap();
        assert_eq!(json::from_str::<Lease>(&text).unwrap(), lease, "{text}");
        assert_eq!(json::to_string(&lease), text);
        assert_eq!(json::from_str::<Lease>(r#"{"tab":"t","until":1733000010000}"#).unwrap().until, 1_733_000_010_000);
        let before = r#"{"tab":"t","until":1733000010000.0}"#;
        assert_eq!(json::from_str::<Lease>(before).unwrap().until, 1_733_000_010_000);
        assert!(json::from_str::<Lease>(r#"{"tab":"t","until":"soon"}"#).is_err());
        assert!(json::from_str::<Lease>(r#"{"tab":"t"}"#).is_err());
    }
}
