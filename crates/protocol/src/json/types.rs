//! [`FromValue`] for the types the widget reads at its first open: sessions,
//! the shop's look and availability, conversations, message pages, text and
//! order-update messages, socket frames, errors and an empty cart. What only
//! cards and panels read (products, orders, payment requests, attachments, the
//! lines of a cart) goes to [`crate::deferred`]'s readers, as with serde.

use super::{named, object, unknown_variant, FromValue, ToValue, Value};
use crate::api::{
    ConversationList, ConversationSummary, CreateVisitor, MarkRead, MessagePage, ResumeRequest, SendText, ShopHeader,
    ShopInfo, ShopLook, VisitorSession,
};
use crate::cart::{AddToCart, Cart};
use crate::deferred::CartJson;
use crate::error::{ApiError, ErrorBody, ErrorCode};
use crate::frame::{ClientFrame, ServerFrame};
use crate::message::{Message, MessageBody, Sender};
use crate::money::{Currency, Money};
use crate::payment::PaymentState;
use crate::presence::{BuyerEmail, ShopAvailability, StaffPresence, StoredBuyerEmail};
use crate::read_struct;
use crate::ShippingOption;

type Fields<'a> = super::Fields<'a>;

impl FromValue for Sender {
    fn from_value(value: &Value) -> Result<Sender, String> {
        named(value, &["buyer", "merchant"], Sender::parse)
    }
}

impl FromValue for StaffPresence {
    fn from_value(value: &Value) -> Result<StaffPresence, String> {
        named(value, &["offline", "away", "online"], StaffPresence::parse)
    }
}

impl FromValue for PaymentState {
    fn from_value(value: &Value) -> Result<PaymentState, String> {
        let names = PaymentState::ALL.map(PaymentState::label);
        named(value, &names, |name| PaymentState::ALL.into_iter().find(|s| s.label() == name))
    }
}

impl FromValue for ErrorCode {
    fn from_value(value: &Value) -> Result<ErrorCode, String> {
        const CODES: [(&str, ErrorCode); 11] = [
            ("bad_request", ErrorCode::BadRequest),
            ("invalid", ErrorCode::Invalid),
            ("unauthorized", ErrorCode::Unauthorized),
            ("forbidden", ErrorCode::Forbidden),
            ("not_found", ErrorCode::NotFound),
            ("conflict", ErrorCode::Conflict),
            ("payload_too_large", ErrorCode::PayloadTooLarge),
            ("unsupported_media_type", ErrorCode::UnsupportedMediaType),
            ("rate_limited", ErrorCode::RateLimited),
            ("internal", ErrorCode::Internal),
            ("unavailable", ErrorCode::Unavailable),
        ];
        named(value, &CODES.map(|(name, _)| name), |name| CODES.iter().find(|(n, _)| *n == name).map(|(_, c)| *c))
    }
}

impl FromValue for Currency {
    fn from_value(value: &Value) -> Result<Currency, String> {
        value.str("a currency code")?.parse().map_err(|e: ApiError| e.message)
    }
}

impl FromValue for Money {
    fn from_value(value: &Value) -> Result<Money, String> {
        let f = Fields::of(value, "struct Money")?;
        let amount = f.find("amount").ok_or("missing field `amount`")?;
        let amount = crate::money::amount::parse(amount.str("a decimal amount as a string, such as \"12.50\"")?)?;
        Ok(Money { amount, currency: f.get("currency")? })
    }
}

impl FromValue for ApiError {
    fn from_value(value: &Value) -> Result<ApiError, String> {
        read_struct!(value, ApiError { code, message, field })
    }
}

impl FromValue for ErrorBody {
    fn from_value(value: &Value) -> Result<ErrorBody, String> {
        read_struct!(value, ErrorBody { error })
    }
}

