//! Delivered marks this node already knows, so the flood of `delivered`
//! frames a message causes does not each become a database write.
//!
//! Every open console acknowledges every buyer message it receives (that is
//! what moves the buyer's ✓ to ✓✓), so with a hundred staff tabs one message
//! brings a hundred `delivered` frames for the same conversation and seq.
//! Only the first moves the mark. Here each conversation keeps, per party,
//! the highest delivered seq this node has stored or read and the highest
//! one asked for: frames at or below those are answered at once, without
//! storage and without waiting; one caller at a time writes, and writes
//! again if a higher mark was asked for meanwhile (single flight, latest
//! value). The entry also keeps the conversation's owner (which never
//! changes), so authorization needs no database read either.
//!
//! A mark known here may lag the database (another node moved it): the write
//! then just returns the higher stored value. It is never ahead of it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use talkshop_protocol::Sender;

use crate::storage::Conversation;

/// Conversations remembered at most; past that the map starts over (a miss
/// only costs the database read it would have cost anyway).
const MAX_ENTRIES: usize = 100_000;

pub struct Entry {
    pub shop_id: String,
    pub visitor_id: String,
    /// Delivered marks per party: `[buyer, merchant]`.
    pub delivered: Mutex<[Mark; 2]>,
}

impl Entry {
    pub fn slot(party: Sender) -> usize {
        match party {
            Sender::Buyer => 0,
            Sender::Merchant => 1,
        }
    }
}

/// One party's delivered mark in one conversation, as this node knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    /// Stored in the database (it may be higher there, never lower).
    pub stored: i64,
    /// The highest mark asked for; above `stored` only while a write runs.
    wanted: i64,
    writing: bool,
}

impl Mark {
    pub fn new(stored: i64) -> Mark {
        Mark { stored, wanted: stored, writing: false }
    }

    /// A client received everything up to `seq`. `Some(seq)`: the caller
    /// must write it. `None`: it is stored already, or the write under way
    /// will cover it.
    pub fn ask(&mut self, seq: i64) -> Option<i64> {
        if seq <= self.stored.max(self.wanted) {
            return None;
        }
        self.wanted = seq;
        if self.writing {
            return None;
        }
        self.writing = true;
        Some(seq)
    }

    /// The write of `target` stored `result` (`None`: it failed). Returns
    /// the next mark to write when a higher one was asked for meanwhile;
    /// otherwise the writer is done. Storage stops a mark at the last
    /// message, so what was asked beyond it is forgotten, not waited for.
    pub fn written(&mut self, target: i64, result: Option<i64>) -> Option<i64> {
        if let Some(stored) = result {
            self.stored = self.stored.max(stored);
            if self.wanted > target && self.wanted > self.stored {
                return Some(self.wanted);
            }
        }
        self.writing = false;
        self.wanted = self.stored;
        None
    }
}

#[derive(Default, Clone)]
pub struct DeliveredMarks {
    entries: Arc<Mutex<HashMap<String, Arc<Entry>>>>,
}

impl DeliveredMarks {
    pub fn get(&self, conversation_id: &str) -> Option<Arc<Entry>> {
        self.entries.lock().expect("marks").get(conversation_id).cloned()
    }

    /// Remembers a conversation just read from storage; keeps an entry
    /// another request inserted meanwhile (its marks may be newer).
    pub fn remember(&self, conversation: &Conversation) -> Arc<Entry> {
        let mut entries = self.entries.lock().expect("marks");
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&conversation.id) {
            entries.clear();
        }
        entries
            .entry(conversation.id.clone())
            .or_insert_with(|| {
                Arc::new(Entry {
                    shop_id: conversation.shop_id.clone(),
                    visitor_id: conversation.visitor_id.clone(),
                    delivered: Mutex::new([
                        Mark::new(conversation.buyer_delivered_seq),
                        Mark::new(conversation.merchant_delivered_seq),
                    ]),
                })
            })
            .clone()
    }
}

#[cfg(test)]
mod tests {
    use super::Mark;

    #[test]
    fn one_writer_at_a_time_and_nothing_asked_is_lost() {
        let mut mark = Mark::new(2);
        assert_eq!(mark.ask(2), None, "already stored");
        assert_eq!(mark.ask(5), Some(5), "first asker writes");
        // Others racing for the same or a lower mark return at once; a higher one waits for the writer.
        assert_eq!(mark.ask(5), None);
        assert_eq!(mark.ask(4), None);
        assert_eq!(mark.ask(7), None);
        assert_eq!(mark.written(5, Some(5)), Some(7), "the writer writes the newest next");
        assert_eq!(mark.written(7, Some(7)), None);
        assert_eq!(mark.stored, 7);
        assert_eq!(mark.ask(8), Some(8), "the next asker writes again");
    }

    #[test]
    fn a_mark_past_the_last_message_or_a_failed_write_does_not_block_later_ones() {
        let mut mark = Mark::new(0);
        assert_eq!(mark.ask(99), Some(99));
        assert_eq!(mark.ask(50), None);
        // Storage stops it at the last message, 3: the rest is forgotten.
        assert_eq!(mark.written(99, Some(3)), None);
        assert_eq!(mark.ask(4), Some(4));
        assert_eq!(mark.written(4, None), None, "failed");
        assert_eq!(mark.stored, 3);
        assert_eq!(mark.ask(4), Some(4), "asked again after a failure, written again");
    }
}
