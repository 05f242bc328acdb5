//! A merchant's catalog: products with options and variants, each with its own
//! SKU, price and availability, and a version that changes on every edit.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

use crate::error::ApiError;
use crate::money::Money;
use crate::tagged::Tagged;

pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
pub const MAX_RETAILER_ID_CHARS: usize = 100;
pub const MAX_IMAGE_URL_CHARS: usize = 2048;
pub const MAX_OPTIONS: usize = 3;
pub const MAX_OPTION_VALUES: usize = 30;
pub const MAX_OPTION_CHARS: usize = 40;
pub const MAX_VARIANTS: usize = 100;
/// Products in one bulk upsert call.
pub const MAX_UPSERT_BATCH: usize = 500;

/// Deserialized by hand (see [`crate::tagged`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Availability {
    InStock,
    OutOfStock,
    /// In stock with a known count; 0 means out of stock.
    Limited {
        quantity: u32,
    },
}

impl<'de> Deserialize<'de> for Availability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Availability, D::Error> {
        #[derive(Deserialize)]
        struct Limited {
            quantity: u32,
        }
        let value = Tagged::read(deserializer, "status")?;
        match value.tag.as_str() {
            "in_stock" => Ok(Availability::InStock),
            "out_of_stock" => Ok(Availability::OutOfStock),
            "limited" => value.fields().map(|Limited { quantity }| Availability::Limited { quantity }),
            _ => Err(value.unknown(&["in_stock", "out_of_stock", "limited"])),
        }
    }
}

impl Availability {
    pub fn can_buy(self, quantity: u32) -> bool {
        match self {
            Availability::InStock => true,
            Availability::OutOfStock => false,
            Availability::Limited { quantity: left } => quantity <= left,
        }
    }

    pub fn is_available(self) -> bool {
        self.can_buy(1)
    }

    /// How the buyer reads it ("In stock", "Only 3 left", "Out of stock").
    pub fn label(self) -> String {
        match self {
            Availability::InStock => "In stock".into(),
            Availability::OutOfStock | Availability::Limited { quantity: 0 } => "Out of stock".into(),
            Availability::Limited { quantity } => format!("Only {quantity} left"),
        }
    }
}

/// An option a buyer chooses, such as `Size: S, M, L`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductOption {
    pub name: String,
    pub values: Vec<String>,
}

/// One combination of option values with its own SKU, price and availability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    pub sku: String,
    /// Option name → chosen value, one entry per product option.
    pub options: BTreeMap<String, String>,
    pub price: Money,
    pub availability: Availability,
}

/// What a merchant sends to create or replace a product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// The merchant's own SKU for the product.
    pub retailer_id: String,
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub image_url: String,
    /// Price of the product without options (shown when there are no variants).
    pub price: Money,
    pub availability: Availability,
    #[serde(default)]
    pub options: Vec<ProductOption>,
    #[serde(default)]
    pub variants: Vec<Variant>,
}

/// A stored product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Product {
    pub retailer_id: String,
    pub title: String,
    pub description: String,
    pub image_url: String,
    pub price: Money,
    pub availability: Availability,
    pub options: Vec<ProductOption>,
    pub variants: Vec<Variant>,
    /// Increases on every change.
    pub version: i64,
    pub archived: bool,
    pub updated_at: i64,
}

/// What a buyer can put in the cart: the product itself or one of its variants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchasable<'a> {
    pub sku: &'a str,
    pub options: BTreeMap<String, String>,
    pub price: Money,
    pub availability: Availability,
}

impl Product {
    pub fn from_input(input: ProductInput, version: i64, updated_at: i64) -> Product {
        Product {
            retailer_id: input.retailer_id,
            title: input.title,
            description: input.description,
            image_url: input.image_url,
            price: input.price,
            availability: input.availability,
            options: input.options,
            variants: input.variants,
            version,
            archived: false,
            updated_at,
        }
    }

    /// The product (no `variant_sku`) or the named variant, if it exists.
    pub fn purchasable(&self, variant_sku: Option<&str>) -> Option<Purchasable<'_>> {
        match variant_sku {
            None if self.variants.is_empty() => Some(Purchasable {
                sku: &self.retailer_id,
                options: BTreeMap::new(),
                price: self.price,
                availability: self.availability,
            }),
            None => None,
            Some(sku) => self.variants.iter().find(|v| v.sku == sku).map(|v| Purchasable {
                sku: &v.sku,
                options: v.options.clone(),
                price: v.price,
                availability: v.availability,
            }),
        }
    }

    /// Lowest price across variants (or the product price): "from R$ 89,00".
    pub fn from_price(&self) -> Money {
        self.variants.iter().map(|v| v.price).min_by(|a, b| a.amount.cmp(&b.amount)).unwrap_or(self.price)
    }

    pub fn is_available(&self) -> bool {
        !self.archived
            && if self.variants.is_empty() {
                self.availability.is_available()
            } else {
                self.variants.iter().any(|v| v.availability.is_available())
            }
    }
}

fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let n = value.chars().count();
    if value.trim().is_empty() && min > 0 {
        return Err(ApiError::invalid(field, format!("{field} is required")));
    }
    if n < min || n > max {
        return Err(ApiError::invalid(field, format!("{field} must be {min} to {max} characters (got {n})")));
    }
    Ok(())
}

/// SKUs are letters, digits, `-`, `_` and `.`.
pub fn validate_sku(field: &str, sku: &str) -> Result<(), ApiError> {
    let ok = !sku.is_empty()
        && sku.len() <= MAX_RETAILER_ID_CHARS
        && sku.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            field,
            format!("{sku:?} is not a valid SKU (1 to {MAX_RETAILER_ID_CHARS} letters, digits, '-', '_' or '.')"),
        ))
    }
}

/// An image URL must be `https://…` or a path on our own origin (`/…`, not `//…`).
pub fn is_safe_image_url(url: &str) -> bool {
    let no_space = !url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"' || c == '\\');
    let https = url
        .strip_prefix("https://")
        .is_some_and(|rest| rest.split('/').next().is_some_and(|host| !host.is_empty() && !host.contains('@')));
    let same_origin = url.starts_with('/') && !url.starts_with("//");
    no_space && url.len() <= MAX_IMAGE_URL_CHARS && (https || same_origin)
}