impl FromValue for MessageBody {
    fn from_value(value: &Value) -> Result<MessageBody, String> {
        let f = Fields::of(value, "a message body")?;
        Ok(match f.tag("type")? {
            "text" => MessageBody::Text { text: f.get("text")? },
            "order_status" => MessageBody::OrderStatus {
                payment_request_id: f.get("payment_request_id")?,
                state: f.get("state")?,
                text: f.get("text")?,
                total: f.get("total")?,
                carrier: f.get("carrier")?,
                tracking: f.get("tracking")?,
            },
            tag => crate::deferred::card(tag, &value.to_json())?,
        })
    }
}

impl FromValue for Message {
    fn from_value(value: &Value) -> Result<Message, String> {
        read_struct!(value, Message { id, conversation_id, seq, sender, client_id, body, created_at })
    }
}

impl FromValue for ServerFrame {
    fn from_value(value: &Value) -> Result<ServerFrame, String> {
        let f = Fields::of(value, "a frame")?;
        Ok(match f.tag("type")? {
            "ready" => ServerFrame::Ready,
            "pong" => ServerFrame::Pong,
            "message" => ServerFrame::Message { message: f.get("message")? },
            "backlog" => {
                ServerFrame::Backlog { conversation_id: f.get("conversation_id")?, messages: f.get("messages")? }
            }
            "read" => ServerFrame::Read {
                conversation_id: f.get("conversation_id")?,
                reader: f.get("reader")?,
                seq: f.get("seq")?,
            },
            "typing" => ServerFrame::Typing { conversation_id: f.get("conversation_id")?, sender: f.get("sender")? },
            "delivered" => ServerFrame::Delivered {
                conversation_id: f.get("conversation_id")?,
                party: f.get("party")?,
                seq: f.get("seq")?,
            },
            tag @ ("cart_changed" | "products_changed" | "payment_updated") => {
                crate::deferred::frame(tag, &value.to_json())?
            }
            "availability" => ServerFrame::Availability { availability: f.get("availability")? },
            "error" => ServerFrame::Error { error: f.get("error")? },
            tag => return Err(unknown_variant(tag, crate::frame::SERVER_FRAME_TYPES)),
        })
    }
}

impl FromValue for ShopAvailability {
    fn from_value(value: &Value) -> Result<ShopAvailability, String> {
        read_struct!(value, ShopAvailability { staff, open, back_at, closes_at, typical_reply_secs; away_message })
    }
}

impl FromValue for ShopInfo {
    fn from_value(value: &Value) -> Result<ShopInfo, String> {
        read_struct!(value, ShopInfo { id, name })
    }
}

impl FromValue for ShippingOption {
    fn from_value(value: &Value) -> Result<ShippingOption, String> {
        read_struct!(value, ShippingOption { id, name, price, free_above; countries })
    }
}

impl FromValue for ShopLook {
    fn from_value(value: &Value) -> Result<ShopLook, String> {
        read_struct!(value, ShopLook {
            name, logo_initial, logo_color;
            shipping_options, pickup, pickup_address;
            availability = ShopAvailability::unknown
        })
    }
}

impl FromValue for ShopHeader {
    fn from_value(value: &Value) -> Result<ShopHeader, String> {
        read_struct!(value, ShopHeader {
            name, logo_initial, logo_color;;
            availability = ShopAvailability::unknown
        })
    }
}

impl FromValue for StoredBuyerEmail {
    fn from_value(value: &Value) -> Result<StoredBuyerEmail, String> {
        read_struct!(value, StoredBuyerEmail { email, consented_at })
    }
}

impl FromValue for VisitorSession {
    fn from_value(value: &Value) -> Result<VisitorSession, String> {
        read_struct!(value, VisitorSession { token, visitor_id, device_id, shop, user_id })
    }
}

impl FromValue for ConversationSummary {
    fn from_value(value: &Value) -> Result<ConversationSummary, String> {
        read_struct!(value, ConversationSummary { id, shop, buyer_label, last_seq, last_activity, unread, last_message; read_seq, peer_delivered_seq, peer_read_seq })
    }
}

