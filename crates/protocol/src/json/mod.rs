//! A small JSON reader without serde, for what the widget reads at its first open.
//!
//! serde's derived readers are generic: every type the widget reads gets its own
//! copy of serde_json's map and sequence loops, of its error paths and of its
//! field matching, ~80 KB of the first-open wasm before compression. Here the
//! text is parsed once into a [`Value`] by one non-generic parser, and each type
//! reads its fields from that tree with [`FromValue`]: a few lines per type.
//!
//! The server, the console and the tests keep serde (every type still derives
//! `Deserialize`), and the protocol's tests read the same JSON both ways and
//! compare. The reading rules are serde's: unknown fields are ignored, a
//! missing `Option` is `None`, numbers must fit the field's type, amounts are
//! strings. Two differences: a repeated field takes its first value (serde
//! refuses it), and an error says what was wrong and in which field, not at
//! which line and column.

use std::fmt::Write as _;

mod types;

/// A parsed JSON value. Numbers keep their text (a field reads it as its own type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

/// Nesting deeper than this is refused (serde_json's limit too), so a hostile
/// text cannot exhaust the stack.
const MAX_DEPTH: usize = 128;

/// Parses a whole JSON text (whitespace around it allowed, nothing else).
pub fn parse(text: &str) -> Result<Value, String> {
    let mut parser = Parser { text: text.as_bytes(), at: 0 };
    let value = parser.value(0)?;
    parser.space();
    if parser.at != parser.text.len() {
        return Err(parser.error("trailing characters"));
    }
    Ok(value)
}

/// Parses `text` and reads it as a `T`.
pub fn from_str<T: FromValue>(text: &str) -> Result<T, String> {
    T::from_value(&parse(text)?)
}

