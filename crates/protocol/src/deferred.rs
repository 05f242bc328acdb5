//! Readers that the widget's split build loads with its cards.
//!
//! Most of what the widget reads at the first open is plain chat: text
//! messages, order updates, receipts, typing, presence. The readers of what
//! only cards and panels show (products, product lists, orders, payment
//! requests, attachments, the lines of a cart, and the `cart_changed`,
//! `products_changed` and `payment_updated` frames) are ~80 KB of the wasm
//! before compression. In the
//! split build (`--cfg talkshop_split`, see the widget's `src/parts.rs`) the
//! body and frame readers ask this module for those kinds instead of reading
//! them: until the widget's `cards` part has installed its [`Readers`], the
//! read fails and [`missing`] says why, so the widget fetches the part and
//! reads the same JSON again. Everywhere else (server, console, tests) the
//! readers are called directly. The JSON, the types and the errors are the same
//! either way.

use serde::de::DeserializeOwned;

use crate::cart::Cart;
use crate::frame::ServerFrame;
use crate::message::MessageBody;

/// The readers of the kinds that cards and panels show.
#[derive(Debug, Clone, Copy)]
pub struct Readers {
    /// A message body other than `text` and `order_status`: its `type` and
    /// the whole object as JSON.
    pub card: fn(&str, &str) -> Result<MessageBody, String>,
    /// A `cart_changed`, `products_changed` or `payment_updated` frame.
    pub frame: fn(&str, &str) -> Result<ServerFrame, String>,
    /// A cart with lines.
    pub cart: fn(&str) -> Result<Cart, String>,
    /// Writes a cart with lines (what the widget keeps of it on the device).
    pub write_cart: fn(&Cart) -> String,
}

impl Readers {
    /// The readers themselves (what the `cards` part installs).
    pub fn full() -> Readers {
        Readers {
            card: MessageBody::read_card,
            frame: ServerFrame::read_rare,
            cart: read::<Cart>,
            write_cart: |cart| serde_json::to_string(cart).unwrap_or_default(),
        }
    }
}

/// What a read says when it needed readers that are not installed yet.
pub const NOT_LOADED: &str = "this kind of message is read by a part of the widget that is not loaded yet";

#[cfg(talkshop_split)]
mod installed {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::OnceLock;

    use super::{Readers, NOT_LOADED};

    static READERS: OnceLock<Readers> = OnceLock::new();
    static MISSING: AtomicBool = AtomicBool::new(false);

    pub fn install(readers: Readers) {
        let _ = READERS.set(readers);
    }

    pub fn missing() -> bool {
        MISSING.swap(false, Ordering::Relaxed)
    }

    pub fn get() -> Result<Readers, String> {
        READERS.get().copied().ok_or_else(|| {
            MISSING.store(true, Ordering::Relaxed);
            NOT_LOADED.to_owned()
        })
    }
}

/// Makes `readers` the ones that reads use from now on (the first call wins).
/// Outside the split build, reads call the readers directly and this does nothing.
pub fn install(readers: Readers) {
    #[cfg(talkshop_split)]
    installed::install(readers);
    #[cfg(not(talkshop_split))]
    let _ = readers;
}

/// Whether a read since the last call failed only because the readers were
/// not installed yet (then: install them and read again). Clears the answer.
pub fn missing() -> bool {
    #[cfg(talkshop_split)]
    return installed::missing();
    #[cfg(not(talkshop_split))]
    false
}

fn readers() -> Result<Readers, String> {
    #[cfg(talkshop_split)]
    return installed::get();
    #[cfg(not(talkshop_split))]
    Ok(Readers::full())
}

pub(crate) fn card(tag: &str, json: &str) -> Result<MessageBody, String> {
    (readers()?.card)(tag, json)
}

pub(crate) fn frame(tag: &str, json: &str) -> Result<ServerFrame, String> {
    (readers()?.frame)(tag, json)
}

