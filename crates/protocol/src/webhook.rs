//! Signed webhooks to the merchant's backend: endpoints, events, deliveries,
//! the URL and event rules, and the signature (`Talkshop-Signature`).
//!
//! Signature: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::error::ApiError;

pub const SIGNATURE_HEADER: &str = "Talkshop-Signature";
pub const EVENT_ID_HEADER: &str = "Talkshop-Event-Id";
pub const MAX_URL_CHARS: usize = 2048;
pub const MAX_ENDPOINTS: usize = 10;
/// How far a signature's timestamp may be from the receiver's clock (verifiers' default).
pub const TOLERANCE_SECS: i64 = 300;

pub const ORDER_PLACED: &str = "order.placed";
pub const PAYMENT_REQUEST_CREATED: &str = "payment_request.created";
pub const PAYMENT_PAID: &str = "payment.paid";
pub const PAYMENT_FAILED: &str = "payment.failed";
pub const ORDER_SHIPPED: &str = "order.shipped";
pub const ORDER_DELIVERED: &str = "order.delivered";
pub const ORDER_CANCELLED: &str = "order.cancelled";
pub const ORDER_REFUNDED: &str = "order.refunded";
/// Every chat message: opt-in only, never in [`DEFAULT_EVENTS`].
pub const MESSAGE_CREATED: &str = "message.created";

/// Every event name, in the order the console lists them.
pub const EVENTS: [&str; 9] = [
    ORDER_PLACED,
    PAYMENT_REQUEST_CREATED,
    PAYMENT_PAID,
    PAYMENT_FAILED,
    ORDER_SHIPPED,
    ORDER_DELIVERED,
    ORDER_CANCELLED,
    ORDER_REFUNDED,
    MESSAGE_CREATED,
];

/// What the console ticks for a new endpoint: everything but `message.created`.
pub const DEFAULT_EVENTS: [&str; 8] = [
    ORDER_PLACED,
    PAYMENT_REQUEST_CREATED,
    PAYMENT_PAID,
    PAYMENT_FAILED,
    ORDER_SHIPPED,
    ORDER_DELIVERED,
    ORDER_CANCELLED,
    ORDER_REFUNDED,
];

/// A registered endpoint (its secret is shown only once, at creation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    /// Unix milliseconds.
    pub created_at: i64,
    /// The secret's first characters (`whsec_ab12`), to tell secrets apart.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_prefix: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhook {
    pub url: String,
    pub events: Vec<String>,
}

/// The answer to a creation: the endpoint and its signing secret, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWebhook {
    pub endpoint: WebhookEndpoint,
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookList {
    pub endpoints: Vec<WebhookEndpoint>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<DeliveryStatus> {
        match text {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// One event sent (or to send) to one endpoint. Times in Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookDelivery {
    pub id: String,
    pub event_id: String,
    pub event: String,
    pub endpoint_id: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub last_status_code: Option<i64>,
    pub last_error: Option<String>,
    pub next_attempt_at: Option<i64>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryList {
    pub deliveries: Vec<WebhookDelivery>,
}

/// The body of every delivery: `data` is the order, payment request or
/// message as the rest of the API serializes it. `created_at` in Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: i64,
    pub shop_id: String,
    pub data: serde_json::Value,
}

/// The parts of a checked endpoint URL the sender needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    pub https: bool,
    /// Lowercase; an IPv6 address without brackets.
    pub host: String,
    pub port: u16,
}

impl WebhookUrl {
    /// The host as an IP address, when it is one.
    pub fn ip(&self) -> Option<IpAddr> {
        self.host.parse().ok()
    }
}

fn bad_url(message: &str) -> ApiError {
    ApiError::invalid("url", message)
}

/// Checks an endpoint URL: `https://` (or `http://` when `allow_private`, the
/// development flag), at most 2048 characters, no user info, and no host that
/// is private by name or address (`localhost`, loopback, link-local, private,
/// unspecified) unless `allow_private`. Names that *resolve* to such
/// addresses are the server's to check, at registration and at each delivery.
pub fn parse_url(url: &str, allow_private: bool) -> Result<WebhookUrl, ApiError> {
    if url.chars().count() > MAX_URL_CHARS {
        return Err(bad_url("A webhook URL is at most 2048 characters"));
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad_url("A webhook URL has no spaces or control characters"));
    }
    let lower = url.to_ascii_lowercase();
    let (https, rest) = if let Some(rest) = lower.strip_prefix("https://") {
        (true, rest)
    } else if let Some(rest) = lower.strip_prefix("http://") {
        (false, rest)
    } else {
        return Err(bad_url("A webhook URL starts with https://"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(bad_url("A webhook URL has no user name or password"));
    }
    let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
        let (host, after) = inner.split_once(']').ok_or_else(|| bad_url("Unclosed [ in the host"))?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        None => {
            if https {
                443
            } else {
                80
            }
        }
        Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| bad_url("The port is not a number"))?,
    };
    // A trailing dot ("example.com.") names the same host but would slip past the
    // sender's pinned (checked) address and be resolved again: refused.
    let valid_name = !host.is_empty()
        && !host.ends_with('.')
        && host.len() <= 253
        && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ':'));
    if !valid_name || (host.contains(':') && host.parse::<Ipv6Addr>().is_err()) {
        return Err(bad_url("The URL has no valid host"));
    }
    let parsed = WebhookUrl { https, host: host.to_owned(), port };
    if !allow_private {
        if !https {
            return Err(bad_url("A webhook URL starts with https://"));
        }
        let private_name = host == "localhost" || host.ends_with(".localhost");
        if private_name || parsed.ip().is_some_and(is_private_ip) {
            return Err(bad_url("Webhooks cannot go to private, loopback or link-local addresses"));
        }
    }
    Ok(parsed)
}

