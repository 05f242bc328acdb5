//! Times as the viewer reads them.

/// `HH:MM` in the browser's time zone for milliseconds since the Unix epoch.
pub fn clock_time(millis: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(millis as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}
