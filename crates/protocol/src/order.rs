//! Purchase requests: the buyer sends the cart into the chat as an order.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::address::{Contact, Fulfilment};
use crate::cart::{Cart, MAX_NOTE_CHARS};
use crate::error::ApiError;
use crate::money::Money;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub retailer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_sku: Option<String>,
    pub title: String,
    pub options: BTreeMap<String, String>,
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub conversation_id: String,
    pub lines: Vec<OrderLine>,
    pub total: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub created_at: i64,
    /// Who to contact (orders placed before checkout asked have none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Box<Contact>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<Box<Fulfilment>>,
    /// What shipping costs, fixed when the order was placed (`None`: pickup or an older order).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Money>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderList {
    pub orders: Vec<Order>,
}

/// `POST /api/v1/conversations/{id}/order`: send this device's cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendOrder {
    pub client_id: String,
    #[serde(default)]
    pub note: Option<String>,
    /// Required; optional in the JSON so a missing one is a 400 naming the field.
    #[serde(default)]
    pub contact: Option<Contact>,
    #[serde(default)]
    pub fulfilment: Option<Fulfilment>,
}

impl SendOrder {
    /// Trims what the buyer typed (and normalizes the postal code); call before `validate`.
    pub fn normalize(&mut self) {
        if let Some(c) = &mut self.contact {
            c.normalize();
        }
        if let Some(f) = &mut self.fulfilment {
            f.normalize();
        }
    }

    pub fn validate(&self) -> Result<(), ApiError> {
        crate::validation::validate_client_id(&self.client_id)?;
        self.contact.as_ref().ok_or_else(|| ApiError::invalid("contact", "Enter your contact details"))?.validate()?;
        self.fulfilment
            .as_ref()
            .ok_or_else(|| ApiError::invalid("fulfilment", "Choose delivery or pickup"))?
            .validate()?;
        if let Some(note) = &self.note {
            let n = note.chars().count();
            if n > MAX_NOTE_CHARS {
                return Err(ApiError::invalid(
                    "note",
                    format!("Note is too long ({n} characters; at most {MAX_NOTE_CHARS})"),
                ));
            }
        }
        Ok(())
    }
}

pub const MAX_CORRECTION_NOTE_CHARS: usize = 200;

/// `GET /api/v1/checkout/remembered` (buyer): the contact and delivery of the
/// buyer's last order in the shop, from any of an identified user's devices.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RememberedCheckout {
    #[serde(default)]
    pub contact: Option<crate::address::Contact>,
    #[serde(default)]
    pub fulfilment: Option<crate::address::Fulfilment>,
}

/// `POST /api/v1/orders/{id}/address` (staff): a corrected delivery address and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectAddress {
    pub address: crate::address::Address,
    #[serde(default)]
    pub note: Option<String>,
}

impl CorrectAddress {
    pub fn normalize(&mut self) {
        self.address.normalize();
        self.note = self.note.take().map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    }

    pub fn validate(&self) -> Result<(), ApiError> {
        self.address.validate()?;
        if self.note.as_deref().is_some_and(|n| n.chars().count() > MAX_CORRECTION_NOTE_CHARS) {
            return Err(ApiError::invalid("note", "The note is at most 200 characters"));
        }
        Ok(())
    }
}

impl Order {
    /// The order for a cart; refuses an empty cart or one with unacknowledged changes.
    pub fn from_cart(
        cart: &Cart,
        id: String,
        conversation_id: String,
        note: Option<String>,
        created_at: i64,
    ) -> Result<Order, ApiError> {
        if cart.lines.is_empty() {
            return Err(ApiError::invalid("cart", "Your cart is empty"));
        }
        if cart.needs_acknowledgement() {
            return Err(ApiError::new(
                crate::ErrorCode::Conflict,
                "Some items in your cart changed; review them first",
            ));
        }
        let total = cart.subtotal().ok_or_else(|| ApiError::invalid("cart", "Your cart mixes currencies"))?;
        let lines = cart
            .lines
            .iter()
            .map(|l| OrderLine {
                retailer_id: l.retailer_id.clone(),
                variant_sku: l.variant_sku.clone(),
                title: l.title.clone(),
                options: l.options.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                line_total: l.line_total(),
            })
            .collect();
        let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        Ok(Order {
            id,
            conversation_id,
            lines,
            total,
            note,
            created_at,
            contact: None,
            fulfilment: None,
            shipping: None,
        })
    }

