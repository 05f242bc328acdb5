//! Reading internally tagged JSON (`{"type": "text", "text": "hi"}`) without serde's buffering.
//!
//! serde's derived deserializer for `#[serde(tag = "…")]` enums first copies every value into
//! its private `Content` tree, then deserializes each variant a second time from that tree: a
//! second copy of every type's deserializer, ~55 KB of the widget's wasm before gzip. The enums
//! the widget reads (server frames, message bodies, availability) deserialize by hand instead:
//! the value is captured once as raw JSON, its tag is read, and the variant's fields are read
//! from the same text by the one serde_json deserializer every other type uses. The JSON shape
//! is unchanged (their `Serialize` is still derived), and so are the error messages' substance
//! (missing tag, unknown variant, bad field).

use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A tagged value: the tag and the whole object (tag included) as JSON text.
pub(crate) struct Tagged {
    pub tag: String,
    raw: Box<RawValue>,
}

impl Tagged {
    /// Captures the object and reads its `key` field (a string).
    pub fn read<'de, D: Deserializer<'de>>(deserializer: D, key: &'static str) -> Result<Tagged, D::Error> {
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let tag = serde_json::Deserializer::from_str(raw.get())
            .deserialize_map(TagVisitor { key })
            .map_err(de::Error::custom)?;
        match tag {
            Some(tag) => Ok(Tagged { tag, raw }),
            None => Err(de::Error::missing_field(key)),
        }
    }

    /// The variant's fields, read from the object (the tag field is ignored).
    pub fn fields<T: DeserializeOwned, E: de::Error>(&self) -> Result<T, E> {
        serde_json::from_str(self.raw.get()).map_err(E::custom)
    }

    /// The whole object (tag included) as JSON text.
    pub fn json(&self) -> &str {
        self.raw.get()
    }

    /// The error for a tag that names no variant.
    pub fn unknown<E: de::Error>(&self, variants: &'static [&'static str]) -> E {
        E::unknown_variant(&self.tag, variants)
    }
}

/// Finds `key` among an object's fields, skipping the others without keeping them.
struct TagVisitor {
    key: &'static str,
}

impl<'de> Visitor<'de> for TagVisitor {
    type Value = Option<String>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "an object with a \"{}\" field", self.key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<String>, A::Error> {
        let mut tag = None;
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if name == self.key && tag.is_none() {
                tag = Some(map.next_value::<String>()?);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(tag)
    }
}

#[cfg(test)]
mod tests {
    // `Availability` reads through `Tagged` (tag "status"; unit and struct variants).
    use crate::catalog::Availability;

    fn read(json: &str) -> Result<Availability, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn reads_the_tag_wherever_it_is() {
        assert_eq!(read(r#"{"status":"in_stock"}"#).unwrap(), Availability::InStock);
        assert_eq!(read(r#"{"quantity":3,"status":"limited"}"#).unwrap(), Availability::Limited { quantity: 3 });
        assert_eq!(
            serde_json::from_str::<Vec<Availability>>(
                r#"[{"status":"limited","quantity":1,"x":{"k":[1]}},{"status":"out_of_stock"}]"#
            )
            .unwrap(),
            vec![Availability::Limited { quantity: 1 }, Availability::OutOfStock]
        );
        let value = serde_json::json!({"status": "limited", "quantity": 2});
        assert_eq!(serde_json::from_value::<Availability>(value).unwrap(), Availability::Limited { quantity: 2 });
    }

    #[test]
    fn refuses_missing_unknown_and_bad_values() {
        let missing = read(r#"{"quantity":3}"#).unwrap_err();
        assert!(missing.contains("missing field `status`"), "{missing}");
        let unknown = read(r#"{"status":"square"}"#).unwrap_err();
        assert!(unknown.contains("unknown variant `square`"), "{unknown}");
        let bad = read(r#"{"status":"limited","quantity":"big"}"#).unwrap_err();
        assert!(bad.contains("invalid type"), "{bad}");
        assert!(read(r#"{"status":7}"#).is_err());
        assert!(read(r#"[1]"#).is_err());
        assert!(read(r#"{"status":"limited","quantity":1"#).is_err());
    }
}
