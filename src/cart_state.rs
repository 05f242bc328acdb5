//! This device's cart: mirrored in localStorage so it shows at once after a
//! reload and offline; changes made while the shop is unreachable wait in an
//! outbox and are sent when the connection returns.

use std::future::Future;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use talkshop_protocol::deferred::CartJson;
use talkshop_protocol::json::{self, object, Fields, FromValue, ToValue, Value};
use talkshop_protocol::{AddToCart, ApiError, Cart, Contact, ErrorCode, Fulfilment, Message, MessageBody, SendOrder};

use crate::api::Api;
use crate::device;
use crate::parts::{call_part, PartUnavailable};
use crate::widget::OrderEvent;

/// A cart change the server has not taken yet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CartIntent {
    Add(AddToCart),
    SetQuantity { line_id: String, quantity: u32 },
    Remove { line_id: String },
    Clear,
}

/// As serde writes it: `{"Add":{…}}`, `{"SetQuantity":{…}}`, `{"Remove":{…}}`, `"Clear"`.
impl ToValue for CartIntent {
    fn to_value(&self) -> Value {
        let (name, fields) = match self {
            CartIntent::Add(line) => ("Add", line.to_value()),
            CartIntent::SetQuantity { line_id, quantity } => {
                ("SetQuantity", object(vec![("line_id", line_id.to_value()), ("quantity", quantity.to_value())]))
            }
            CartIntent::Remove { line_id } => ("Remove", object(vec![("line_id", line_id.to_value())])),
            CartIntent::Clear => return "Clear".to_value(),
        };
        object(vec![(name, fields)])
    }
}

/// As serde writes it (see [`ToValue`] above).
impl FromValue for CartIntent {
    fn from_value(value: &Value) -> Result<CartIntent, String> {
        const VARIANTS: &[&str] = &["Add", "SetQuantity", "Remove", "Clear"];
        let (name, inner) = match value {
            Value::String(name) => (name.as_str(), None),
            Value::Object(fields) if fields.len() == 1 => (fields[0].0.as_str(), Some(&fields[0].1)),
            other => return Err(other.invalid("a cart change")),
        };
        let fields = || Fields::of(inner.unwrap_or(&Value::Null), "a cart change's fields");
        Ok(match name {
            "Clear" if inner.is_none() => CartIntent::Clear,
            "Add" => CartIntent::Add(AddToCart::from_value(inner.unwrap_or(&Value::Null))?),
            "SetQuantity" => {
                let f = fields()?;
                CartIntent::SetQuantity { line_id: f.get("line_id")?, quantity: f.get("quantity")? }
            }
            "Remove" => CartIntent::Remove { line_id: fields()?.get("line_id")? },
            other => return Err(json::unknown_variant(other, VARIANTS)),
        })
    }
}

#[derive(Clone, Copy)]
pub struct CartState {
    pub cart: RwSignal<Option<Cart>>,
    pub error: RwSignal<Option<ApiError>>,
    pub busy: RwSignal<bool>,
    /// Changes waiting for the connection.
    pub outbox: RwSignal<Vec<CartIntent>>,
    /// The changes an earlier visit left waiting on this device, as kept: read
    /// into `outbox` by the code that queues or sends changes (the parts'), so
    /// the first open only asks whether there are any.
    kept: StoredValue<Option<String>>,
    api: StoredValue<Api>,
    shop: StoredValue<String>,
    /// What to tell the buyer, in the widget's language.
    offline_text: &'static str,
}

fn cart_key(shop: &str) -> String {
    format!("talkshop.cart.{shop}")
}

fn outbox_key(shop: &str) -> String {
    format!("talkshop.cart-outbox.{shop}")
}

fn checkout_key(shop: &str) -> String {
    format!("talkshop.checkout.{shop}")
}

/// The contact and delivery of this device's last order in a shop (prefills the next checkout).
pub fn remembered_checkout(shop: &str) -> Option<(Contact, Fulfilment)> {
    device::load(&checkout_key(shop)).and_then(|json| serde_json::from_str(&json).ok())
}

