//! Delivered marks this node already knows, so the flood of `delivered`
//! frames a message causes does not each become a database write.
//!
//! Every open console acknowledges every buyer message it receives (that is
//! what moves the buyer's ✓ to ✓✓), so with a hundred staff tabs one message
//! brings a hundred `delivered` frames for the same conversation and seq.
//! Only the first moves the mark. Here each conversation keeps the highest
//! delivered seq per party this node has stored or read, behind an async
//! lock: frames at or below it are answered without touching storage, and
//! frames racing for the same mark wait for the first write instead of
//! repeating it. The entry also keeps the conversation's owner (which never
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
    /// Delivered seq known per party: `[buyer, merchant]`.
    pub delivered: tokio::sync::Mutex<[i64; 2]>,
}

impl Entry {
    pub fn slot(party: Sender) -> usize {
        match party {
            Sender::Buyer => 0,
            Sender::Merchant => 1,
        }
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
                    delivered: tokio::sync::Mutex::new([
                        conversation.buyer_delivered_seq,
                        conversation.merchant_delivered_seq,
                    ]),
                })
            })
            .clone()
    }
}
