//! WebSocket frames on `/api/v1/ws`, JSON text frames tagged by `type`.

use serde::{de, Deserialize, Deserializer, Serialize};

use crate::error::ApiError;
use crate::message::{Message, Sender};
use crate::tagged::Tagged;

/// What a client may send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClientFrame {
    /// Keep-alive; answered with [`ServerFrame::Pong`].
    Ping,
    /// Send everything after `after_seq` in this conversation (after a reconnect).
    Resume { conversation_id: String, after_seq: i64 },
    /// The sender is typing in this conversation; sent at most once per
    /// [`crate::typing::TYPING_SEND_EVERY_MS`], never stored.
    Typing { conversation_id: String },
    /// The sender's client has received every message up to `seq`.
    Delivered { conversation_id: String, seq: i64 },
    /// Staff only: whether the staff member is at their console (`idle` after
    /// [`crate::presence::IDLE_AFTER_MINUTES`] without input, not idle on the next input).
    Activity { idle: bool },
}

/// What the server sends. Deserialized by hand (see [`crate::tagged`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// The socket is authenticated and live events will follow.
    Ready,
    Pong,
    /// A new message in a conversation the viewer belongs to.
    Message {
        message: Message,
    },
    /// Answer to `Resume`: the missed messages, ascending, possibly empty.
    Backlog {
        conversation_id: String,
        messages: Vec<Message>,
    },
    /// A party read up to `seq`; unread counts change.
    Read {
        conversation_id: String,
        reader: crate::message::Sender,
        seq: i64,
    },
    /// The other party is typing; shown until a message from them arrives or
    /// [`crate::typing::TYPING_SHOWN_MS`] pass without another one.
    Typing {
        conversation_id: String,
        sender: crate::message::Sender,
    },
    /// A party's clients received every message up to `seq` (never lowers).
    Delivered {
        conversation_id: String,
        party: crate::message::Sender,
        seq: i64,
    },
    /// This device's cart changed (a product in it changed, or another tab edited it).
    CartChanged {
        cart: crate::cart::Cart,
    },
    /// Products of the shop changed; cards showing them refresh.
    ProductsChanged {
        products: Vec<crate::catalog::Product>,
    },
    /// A payment request changed state; its card updates.
    PaymentUpdated {
        request: Box<crate::payment::PaymentRequest>,
    },
    /// Whether and when the shop answers (staff came, went or idled; settings changed);
    /// a buyer's socket also gets it right after `Ready`. The widget's header shows it.
    Availability {
        availability: crate::presence::ShopAvailability,
    },
    /// The client's frame was refused; the socket stays open.
    Error {
        error: ApiError,
    },
}

/// The `type`s of [`ServerFrame`] (what an unknown one's error lists).
pub(crate) const SERVER_FRAME_TYPES: &[&str] = &[
    "ready",
    "pong",
    "message",
    "backlog",
    "read",
    "typing",
    "delivered",
    "cart_changed",
    "products_changed",
    "payment_updated",
    "availability",
    "error",
];

impl<'de> Deserialize<'de> for ServerFrame {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<ServerFrame, D::Error> {
        #[derive(Deserialize)]
        struct MessageFrame {
            message: Message,
        }
        #[derive(Deserialize)]
        struct Backlog {
            conversation_id: String,
            messages: Vec<Message>,
        }
        #[derive(Deserialize)]
        struct Read {
            conversation_id: String,
            reader: Sender,
            seq: i64,
        }
        #[derive(Deserialize)]
        struct Typing {
            conversation_id: String,
            sender: Sender,
        }
        #[derive(Deserialize)]
        struct Delivered {
            conversation_id: String,
            party: Sender,
            seq: i64,
        }
        #[derive(Deserialize)]
        struct Availability {
            availability: crate::presence::ShopAvailability,
        }
        #[derive(Deserialize)]
        struct Error {
            error: ApiError,
        }
        const VARIANTS: &[&str] = SERVER_FRAME_TYPES;
        let value = Tagged::read(deserializer, "type")?;
        Ok(match value.tag.as_str() {
            "ready" => ServerFrame::Ready,
            "pong" => ServerFrame::Pong,
            "message" => {
                let MessageFrame { message } = value.fields()?;
                ServerFrame::Message { message }
            }
            "backlog" => {
                let Backlog { conversation_id, messages } = value.fields()?;
                ServerFrame::Backlog { conversation_id, messages }
            }
            "read" => {
                let Read { conversation_id, reader, seq } = value.fields()?;
                ServerFrame::Read { conversation_id, reader, seq }
            }
            "typing" => {
                let Typing { conversation_id, sender } = value.fields()?;
                ServerFrame::Typing { conversation_id, sender }
            }
            "delivered" => {
                let Delivered { conversation_id, party, seq } = value.fields()?;
                ServerFrame::Delivered { conversation_id, party, seq }
            }
            "cart_changed" | "products_changed" | "payment_updated" => {
                crate::deferred::frame(&value.tag, value.json()).map_err(de::Error::custom)?
            }
            "availability" => {
                let Availability { availability } = value.fields()?;
                ServerFrame::Availability { availability }
            }
            "error" => {
                let Error { error } = value.fields()?;
                ServerFrame::Error { error }
            }
            _ => return Err(value.unknown(VARIANTS)),
        })
    }
}