impl CartState {
    pub fn new(api: Api, shop: &str) -> CartState {
        let kept = device::load(&outbox_key(shop)).filter(|text| text.trim() != "[]");
        let state = CartState {
            cart: RwSignal::new(None),
            error: RwSignal::new(None),
            busy: RwSignal::new(false),
            outbox: RwSignal::new(Vec::new()),
            kept: StoredValue::new(kept),
            api: StoredValue::new(api),
            shop: StoredValue::new(shop.to_owned()),
            offline_text: crate::i18n::texts().cart_offline,
        };
        // The cart this device last saw, until the server's arrives (a cart
        // with lines is read by the `cards` part's readers, fetched then).
        if let Some(json) = device::load(&cart_key(shop)) {
            spawn_local(async move {
                if let Ok(CartJson(cached)) = crate::parts::read_json(&json).await {
                    if state.cart.try_with_untracked(Option::is_none) == Some(true) {
                        state.cart.set(Some(cached));
                    }
                }
            });
        }
        state
    }

    pub fn set_api(&self, api: Api) {
        self.api.set_value(api);
    }

    pub fn item_count(&self) -> u32 {
        self.cart.with(|c| c.as_ref().map_or(0, Cart::item_count))
    }

    /// Takes the server's cart as truth.
    pub fn accept(&self, cart: Cart) {
        if let Some(json) = talkshop_protocol::deferred::cart_json(&cart) {
            device::save(&cart_key(&self.shop.get_value()), &json);
        }
        self.cart.set(Some(cart));
    }

    /// Puts the changes kept from an earlier visit first in the outbox (once).
    fn read_kept(&self) {
        let Some(text) = self.kept.try_update_value(Option::take).flatten() else { return };
        if let Ok(kept) = json::from_str::<Vec<CartIntent>>(&text) {
            self.outbox.update(|o| {
                o.splice(0..0, kept);
            });
        }
    }

    fn save_outbox(&self) {
        let json = self.outbox.with_untracked(json::to_string);
        device::save(&outbox_key(&self.shop.get_value()), &json);
    }

    pub async fn refresh(self) -> Result<(), ApiError> {
        let cart = self.api.get_value().cart().await?;
        self.accept(cart);
        Ok(())
    }

    async fn apply(api: &Api, intent: &CartIntent) -> Result<Cart, ApiError> {
        match intent {
            CartIntent::Add(line) => api.add_to_cart(line).await,
            CartIntent::SetQuantity { line_id, quantity } => api.set_quantity(line_id, *quantity).await,
            CartIntent::Remove { line_id } => api.remove_line(line_id).await,
            CartIntent::Clear => api.clear_cart().await,
        }
    }

    /// Sends a change; if the shop can't be reached it waits in the outbox.
    /// Resolves to whether the server took it.
    pub async fn change(self, intent: CartIntent) -> bool {
        self.read_kept();
        self.busy.set(true);
        let result = Self::apply(&self.api.get_value(), &intent).await;
        self.busy.set(false);
        match result {
            Ok(cart) => {
                self.error.set(None);
                self.accept(cart);
                true
            }
            Err(err) if err.code == ErrorCode::Unavailable => {
                self.outbox.update(|o| o.push(intent));
                self.save_outbox();
                self.error.set(Some(ApiError::new(ErrorCode::Unavailable, self.offline_text)));
                false
            }
            Err(err) => {
                self.error.set(Some(err));
                false
            }
        }
    }

    /// Sends queued changes in order (after a reconnect), then reloads the cart.
    /// The code that sends them comes with the cards (they were made there), and
    /// is fetched only when some are waiting.
    pub fn flush(self) {
        spawn_local(async move {
            if self.outbox.with_untracked(|o| !o.is_empty()) || self.kept.with_value(Option::is_some) {
                // Offline, or the code could not be fetched: they wait for the next reconnect.
                let sent = match call_part!(send_queued(self)) {
                    Ok(flow) => flow.await,
                    Err(PartUnavailable) => false,
                };
                if !sent {
                    return;
                }
            }
            if self.refresh().await.is_ok() {
                self.error.set(None);
            }
        });
    }

