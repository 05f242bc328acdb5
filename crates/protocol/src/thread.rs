//! The client's view of one conversation: messages in `seq` order with no
//! duplicates, plus the sender's own messages that are not stored yet.
//!
//! Live events, history pages and resume backlogs can arrive in any order and
//! overlap; merging them here keeps the thread exact.

use std::collections::BTreeMap;

use crate::message::{Message, Sender};

/// Delivery state of one of the viewer's own messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Delivery {
    /// Sent to the server, no answer yet.
    Sending,
    /// Kept in the outbox until the connection returns; goes out by itself.
    Queued,
    /// The server did not take it; the user can retry.
    Failed,
    /// Stored by the server (has a `seq`).
    Sent,
    /// A client of the other party received it.
    Delivered,
    /// The other party read it.
    Read,
}

/// A message typed by the viewer that the server has not confirmed yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingMessage {
    pub client_id: String,
    pub text: String,
    pub created_at: i64,
    pub delivery: Delivery,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadLog {
    stored: BTreeMap<i64, Message>,
    pending: Vec<PendingMessage>,
    /// The other party's marks: received / read every message up to these.
    peer_delivered: i64,
    peer_read: i64,
}

impl ThreadLog {
    /// Adds stored messages; ones already present (same `seq`) are ignored and
    /// pending copies of them (same `client_id`) are dropped. Returns how many were new.
    pub fn merge<I: IntoIterator<Item = Message>>(&mut self, messages: I) -> usize {
        let mut added = 0;
        for m in messages {
            self.pending.retain(|p| p.client_id != m.client_id);
            if let std::collections::btree_map::Entry::Vacant(slot) = self.stored.entry(m.seq) {
                slot.insert(m);
                added += 1;
            }
        }
        added
    }

    /// Adds a message of the viewer's that is not stored yet, unless it is
    /// already pending or stored (another tab may have sent it).
    pub fn push_pending(&mut self, pending: PendingMessage) {
        let known = self.pending.iter().any(|p| p.client_id == pending.client_id)
            || self.stored.values().any(|m| m.client_id == pending.client_id);
        if !known {
            self.pending.push(pending);
        }
    }

    pub fn set_delivery(&mut self, client_id: &str, delivery: Delivery) {
        if let Some(p) = self.pending.iter_mut().find(|p| p.client_id == client_id) {
            p.delivery = delivery;
        }
    }

    /// Raises the other party's marks (they never go down); reading implies receiving.
    pub fn note_peer(&mut self, delivered: i64, read: i64) {
        self.peer_read = self.peer_read.max(read);
        self.peer_delivered = self.peer_delivered.max(delivered).max(self.peer_read);
    }

    /// The receipt of a stored message of the viewer's: sent, delivered or read.
    pub fn receipt(&self, seq: i64) -> Delivery {
        if seq <= self.peer_read {
            Delivery::Read
        } else if seq <= self.peer_delivered {
            Delivery::Delivered
        } else {
            Delivery::Sent
        }
    }

    /// Highest stored `seq`, 0 for an empty thread: what to resume after.
    pub fn last_seq(&self) -> i64 {
        self.stored.keys().next_back().copied().unwrap_or(0)
    }

    /// Highest stored `seq` among `sender`'s messages (0 without any): what
    /// the other party acknowledges as delivered.
    pub fn last_seq_from(&self, sender: Sender) -> i64 {
        self.stored.values().rev().find(|m| m.sender == sender).map_or(0, |m| m.seq)
    }

    /// Lowest stored `seq`, for paging older history.
    pub fn first_seq(&self) -> Option<i64> {
        self.stored.keys().next().copied()
    }

    /// Whether stored messages run without holes from the first one held to the last.
    pub fn is_contiguous(&self) -> bool {
        match (self.stored.keys().next(), self.stored.keys().next_back()) {
            (Some(first), Some(last)) => (last - first + 1) as usize == self.stored.len(),
            _ => true,
        }
    }

    pub fn stored(&self) -> impl DoubleEndedIterator<Item = &Message> {
        self.stored.values()
    }

    /// The stored message with this `seq`, if held.
    pub fn by_seq(&self, seq: i64) -> Option<&Message> {
        self.stored.get(&seq)
    }

    pub fn pending(&self) -> &[PendingMessage] {
        &self.pending
    }