impl ServerFrame {
    /// Reads a frame that only the cart, the cards and the panels use
    /// (`cart_changed`, `products_changed`, `payment_updated`) from its JSON
    /// object; `tag` is its `type`. The widget's split build loads this with
    /// the cards (see [`crate::deferred`]).
    pub fn read_rare(tag: &str, json: &str) -> Result<ServerFrame, String> {
        #[derive(Deserialize)]
        struct CartChanged {
            cart: crate::cart::Cart,
        }
        #[derive(Deserialize)]
        struct ProductsChanged {
            products: Vec<crate::catalog::Product>,
        }
        #[derive(Deserialize)]
        struct PaymentUpdated {
            request: Box<crate::payment::PaymentRequest>,
        }
        Ok(match tag {
            "cart_changed" => ServerFrame::CartChanged { cart: crate::deferred::read::<CartChanged>(json)?.cart },
            "products_changed" => {
                ServerFrame::ProductsChanged { products: crate::deferred::read::<ProductsChanged>(json)?.products }
            }
            "payment_updated" => {
                ServerFrame::PaymentUpdated { request: crate::deferred::read::<PaymentUpdated>(json)?.request }
            }
            _ => return Err(format!("not a rare frame: {tag}")),
        })
    }
}

impl ClientFrame {
    pub fn parse(text: &str) -> Result<ClientFrame, ApiError> {
        serde_json::from_str(text).map_err(|e| ApiError::bad_request(format!("Not a valid frame: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_frames_parse_and_garbage_is_an_error() {
        assert_eq!(ClientFrame::parse(r#"{"type":"ping"}"#).unwrap(), ClientFrame::Ping);
        assert_eq!(
            ClientFrame::parse(r#"{"type":"resume","conversation_id":"c","after_seq":4}"#).unwrap(),
            ClientFrame::Resume { conversation_id: "c".into(), after_seq: 4 }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"typing","conversation_id":"c"}"#).unwrap(),
            ClientFrame::Typing { conversation_id: "c".into() }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"delivered","conversation_id":"c","seq":7}"#).unwrap(),
            ClientFrame::Delivered { conversation_id: "c".into(), seq: 7 }
        );
        assert_eq!(
            ClientFrame::parse(r#"{"type":"activity","idle":true}"#).unwrap(),
            ClientFrame::Activity { idle: true }
        );
        for bad in [
            "",
            "nope",
            "{}",
            r#"{"type":"launch"}"#,
            r#"{"type":"resume","conversation_id":1}"#,
            r#"{"type":"typing"}"#,
            r#"{"type":"typing","conversation_id":"c","sender":"merchant"}"#,
            r#"{"type":"delivered","conversation_id":"c"}"#,
        ] {
            let err = ClientFrame::parse(bad).unwrap_err();
            assert_eq!(err.code, crate::ErrorCode::BadRequest, "{bad}");
        }
    }

    #[test]
    fn server_frames_round_trip() {
        let message = Message {
            id: "m1".into(),
            conversation_id: "c".into(),
            seq: 1,
            sender: Sender::Buyer,
            client_id: "k".into(),
            body: crate::MessageBody::OrderStatus {
                payment_request_id: "p".into(),
                state: crate::payment::PaymentState::Shipped,
                text: "Order shipped with Correios".into(),
                total: Some(crate::Money::new(rust_decimal::Decimal::new(18990, 2), crate::Currency::Brl)),
                carrier: Some("Correios".into()),
                tracking: None,
            },
            created_at: 5,
        };
        let frames = [
            ServerFrame::Ready,
            ServerFrame::Pong,
            ServerFrame::Message { message: message.clone() },
            ServerFrame::Backlog { conversation_id: "c".into(), messages: vec![message] },
            ServerFrame::Read { conversation_id: "c".into(), reader: Sender::Merchant, seq: 2 },
            ServerFrame::Typing { conversation_id: "c".into(), sender: Sender::Buyer },
            ServerFrame::Delivered { conversation_id: "c".into(), party: Sender::Buyer, seq: 3 },
            ServerFrame::ProductsChanged { products: vec![] },
            ServerFrame::Availability { availability: crate::presence::ShopAvailability::unknown() },
            ServerFrame::Error { error: ApiError::bad_request("no") },
        ];
        for frame in frames {
            let json = serde_json::to_string(&frame).unwrap();
            assert_eq!(serde_json::from_str::<ServerFrame>(&json).unwrap(), frame, "{json}");
        }
        let err = serde_json::from_str::<ServerFrame>(r#"{"type":"launch"}"#).unwrap_err().to_string();
        assert!(err.contains("unknown variant `launch`"), "{err}");
    }

    #[test]
    fn server_frame_tags() {
        let json = serde_json::to_string(&ServerFrame::Pong).unwrap();
        assert_eq!(json, r#"{"type":"pong"}"#);
        let typing = ServerFrame::Typing { conversation_id: "c".into(), sender: crate::Sender::Merchant };
        assert_eq!(
            serde_json::to_value(&typing).unwrap(),
            serde_json::json!({"type": "typing", "conversation_id": "c", "sender": "merchant"})
        );
        let delivered = ServerFrame::Delivered { conversation_id: "c".into(), party: crate::Sender::Buyer, seq: 3 };
        assert_eq!(
            serde_json::to_value(&delivered).unwrap(),
            serde_json::json!({"type": "delivered", "conversation_id": "c", "party": "buyer", "seq": 3})
        );
    }
}
