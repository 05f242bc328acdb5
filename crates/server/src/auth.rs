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

use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::storage::Staff;
use talkshop_protocol::shop::StaffRole;

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

    /// The key itself, for other signatures made with the server's secret (unsubscribe links).
    pub fn secret(&self) -> &[u8] {
        &self.0
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

/// The page origin a browser request came from (`Origin`), and the `Host` it went to.
pub fn origin_and_host(headers: &axum::http::HeaderMap) -> (Option<&str>, Option<&str>) {
    let text = |name| headers.get(name).and_then(|v: &axum::http::HeaderValue| v.to_str().ok());
    (text(axum::http::header::ORIGIN), text(axum::http::header::HOST))
}

/// Whether `origin` is this server's own origin (the demo pages and the console).
pub fn is_own_origin(state: &AppState, origin: &str, host: Option<&str>) -> bool {
    let origin = origin.trim_end_matches('/');
    let origin_host = origin.split_once("://").map(|(_, h)| h);
    (origin_host.is_some() && origin_host == host)
        || state.config.public_url.as_deref().is_some_and(|p| p.trim_end_matches('/').eq_ignore_ascii_case(origin))
}

/// A widget may run only on the websites its shop allows (and on this server's own pages).
/// Requests without `Origin` come from servers or tools, not from a page, and pass.
pub async fn check_origin(state: &AppState, shop_id: &str, origin: Option<&str>, host: Option<&str>) -> AppResult<()> {
    let Some(origin) = origin else { return Ok(()) };
    if is_own_origin(state, origin, host) {
        return Ok(());
    }
    let shop = crate::shops::load(state, shop_id).await?;
    if shop.settings.allows_origin(origin) {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "The chat of {} is not enabled on {origin}; the shop's owner can allow this website in Settings",
            shop.info.name
        ))
        .into())
    }
}

/// The staff member behind a console token, as stored now: a removed
/// member's tokens stop working at once.
pub async fn current_staff(state: &AppState, claims: &Claims) -> AppResult<Staff> {
    if claims.role != Role::Staff {
        return Err(ApiError::forbidden("Only shop staff can do this").into());
    }
    state
        .storage
        .staff_by_id(&claims.sub)
        .await?
        .filter(|staff| staff.shop_id == claims.shop)
        .ok_or_else(|| ApiError::unauthorized("This account is no longer on the shop's staff; sign in again").into())
}

/// Checks what a token may do beyond its signature: staff still exist, buyers are on an allowed website.
pub async fn authorize(state: &AppState, claims: &Claims, origin: Option<&str>, host: Option<&str>) -> AppResult<()> {
    match claims.role {
        Role::Staff => current_staff(state, claims).await.map(|_| ()),
        Role::Buyer => check_origin(state, &claims.shop, origin, host).await,
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| ApiError::unauthorized("Missing Authorization: Bearer token"))?;
        let claims = state.tokens.verify(token, crate::clock::now_secs())?;
        let (origin, host) = origin_and_host(&parts.headers);
        authorize(state, &claims, origin, host).await?;
        Ok(Viewer { claims })
    }
}

/// A signed-in staff member (owner or agent), read from storage on every request.
#[derive(Debug, Clone)]
pub struct StaffViewer {
    pub staff: Staff,
}

impl StaffViewer {
    /// How the audit log names this person.
    pub fn actor(&self) -> String {
        format!("{} <{}>", self.staff.name, self.staff.email)
    }
}

impl FromRequestParts<AppState> for StaffViewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| ApiError::unauthorized("Missing Authorization: Bearer token"))?;
        let claims = state.tokens.verify(token, crate::clock::now_secs())?;
        Ok(StaffViewer { staff: current_staff(state, &claims).await? })
    }
}

/// A signed-in owner: settings, payment details, staff, API keys, audit log.
#[derive(Debug, Clone)]
pub struct OwnerViewer(pub StaffViewer);

impl FromRequestParts<AppState> for OwnerViewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let viewer = StaffViewer::from_request_parts(parts, state).await?;
        if viewer.staff.role != StaffRole::Owner {
            return Err(ApiError::forbidden("Only the shop's owners can do this").into());
        }
        Ok(OwnerViewer(viewer))
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
