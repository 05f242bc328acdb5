//! Carts: one per buyer, device and shop. Lines keep the values the buyer saw;
//! when the catalog changes, a line gets notices with the old and new value,
//! and the cart cannot be ordered until the buyer acknowledges them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalog::{validate_sku, Availability, Product};
use crate::error::ApiError;
use crate::money::{Currency, Money};

pub const MAX_QUANTITY: u32 = 999;
pub const MAX_CART_LINES: usize = 100;
pub const MAX_NOTE_CHARS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Price,
    Options,
    Availability,
    Removed,
}

/// A change to a product in the cart, as the buyer should read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartNotice {
    pub kind: ChangeKind,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub id: String,
    pub retailer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant_sku: Option<String>,
    pub title: String,
    pub options: BTreeMap<String, String>,
    pub image_url: String,
    /// The unit price the buyer saw; it changes only when they acknowledge a notice.
    pub unit_price: Money,
    pub quantity: u32,
    pub product_version: i64,
    #[serde(default)]
    pub notices: Vec<CartNotice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cart {
    pub id: String,
    pub shop_id: String,
    pub lines: Vec<CartLine>,
    pub updated_at: i64,
}

/// `POST /api/v1/cart/lines`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddToCart {
    pub retailer_id: String,
    #[serde(default)]
    pub variant_sku: Option<String>,
    pub quantity: u32,
}

/// `PATCH /api/v1/cart/lines/{line_id}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetQuantity {
    pub quantity: u32,
}

pub fn validate_quantity(quantity: u32) -> Result<(), ApiError> {
    if quantity == 0 || quantity > MAX_QUANTITY {
        return Err(ApiError::invalid("quantity", format!("Quantity must be 1 to {MAX_QUANTITY}")));
    }
    Ok(())
}

impl AddToCart {
    pub fn validate(&self) -> Result<(), ApiError> {
        validate_sku("retailer_id", &self.retailer_id)?;
        if let Some(sku) = &self.variant_sku {
            validate_sku("variant_sku", sku)?;
        }
        validate_quantity(self.quantity)
    }
}

fn price_text(m: &Money) -> String {
    m.display()
}

fn options_text(options: &BTreeMap<String, String>) -> String {
    options.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ")
}

impl CartLine {
    pub fn line_total(&self) -> Money {
        self.unit_price.times(self.quantity)
    }

    /// What changed between what the buyer saw and the current product.
    pub fn changes(&self, product: Option<&Product>) -> Vec<CartNotice> {
        let Some(product) = product.filter(|p| !p.archived) else {
            return vec![CartNotice {
                kind: ChangeKind::Removed,
                old: self.title.clone(),
                new: "No longer sold".into(),
            }];
        };
        let Some(current) = product.purchasable(self.variant_sku.as_deref()) else {
            return vec![CartNotice {
                kind: ChangeKind::Options,
                old: options_text(&self.options),
                new: "This option is no longer offered".into(),
            }];
        };
        let mut notices = Vec::new();
        if current.price != self.unit_price {
            notices.push(CartNotice {
                kind: ChangeKind::Price,
                old: price_text(&self.unit_price),
                new: price_text(&current.price),
            });
        }
        if current.options != self.options {
            notices.push(CartNotice {
                kind: ChangeKind::Options,
                old: options_text(&self.options),
                new: options_text(&current.options),
            });
        }
        if !current.availability.can_buy(self.quantity) {
            let old = if self.quantity == 1 { "Available".to_string() } else { format!("{} available", self.quantity) };
            notices.push(CartNotice { kind: ChangeKind::Availability, old, new: current.availability.label() });
        }
        notices
    }

    /// Takes the product's current values (after the buyer acknowledged them).
    /// Returns false when the line can no longer be bought and should go.
    pub fn refresh(&mut self, product: Option<&Product>) -> bool {
        let Some(product) = product.filter(|p| !p.archived) else {
            return false;
        };
        let Some(current) = product.purchasable(self.variant_sku.as_deref()) else {
            return false;
        };
        self.unit_price = current.price;
        self.options = current.options.clone();
        self.title = product.title.clone();
        self.image_url = product.image_url.clone();
        self.product_version = product.version;
        if let Availability::Limited { quantity: left } = current.availability {
            self.quantity = self.quantity.min(left);
        }
        self.notices.clear();
        current.availability.is_available()
    }
}

impl Cart {
    pub fn currency(&self) -> Option<Currency> {
        self.lines.first().map(|l| l.unit_price.currency)
    }

    /// Sum of line totals, rounded once to the currency's minor units.
    pub fn subtotal(&self) -> Option<Money> {
        let currency = self.currency()?;
        let totals: Vec<Money> = self.lines.iter().map(CartLine::line_total).collect();
        Money::total(currency, &totals)
    }

