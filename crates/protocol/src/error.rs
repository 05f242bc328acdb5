//! The one error body every API answers with, so the widget can always show it.

use serde::{Deserialize, Serialize};

/// What went wrong, in terms the widget can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request could not be read (malformed JSON, wrong types, missing fields).
    BadRequest,
    /// The request was read but a value breaks a rule; `field` names it.
    Invalid,
    /// No token, or a forged or expired one.
    Unauthorized,
    /// A valid token that may not touch this resource.
    Forbidden,
    NotFound,
    Conflict,
    PayloadTooLarge,
    /// A file of a type that is not taken (told by its content).
    UnsupportedMediaType,
    /// Too many attempts (sign-in); the `Retry-After` header says when to try again.
    RateLimited,
    /// Our fault; details stay in the server log.
    Internal,
    /// The storage is unavailable for now; retrying later can succeed.
    Unavailable,
}

impl ErrorCode {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::Invalid => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::Forbidden => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable => 503,
        }
    }
}

/// JSON error body: `{"error": {"code": "invalid", "message": "...", "field": "text"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// The envelope the server wraps an [`ApiError`] in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ApiError,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into(), field: None }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        ApiError { code: ErrorCode::Invalid, message: message.into(), field: Some(field.to_owned()) }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthorized, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(ErrorCode::NotFound, format!("{what} not found"))
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_body_shape_is_stable() {
        let body = ErrorBody { error: ApiError::invalid("text", "Message is empty") };
        let json = serde_json::to_value(&body).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"error": {"code": "invalid", "message": "Message is empty", "field": "text"}})
        );
        let back: ErrorBody = serde_json::from_value(json).unwrap();
        assert_eq!(back, body);
    }

    #[test]
    fn field_is_omitted_when_absent() {
        let json = serde_json::to_string(&ApiError::unauthorized("token expired")).unwrap();
        assert_eq!(json, r#"{"code":"unauthorized","message":"token expired"}"#);
    }

    #[test]
    fn every_code_maps_to_an_error_status() {
        for code in [
            ErrorCode::BadRequest,
            ErrorCode::Invalid,
            ErrorCode::Unauthorized,
            ErrorCode::Forbidden,
            ErrorCode::NotFound,
            ErrorCode::Conflict,
            ErrorCode::PayloadTooLarge,
            ErrorCode::UnsupportedMediaType,
        ] {
            assert!((400..500).contains(&code.http_status()), "{code:?}");
        }
        assert_eq!(ErrorCode::Internal.http_status(), 500);
    }
}
