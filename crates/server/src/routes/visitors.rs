//! `POST /api/v1/visitors`: anonymous buyers get a signed visitor token.
//! `POST /api/v1/visitors/identify`: the merchant vouches for a signed-in user
//! with `userHash = HMAC-SHA256(shop identity secret, userId)`.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use talkshop_protocol::{
    validate_client_id, ApiError, CreateVisitor, IdentifyRequest, ResumeRequest, ShopInfo, VisitorSession,
};

use crate::auth::{Claims, Role, Viewer};
use crate::clock;
use crate::error::{AppJson, AppResult};
use crate::seed::random_secret;
use crate::state::AppState;
use crate::storage::IdentifiedUser;

pub fn router(state: &AppState) -> Router<AppState> {
    let router = Router::new()
        .route("/api/v1/visitors", post(create_visitor))
        .route("/api/v1/visitors/identify", post(identify))
        .route("/api/v1/visitors/resume", post(resume))
        .route("/api/v1/shops/{id}", get(shop_look));
    if state.config.demo_identity {
        router.route("/demo/identity", get(demo_identity))
    } else {
        router
    }
}

async fn create_visitor(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    AppJson(req): AppJson<CreateVisitor>,
) -> AppResult<(StatusCode, AppJson<VisitorSession>)> {
    validate_client_id(&req.device_id).map_err(|_| ApiError::invalid("device_id", "device_id is not a valid id"))?;
    if req.shop.len() > 64 {
        return Err(ApiError::invalid("shop", "Unknown shop").into());
    }
    let shop = state.storage.shop(&req.shop).await?.ok_or_else(|| ApiError::invalid("shop", "Unknown shop"))?;
    let (origin, host) = crate::auth::origin_and_host(&headers);
    crate::auth::check_origin(&state, &shop.id, origin, host).await?;
    let visitor = state.storage.create_visitor(&shop.id, &req.device_id, clock::now_millis()).await?;
    let token = state.tokens.sign(&Claims::new(visitor.id.clone(), Role::Buyer, shop.id.clone(), token_expiry(&state)));
    tracing::info!(visitor = %visitor.id, shop = %shop.id, "visitor created");
    Ok((
        StatusCode::CREATED,
        AppJson(VisitorSession { token, visitor_id: visitor.id, device_id: visitor.device_id, shop, user_id: None }),
    ))
}

/// A link from a mail reopens the buyer's conversation on this device: a new
/// visitor (this device's own cart) whose token names the conversation's buyer.
/// The link's code works once and expires; a used or unknown one is refused.
async fn resume(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    AppJson(req): AppJson<ResumeRequest>,
) -> AppResult<(StatusCode, AppJson<VisitorSession>)> {
    validate_client_id(&req.device_id).map_err(|_| ApiError::invalid("device_id", "device_id is not a valid id"))?;
    if req.shop.len() > 64 || req.token.is_empty() || req.token.len() > 128 {
        return Err(ApiError::invalid("token", "This link is not valid").into());
    }
    let shop = state.storage.shop(&req.shop).await?.ok_or_else(|| ApiError::invalid("shop", "Unknown shop"))?;
    let (origin, host) = crate::auth::origin_and_host(&headers);
    crate::auth::check_origin(&state, &shop.id, origin, host).await?;
    let now = clock::now_millis();
    let hash = crate::shops::sha256_hex(&req.token);
    let Some(principal) = state.storage.use_resume_link(&hash, &shop.id, now).await? else {
        return Err(ApiError::forbidden("This link was already used or has expired; open the chat to continue").into());
    };
    let visitor = state.storage.create_visitor(&shop.id, &req.device_id, now).await?;
    let mut claims = Claims::new(visitor.id.clone(), Role::Buyer, shop.id.clone(), token_expiry(&state));
    claims.own = (principal != visitor.id).then_some(principal);
    let token = state.tokens.sign(&claims);
    tracing::info!(visitor = %visitor.id, shop = %shop.id, "conversation resumed from a mail link");
    Ok((
        StatusCode::CREATED,
        AppJson(VisitorSession { token, visitor_id: visitor.id, device_id: visitor.device_id, shop, user_id: None }),
    ))
}