impl ProductInput {
    pub fn validate(&self) -> Result<(), ApiError> {
        validate_sku("retailer_id", &self.retailer_id)?;
        check_len("title", &self.title, 1, MAX_TITLE_CHARS)?;
        check_len("description", &self.description, 0, MAX_DESCRIPTION_CHARS)?;
        if !is_safe_image_url(&self.image_url) {
            return Err(ApiError::invalid("image_url", "image_url must start with https:// or be a path on this site"));
        }
        self.price.validate_price("price")?;
        if self.options.len() > MAX_OPTIONS {
            return Err(ApiError::invalid("options", format!("At most {MAX_OPTIONS} options")));
        }
        for (i, option) in self.options.iter().enumerate() {
            check_len(&format!("options[{i}].name"), &option.name, 1, MAX_OPTION_CHARS)?;
            if option.values.is_empty() || option.values.len() > MAX_OPTION_VALUES {
                return Err(ApiError::invalid(
                    &format!("options[{i}].values"),
                    format!("An option has 1 to {MAX_OPTION_VALUES} values"),
                ));
            }
            for value in &option.values {
                check_len(&format!("options[{i}].values"), value, 1, MAX_OPTION_CHARS)?;
            }
            if self.options[..i].iter().any(|o| o.name == option.name) {
                return Err(ApiError::invalid("options", format!("Option {:?} is listed twice", option.name)));
            }
        }
        if self.variants.len() > MAX_VARIANTS {
            return Err(ApiError::invalid("variants", format!("At most {MAX_VARIANTS} variants")));
        }
        if self.options.is_empty() != self.variants.is_empty() {
            return Err(ApiError::invalid("variants", "A product with options needs variants, and only then"));
        }
        for (i, variant) in self.variants.iter().enumerate() {
            let field = format!("variants[{i}]");
            validate_sku(&format!("{field}.sku"), &variant.sku)?;
            if variant.sku == self.retailer_id || self.variants[..i].iter().any(|v| v.sku == variant.sku) {
                return Err(ApiError::invalid(&format!("{field}.sku"), format!("SKU {:?} is used twice", variant.sku)));
            }
            if variant.price.currency != self.price.currency {
                return Err(ApiError::invalid(
                    &format!("{field}.price"),
                    "Every variant must use the product's currency",
                ));
            }
            variant.price.validate_price(&format!("{field}.price"))?;
            let complete = variant.options.len() == self.options.len()
                && self.options.iter().all(|o| variant.options.get(&o.name).is_some_and(|v| o.values.contains(v)));
            if !complete {
                return Err(ApiError::invalid(
                    &format!("{field}.options"),
                    "A variant names one listed value for every option",
                ));
            }
            if self.variants[..i].iter().any(|v| v.options == variant.options) {
                return Err(ApiError::invalid(&format!("{field}.options"), "Two variants have the same options"));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogUpsert {
    pub products: Vec<ProductInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogPage {
    pub products: Vec<Product>,
}

/// Answer to a bulk upsert: how many products were new, changed, or the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsertReport {
    pub created: u32,
    pub updated: u32,
    pub unchanged: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use rust_decimal::Decimal;

    fn brl(s: &str) -> Money {
        Money::new(Decimal::from_str_exact(s).unwrap(), Currency::Brl)
    }

    fn vase() -> ProductInput {
        ProductInput {
            retailer_id: "VASE-01".into(),
            title: "Terracotta vase".into(),
            description: "Hand thrown".into(),
            image_url: "/catalog-images/demo/VASE-01.svg".into(),
            price: brl("189.00"),
            availability: Availability::InStock,
            options: vec![ProductOption { name: "Size".into(), values: vec!["S".into(), "L".into()] }],
            variants: vec![
                Variant {
                    sku: "VASE-01-S".into(),
                    options: [("Size".to_string(), "S".to_string())].into(),
                    price: brl("149.00"),
                    availability: Availability::Limited { quantity: 3 },
                },
                Variant {
                    sku: "VASE-01-L".into(),
                    options: [("Size".to_string(), "L".to_string())].into(),
                    price: brl("189.00"),
                    availability: Availability::OutOfStock,
                },
            ],
        }
    }

    #[test]
    fn a_complete_product_validates() {
        vase().validate().unwrap();
        let product = Product::from_input(vase(), 1, 0);
        assert_eq!(product.from_price(), brl("149.00"));
        assert!(product.is_available());
        assert!(product.purchasable(None).is_none(), "a product with variants is bought by variant");
        let small = product.purchasable(Some("VASE-01-S")).unwrap();
        assert!(small.availability.can_buy(3) && !small.availability.can_buy(4));
        assert!(product.purchasable(Some("NOPE")).is_none());
    }

    #[test]
    fn invalid_products_name_the_field() {
        type Breakage = (fn(&mut ProductInput), &'static str);
        let cases: Vec<Breakage> = vec![
            (|p| p.retailer_id = "has space".into(), "retailer_id"),
            (|p| p.title = "  ".into(), "title"),
            (|p| p.title = "x".repeat(201), "title"),
            (|p| p.image_url = "http://evil.example/x.png".into(), "image_url"),
            (|p| p.image_url = "javascript:alert(1)".into(), "image_url"),
            (|p| p.image_url = "//evil.example/x.png".into(), "image_url"),
            (|p| p.price = brl("0"), "price"),
            (|p| p.price = brl("1.001"), "price"),
            (|p| p.variants[1].sku = "VASE-01-S".into(), "variants[1].sku"),
            (|p| p.variants[0].options.clear(), "variants[0].options"),
            (
                |p| p.variants[0].options.insert("Size".into(), "XL".into()).map(|_| ()).unwrap_or(()),
                "variants[0].options",
            ),
            (|p| p.variants.clear(), "variants"),
            (|p| p.variants[0].price = Money::new(Decimal::ONE, Currency::Thb), "variants[0].price"),
        ];
        for (break_it, field) in cases {
            let mut p = vase();
            break_it(&mut p);
            let err = p.validate().unwrap_err();
            assert_eq!(err.field.as_deref(), Some(field), "{err:?}");
        }
    }

    #[test]
    fn image_urls() {
        assert!(is_safe_image_url("https://cdn.example.com/a.jpg"));
        assert!(is_safe_image_url("/catalog-images/demo/a.svg"));
        for bad in [
            "http://x/a.jpg",
            "data:image/png;base64,AAA",
            "//x/a",
            "https://",
            "https://u@x/a",
            "/a b.png",
            "https://x/\"onerror",
        ] {
            assert!(!is_safe_image_url(bad), "{bad}");
        }
    }

    #[test]
    fn availability_labels() {
        assert_eq!(Availability::Limited { quantity: 2 }.label(), "Only 2 left");
        assert_eq!(Availability::Limited { quantity: 0 }.label(), "Out of stock");
        let json = serde_json::to_string(&Availability::Limited { quantity: 2 }).unwrap();
        assert_eq!(json, r#"{"status":"limited","quantity":2}"#);
    }
}
