//! Money, dates and times written by the browser's `Intl` instead of
//! formatting code compiled into the wasm. The output is the same as
//! `talkshop_protocol::locale` (the server's formatter and the reference the
//! browser tests compare against, `tests/intl.rs`):
//!
//! - money: `Intl.NumberFormat` writes the number (grouping, decimal
//!   separator, the currency's minor units) from the `Decimal`'s exact string
//!   (a string is formatted as an exact decimal, never through a float); the
//!   sign and the symbol are ours, because `Intl`'s symbols depend on the
//!   reader's language (`R$1,234.56` in English, `US$` outside the US) where
//!   we write each currency one way;
//! - dates: `Intl.DateTimeFormat` with the short month (Thai in the Buddhist
//!   era, as the Thai locale does by default);
//! - times: `Intl.DateTimeFormat` hour and minute, with `น.` added in Thai
//!   (CLDR's Thai short time has no suffix) and the narrow no-break space
//!   Chromium's ICU may put before `AM`/`PM` written as a plain space.
//!
//! Formatters are built once per language and kind and kept for the page's
//! life: building an `Intl` formatter costs far more than using one.

use std::cell::RefCell;

use js_sys::{Array, Function, Intl, Object, Reflect};
use talkshop_protocol::locale::{currency_symbol, Locale};
use talkshop_protocol::Money;
use wasm_bindgen::JsValue;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A number with this many fraction digits.
    Number(u32),
    Date,
    Time,
}

thread_local! {
    static FORMATTERS: RefCell<Vec<(Locale, Kind, Function)>> = const { RefCell::new(Vec::new()) };
}

fn options(pairs: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (key, value) in pairs {
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object
}

fn build(locale: Locale, kind: Kind) -> Function {
    let locales = Array::of1(&JsValue::from_str(locale.tag()));
    let s = |v: &str| JsValue::from_str(v);
    match kind {
        Kind::Number(digits) => {
            let digits = JsValue::from_f64(digits as f64);
            let options = options(&[("minimumFractionDigits", digits.clone()), ("maximumFractionDigits", digits)]);
            Intl::NumberFormat::new(&locales, &options).format()
        }
        Kind::Date => {
            let options = options(&[("year", s("numeric")), ("month", s("short")), ("day", s("numeric"))]);
            Intl::DateTimeFormat::new(&locales, &options).format()
        }
        Kind::Time => {
            let options = if locale == Locale::En {
                options(&[("hour", s("numeric")), ("minute", s("2-digit")), ("hour12", JsValue::TRUE)])
            } else {
                options(&[("hour", s("2-digit")), ("minute", s("2-digit")), ("hourCycle", s("h23"))])
            };
            Intl::DateTimeFormat::new(&locales, &options).format()
        }
    }
}

fn format(locale: Locale, kind: Kind, value: &JsValue) -> String {
    FORMATTERS.with(|cache| {
        let mut cache = cache.borrow_mut();
        let index = match cache.iter().position(|(l, k, _)| *l == locale && *k == kind) {
            Some(index) => index,
            None => {
                cache.push((locale, kind, build(locale, kind)));
                cache.len() - 1
            }
        };
        cache[index].2.call1(&JsValue::NULL, value).ok().and_then(|v| v.as_string()).unwrap_or_default()
    })
}

/// Money as a reader of `locale` writes it: `R$ 1.234,56` (pt-BR), `฿1,234.56` (th), `Rp 1.234.567` (id).
pub fn money(money: &Money, locale: Locale) -> String {
    // Rounded once, in decimal, as the server and the cart round it.
    let rounded = money.currency.round(money.amount);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let number =
        format(locale, Kind::Number(money.currency.minor_units()), &JsValue::from_str(&rounded.abs().to_string()));
    let (symbol, space) = currency_symbol(money.currency);
    let mut out = String::with_capacity(number.len() + 8);
    if negative {
        out.push('-');
    }
    out.push_str(symbol);
    if space {
        out.push(' ');
    }
    out.push_str(&number);
    out
}

fn js_date(millis: i64) -> JsValue {
    js_sys::Date::new(&JsValue::from_f64(millis as f64)).into()
}

/// The calendar date of `millis` (since the Unix epoch) in the browser's time zone.
pub fn date(millis: i64, locale: Locale) -> String {
    format(locale, Kind::Date, &js_date(millis))
}

/// The time of day of `millis` in the browser's time zone.
pub fn time(millis: i64, locale: Locale) -> String {
    let text = format(locale, Kind::Time, &js_date(millis)).replace(['\u{202f}', '\u{a0}'], " ");
    if locale == Locale::Th {
        text + " น."
    } else {
        text
    }
}

/// Date and time together, joined as `talkshop_protocol::locale::format_date_time` joins them.
pub fn date_time(millis: i64, locale: Locale) -> String {
    let separator = if locale == Locale::En { ", " } else { " " };
    let mut out = date(millis, locale);
    out.push_str(separator);
    out.push_str(&time(millis, locale));
    out
}