impl FromValue for ConversationList {
    fn from_value(value: &Value) -> Result<ConversationList, String> {
        read_struct!(value, ConversationList { conversations })
    }
}

impl FromValue for MessagePage {
    fn from_value(value: &Value) -> Result<MessagePage, String> {
        read_struct!(value, MessagePage { messages, has_more })
    }
}

impl FromValue for MarkRead {
    fn from_value(value: &Value) -> Result<MarkRead, String> {
        read_struct!(value, MarkRead { seq })
    }
}

impl FromValue for AddToCart {
    fn from_value(value: &Value) -> Result<AddToCart, String> {
        read_struct!(value, AddToCart { retailer_id, variant_sku, quantity })
    }
}

/// An empty cart is read here; one with lines by the installed readers (see [`crate::deferred`]).
impl FromValue for CartJson {
    fn from_value(value: &Value) -> Result<CartJson, String> {
        let f = Fields::of(value, "struct Cart")?;
        // Looked at, not copied: an empty cart's lines are read here, others by the readers.
        let empty = match f.find("lines") {
            Some(Value::Array(lines)) => lines.is_empty(),
            Some(other) => return Err(format!("{} (field `lines`)", other.invalid("a sequence"))),
            None => return Err("missing field `lines`".to_owned()),
        };
        let cart =
            Cart { id: f.get("id")?, shop_id: f.get("shop_id")?, lines: Vec::new(), updated_at: f.get("updated_at")? };
        if empty {
            return Ok(CartJson(cart));
        }
        crate::deferred::cart_lines(&value.to_json()).map(CartJson)
    }
}

// What the widget's first load writes: its socket frames and the bodies of
// its requests (the tests compare each with serde's text).

impl ToValue for ClientFrame {
    fn to_value(&self) -> Value {
        let tag = |name: &str| ("type", name.to_value());
        object(match self {
            ClientFrame::Ping => vec![tag("ping")],
            ClientFrame::Resume { conversation_id, after_seq } => vec![
                tag("resume"),
                ("conversation_id", conversation_id.to_value()),
                ("after_seq", after_seq.to_value()),
            ],
            ClientFrame::Typing { conversation_id } => {
                vec![tag("typing"), ("conversation_id", conversation_id.to_value())]
            }
            ClientFrame::Delivered { conversation_id, seq } => {
                vec![tag("delivered"), ("conversation_id", conversation_id.to_value()), ("seq", seq.to_value())]
            }
            ClientFrame::Activity { idle } => vec![tag("activity"), ("idle", idle.to_value())],
        })
    }
}

crate::write_struct!(CreateVisitor { shop, device_id });

crate::write_struct!(ResumeRequest { shop, device_id, token });

crate::write_struct!(SendText { client_id, text });

crate::write_struct!(MarkRead { seq });

crate::write_struct!(BuyerEmail { email, consent });