/// Loopback, link-local, private, unique-local, unspecified, broadcast or
/// carrier-grade NAT addresses (an IPv4-mapped IPv6 address counts as its IPv4 one).
pub fn is_private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return private_v4(v4);
            }
            let seg = v6.segments();
            let first = seg[0];
            // IPv4 carried inside IPv6: NAT64 64:ff9b::/96, 6to4 2002::/16, IPv4-compatible ::a.b.c.d.
            let embedded = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
            if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && private_v4(embedded(seg[6], seg[7])) {
                return true;
            }
            if first == 0x2002 && private_v4(embedded(seg[1], seg[2])) {
                return true;
            }
            if seg[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
                return private_v4(embedded(seg[6], seg[7]));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (first & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated, still routed inside some networks)
                || (first & 0xfe00) == 0xfc00 // unique local fc00::/7
        }
    }
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || a == 0
        || a >= 224 // multicast 224/4 and reserved 240/4
        || (a == 100 && (64..128).contains(&b)) // carrier-grade NAT
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments 192.0.0/24
        || (a == 198 && (b == 18 || b == 19)) // benchmarking 198.18/15
}

/// Checks the events of an endpoint: known names, at least one; answers them without duplicates.
pub fn validate_events(events: &[String]) -> Result<Vec<String>, ApiError> {
    let mut out: Vec<String> = Vec::new();
    for event in events {
        let event = event.trim();
        if !EVENTS.contains(&event) {
            return Err(ApiError::invalid("events", format!("Unknown event {event:?}")));
        }
        if !out.iter().any(|e| e == event) {
            out.push(event.to_owned());
        }
    }
    if out.is_empty() {
        return Err(ApiError::invalid("events", "Choose at least one event"));
    }
    Ok(out)
}