/// How the widget shows a shop: name, logo letter and colour, whether it answers now (public, cached briefly).
async fn shop_look(
    State(state): State<AppState>,
    path: Result<axum::extract::Path<String>, axum::extract::rejection::PathRejection>,
) -> AppResult<impl axum::response::IntoResponse> {
    let axum::extract::Path(id) = path.map_err(crate::error::path_rejection)?;
    let shop = crate::shops::load(&state, &id).await?;
    let look = talkshop_protocol::ShopLook {
        name: shop.settings.name.clone(),
        logo_initial: shop.settings.logo_initial.clone(),
        logo_color: shop.settings.logo_color.clone(),
        shipping_options: shop.settings.shipping_options.clone(),
        pickup: shop.settings.pickup,
        pickup_address: shop.settings.pickup_address.clone(),
        availability: crate::presence::availability(&state, &id).await?,
    };
    // Short: availability changes; the buyer's socket brings it live anyway.
    Ok(([(axum::http::header::CACHE_CONTROL, "public, max-age=10")], AppJson(look)))
}

fn token_expiry(state: &AppState) -> i64 {
    clock::now_secs() + (state.config.visitor_token_days * 86_400) as i64
}

/// The shop's identity-verification secret: the one its owner rotated to
/// (Settings), else the configured one (`--identity-secret`), else one
/// generated for the shop on first use and kept.
pub async fn identity_secret(state: &AppState, shop_id: &str) -> AppResult<String> {
    let key = format!("identity_secret.{shop_id}");
    if let Some(secret) = state.storage.setting(&key).await? {
        return Ok(secret);
    }
    if let Some(secret) = &state.config.identity_secret {
        return Ok(secret.clone());
    }
    state.storage.init_setting(&key, &random_secret()).await
}

fn mac(secret: &str, user_id: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(user_id.as_bytes());
    mac
}

fn hex_decode(hex: &str) -> Option<Vec<u8>> {
    (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

/// A buyer becomes a verified user: their token then names the owner of the
/// user's conversation, shared by the user's devices; the cart stays per device.
/// A wrong hash is refused and the visitor stays anonymous.
async fn identify(
    State(state): State<AppState>,
    viewer: Viewer,
    AppJson(req): AppJson<IdentifyRequest>,
) -> AppResult<AppJson<VisitorSession>> {
    if viewer.claims.role != Role::Buyer {
        return Err(ApiError::forbidden("Only a buyer's widget identifies a user").into());
    }
    req.validate()?;
    let user_id = req.user_id.as_str();
    let secret = identity_secret(&state, &viewer.claims.shop).await?;
    let given = hex_decode(&req.user_hash.to_ascii_lowercase()).unwrap_or_default();
    if mac(&secret, user_id).verify_slice(&given).is_err() {
        tracing::warn!(visitor = %viewer.claims.sub, shop = %viewer.claims.shop, "identify refused: wrong user hash");
        return Err(ApiError::forbidden("Identity verification failed: user_hash does not match user_id").into());
    }
    let visitor =
        state.storage.visitor(&viewer.claims.sub).await?.ok_or_else(|| ApiError::unauthorized("Unknown visitor"))?;
    let user = IdentifiedUser {
        user_id,
        name: req.name.as_deref().map(str::trim).filter(|n| !n.is_empty()),
        email: req.email.as_deref().map(str::trim).filter(|e| !e.is_empty()),
    };
    let owner = state.storage.identify_visitor(&visitor, &user, clock::now_millis()).await?;
    let shop = state
        .storage
        .shop(&visitor.shop_id)
        .await?
        .unwrap_or(ShopInfo { id: visitor.shop_id.clone(), name: visitor.shop_id.clone() });
    let mut claims = Claims::new(visitor.id.clone(), Role::Buyer, shop.id.clone(), token_expiry(&state));
    claims.own = (owner != visitor.id).then_some(owner);
    let token = state.tokens.sign(&claims);
    tracing::info!(visitor = %visitor.id, shop = %shop.id, "visitor identified");
    Ok(AppJson(VisitorSession {
        token,
        visitor_id: visitor.id,
        device_id: visitor.device_id,
        shop,
        user_id: Some(user_id.to_owned()),
    }))
}

#[derive(Debug, Deserialize)]
struct DemoIdentityQuery {
    shop: String,
    user_id: String,
}

#[derive(Debug, serde::Serialize)]
struct DemoIdentity {
    user_id: String,
    user_hash: String,
}

/// Demo only (`--demo-identity`): what a merchant's backend computes.
async fn demo_identity(
    State(state): State<AppState>,
    Query(query): Query<DemoIdentityQuery>,
) -> AppResult<AppJson<DemoIdentity>> {
    state.storage.shop(&query.shop).await?.ok_or_else(|| ApiError::invalid("shop", "Unknown shop"))?;
    let secret = identity_secret(&state, &query.shop).await?;
    let hash = mac(&secret, &query.user_id).finalize().into_bytes();
    let user_hash = hash.iter().map(|b| format!("{b:02x}")).collect();
    Ok(AppJson(DemoIdentity { user_id: query.user_id, user_hash }))
}