    pub fn item_count(&self) -> u32 {
        self.lines.iter().map(|l| l.quantity).sum()
    }

    pub fn needs_acknowledgement(&self) -> bool {
        self.lines.iter().any(|l| !l.notices.is_empty())
    }

    /// Whether a product in `currency` may join this cart.
    pub fn accepts(&self, currency: Currency) -> Result<(), ApiError> {
        match self.currency() {
            Some(c) if c != currency => Err(ApiError::invalid(
                "retailer_id",
                format!("Your cart is in {c}; this product is priced in {currency}. Order the cart first or clear it."),
            )),
            _ if self.lines.len() >= MAX_CART_LINES => {
                Err(ApiError::invalid("retailer_id", format!("A cart holds at most {MAX_CART_LINES} lines")))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ProductInput;
    use rust_decimal::Decimal;

    fn brl(s: &str) -> Money {
        Money::new(Decimal::from_str_exact(s).unwrap(), Currency::Brl)
    }

    fn product(price: &str, availability: Availability) -> Product {
        Product::from_input(
            ProductInput {
                retailer_id: "MUG".into(),
                title: "Mug".into(),
                description: String::new(),
                image_url: "/m.svg".into(),
                price: brl(price),
                availability,
                options: vec![],
                variants: vec![],
            },
            1,
            0,
        )
    }

    fn line(price: &str, quantity: u32) -> CartLine {
        CartLine {
            id: "l1".into(),
            retailer_id: "MUG".into(),
            variant_sku: None,
            title: "Mug".into(),
            options: BTreeMap::new(),
            image_url: "/m.svg".into(),
            unit_price: brl(price),
            quantity,
            product_version: 1,
            notices: vec![],
        }
    }

    #[test]
    fn unchanged_product_gives_no_notice() {
        assert!(line("10.00", 2).changes(Some(&product("10.00", Availability::InStock))).is_empty());
    }

    #[test]
    fn price_change_notice_has_old_and_new_value() {
        let notices = line("10.00", 1).changes(Some(&product("12.50", Availability::InStock)));
        assert_eq!(
            notices,
            vec![CartNotice { kind: ChangeKind::Price, old: "R$ 10,00".into(), new: "R$ 12,50".into() }]
        );
    }

    #[test]
    fn archived_or_missing_product_is_removed() {
        let mut archived = product("10.00", Availability::InStock);
        archived.archived = true;
        assert_eq!(line("10.00", 1).changes(Some(&archived))[0].kind, ChangeKind::Removed);
        assert_eq!(line("10.00", 1).changes(None)[0].kind, ChangeKind::Removed);
    }

    #[test]
    fn stock_below_quantity_is_an_availability_notice() {
        let notices = line("10.00", 5).changes(Some(&product("10.00", Availability::Limited { quantity: 2 })));
        assert_eq!(notices[0].kind, ChangeKind::Availability);
        assert_eq!(notices[0].new, "Only 2 left");
    }

    #[test]
    fn acknowledging_takes_current_values_and_caps_quantity() {
        let mut l = line("10.00", 5);
        l.notices.push(CartNotice { kind: ChangeKind::Price, old: "a".into(), new: "b".into() });
        let mut p = product("12.00", Availability::Limited { quantity: 2 });
        p.version = 7;
        assert!(l.refresh(Some(&p)));
        assert_eq!((l.unit_price, l.quantity, l.product_version), (brl("12.00"), 2, 7));
        assert!(l.notices.is_empty());
        assert!(!line("10.00", 1).refresh(Some(&product("10.00", Availability::OutOfStock))));
    }

    #[test]
    fn subtotal_and_currency_rules() {
        let cart =
            Cart { id: "c".into(), shop_id: "s".into(), lines: vec![line("10.10", 3), line("0.05", 1)], updated_at: 0 };
        assert_eq!(cart.subtotal().unwrap(), brl("30.35"));
        assert_eq!(cart.item_count(), 4);
        assert!(cart.accepts(Currency::Brl).is_ok());
        assert!(cart.accepts(Currency::Thb).unwrap_err().message.contains("BRL"));
    }

    #[test]
    fn quantities() {
        assert!(validate_quantity(1).is_ok() && validate_quantity(999).is_ok());
        assert!(validate_quantity(0).is_err() && validate_quantity(1000).is_err());
        for bad in [
            r#"{"retailer_id":"A","quantity":1.5}"#,
            r#"{"retailer_id":"A","quantity":-1}"#,
            r#"{"retailer_id":"A","quantity":"2"}"#,
        ] {
            assert!(serde_json::from_str::<AddToCart>(bad).is_err(), "{bad}");
        }
    }
}