struct Parser<'a> {
    text: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!("{what} at byte {}", self.at)
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.text.get(self.at) {
            self.at += 1;
        }
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.text.get(self.at).copied();
        self.at += 1;
        byte
    }

    fn word(&mut self, word: &str, value: Value) -> Result<Value, String> {
        if self.text[self.at..].starts_with(word.as_bytes()) {
            self.at += word.len();
            Ok(value)
        } else {
            Err(self.error("expected value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.space();
        match self.text.get(self.at) {
            Some(b'n') => self.word("null", Value::Null),
            Some(b't') => self.word("true", Value::Bool(true)),
            Some(b'f') => self.word("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                self.at += 1;
                let mut items = Vec::new();
                if !self.close(b']') {
                    loop {
                        items.push(self.value(depth + 1)?);
                        if self.separator(b']')? {
                            break;
                        }
                    }
                }
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                self.at += 1;
                let mut fields = Vec::new();
                if !self.close(b'}') {
                    loop {
                        self.space();
                        if self.text.get(self.at) != Some(&b'"') {
                            return Err(self.error("key must be a string"));
                        }
                        let key = self.string()?;
                        self.space();
                        if self.next() != Some(b':') {
                            return Err(self.error("expected `:`"));
                        }
                        fields.push((key, self.value(depth + 1)?));
                        if self.separator(b'}')? {
                            break;
                        }
                    }
                }
                Ok(Value::Object(fields))
            }
            Some(_) => Err(self.error("expected value")),
            None => Err(self.error("EOF while parsing a value")),
        }
    }

    /// After `[` or `{`: whether the container closes at once (and skips it).
    fn close(&mut self, end: u8) -> bool {
        self.space();
        let closed = self.text.get(self.at) == Some(&end);
        self.at += usize::from(closed);
        closed
    }

    /// After an item: `,` (false) or the container's end (true).
    fn separator(&mut self, end: u8) -> Result<bool, String> {
        self.space();
        match self.next() {
            Some(b',') => Ok(false),
            Some(b) if b == end => Ok(true),
            _ => Err(self.error("expected `,` or the end of the list")),
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.at;
        while let Some(b'0'..=b'9') = self.text.get(self.at) {
            self.at += 1;
        }
        self.at - start
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.at;
        if self.text[self.at] == b'-' {
            self.at += 1;
        }
        let leading_zero = self.text.get(self.at) == Some(&b'0');
        let whole = self.digits();
        if whole == 0 || (leading_zero && whole > 1) {
            return Err(self.error("invalid number"));
        }
        if self.text.get(self.at) == Some(&b'.') {
            self.at += 1;
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.text.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.text.get(self.at) {
                self.at += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        // ASCII only, so always a `str`.
        Ok(Value::Number(String::from_utf8_lossy(&self.text[start..self.at]).into_owned()))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let digits = self.text.get(self.at..self.at + 4).ok_or_else(|| self.error("EOF in an escape"))?;
        let digits = std::str::from_utf8(digits).map_err(|_| self.error("invalid escape"))?;
        let code = u32::from_str_radix(digits, 16).map_err(|_| self.error("invalid escape"))?;
        self.at += 4;
        Ok(code)
    }

    /// A string, the opening quote under the cursor.
    fn string(&mut self) -> Result<String, String> {
        self.at += 1;
        let mut out = Vec::new();
        loop {
            let start = self.at;
            while let Some(&b) = self.text.get(self.at) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.at += 1;
            }
            out.extend_from_slice(&self.text[start..self.at]);
            match self.next() {
                Some(b'"') => break,
                Some(b'\\') => {
                    let c = match self.next() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            let mut code = self.hex4()?;
                            if (0xD800..0xDC00).contains(&code) {
                                if self.text.get(self.at..self.at + 2) != Some(b"\\u") {
                                    return Err(self.error("lone leading surrogate"));
                                }
                                self.at += 2;
                                let low = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&low) {
                                    return Err(self.error("invalid surrogate pair"));
                                }
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                            }
                            char::from_u32(code).ok_or_else(|| self.error("invalid unicode escape"))?
                        }
                        _ => return Err(self.error("invalid escape")),
                    };
                    let mut buf = [0; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
                Some(_) => {
                    self.at -= 1;
                    return Err(self.error("control character in a string"));
                }
                None => return Err(self.error("EOF while parsing a string")),
            }
        }
        // The input was a `str` and escapes add whole characters.
        String::from_utf8(out).map_err(|_| self.error("invalid UTF-8"))
    }
}

impl Value {
    /// The value as compact JSON text (what a serde reader elsewhere reads again).
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(n),
            Value::String(s) => write_string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Value::Object(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    /// What the value is, for errors (serde's words).
    fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "sequence",
            Value::Object(_) => "map",
        }
    }

    /// The error for a value of the wrong kind.
    pub fn invalid(&self, expected: &str) -> String {
        format!("invalid type: {}, expected {expected}", self.kind())
    }

    /// The value as a string, or the error naming `expected`.
    pub fn str(&self, expected: &str) -> Result<&str, String> {
        match self {
            Value::String(s) => Ok(s),
            other => Err(other.invalid(expected)),
        }
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A type written as JSON by hand: the same text serde writes for it, without
/// serde's generic serializer (one copy per type) in the widget's first load.
pub trait ToValue {
    fn to_value(&self) -> Value;
}

/// `value` as JSON text.
pub fn to_string<T: ToValue + ?Sized>(value: &T) -> String {
    value.to_value().to_json()
}

/// An object with these fields, in this order.
pub fn object(fields: Vec<(&str, Value)>) -> Value {
    Value::Object(fields.into_iter().map(|(key, value)| (key.to_owned(), value)).collect())
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::String(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::String(self.clone())
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

macro_rules! number_to_value {
    ($($type:ty),*) => {$(
        impl ToValue for $type {
            fn to_value(&self) -> Value {
                Value::Number(self.to_string())
            }
        }
    )*};
}

number_to_value!(i64, u32);

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, T::to_value)
    }
}

impl<T: ToValue> ToValue for [T] {
    fn to_value(&self) -> Value {
        Value::Array(self.iter().map(T::to_value).collect())
    }
}

impl<T: ToValue> ToValue for Vec<T> {
    fn to_value(&self) -> Value {
        self.as_slice().to_value()
    }
}

/// Writes a struct as serde does (every field, in the order given):
/// `write_struct!(Type { a, b });` implements [`ToValue`] for it.
#[macro_export]
macro_rules! write_struct {
    ($type:ty { $($field:ident),* $(,)? }) => {
        impl $crate::json::ToValue for $type {
            fn to_value(&self) -> $crate::json::Value {
                $crate::json::object(vec![$((stringify!($field), $crate::json::ToValue::to_value(&self.$field))),*])
            }
        }
    };
}

/// A type read from a [`Value`].
pub trait FromValue: Sized {
    fn from_value(value: &Value) -> Result<Self, String>;

    /// What a missing field reads as: `None` for an `Option`, an error otherwise.
    fn absent() -> Option<Self> {
        None
    }
}

/// The fields of a JSON object, read by name.
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a>(&'a [(String, Value)]);

impl<'a> Fields<'a> {
    /// `value`'s fields, or the error naming `what` was expected.
    pub fn of(value: &'a Value, what: &str) -> Result<Fields<'a>, String> {
        match value {
            Value::Object(fields) => Ok(Fields(fields)),
            other => Err(other.invalid(what)),
        }
    }

    /// The field's value (the first one, if it is repeated).
    pub fn find(&self, name: &str) -> Option<&'a Value> {
        self.0.iter().find(|(key, _)| key == name).map(|(_, value)| value)
    }

    /// The field, read as a `T`; a missing one is `T::absent()`.
    pub fn get<T: FromValue>(&self, name: &str) -> Result<T, String> {
        match self.find(name) {
            Some(value) => T::from_value(value).map_err(|e| in_field(name, e)),
            None => T::absent().ok_or_else(|| format!("missing field `{name}`")),
        }
    }

    /// The field, or `T::default()` when it is missing (serde's `#[serde(default)]`).
    pub fn or_default<T: FromValue + Default>(&self, name: &str) -> Result<T, String> {
        self.or_else(name, T::default)
    }

    /// The field, or `fallback()` when it is missing (serde's `#[serde(default = "…")]`).
    pub fn or_else<T: FromValue>(&self, name: &str, fallback: impl FnOnce() -> T) -> Result<T, String> {
        match self.find(name) {
            Some(_) => self.get(name),
            None => Ok(fallback()),
        }
    }

    /// A tag field (`"type": "text"`): its text.
    pub fn tag(&self, name: &str) -> Result<&'a str, String> {
        match self.find(name) {
            Some(value) => value.str("a string").map_err(|e| in_field(name, e)),
            None => Err(format!("missing field `{name}`")),
        }
    }
}

/// Reads a struct from an object, `Ok(Type { … })`: the fields listed first
/// with [`Fields::get`] (a missing `Option` is `None`), those after `;` with
/// [`Fields::or_default`] (serde's `#[serde(default)]`), and those after a
/// second `;`, written `field = fallback`, with [`Fields::or_else`].
#[macro_export]
macro_rules! read_struct {
    ($value:expr, $ty:ident {
        $($field:ident),* $(,)?
        $(; $($default:ident),* $(,)? $(; $($other:ident = $fallback:expr),* $(,)?)?)?
    }) => {{
        let f = $crate::json::Fields::of($value, concat!("struct ", stringify!($ty)))?;
        Ok($ty {
            $($field: f.get(stringify!($field))?,)*
            $($($default: f.or_default(stringify!($default))?,)* $($($other: f.or_else(stringify!($other), $fallback)?,)*)?)?
        })
    }};
}

fn in_field(name: &str, error: String) -> String {
    format!("{error} (field `{name}`)")
}

/// The error for a tag or name that names no variant.
pub fn unknown_variant(tag: &str, variants: &[&str]) -> String {
    format!("unknown variant `{tag}`, expected one of {}", variants.join(", "))
}

/// Reads a unit-variant enum from its name (`"buyer"`), with `parse` (the type's own).
pub fn named<T>(value: &Value, variants: &[&str], parse: impl Fn(&str) -> Option<T>) -> Result<T, String> {
    let name = value.str("a variant name")?;
    parse(name).ok_or_else(|| unknown_variant(name, variants))
}

impl FromValue for String {
    fn from_value(value: &Value) -> Result<String, String> {
        value.str("a string").map(str::to_owned)
    }
}

impl FromValue for bool {
    fn from_value(value: &Value) -> Result<bool, String> {
        match value {
            Value::Bool(b) => Ok(*b),
            other => Err(other.invalid("a boolean")),
        }
    }
}

fn integer(value: &Value, expected: &str) -> Result<i64, String> {
    match value {
        Value::Number(n) => n.parse().map_err(|_| format!("invalid value: {n}, expected {expected}")),
        other => Err(other.invalid(expected)),
    }
}

impl FromValue for i64 {
    fn from_value(value: &Value) -> Result<i64, String> {
        integer(value, "i64")
    }
}

impl FromValue for u32 {
    fn from_value(value: &Value) -> Result<u32, String> {
        let n = integer(value, "u32")?;
        u32::try_from(n).map_err(|_| format!("invalid value: {n}, expected u32"))
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: &Value) -> Result<Option<T>, String> {
        match value {
            Value::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }

    fn absent() -> Option<Option<T>> {
        Some(None)
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: &Value) -> Result<Vec<T>, String> {
        match value {
            Value::Array(items) => items.iter().map(T::from_value).collect(),
            other => Err(other.invalid("a sequence")),
        }
    }
}

impl<T: FromValue> FromValue for Box<T> {
    fn from_value(value: &Value) -> Result<Box<T>, String> {
        T::from_value(value).map(Box::new)
    }
}

impl FromValue for Value {
    fn from_value(value: &Value) -> Result<Value, String> {
        Ok(value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Texts that serde_json parses, and what ours must agree on.
    const GOOD: &[&str] = &[
        "null",
        " true ",
        "false",
        "0",
        "-12",
        "3.25",
        "1e3",
        "-0.5E-2",
        r#""""#,
        r#""a\"b\\c\/d\b\f\n\r\t""#,
        r#""\u00e9\u0041\ud83d\ude00""#,
        r#""café 😀 ไทย""#,
        "[]",
        "[1, [2, [3]], {}]",
        r#"{"a": 1, "b": [true, null], "c": {"d": "e"}}"#,
        "\n\t{ }\r\n",
    ];

    const BAD: &[&str] = &[
        "",
        " ",
        "nul",
        "tru",
        "01",
        "-",
        "1.",
        ".5",
        "1e",
        "+1",
        r#""abc"#,
        r#""\x""#,
        r#""\u12""#,
        r#""\ud83d""#,
        r#""\ud83d\u0041""#,
        "\"a\u{1}b\"",
        "[1,]",
        "[1 2]",
        r#"{"a" 1}"#,
        r#"{"a":1,}"#,
        "{1:2}",
        "{} x",
        "[",
        "{",
        r#"{"a":"#,
    ];

    fn to_serde(value: &Value) -> serde_json::Value {
        serde_json::from_str(&value.to_json()).unwrap()
    }

    #[test]
    fn parses_what_serde_parses_and_writes_it_back() {
        for text in GOOD {
            let ours = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(to_serde(&ours), theirs, "{text}");
        }
        assert_eq!(parse(r#""\ud83d\ude00""#).unwrap(), Value::String("😀".into()));
        assert_eq!(parse(r#"{"k":"a\"\n\u0001"}"#).unwrap().to_json(), r#"{"k":"a\"\n\u0001"}"#);
    }

    #[test]
    fn refuses_what_serde_refuses() {
        for text in BAD {
            assert!(serde_json::from_str::<serde_json::Value>(text).is_err(), "serde takes {text:?}");
            assert!(parse(text).is_err(), "we take {text:?}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert!(parse(&deep).unwrap_err().contains("recursion limit"));
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn fields_read_like_serde() {
        let value = parse(r#"{"n":5,"s":"x","o":null,"big":4294967296,"neg":-1,"f":1.5,"n":6}"#).unwrap();
        let fields = Fields::of(&value, "a map").unwrap();
        assert_eq!(fields.get::<i64>("n").unwrap(), 5, "the first of a repeated field");
        assert_eq!(fields.get::<u32>("n").unwrap(), 5);
        assert_eq!(fields.get::<String>("s").unwrap(), "x");
        assert_eq!(fields.get::<Option<String>>("o").unwrap(), None);
        assert_eq!(fields.get::<Option<String>>("nothing").unwrap(), None);
        assert_eq!(fields.or_default::<i64>("nothing").unwrap(), 0);
        assert!(fields.get::<String>("nothing").unwrap_err().contains("missing field `nothing`"));
        assert!(fields.get::<u32>("big").is_err());
        assert!(fields.get::<u32>("neg").is_err());
        assert!(fields.get::<i64>("f").is_err());
        let err = fields.get::<String>("n").unwrap_err();
        assert!(err.contains("invalid type: number, expected a string") && err.contains("`n`"), "{err}");
        assert!(Fields::of(&Value::Array(vec![]), "a map").unwrap_err().contains("invalid type: sequence"));
        assert!(unknown_variant("x", &["a", "b"]).contains("unknown variant `x`"));
    }
}