    /// Sends the queued changes in order; false when the shop is unreachable.
    async fn send_outbox(self) -> bool {
        self.read_kept();
        while let Some(next) = self.outbox.with_untracked(|o| o.first().cloned()) {
            match Self::apply(&self.api.get_value(), &next).await {
                Err(err) if err.code == ErrorCode::Unavailable => return false,
                Err(err) => self.error.set(Some(err)),
                Ok(cart) => self.accept(cart),
            }
            self.outbox.update(|o| {
                o.remove(0);
            });
            self.save_outbox();
        }
        true
    }

    pub async fn acknowledge(self) {
        self.busy.set(true);
        match self.api.get_value().acknowledge_cart().await {
            Ok(cart) => {
                self.error.set(None);
                self.accept(cart);
            }
            Err(err) => self.error.set(Some(err)),
        }
        self.busy.set(false);
    }

    /// Sends the cart as an order into the conversation; on a stale cart the
    /// server answers 409 and the refreshed cart shows what changed.
    /// The contact and delivery are remembered on this device once the order is
    /// placed. Only the checkout (the `panels` part) calls it.
    pub async fn place_order(self, order: OrderToSend) -> Option<Placed> {
        let OrderToSend { conversation, note, contact, fulfilment } = order;
        self.busy.set(true);
        let remember = serde_json::to_string(&(&contact, &fulfilment)).ok();
        let order = SendOrder {
            client_id: device::random_id("o-"),
            note,
            contact: Some(contact),
            fulfilment: Some(fulfilment),
        };
        let result = self.api.get_value().send_order(&conversation, &order).await;
        self.busy.set(false);
        match result {
            Ok(message) => {
                if let Some(json) = remember {
                    device::save(&checkout_key(&self.shop.get_value()), &json);
                }
                self.error.set(None);
                let _ = self.refresh().await;
                let event = match &message.body {
                    MessageBody::Order { order } => Some(OrderEvent {
                        status: "placed".into(),
                        order_id: Some(order.id.clone()),
                        payment_request_id: None,
                        total: order.total_with_shipping().amount.to_string(),
                        currency: order.total.currency.code().to_owned(),
                    }),
                    _ => None,
                };
                Some(Placed { message, event })
            }
            Err(err) => {
                if err.code == ErrorCode::Conflict {
                    let _ = self.refresh().await;
                }
                self.error.set(Some(err));
                None
            }
        }
    }
}

/// The queued cart changes on their way (`cards` part in the split build).
#[cfg_attr(talkshop_split, leptos::wasm_split::wasm_split(cards, wasm_split_path = leptos::wasm_split, fallible))]
fn send_queued(cart: CartState) -> Result<Pin<Box<dyn Future<Output = bool>>>, PartUnavailable> {
    Ok(Box::pin(cart.send_outbox()))
}

/// An order the server took: its message in the thread, and what the host page hears.
pub struct Placed {
    pub message: Message,
    pub event: Option<OrderEvent>,
}

/// An order the checkout sends.
pub struct OrderToSend {
    pub conversation: String,
    pub note: Option<String>,
    pub contact: Contact,
    pub fulfilment: Fulfilment,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_cart_changes_read_as_serde_wrote_them() {
        let intents = vec![
            CartIntent::Add(AddToCart { retailer_id: "sku".into(), variant_sku: Some("sku-red".into()), quantity: 2 }),
            CartIntent::Add(AddToCart { retailer_id: "mug".into(), variant_sku: None, quantity: 1 }),
            CartIntent::SetQuantity { line_id: "l1".into(), quantity: 5 },
            CartIntent::Remove { line_id: "l2".into() },
            CartIntent::Clear,
        ];
        let text = serde_json::to_string(&intents).unwrap();
        assert_eq!(json::from_str::<Vec<CartIntent>>(&text).unwrap(), intents, "{text}");
        assert_eq!(json::to_string(&intents), text, "written as serde writes it");
        for bad in [r#"["Dance"]"#, r#"[{"Clear":{}}]"#, r#"[{"Remove":{}}]"#, r#"[{"Add":{"quantity":1}}]"#, "[7]"] {
            assert!(serde_json::from_str::<Vec<CartIntent>>(bad).is_err(), "serde takes {bad}");
            assert!(json::from_str::<Vec<CartIntent>>(bad).is_err(), "we take {bad}");
        }
    }
}
