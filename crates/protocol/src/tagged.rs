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
    use super::*;

    #[derive(Debug, PartialEq)]
    enum Shape {
        Dot,
        Circle { r: u32 },
    }

    impl<'de> Deserialize<'de> for Shape {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Shape, D::Error> {
            #[derive(Deserialize)]
            struct Circle {
                r: u32,
            }
            let value = Tagged::read(d, "kind")?;
            match value.tag.as_str() {
                "dot" => Ok(Shape::Dot),
                "circle" => value.fields().map(|c: Circle| Shape::Circle { r: c.r }),
                _ => Err(value.unknown(&["dot", "circle"])),
            }
        }
    }

    #[test]
    fn reads_the_tag_wherever_it_is() {
        assert_eq!(serde_json::from_str::<Shape>(r#"{"kind":"dot"}"#).unwrap(), Shape::Dot);
        assert_eq!(serde_json::from_str::<Shape>(r#"{"r":3,"kind":"circle"}"#).unwrap(), Shape::Circle { r: 3 });
        assert_eq!(
            serde_json::from_str::<Vec<Shape>>(r#"[{"kind":"circle","r":1,"x":{"k":[1]}},{"kind":"dot"}]"#).unwrap(),
            vec![Shape::Circle { r: 1 }, Shape::Dot]
        );
        let value = serde_json::json!({"kind": "circle", "r": 2});
        assert_eq!(serde_json::from_value::<Shape>(value).unwrap(), Shape::Circle { r: 2 });
    }

    #[test]
    fn refuses_missing_unknown_and_bad_values() {
        let missing = serde_json::from_str::<Shape>(r#"{"r":3}"#).unwrap_err().to_string();
        assert!(missing.contains("missing field `kind`"), "{missing}");
        let unknown = serde_json::from_str::<Shape>(r#"{"kind":"square"}"#).unwrap_err().to_string();
        assert!(unknown.contains("unknown variant `square`"), "{unknown}");
        let bad = serde_json::from_str::<Shape>(r#"{"kind":"circle","r":"big"}"#).unwrap_err().to_string();
        assert!(bad.contains("invalid type"), "{bad}");
        assert!(serde_json::from_str::<Shape>(r#"{"kind":7}"#).is_err());
        assert!(serde_json::from_str::<Shape>(r#"[1]"#).is_err());
        assert!(serde_json::from_str::<Shape>(r#"{"kind":"circle","r":1"#).is_err());
    }
}
