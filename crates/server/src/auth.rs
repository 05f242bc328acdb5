//! Signed tokens for visitors (buyers) and staff, and the extractor that reads them.
//!
//! A token is `v1.<claims>.<signature>`: base64url JSON claims and an
//! HMAC-SHA256 over them with the server secret. It is stateless, so several
//! nodes sharing the secret accept each other's tokens.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use talkshop_protocol::{ApiError, Sender};

use crate::error::AppError;
use crate::state::AppState;

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Buyer,
    Staff,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Visitor id or staff id.
    pub sub: String,
    pub role: Role,
    pub shop: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: i64,
    /// For a buyer whose identity the merchant verified: the visitor that owns
    /// the user's conversation (shared by all their devices). Carts stay with `sub`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub own: Option<String>,
}

impl Claims {
    pub fn new(sub: impl Into<String>, role: Role, shop: impl Into<String>, exp: i64) -> Claims {
        Claims { sub: sub.into(), role, shop: shop.into(), exp, own: None }
    }

    /// Whose conversations a buyer sees: the verified user's, else the visitor's own.
    pub fn principal(&self) -> &str {
        self.own.as_deref().unwrap_or(&self.sub)
    }
}

#[derive(Clone)]
pub struct TokenKey(Vec<u8>);

impl TokenKey {
    pub fn new(secret: &[u8]) -> TokenKey {
        TokenKey(secret.to_vec())
    }

    fn mac(&self) -> HmacSha256 {
        HmacSha256::new_from_slice(&self.0).expect("HMAC accepts keys of any length")
    }

    pub fn sign(&self, claims: &Claims) -> String {
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).expect("claims serialize"));
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        let sig = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        format!("v1.{payload}.{sig}")
    }

    /// Checks signature and expiry; `now` is seconds since the Unix epoch.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claims, ApiError> {
        let forged = || ApiError::unauthorized("Invalid token; sign in again");
        let mut parts = token.split('.');
        let (Some("v1"), Some(payload), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(forged());
        };
        let sig = URL_SAFE_NO_PAD.decode(sig).map_err(|_| forged())?;
        let mut mac = self.mac();
        mac.update(payload.as_bytes());
        mac.verify_slice(&sig).map_err(|_| forged())?;
        let claims: Claims = URL_SAFE_NO_PAD
            .decode(payload)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .ok_or_else(forged)?;
        if claims.exp <= now {
            return Err(ApiError::unauthorized("Token expired; sign in again"));
        }
        Ok(claims)
    }
}

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub claims: Claims,
}

impl Viewer {
    pub fn sender(&self) -> Sender {
        match self.claims.role {
            Role::Buyer => Sender::Buyer,
            Role::Staff => Sender::Merchant,
        }
    }

    pub fn is_staff(&self) -> bool {
        self.claims.role == Role::Staff
    }

    /// A buyer sees only their own conversations; staff see their shop's.
    pub fn may_access(&self, conversation_shop: &str, conversation_visitor: &str) -> bool {
        match self.claims.role {
            Role::Buyer => self.claims.principal() == conversation_visitor && self.claims.shop == conversation_shop,
            Role::Staff => self.claims.shop == conversation_shop,
        }
    }
}

pub fn bearer(parts: &Parts) -> Option<&str> {
    parts.headers.get(axum::http::header::AUTHORIZATION)?.to_str().ok()?.strip_prefix("Bearer ").map(str::trim)
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| ApiError::unauthorized("Missing Authorization: Bearer token"))?;
        let claims = state.tokens.verify(token, crate::clock::now_secs())?;
        Ok(Viewer { claims })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims::new("v1", Role::Buyer, "demo", exp)
    }

    #[test]
    fn signed_token_round_trips() {
        let key = TokenKey::new(b"k");
        let token = key.sign(&claims(100));
        assert_eq!(key.verify(&token, 99).unwrap(), claims(100));
    }

    #[test]
    fn expired_forged_and_garbled_tokens_are_refused() {
        let key = TokenKey::new(b"k");
        let token = key.sign(&claims(100));
        assert!(key.verify(&token, 100).unwrap_err().message.contains("expired"));
        assert!(TokenKey::new(b"other").verify(&token, 0).is_err());
        // swap in claims for another visitor, keep the old signature
        let mut parts: Vec<&str> = token.split('.').collect();
        let evil = URL_SAFE_NO_PAD.encode(br#"{"sub":"v2","role":"staff","shop":"demo","exp":999}"#);
        parts[1] = &evil;
        assert!(key.verify(&parts.join("."), 0).is_err());
        for bad in ["", "v1", "v1..", "v2.a.b", "v1.a.b.c", "v1.!!.??"] {
            assert!(key.verify(bad, 0).is_err(), "{bad}");
        }
    }
}