    pub fn len(&self) -> usize {
        self.stored.len() + self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Messages from `other` after `read_seq`: the unread count for the viewer.
    pub fn unread_from(&self, other: Sender, read_seq: i64) -> usize {
        self.stored.range(read_seq + 1..).filter(|(_, m)| m.sender == other).count()
    }
}

/// Whether a message starts a new visual group: a different sender than the
/// previous one, or more than five minutes after it.
pub fn starts_group(prev: Option<(Sender, i64)>, sender: Sender, at: i64) -> bool {
    const GROUP_GAP_MS: i64 = 5 * 60 * 1000;
    match prev {
        Some((prev_sender, prev_at)) => prev_sender != sender || at - prev_at > GROUP_GAP_MS,
        None => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MessageBody;

    fn msg(seq: i64, sender: Sender, client_id: &str) -> Message {
        Message {
            id: format!("m{seq}"),
            conversation_id: "c".into(),
            seq,
            sender,
            client_id: client_id.into(),
            body: MessageBody::Text { text: format!("#{seq}") },
            created_at: seq * 1000,
        }
    }

    #[test]
    fn overlapping_pages_and_events_show_nothing_twice() {
        let mut log = ThreadLog::default();
        assert_eq!(log.merge((1..=5).map(|s| msg(s, Sender::Buyer, &format!("k{s}")))), 5);
        // a live event, then a resume backlog that overlaps it
        assert_eq!(log.merge([msg(6, Sender::Merchant, "x6")]), 1);
        assert_eq!(log.merge((4..=8).map(|s| msg(s, Sender::Merchant, &format!("x{s}")))), 2);
        let seqs: Vec<i64> = log.stored().map(|m| m.seq).collect();
        assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
        assert!(log.is_contiguous());
        assert_eq!(log.last_seq(), 8);
    }

    #[test]
    fn the_receipt_names_the_other_partys_newest_message() {
        let mut log = ThreadLog::default();
        assert_eq!(log.last_seq_from(Sender::Merchant), 0);
        log.merge([msg(1, Sender::Buyer, "a"), msg(2, Sender::Merchant, "b"), msg(3, Sender::Buyer, "c")]);
        assert_eq!((log.last_seq_from(Sender::Merchant), log.last_seq_from(Sender::Buyer)), (2, 3));
    }

    #[test]
    fn out_of_order_arrival_is_sorted_and_gaps_are_seen() {
        let mut log = ThreadLog::default();
        log.merge([msg(3, Sender::Buyer, "a"), msg(1, Sender::Buyer, "b")]);
        assert!(!log.is_contiguous());
        log.merge([msg(2, Sender::Buyer, "c")]);
        assert!(log.is_contiguous());
        assert_eq!(log.first_seq(), Some(1));
    }

    #[test]
    fn stored_copy_replaces_pending_message() {
        let mut log = ThreadLog::default();
        log.push_pending(PendingMessage {
            client_id: "k1".into(),
            text: "hello".into(),
            created_at: 0,
            delivery: Delivery::Sending,
        });
        log.push_pending(PendingMessage {
            client_id: "k1".into(),
            text: "hello".into(),
            created_at: 0,
            delivery: Delivery::Sending,
        });
        assert_eq!(log.pending().len(), 1);
        log.set_delivery("k1", Delivery::Failed);
        assert_eq!(log.pending()[0].delivery, Delivery::Failed);
        log.merge([msg(1, Sender::Buyer, "k1")]);
        assert!(log.pending().is_empty());
        assert_eq!(log.len(), 1);
        // A late copy from another tab does not bring it back as pending.
        log.push_pending(PendingMessage {
            client_id: "k1".into(),
            text: "hello".into(),
            created_at: 0,
            delivery: Delivery::Queued,
        });
        assert_eq!(log.len(), 1);
    }

    #[test]
    fn unread_counts_only_the_other_party_after_read_seq() {
        let mut log = ThreadLog::default();
        log.merge([
            msg(1, Sender::Buyer, "a"),
            msg(2, Sender::Merchant, "b"),
            msg(3, Sender::Merchant, "c"),
            msg(4, Sender::Buyer, "d"),
        ]);
        assert_eq!(log.unread_from(Sender::Merchant, 0), 2);
        assert_eq!(log.unread_from(Sender::Merchant, 2), 1);
        assert_eq!(log.unread_from(Sender::Buyer, 4), 0);
    }

    #[test]
    fn receipts_follow_the_other_partys_marks_and_never_go_back() {
        let mut log = ThreadLog::default();
        log.merge((1..=4).map(|s| msg(s, Sender::Buyer, &format!("k{s}"))));
        assert_eq!(log.receipt(1), Delivery::Sent);
        log.note_peer(3, 1);
        assert_eq!(
            (1..=4).map(|s| log.receipt(s)).collect::<Vec<_>>(),
            [Delivery::Read, Delivery::Delivered, Delivery::Delivered, Delivery::Sent]
        );
        // An older mark arriving late changes nothing; a read mark implies delivery.
        log.note_peer(2, 0);
        assert_eq!(log.receipt(3), Delivery::Delivered);
        log.note_peer(0, 4);
        assert_eq!(log.receipt(4), Delivery::Read);
    }

    #[test]
    fn groups_break_on_sender_change_and_long_pauses() {
        assert!(starts_group(None, Sender::Buyer, 0));
        assert!(!starts_group(Some((Sender::Buyer, 0)), Sender::Buyer, 60_000));
        assert!(starts_group(Some((Sender::Buyer, 0)), Sender::Merchant, 1));
        assert!(starts_group(Some((Sender::Buyer, 0)), Sender::Buyer, 6 * 60_000));
    }
}
