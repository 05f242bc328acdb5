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
    #[derive(serde::Deserialize)]
    struct Subject {
        sub: String,
    }
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
    serde_json::from_str::<Subject>(&json).ok().map(|s| s.sub)
}