crate::write_struct!(AddToCart { retailer_id, variant_sku, quantity });

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    use super::super::from_str;
    use super::*;
    use crate::api::ShopInfo;

    /// Reads `json` both ways: both succeed with the same value, or both fail.
    fn same<T: FromValue + DeserializeOwned + PartialEq + std::fmt::Debug>(json: &str) -> Option<T> {
        agree(json, from_str::<T>(json), serde_json::from_str::<T>(json))
    }

    /// Our read and serde's of `json`: the same value, or both an error.
    fn agree<T: PartialEq + std::fmt::Debug>(
        json: &str,
        ours: Result<T, String>,
        theirs: Result<T, serde_json::Error>,
    ) -> Option<T> {
        match (ours, theirs) {
            (Ok(a), Ok(b)) => {
                assert_eq!(a, b, "{json}");
                Some(a)
            }
            (Err(_), Err(_)) => None,
            (ours, theirs) => panic!("{json}: ours {ours:?}, serde {:?}", theirs.map_err(|e| e.to_string())),
        }
    }

    fn round_trip<T: FromValue + DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(value: &T) {
        let json = serde_json::to_string(value).unwrap();
        assert_eq!(same::<T>(&json).as_ref(), Some(value), "{json}");
    }

    fn money(cents: i64, currency: Currency) -> Money {
        Money::new(rust_decimal::Decimal::new(cents, 2), currency)
    }

    fn message(body: MessageBody) -> Message {
        Message {
            id: "m1".into(),
            conversation_id: "c1".into(),
            seq: 7,
            sender: Sender::Merchant,
            client_id: "k1".into(),
            body,
            created_at: 1_700_000_000_000,
        }
    }

    /// A shop's look with one shipping option.
    fn look(free_above: Option<Money>, countries: Vec<String>) -> ShopLook {
        ShopLook {
            name: "Loja".into(),
            logo_initial: "L".into(),
            logo_color: "#112233".into(),
            shipping_options: vec![ShippingOption {
                id: "std".into(),
                name: "Standard".into(),
                price: money(990, Currency::Brl),
                free_above,
                countries,
            }],
            pickup: true,
            pickup_address: "Rua 1".into(),
            availability: availability(),
        }
    }

    fn availability() -> ShopAvailability {
        ShopAvailability {
            staff: StaffPresence::Away,
            open: false,
            back_at: Some(1_700_000_100_000),
            closes_at: None,
            typical_reply_secs: Some(900),
            away_message: "Back at 9 — \"soon\"\n".into(),
        }
    }

    fn order_status() -> MessageBody {
        MessageBody::OrderStatus {
            payment_request_id: "pr1".into(),
            state: PaymentState::Shipped,
            text: "Shipped".into(),
            total: Some(money(12_345, Currency::Brl)),
            carrier: Some("Correios".into()),
            tracking: None,
        }
    }

    #[test]
    fn first_open_types_read_the_same_as_with_serde() {
        let text = message(MessageBody::Text { text: "olá 😀 <b>\"x\"</b>\\".into() });
        round_trip(&text);
        round_trip(&message(order_status()));
        let shop = ShopInfo { id: "s1".into(), name: "Loja".into() };
        round_trip(&VisitorSession {
            token: "t".into(),
            visitor_id: "v".into(),
            device_id: "d".into(),
            shop: shop.clone(),
            user_id: Some("u".into()),
        });
        round_trip(&look(Some(money(20_000, Currency::Brl)), vec!["BR".into()]));
        // The header reads the whole look's answer, its shipping terms skipped.
        let look = serde_json::to_string(&look(None, vec![])).unwrap();
        let header = same::<ShopHeader>(&look).unwrap();
        assert_eq!((header.name.as_str(), header.color()), ("Loja", Some("#112233")));
        assert_eq!(header.availability, availability());
        let summary = ConversationSummary {
            id: "c1".into(),
            shop,
            buyer_label: "Visitor".into(),
            last_seq: 9,
            last_activity: 1,
            unread: 2,
            read_seq: 3,
            peer_delivered_seq: 4,
            peer_read_seq: 5,
            last_message: Some(text.clone()),
        };
        round_trip(&summary);
        round_trip(&ConversationList {
            conversations: vec![summary.clone(), ConversationSummary { last_message: None, ..summary }],
        });
        round_trip(&MessagePage { messages: vec![text.clone(), message(order_status())], has_more: true });
        round_trip(&MarkRead { seq: 3 });
        round_trip(&StoredBuyerEmail { email: "a@b.co".into(), consented_at: 5 });
        round_trip(&ErrorBody { error: ApiError::invalid("text", "Too long") });
        round_trip(&ApiError::new(ErrorCode::RateLimited, "Slow down"));
        round_trip(&AddToCart { retailer_id: "sku".into(), variant_sku: Some("sku-red".into()), quantity: 2 });
        for code in ["bad_request", "unsupported_media_type", "unavailable"] {
            same::<ErrorCode>(&format!("\"{code}\"")).unwrap();
        }
        for state in PaymentState::ALL {
            round_trip(&state);
        }
        for currency in Currency::ALL {
            round_trip(&money(-5, currency));
        }
        let frames = [
            ServerFrame::Ready,
            ServerFrame::Pong,
            ServerFrame::Message { message: text.clone() },
            ServerFrame::Backlog { conversation_id: "c1".into(), messages: vec![text, message(order_status())] },
            ServerFrame::Read { conversation_id: "c1".into(), reader: Sender::Buyer, seq: 4 },
            ServerFrame::Typing { conversation_id: "c1".into(), sender: Sender::Merchant },
            ServerFrame::Delivered { conversation_id: "c1".into(), party: Sender::Merchant, seq: 4 },
            ServerFrame::Availability { availability: availability() },
            ServerFrame::Error { error: ApiError::bad_request("no") },
            ServerFrame::ProductsChanged { products: vec![] },
        ];
        for frame in &frames {
            round_trip(frame);
        }
    }

    #[test]
    fn defaults_and_missing_fields_read_the_same_as_with_serde() {
        let look = same::<ShopLook>(r##"{"name":"L","logo_initial":"L","logo_color":"#000000"}"##).unwrap();
        assert_eq!(look.availability, ShopAvailability::unknown());
        let header = same::<ShopHeader>(r##"{"name":"L","logo_initial":"L","logo_color":"#000000"}"##).unwrap();
        assert_eq!(header.availability, ShopAvailability::unknown());
        same::<ShopAvailability>(r#"{"staff":"online","open":true}"#).unwrap();
        same::<ConversationSummary>(
            r#"{"id":"c","shop":{"id":"s","name":"n"},"buyer_label":"b","last_seq":1,"last_activity":2,"unread":0}"#,
        )
        .unwrap();
        same::<MessageBody>(r#"{"type":"order_status","payment_request_id":"p","state":"paid","text":"Paid"}"#)
            .unwrap();
        same::<MessageBody>(r#"{"text":"before the tag","type":"text","extra":[1,{"a":null}]}"#).unwrap();
    }

    #[test]
    fn bad_input_is_refused_as_with_serde() {
        let bad_messages = [
            r#"{"type":"text"}"#,
            r#"{"type":"text","text":5}"#,
            r#"{"text":"no tag"}"#,
            r#"{"type":7,"text":"x"}"#,
            r#"{"type":"poem","text":"x"}"#,
            r#"{"type":"order_status","payment_request_id":"p","state":"lost","text":"x"}"#,
            r#"{"type":"order_status","payment_request_id":"p","state":"paid","text":"x","total":{"amount":5,"currency":"BRL"}}"#,
            r#"{"type":"order_status","payment_request_id":"p","state":"paid","text":"x","total":{"amount":"1e3","currency":"BRL"}}"#,
            r#"{"type":"order_status","payment_request_id":"p","state":"paid","text":"x","total":{"amount":"1","currency":"XXX"}}"#,
            r#"["text","hi"]"#,
        ];
        for json in bad_messages {
            assert!(same::<MessageBody>(json).is_none(), "{json}");
        }
        for json in [
            r#"{"type":"read","conversation_id":"c","reader":"staff","seq":1}"#,
            r#"{"type":"delivered","conversation_id":"c","party":"buyer","seq":-1.5}"#,
            r#"{"type":"backlog","conversation_id":"c","messages":{}}"#,
            r#"{"type":"dance"}"#,
            r#"{"type":"payment_updated","request":7}"#,
            "{}",
            "null",
        ] {
            assert!(same::<ServerFrame>(json).is_none(), "{json}");
        }
        assert!(same::<MarkRead>(r#"{"seq":4294967296000}"#).is_some());
        assert!(same::<AddToCart>(r#"{"retailer_id":"x","quantity":-1}"#).is_none());
        assert!(same::<AddToCart>(r#"{"retailer_id":"x","quantity":4294967296}"#).is_none());
        let err = from_str::<MessageBody>(r#"{"type":"poem","text":"x"}"#).unwrap_err();
        assert!(err.contains("unknown variant `poem`"), "{err}");
        let err = from_str::<Message>(r#"{"id":"m"}"#).unwrap_err();
        assert!(err.contains("missing field `conversation_id`"), "{err}");
    }

    /// A cart read as the widget reads it (`CartJson`) and with serde (`Cart`).
    fn same_cart(json: &str) -> Option<Cart> {
        agree(json, from_str::<CartJson>(json).map(CartJson::into_cart), serde_json::from_str::<Cart>(json))
    }

    #[test]
    fn carts_read_the_same_empty_or_not() {
        let empty = r#"{"id":"c","shop_id":"s","lines":[],"updated_at":9}"#;
        assert_eq!(same_cart(empty).unwrap().lines.len(), 0);
        let cart = Cart {
            id: "c".into(),
            shop_id: "s".into(),
            lines: vec![crate::CartLine {
                id: "l1".into(),
                retailer_id: "sku".into(),
                variant_sku: None,
                title: "Mug \"big\"".into(),
                options: Default::default(),
                image_url: "https://shop.example/mug.png".into(),
                unit_price: money(1250, Currency::Usd),
                quantity: 2,
                product_version: 3,
                notices: vec![],
            }],
            updated_at: 9,
        };
        let json = serde_json::to_string(&cart).unwrap();
        assert_eq!(same_cart(&json).unwrap(), cart);
        assert!(same_cart(r#"{"id":"c","shop_id":"s","lines":[{"id":1}],"updated_at":1}"#).is_none());
        assert!(same_cart(r#"{"id":"c","lines":[]}"#).is_none());
        // Written as serde writes it, empty (by hand) or not (by the installed writer).
        assert_eq!(crate::deferred::cart_json(&cart).as_deref(), Some(json.as_str()));
        let empty_cart = Cart { lines: vec![], ..cart };
        assert_eq!(crate::deferred::cart_json(&empty_cart).unwrap(), serde_json::to_string(&empty_cart).unwrap());
    }

    /// Written by hand, the same text serde writes.
    fn writes_as_serde<T: ToValue + Serialize>(value: &T) {
        assert_eq!(super::super::to_string(value), serde_json::to_string(value).unwrap());
    }

    #[test]
    fn first_open_writes_are_serde_s_text() {
        let awkward = "olá 😀 \"q\" \\ / \n\r\t\u{8}\u{c}\u{1}\u{1f}\u{7f} <b>";
        for frame in [
            ClientFrame::Ping,
            ClientFrame::Resume { conversation_id: awkward.into(), after_seq: -1 },
            ClientFrame::Resume { conversation_id: "c".into(), after_seq: i64::MAX },
            ClientFrame::Typing { conversation_id: "c1".into() },
            ClientFrame::Delivered { conversation_id: "c1".into(), seq: 42 },
            ClientFrame::Activity { idle: true },
            ClientFrame::Activity { idle: false },
        ] {
            writes_as_serde(&frame);
        }
        writes_as_serde(&CreateVisitor { shop: "loja".into(), device_id: awkward.into() });
        writes_as_serde(&ResumeRequest { shop: "loja".into(), device_id: "d".into(), token: "t.k-n".into() });
        writes_as_serde(&SendText { client_id: "k1".into(), text: awkward.into() });
        writes_as_serde(&SendText { client_id: String::new(), text: String::new() });
        writes_as_serde(&MarkRead { seq: i64::MIN });
        writes_as_serde(&BuyerEmail { email: "a@b.example".into(), consent: true });
        writes_as_serde(&AddToCart {
            retailer_id: "sku".into(),
            variant_sku: Some("sku-red".into()),
            quantity: u32::MAX,
        });
        writes_as_serde(&AddToCart { retailer_id: "sku".into(), variant_sku: None, quantity: 1 });
        writes_as_serde(&vec![MarkRead { seq: 1 }, MarkRead { seq: 2 }]);
        writes_as_serde(&Vec::<MarkRead>::new());
    }
}