/// A [`Cart`] as the server sends it (`GET /api/v1/cart` and the answers of
/// every cart change), read by `crate::json`: an empty cart (a new buyer's)
/// there, the lines of one that has some by the installed readers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartJson(pub Cart);

impl CartJson {
    pub fn into_cart(self) -> Cart {
        self.0
    }
}

/// Reads a cart with lines (its whole JSON object) with the installed readers.
pub(crate) fn cart_lines(json: &str) -> Result<Cart, String> {
    (readers()?.cart)(json)
}

/// A cart as JSON, the text serde writes: an empty one (a new buyer's) by
/// hand, one with lines by the installed writer. `None` only when a cart
/// with lines comes before the readers that read its lines were installed.
pub fn cart_json(cart: &Cart) -> Option<String> {
    use crate::json::{object, ToValue, Value};
    if cart.lines.is_empty() {
        let empty = object(vec![
            ("id", cart.id.to_value()),
            ("shop_id", cart.shop_id.to_value()),
            ("lines", Value::Array(Vec::new())),
            ("updated_at", cart.updated_at.to_value()),
        ]);
        return Some(empty.to_json());
    }
    readers().ok().map(|readers| (readers.write_cart)(cart))
}

/// Reads `json` as a `T`, the error as text (what the readers return).
pub(crate) fn read<T: DeserializeOwned>(json: &str) -> Result<T, String> {
    serde_json::from_str(json).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use crate::{Message, MessageBody, ServerFrame};

    #[test]
    fn cards_and_rare_frames_read_through_the_readers() {
        let body: MessageBody = serde_json::from_str(r#"{"type":"product","retailer_id":"sku-1"}"#).unwrap();
        assert_eq!(body, MessageBody::Product { retailer_id: "sku-1".into(), body: None, footer: None });
        let frame: ServerFrame = serde_json::from_str(r#"{"type":"products_changed","products":[]}"#).unwrap();
        assert_eq!(frame, ServerFrame::ProductsChanged { products: vec![] });
        let err = serde_json::from_str::<MessageBody>(r#"{"type":"product"}"#).unwrap_err().to_string();
        assert!(err.contains("missing field `retailer_id`"), "{err}");
        let err = serde_json::from_str::<MessageBody>(r#"{"type":"poem","text":"x"}"#).unwrap_err().to_string();
        assert!(err.contains("unknown variant `poem`"), "{err}");
        let message = r#"{"id":"m","conversation_id":"c","seq":1,"sender":"merchant","client_id":"k",
            "body":{"type":"payment_request","request":7},"created_at":1}"#;
        let err = serde_json::from_str::<Message>(message).unwrap_err().to_string();
        assert!(err.contains("invalid type"), "{err}");
        assert!(!super::missing(), "outside the split build nothing is ever missing");
    }

    #[test]
    fn carts_read_the_same_empty_or_not() {
        use super::CartJson;
        use crate::{Cart, CartLine, Currency, Money};
        let line = CartLine {
            id: "l1".into(),
            retailer_id: "sku".into(),
            variant_sku: None,
            title: "Mug".into(),
            options: Default::default(),
            image_url: "https://shop.example/mug.png".into(),
            unit_price: Money::new(rust_decimal::Decimal::new(1250, 2), Currency::Usd),
            quantity: 2,
            product_version: 3,
            notices: vec![],
        };
        let empty = Cart { id: "c".into(), shop_id: "s".into(), lines: vec![], updated_at: 9 };
        let full = Cart { lines: vec![line], ..empty.clone() };
        for cart in [empty, full] {
            let json = serde_json::to_string(&cart).unwrap();
            assert_eq!(crate::json::from_str::<CartJson>(&json).unwrap().0, cart, "{json}");
            assert_eq!(serde_json::from_str::<Cart>(&json).unwrap(), cart);
        }
        let err = crate::json::from_str::<CartJson>(r#"{"id":"c","shop_id":"s","lines":[{"id":1}],"updated_at":1}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("invalid type"), "{err}");
        assert!(crate::json::from_str::<CartJson>(r#"{"id":"c","lines":[]}"#).is_err());
    }
}
