//! Messages in a conversation.

use serde::{de, Deserialize, Deserializer, Serialize};

use crate::order::Order;
use crate::product_message::ProductSection;
use crate::tagged::Tagged;

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

/// What a message carries. Deserialized by hand (see [`crate::tagged`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageBody {
    Text {
        text: String,
    },
    /// One catalog product; the card shows the product's current data.
    Product {
        retailer_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
    },
    /// Up to 30 products in up to 10 titled sections.
    ProductList {
        header: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        footer: Option<String>,
        sections: Vec<ProductSection>,
    },
    /// A purchase request: the buyer's cart sent into the chat.
    Order {
        order: Order,
    },
    /// A merchant's payment request; the card follows `payment_updated` events.
    PaymentRequest {
        request: Box<crate::payment::PaymentRequest>,
    },
    /// An order status update (paid, shipped, delivered, cancelled, refunded…).
    OrderStatus {
        payment_request_id: String,
        state: crate::payment::PaymentState,
        /// The update in English, as the server wrote it (for clients that
        /// do not translate, and for messages stored before the fields below).
        text: String,
        /// The request's total, so clients can write the update in their language.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        total: Option<crate::money::Money>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        carrier: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tracking: Option<String>,
    },
    /// A photo or a PDF (see [`crate::attachment`]).
    Attachment(crate::attachment::Attachment),
}

impl<'de> Deserialize<'de> for MessageBody {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<MessageBody, D::Error> {
        #[derive(Deserialize)]
        struct Text {
            text: String,
        }
        #[derive(Deserialize)]
        struct OrderStatus {
            payment_request_id: String,
            state: crate::payment::PaymentState,
            text: String,
            total: Option<crate::money::Money>,
            carrier: Option<String>,
            tracking: Option<String>,
        }
        let value = Tagged::read(deserializer, "type")?;
        Ok(match value.tag.as_str() {
            "text" => {
                let Text { text } = value.fields()?;
                MessageBody::Text { text }
            }
            "order_status" => {
                let OrderStatus { payment_request_id, state, text, total, carrier, tracking } = value.fields()?;
                MessageBody::OrderStatus { payment_request_id, state, text, total, carrier, tracking }
            }
            tag => crate::deferred::card(tag, value.json()).map_err(de::Error::custom)?,
        })
    }
}

impl MessageBody {
    /// Reads a body that a card shows (every kind but `text` and
    /// `order_status`) from its JSON object; `tag` is its `type`. The widget's
    /// split build loads this with the cards (see [`crate::deferred`]).
    pub fn read_card(tag: &str, json: &str) -> Result<MessageBody, String> {
        #[derive(Deserialize)]
        struct Product {
            retailer_id: String,
            body: Option<String>,
            footer: Option<String>,
        }
        #[derive(Deserialize)]
        struct ProductList {
            header: String,
            body: Option<String>,
            footer: Option<String>,
            sections: Vec<ProductSection>,
        }
        #[derive(Deserialize)]
        struct OrderBody {
            order: Order,
        }
        #[derive(Deserialize)]
        struct PaymentRequest {
            request: Box<crate::payment::PaymentRequest>,
        }
        const VARIANTS: &[&str] =
            &["text", "product", "product_list", "order", "payment_request", "order_status", "attachment"];
        Ok(match tag {
            "product" => {
                let Product { retailer_id, body, footer } = crate::deferred::read(json)?;
                MessageBody::Product { retailer_id, body, footer }
            }
            "product_list" => {
                let ProductList { header, body, footer, sections } = crate::deferred::read(json)?;
                MessageBody::ProductList { header, body, footer, sections }
            }
            "order" => {
                let OrderBody { order } = crate::deferred::read(json)?;
                MessageBody::Order { order }
            }
            "payment_request" => {
                let PaymentRequest { request } = crate::deferred::read(json)?;
                MessageBody::PaymentRequest { request }
            }
            "attachment" => MessageBody::Attachment(crate::deferred::read(json)?),
            _ => return Err(<serde_json::Error as de::Error>::unknown_variant(tag, VARIANTS).to_string()),
        })
    }
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
    /// The text of a text message; empty for other kinds.
    pub fn text(&self) -> &str {
        match &self.body {
            MessageBody::Text { text } => text,
            _ => "",
        }
    }

    /// One line for an inbox or a notification.
    pub fn preview(&self) -> String {
        match &self.body {
            MessageBody::Text { text } => text.clone(),
            MessageBody::Product { body, .. } => match body {
                Some(body) if !body.trim().is_empty() => format!("Product: {body}"),
                _ => "Product".into(),
            },
            MessageBody::ProductList { header, .. } => format!("Products: {header}"),
            MessageBody::Order { order } => {
                let items: u32 = order.lines.iter().map(|l| l.quantity).sum();
                format!("Purchase request: {items} item(s), {}", order.total.display())
            }
            MessageBody::PaymentRequest { request } => format!("Payment request: {}", request.total.display()),
            MessageBody::OrderStatus { text, .. } => text.clone(),
            MessageBody::Attachment(a) => match a.kind {
                crate::AttachmentKind::Image => format!("Photo: {}", a.name),
                crate::AttachmentKind::Pdf => format!("PDF: {}", a.name),
            },
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
        assert_eq!(json["body"], serde_json::json!({"type": "text", "text": "hi"}));
        assert_eq!(serde_json::from_value::<Message>(json).unwrap(), m);
    }

    #[test]
    fn order_updates_stored_before_they_carried_a_total_still_read() {
        let old =
            r#"{"type":"order_status","payment_request_id":"p","state":"paid","text":"Payment of R$ 5,00 received"}"#;
        match serde_json::from_str::<MessageBody>(old).unwrap() {
            MessageBody::OrderStatus { total, carrier, tracking, text, .. } => {
                assert_eq!((total, carrier, tracking), (None, None, None));
                assert_eq!(text, "Payment of R$ 5,00 received");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn attachment_messages_are_flat_and_round_trip() {
        let body = MessageBody::Attachment(crate::Attachment {
            id: "0b6c".into(),
            kind: crate::AttachmentKind::Image,
            name: "shoe.jpg".into(),
            mime: "image/jpeg".into(),
            size: 2048,
            width: Some(640),
            height: Some(480),
            alt: "Red shoe".into(),
        });
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(json["type"], "attachment");
        assert_eq!(json["kind"], "image");
        assert_eq!(json["alt"], "Red shoe");
        assert_eq!(serde_json::from_value::<MessageBody>(json).unwrap(), body);
    }

    #[test]
    fn sender_round_trips_through_its_name() {
        for s in [Sender::Buyer, Sender::Merchant] {
            assert_eq!(Sender::parse(s.as_str()), Some(s));
        }
        assert_eq!(Sender::parse("admin"), None);
    }
}
