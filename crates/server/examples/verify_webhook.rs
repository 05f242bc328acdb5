//! Verifies a Talkshop webhook the way a merchant's backend should.
//!
//! ```sh
//! # body: the raw request body, byte for byte, as received (stdin)
//! TALKSHOP_WEBHOOK_SECRET=whsec_… cargo run -p talkshop-server --example verify_webhook -- \
//!     "t=1767225600,v1=5d41…" < body.json
//! ```
//!
//! Exits 0 and prints the event type and id when the signature is valid, 1 otherwise.

use std::io::Read;

use talkshop_protocol::webhook::{self, VerifyError, WebhookEvent};

/// What a receiver does with one request: check the signature over the raw
/// body (never a re-serialized one), reject stale timestamps, then parse.
/// De-duplicate by the event id (also in the `Talkshop-Event-Id` header):
/// an event may arrive more than once.
pub fn verify_webhook(
    secret: &str,
    signature_header: &str,
    raw_body: &[u8],
    now_secs: i64,
) -> Result<WebhookEvent, String> {
    webhook::verify(secret, signature_header, raw_body, now_secs, webhook::TOLERANCE_SECS)
        .map_err(|e: VerifyError| e.to_string())?;
    serde_json::from_slice(raw_body).map_err(|e| format!("not a Talkshop event: {e}"))
}

fn main() {
    let header = std::env::args().nth(1).unwrap_or_default();
    let secret = std::env::var("TALKSHOP_WEBHOOK_SECRET").unwrap_or_default();
    let mut body = Vec::new();
    if let Err(err) = std::io::stdin().read_to_end(&mut body) {
        eprintln!("cannot read the body: {err}");
        std::process::exit(1);
    }
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    match verify_webhook(&secret, &header, &body, now) {
        Ok(event) => println!("valid: {} {}", event.kind, event.id),
        Err(err) => {
            eprintln!("invalid: {err}");
            std::process::exit(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_event_verifies_and_a_tampered_one_does_not() {
        let body = br#"{"id":"evt_1","type":"payment.paid","created_at":1767225600000,"shop_id":"demo","data":{}}"#;
        let header = webhook::signature_header("whsec_example", 1_767_225_600, body);
        let event = verify_webhook("whsec_example", &header, body, 1_767_225_630).unwrap();
        assert_eq!((event.kind.as_str(), event.id.as_str()), ("payment.paid", "evt_1"));
        assert!(verify_webhook("whsec_example", &header, b"{}", 1_767_225_630).is_err());
        assert!(verify_webhook("whsec_example", &header, body, 1_767_229_000).is_err());
    }
}
