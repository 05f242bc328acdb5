//! What the browser keeps between visits: the device id and the tokens.

/// localStorage keys.
pub const DEVICE_KEY: &str = "talkshop.device";
pub const CONSOLE_TOKEN_KEY: &str = "talkshop.console.token";

pub fn visitor_key(shop: &str) -> String {
    format!("talkshop.visitor.{shop}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

pub fn save(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

pub fn forget(key: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(key);
    }
}

/// Changes the page's address without loading it (`history.replaceState`):
/// one-time codes and tokens must not stay in the address bar or the history.
pub fn replace_address(url: &str) -> bool {
    let Some(window) = web_sys::window() else { return false };
    js_sys::Reflect::get(&window, &"history".into())
        .ok()
        .and_then(|history| {
            let replace = js_sys::Reflect::get(&history, &"replaceState".into()).ok()?;
            let replace: &js_sys::Function = wasm_bindgen::JsCast::dyn_ref(&replace)?;
            replace.call3(&history, &wasm_bindgen::JsValue::NULL, &"".into(), &url.into()).ok()
        })
        .is_some()
}

/// The value of `name` in the page's query string (`?name=value`), and the
/// query string without it (`""` or `?a=1&b=2`).
pub fn take_query_param(name: &str) -> Option<(String, String)> {
    let search = web_sys::window()?.location().search().ok()?;
    let prefix = format!("{name}=");
    let mut value = None;
    let rest: Vec<&str> = search
        .trim_start_matches('?')
        .split('&')
        .filter(|pair| match pair.strip_prefix(prefix.as_str()) {
            Some(v) => {
                value = Some(v.to_owned());
                false
            }
            None => !pair.is_empty(),
        })
        .collect();
    let rest = if rest.is_empty() { String::new() } else { format!("?{}", rest.join("&")) };
    value.map(|v| (v, rest))
}

/// A random id of 32 hex digits with a prefix, from the browser's CSPRNG.
pub fn random_id(prefix: &str) -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No crypto (very old browser): Math.random is enough for a message id.
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{prefix}{hex}")
}

/// This browser's device id, created on first use and kept.
pub fn device_id() -> String {
    if let Some(id) = load(DEVICE_KEY).filter(|id| talkshop_protocol::validate_client_id(id).is_ok()) {
        return id;
    }
    let id = random_id("d-");
    save(DEVICE_KEY, &id);
    id
}

/// The subject (visitor id) a signed token names, read without checking the
/// signature: it only picks this visitor's outbox, the server checks the token.
pub fn token_subject(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let mut base64: String = payload
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            c => c,
        })
        .collect();
    while !base64.len().is_multiple_of(4) {
        base64.push('=');
    }
    let json = web_sys::window()?.atob(&base64).ok()?;
    let claims = talkshop_protocol::json::parse(&json).ok()?;
    talkshop_protocol::json::Fields::of(&claims, "claims").ok()?.get("sub").ok()
}
