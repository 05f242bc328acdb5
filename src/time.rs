//! Times as the viewer reads them: the browser's time zone, the widget's
//! language (through the formatter in `talkshop_protocol::locale`).

use talkshop_protocol::locale::{format_date, format_date_time, format_time, Locale};

fn js_date(millis: i64) -> js_sys::Date {
    js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis as f64))
}

/// The time of day for milliseconds since the Unix epoch: `3:05 PM`, `15:05`, `15:05 น.`, `15.05`.
pub fn clock_time(millis: i64, locale: Locale) -> String {
    let d = js_date(millis);
    format_time(locale, d.get_hours(), d.get_minutes())
}

/// The calendar date: `Nov 25, 2026`, `25 de nov. de 2026`, `25 พ.ย. 2569`, `25 Nov 2026`.
pub fn date(millis: i64, locale: Locale) -> String {
    let d = js_date(millis);
    format_date(locale, d.get_full_year() as i32, d.get_month() + 1, d.get_date())
}

/// Date and time: `Nov 25, 2026, 3:05 PM`, `25 de nov. de 2026 15:05`…
pub fn date_time(millis: i64, locale: Locale) -> String {
    let d = js_date(millis);
    format_date_time(locale, d.get_full_year() as i32, d.get_month() + 1, d.get_date(), d.get_hours(), d.get_minutes())
}
