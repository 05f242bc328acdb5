//! Messages in a conversation.

use serde::{Deserialize, Serialize};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sender {
    Buyer,
    Merchant,
}

impl Sender {
    pub fn as_str(self) -> &'static str {
        match self {
            Sender::Buyer => "buyer",
            Sender::Merchant => "merchant",
        }
    }

    pub fn parse(s: &str) -> Option<Sender> {
        match s {
            "buyer" => Some(Sender::Buyer),
            "merchant" => Some(Sender::Merchant),
            _ => None,
        }
    }
}

/// What a message carries. Product, order and payment bodies join this enum later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageBody {
    Text { text: String },
}

/// A stored message. `seq` increases by exactly one per message within a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub conversation_id: String,
    pub seq: i64,
    pub sender: Sender,
    /// The sender's own id for the message; sending it twice stores one message.
    pub client_id: String,
    pub body: MessageBody,
    /// Milliseconds since the Unix epoch, set by the server.
    pub created_at: i64,
}

impl Message {
    pub fn text(&self) -> &str {
        match &self.body {
            MessageBody::Text { text } => text,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_serde_shape() {
        let m = Message {
            id: "m1".into(),
            conversation_id: "c1".into(),
            seq: 3,
            sender: Sender::Buyer,
            client_id: "k1".into(),
            body: MessageBody::Text { text: "hi".into() },
            created_at: 1_700_000_000_000,
        };
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["sender"], "buyer");
        assert_eq!(
            json["body"],
            serde_json::json!({"type": "text", "text": "hi"})
        );
        assert_eq!(serde_json::from_value::<Message>(json).unwrap(), m);
    }

    #[test]
    fn sender_round_trips_through_its_name() {
        for s in [Sender::Buyer, Sender::Merchant] {
            assert_eq!(Sender::parse(s.as_str()), Some(s));
        }
        assert_eq!(Sender::parse("admin"), None);
    }
}