    /// Lines + shipping, through the one total function payment requests use.
    pub fn total_with_shipping(&self) -> Money {
        crate::payment::total(self.total, self.shipping, None).unwrap_or(self.total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cart::{CartLine, CartNotice, ChangeKind};
    use crate::money::Currency;
    use rust_decimal::Decimal;

    fn cart(lines: Vec<(&str, u32)>) -> Cart {
        Cart {
            id: "c".into(),
            shop_id: "demo".into(),
            lines: lines
                .into_iter()
                .enumerate()
                .map(|(i, (price, quantity))| CartLine {
                    id: format!("l{i}"),
                    retailer_id: format!("P{i}"),
                    variant_sku: None,
                    title: format!("Product {i}"),
                    options: BTreeMap::new(),
                    image_url: "/p.svg".into(),
                    unit_price: Money::new(Decimal::from_str_exact(price).unwrap(), Currency::Brl),
                    quantity,
                    product_version: 1,
                    notices: vec![],
                })
                .collect(),
            updated_at: 0,
        }
    }

    #[test]
    fn order_has_lines_and_exact_total() {
        let order = Order::from_cart(
            &cart(vec![("189.90", 2), ("0.10", 1)]),
            "o".into(),
            "c".into(),
            Some("  gift wrap ".into()),
            5,
        )
        .unwrap();
        assert_eq!(order.total.amount, Decimal::from_str_exact("379.90").unwrap());
        assert_eq!(order.lines[0].line_total.amount, Decimal::from_str_exact("379.80").unwrap());
        assert_eq!(order.note.as_deref(), Some("gift wrap"));
    }

    #[test]
    fn empty_or_changed_cart_cannot_be_ordered() {
        assert!(Order::from_cart(&cart(vec![]), "o".into(), "c".into(), None, 0).is_err());
        let mut changed = cart(vec![("1.00", 1)]);
        changed.lines[0].notices.push(CartNotice { kind: ChangeKind::Price, old: "1".into(), new: "2".into() });
        let err = Order::from_cart(&changed, "o".into(), "c".into(), None, 0).unwrap_err();
        assert_eq!(err.code, crate::ErrorCode::Conflict);
    }

    #[test]
    fn long_note_is_refused() {
        let mut send = SendOrder {
            client_id: "k".into(),
            note: Some("n".repeat(501)),
            contact: Some(Contact { name: "Ana".into(), phone: "+5511987654321".into(), email: "a@b.example".into() }),
            fulfilment: Some(Fulfilment::pickup()),
        };
        assert_eq!(send.validate().unwrap_err().field.as_deref(), Some("note"));
        send.note = None;
        assert!(send.validate().is_ok());
    }

    #[test]
    fn contact_and_fulfilment_are_required() {
        let send: SendOrder = serde_json::from_str(r#"{"client_id":"k"}"#).unwrap();
        assert_eq!(send.validate().unwrap_err().field.as_deref(), Some("contact"));
        let send: SendOrder = serde_json::from_str(
            r#"{"client_id":"k","contact":{"name":"Ana","phone":"11987654321","email":"a@b.example"}}"#,
        )
        .unwrap();
        assert_eq!(send.validate().unwrap_err().field.as_deref(), Some("fulfilment"));
    }

    #[test]
    fn totals_add_shipping_and_free_above_the_threshold() {
        use crate::address::{Address, ShippingOption};
        let mut order = Order::from_cart(&cart(vec![("100.00", 2)]), "o".into(), "c".into(), None, 0).unwrap();
        assert_eq!(order.total_with_shipping(), order.total, "no shipping: the lines");
        let brl = |s: &str| Money::new(Decimal::from_str_exact(s).unwrap(), Currency::Brl);
        let option = ShippingOption {
            id: "pac".into(),
            name: "PAC".into(),
            price: brl("19.90"),
            free_above: Some(brl("250.00")),
            countries: vec!["BR".into()],
        };
        let address = Address { country: "BR".into(), ..Address::default() };
        let ship = Fulfilment::ship(address, "pac");
        order.shipping =
            crate::address::shipping_for(std::slice::from_ref(&option), false, &ship, order.total).unwrap();
        assert_eq!(order.total_with_shipping(), brl("219.90"));
        let big = Order::from_cart(&cart(vec![("125.00", 2)]), "o".into(), "c".into(), None, 0).unwrap();
        let free = crate::address::shipping_for(&[option], false, &ship, big.total).unwrap();
        assert_eq!(free, Some(brl("0")));
        assert_eq!(crate::payment::total(big.total, free, Some(brl("10.00"))).unwrap(), brl("240.00"));
    }
}
