//! Limits and input rules, enforced by the server and mirrored by the widget.

use crate::error::ApiError;

/// Longest text message, counted in Unicode scalar values (what a user sees as characters).
pub const MAX_TEXT_CHARS: usize = 4096;
/// Longest client-generated message id.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Largest history page the server returns.
pub const MAX_PAGE_SIZE: u32 = 200;
/// History page size when the client does not ask for one.
pub const DEFAULT_PAGE_SIZE: u32 = 50;

/// Checks a text message body. Returns it unchanged (the sender's spacing is
/// kept) or the reason it cannot be sent.
pub fn validate_text(text: &str) -> Result<&str, ApiError> {
    if text.trim().is_empty() {
        return Err(ApiError::invalid("text", "Message is empty"));
    }
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(ApiError::invalid(
            "text",
            format!("Message is too long ({chars} characters; at most {MAX_TEXT_CHARS})"),
        ));
    }
    Ok(text)
}

/// A client id is an opaque token of letters, digits, `-` and `_`.
pub fn validate_client_id(id: &str) -> Result<&str, ApiError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_CLIENT_ID_CHARS
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(id)
    } else {
        Err(ApiError::invalid(
            "client_id",
            format!("client_id must be 1 to {MAX_CLIENT_ID_CHARS} letters, digits, '-' or '_'"),
        ))
    }
}

/// Clamps a requested page size into `1..=MAX_PAGE_SIZE`.
pub fn page_size(limit: Option<u32>) -> u32 {
    limit.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_whitespace_text_is_refused() {
        for text in ["", " ", "\n\t  \r\n", "\u{3000}"] {
            let err = validate_text(text).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("text"), "{text:?}");
        }
    }

    #[test]
    fn text_limit_counts_characters_not_bytes() {
        let thai = "ก".repeat(MAX_TEXT_CHARS); // 3 bytes each
        assert!(validate_text(&thai).is_ok());
        let over = "a".repeat(MAX_TEXT_CHARS + 1);
        let err = validate_text(&over).unwrap_err();
        assert!(err.message.contains("4097"), "{}", err.message);
    }

    #[test]
    fn text_keeps_markup_as_is() {
        let text = "<script>alert(1)</script> <img src=x onerror=alert(2)>";
        assert_eq!(validate_text(text).unwrap(), text);
    }

    #[test]
    fn client_ids() {
        assert!(validate_client_id("c-1f3a_9").is_ok());
        assert!(validate_client_id("").is_err());
        assert!(validate_client_id("has space").is_err());
        assert!(validate_client_id(&"x".repeat(65)).is_err());
        assert!(validate_client_id("<b>").is_err());
    }

    #[test]
    fn page_sizes_are_clamped() {
        assert_eq!(page_size(None), DEFAULT_PAGE_SIZE);
        assert_eq!(page_size(Some(0)), 1);
        assert_eq!(page_size(Some(10_000)), MAX_PAGE_SIZE);
    }
}