/// A new endpoint's URL and events, checked (`existing`: the shop's endpoints now).
pub fn validate_create(req: &CreateWebhook, existing: usize, allow_private: bool) -> Result<Vec<String>, ApiError> {
    if existing >= MAX_ENDPOINTS {
        return Err(ApiError::invalid("url", "At most 10 webhook endpoints per shop; remove one first"));
    }
    parse_url(req.url.trim(), allow_private)?;
    validate_events(&req.events)
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &str, timestamp: i64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// Hex HMAC-SHA256 of `"<timestamp>.<body>"` under `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    mac(secret, timestamp, body).finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// The `Talkshop-Signature` header's value: `t=<timestamp>,v1=<signature>`.
pub fn signature_header(secret: &str, timestamp: i64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", sign(secret, timestamp, body))
}

/// Why a delivery did not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyError {
    /// The header is not `t=…,v1=…`.
    Malformed,
    /// The timestamp is further than the tolerance from now (a replay?).
    Stale,
    /// No `v1` signature matches the body under this secret.
    Mismatch,
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            VerifyError::Malformed => "malformed Talkshop-Signature header",
            VerifyError::Stale => "signature timestamp outside the tolerance",
            VerifyError::Mismatch => "signature does not match",
        })
    }
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// Verifies a delivery as a receiver should: the raw body exactly as received,
/// the header, the endpoint's secret, the receiver's clock (Unix seconds) and
/// the tolerance (e.g. [`TOLERANCE_SECS`]). Compares in constant time; any of
/// several `v1=` values may match (secret rotation).
pub fn verify(secret: &str, header: &str, body: &[u8], now_secs: i64, tolerance_secs: i64) -> Result<(), VerifyError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = Some(t.parse::<i64>().map_err(|_| VerifyError::Malformed)?),
            Some(("v1", v)) => signatures.push(from_hex(v).ok_or(VerifyError::Malformed)?),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(VerifyError::Malformed)?;
    if signatures.is_empty() {
        return Err(VerifyError::Malformed);
    }
    if (now_secs - timestamp).abs() > tolerance_secs {
        return Err(VerifyError::Stale);
    }
    let expected = mac(secret, timestamp, body);
    if signatures.iter().any(|s| expected.clone().verify_slice(s).is_ok()) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(err: ApiError) -> Option<String> {
        err.field
    }

    #[test]
    fn https_urls_are_accepted_and_parsed() {
        let u = parse_url("https://Shop.Example.com/hooks?x=1", false).unwrap();
        assert_eq!(u, WebhookUrl { https: true, host: "shop.example.com".into(), port: 443 });
        let u = parse_url("https://[2001:db8::1]:8443/h", false).unwrap();
        assert_eq!((u.host.as_str(), u.port), ("2001:db8::1", 8443));
    }

    #[test]
    fn http_private_and_odd_urls_are_refused_without_the_dev_flag() {
        for url in [
            "http://shop.example.com/",
            "https://localhost/x",
            "https://api.localhost/x",
            "https://hooks.example.com./x",
            "https://127.0.0.1/",
            "https://10.0.0.1/",
            "https://172.16.5.4/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://user:pw@shop.example.com/",
            "ftp://shop.example.com/",
            "https:///nohost",
            "https://shop.example.com:99999/",
            "https://exa mple.com/",
        ] {
            assert_eq!(field(parse_url(url, false).unwrap_err()).as_deref(), Some("url"), "{url}");
        }
        let long = format!("https://shop.example.com/{}", "a".repeat(MAX_URL_CHARS));
        assert!(parse_url(&long, true).is_err());
    }

    #[test]
    fn the_dev_flag_allows_http_and_private_hosts() {
        let u = parse_url("http://127.0.0.1:9000/hook", true).unwrap();
        assert_eq!((u.https, u.host.as_str(), u.port), (false, "127.0.0.1", 9000));
        assert!(parse_url("http://localhost/", true).is_ok());
    }

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.31.0.1",
            "192.168.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fc00::1",
            "::",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "::10.0.0.1",
            "ff02::1",
            "fec0::1",
            "224.0.0.1",
            "255.255.255.255",
            "240.0.0.1",
            "192.0.0.8",
            "198.18.0.1",
            "100.64.0.1",
        ] {
            assert!(is_private_ip(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "172.32.0.1", "2606:4700::1111", "8.8.8.8", "64:ff9b::808:808", "2002:808:808::"] {
            assert!(!is_private_ip(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn events_must_be_known_and_present() {
        assert_eq!(
            validate_events(&["order.placed".into(), "order.placed".into(), "message.created".into()]).unwrap(),
            vec!["order.placed".to_owned(), "message.created".to_owned()]
        );
        assert_eq!(field(validate_events(&[]).unwrap_err()).as_deref(), Some("events"));
        assert_eq!(field(validate_events(&["order.eaten".into()]).unwrap_err()).as_deref(), Some("events"));
        assert!(!DEFAULT_EVENTS.contains(&MESSAGE_CREATED));
        let req = CreateWebhook { url: "https://shop.example.com/h".into(), events: vec!["payment.paid".into()] };
        assert!(validate_create(&req, MAX_ENDPOINTS - 1, false).is_ok());
        assert!(validate_create(&req, MAX_ENDPOINTS, false).is_err());
    }

    #[test]
    fn signatures_verify_and_tampering_is_caught() {
        let body = br#"{"id":"evt_1","type":"order.placed"}"#;
        let header = signature_header("whsec_test", 1_700_000_000, body);
        // Known answer: HMAC-SHA256("whsec_test", "1700000000.<body>") (Python's hmac agrees).
        assert_eq!(header, "t=1700000000,v1=fd1cda18b8cdf2dfb0b4ec4222e317534c46f268961c015095a71121e1b44eb5");
        assert_eq!(verify("whsec_test", &header, body, 1_700_000_100, TOLERANCE_SECS), Ok(()));
        assert_eq!(verify("whsec_other", &header, body, 1_700_000_100, TOLERANCE_SECS), Err(VerifyError::Mismatch));
        assert_eq!(verify("whsec_test", &header, b"{}", 1_700_000_100, TOLERANCE_SECS), Err(VerifyError::Mismatch));
        assert_eq!(verify("whsec_test", &header, body, 1_700_001_000, TOLERANCE_SECS), Err(VerifyError::Stale));
        assert_eq!(verify("whsec_test", "v1=abc", body, 1_700_000_000, 300), Err(VerifyError::Malformed));
        assert_eq!(verify("whsec_test", "t=1,v1=zz", body, 1, 300), Err(VerifyError::Malformed));
        // Several v1 values (rotation): any match is enough.
        let two = format!("t=1700000000,v1={},{}", "00".repeat(32), header.split_once(",").unwrap().1);
        assert_eq!(verify("whsec_test", &two, body, 1_700_000_000, TOLERANCE_SECS), Ok(()));
    }
}
