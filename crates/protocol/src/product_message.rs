//! Product messages a merchant sends into a conversation: one product, or up
//! to 30 products in up to 10 titled sections.

use serde::{Deserialize, Serialize};

use crate::catalog::validate_sku;
use crate::error::ApiError;
use crate::message::MessageBody;

pub const MAX_BODY_CHARS: usize = 1024;
pub const MAX_FOOTER_CHARS: usize = 60;
pub const MAX_HEADER_CHARS: usize = 60;
pub const MAX_SECTION_TITLE_CHARS: usize = 24;
pub const MAX_SECTIONS: usize = 10;
pub const MAX_PRODUCTS: usize = 30;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductSection {
    pub title: String,
    pub retailer_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ProductMessage {
    Single {
        retailer_id: String,
        #[serde(default)]
        body: Option<String>,
        #[serde(default)]
        footer: Option<String>,
    },
    Multi {
        header: String,
        #[serde(default)]
        body: Option<String>,
        #[serde(default)]
        footer: Option<String>,
        sections: Vec<ProductSection>,
    },
}

/// `POST /api/v1/conversations/{id}/products`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendProducts {
    pub client_id: String,
    pub message: ProductMessage,
}

fn check_optional(field: &str, value: &Option<String>, max: usize) -> Result<(), ApiError> {
    if let Some(v) = value {
        let n = v.chars().count();
        if n > max {
            return Err(ApiError::invalid(field, format!("{field} is too long ({n} characters; at most {max})")));
        }
    }
    Ok(())
}

fn check_required(field: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::invalid(field, format!("{field} is required")));
    }
    check_optional(field, &Some(value.to_owned()), max)
}

impl ProductMessage {
    /// Shape rules (lengths, counts, SKU syntax). Whether the SKUs exist is the server's check.
    pub fn validate(&self) -> Result<(), ApiError> {
        match self {
            ProductMessage::Single { retailer_id, body, footer } => {
                validate_sku("retailer_id", retailer_id)?;
                check_optional("body", body, MAX_BODY_CHARS)?;
                check_optional("footer", footer, MAX_FOOTER_CHARS)
            }
            ProductMessage::Multi { header, body, footer, sections } => {
                check_required("header", header, MAX_HEADER_CHARS)?;
                check_optional("body", body, MAX_BODY_CHARS)?;
                check_optional("footer", footer, MAX_FOOTER_CHARS)?;
                if sections.is_empty() || sections.len() > MAX_SECTIONS {
                    return Err(ApiError::invalid(
                        "sections",
                        format!("A product list has 1 to {MAX_SECTIONS} sections (got {})", sections.len()),
                    ));
                }
                let total: usize = sections.iter().map(|s| s.retailer_ids.len()).sum();
                if total > MAX_PRODUCTS {
                    return Err(ApiError::invalid(
                        "sections",
                        format!("A product list has at most {MAX_PRODUCTS} products (got {total})"),
                    ));
                }
                let mut seen = std::collections::BTreeSet::new();
                for (i, section) in sections.iter().enumerate() {
                    check_required(&format!("sections[{i}].title"), &section.title, MAX_SECTION_TITLE_CHARS)?;
                    if section.retailer_ids.is_empty() {
                        return Err(ApiError::invalid(
                            &format!("sections[{i}].retailer_ids"),
                            "A section needs at least one product",
                        ));
                    }
                    for sku in &section.retailer_ids {
                        validate_sku(&format!("sections[{i}].retailer_ids"), sku)?;
                        if !seen.insert(sku.as_str()) {
                            return Err(ApiError::invalid(
                                &format!("sections[{i}].retailer_ids"),
                                format!("{sku:?} appears twice in the list"),
                            ));
                        }
                    }
                }
                Ok(())
            }
        }
    }

    pub fn retailer_ids(&self) -> Vec<&str> {
        match self {
            ProductMessage::Single { retailer_id, .. } => vec![retailer_id.as_str()],
            ProductMessage::Multi { sections, .. } => {
                sections.iter().flat_map(|s| s.retailer_ids.iter().map(String::as_str)).collect()
            }
        }
    }

    pub fn into_body(self) -> MessageBody {
        match self {
            ProductMessage::Single { retailer_id, body, footer } => MessageBody::Product { retailer_id, body, footer },
            ProductMessage::Multi { header, body, footer, sections } => {
                MessageBody::ProductList { header, body, footer, sections }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multi(sections: Vec<ProductSection>) -> ProductMessage {
        ProductMessage::Multi { header: "Our picks".into(), body: None, footer: None, sections }
    }

    fn section(title: &str, from: usize, n: usize) -> ProductSection {
        ProductSection { title: title.into(), retailer_ids: (from..from + n).map(|i| format!("SKU-{i}")).collect() }
    }

    #[test]
    fn multi_product_message_accepts_30_items_in_10_sections() {
        let sections = (0..10).map(|i| section(&format!("S{i}"), i * 3, 3)).collect();
        multi(sections).validate().unwrap();
    }

    #[test]
    fn multi_product_message_rejects_31_items() {
        let err = multi(vec![section("All", 0, 31)]).validate().unwrap_err();
        assert_eq!(err.field.as_deref(), Some("sections"));
        assert!(err.message.contains("31"));
    }

    #[test]
    fn multi_product_message_rejects_11_sections_and_empty_ones() {
        let sections = (0..11).map(|i| section(&format!("S{i}"), i, 1)).collect();
        assert_eq!(multi(sections).validate().unwrap_err().field.as_deref(), Some("sections"));
        assert_eq!(
            multi(vec![section("Empty", 0, 0)]).validate().unwrap_err().field.as_deref(),
            Some("sections[0].retailer_ids")
        );
        assert!(multi(vec![]).validate().is_err());
    }

    #[test]
    fn texts_are_limited() {
        let long_title = ProductSection { title: "x".repeat(25), retailer_ids: vec!["A".into()] };
        assert_eq!(multi(vec![long_title]).validate().unwrap_err().field.as_deref(), Some("sections[0].title"));
        let single = ProductMessage::Single { retailer_id: "A".into(), body: Some("b".repeat(1025)), footer: None };
        assert_eq!(single.validate().unwrap_err().field.as_deref(), Some("body"));
        let single = ProductMessage::Single { retailer_id: "A".into(), body: None, footer: Some("f".repeat(61)) };
        assert_eq!(single.validate().unwrap_err().field.as_deref(), Some("footer"));
        let header =
            ProductMessage::Multi { header: " ".into(), body: None, footer: None, sections: vec![section("a", 0, 1)] };
        assert_eq!(header.validate().unwrap_err().field.as_deref(), Some("header"));
    }

    #[test]
    fn duplicate_skus_are_refused() {
        let twice = vec![section("A", 0, 2), section("B", 1, 1)];
        assert!(multi(twice).validate().is_err());
    }

    #[test]
    fn wire_shape() {
        let m: SendProducts = serde_json::from_str(
            r#"{"client_id":"c1","message":{"kind":"single","retailer_id":"VASE-01","body":"Just in"}}"#,
        )
        .unwrap();
        assert_eq!(m.message.retailer_ids(), vec!["VASE-01"]);
    }
}
