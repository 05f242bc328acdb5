//! Console sign-in for merchant staff: login (rate-limited per address and IP),
//! who am I, accepting an invitation, changing one's own password.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use talkshop_protocol::shop::{
    validate_password, validate_staff_name, AcceptInvite, ChangePassword, ConsoleMe, MAX_PASSWORD_CHARS,
};
use talkshop_protocol::{ApiError, ErrorCode, StaffLogin, StaffSession};

use crate::auth::{Claims, Role, StaffViewer};
use crate::clock;
use crate::error::{AppError, AppJson, AppResult};
use crate::shops::{self, hash_password_off_thread, sha256_hex, verify_password};
use crate::state::AppState;
use crate::storage::Staff;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/console/login", post(login))
        .route("/api/v1/console/me", get(me))
        .route("/api/v1/console/invites/accept", post(accept_invite))
        .route("/api/v1/console/password", post(change_password))
}

/// The client's IP as the socket saw it (no proxy headers are trusted).
pub struct ClientIp(pub Option<String>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string())))
    }
}

async fn session_for(state: &AppState, staff: Staff) -> AppResult<StaffSession> {
    let shop = state.storage.shop(&staff.shop_id).await?.ok_or_else(|| ApiError::not_found("Shop"))?;
    let exp = clock::now_secs() + (state.config.staff_token_hours * 3600) as i64;
    let token = state.tokens.sign(&Claims::new(staff.id.clone(), Role::Staff, shop.id.clone(), exp));
    Ok(StaffSession { token, staff_name: staff.name, shop, role: staff.role })
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    AppJson(req): AppJson<StaffLogin>,
) -> AppResult<AppJson<StaffSession>> {
    let email = req.email.trim().to_ascii_lowercase();
    if email.len() > talkshop_protocol::MAX_EMAIL_CHARS || req.password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(ApiError::unauthorized("Wrong e-mail or password").into());
    }
    state.logins.begin(&email, ip.as_deref()).map_err(AppError::RateLimited)?;
    let staff = state.storage.staff_by_email(&email).await?;
    // Unknown addresses are checked against a decoy hash: the same argon2 work either way.
    let ok = verify_password(staff.as_ref().map(|s| s.password_hash.clone()), req.password).await;
    let Some(staff) = staff.filter(|_| ok) else {
        return Err(ApiError::unauthorized("Wrong e-mail or password").into());
    };
    state.logins.succeeded(&email, ip.as_deref());
    tracing::info!(staff = %staff.id, "staff signed in");
    Ok(AppJson(session_for(&state, staff).await?))
}

/// Who the console token belongs to (the console checks its stored token with it).
async fn me(State(state): State<AppState>, viewer: StaffViewer) -> AppResult<AppJson<ConsoleMe>> {
    let staff = viewer.staff;
    let shop = state.storage.shop(&staff.shop_id).await?.ok_or_else(|| ApiError::not_found("Shop"))?;
    let currency = shops::load(&state, &staff.shop_id).await?.settings.currency;
    Ok(AppJson(ConsoleMe {
        shop,
        staff_id: staff.id,
        staff_name: staff.name,
        email: staff.email,
        role: staff.role,
        currency,
    }))
}

/// The invited person chooses a name and password; the link works once, until it expires.
async fn accept_invite(
    State(state): State<AppState>,
    AppJson(req): AppJson<AcceptInvite>,
) -> AppResult<AppJson<StaffSession>> {
    validate_staff_name(&req.name)?;
    validate_password(&req.password)?;
    if req.token.len() > 200 {
        return Err(ApiError::not_found("Invitation").into());
    }
    let password_hash = hash_password_off_thread(req.password.clone()).await?;
    let now = clock::now_millis();
    let invite = state.storage.take_invite(&sha256_hex(req.token.trim()), now).await?.ok_or_else(|| {
        ApiError::new(ErrorCode::NotFound, "This invitation was already used, revoked or has expired")
    })?;
    let staff = Staff {
        id: uuid::Uuid::new_v4().to_string(),
        shop_id: invite.shop_id.clone(),
        email: invite.email.clone(),
        name: req.name.trim().to_owned(),
        password_hash,
        role: invite.role,
    };
    if !state.storage.insert_staff(&staff).await? {
        return Err(ApiError::new(ErrorCode::Conflict, "A staff account with this e-mail already exists").into());
    }
    let detail = format!("{} joined as {}", staff.email, staff.role.as_str());
    shops::audit(&state, &staff.shop_id, &format!("{} <{}>", staff.name, staff.email), "staff.join", detail).await?;
    Ok(AppJson(session_for(&state, staff).await?))
}

async fn change_password(
    State(state): State<AppState>,
    viewer: StaffViewer,
    AppJson(req): AppJson<ChangePassword>,
) -> AppResult<StatusCode> {
    validate_password(&req.new_password)?;
    let staff = viewer.staff.clone();
    if req.current_password.chars().count() > MAX_PASSWORD_CHARS
        || !verify_password(Some(staff.password_hash.clone()), req.current_password).await
    {
        return Err(ApiError::invalid("current_password", "The current password is wrong").into());
    }
    state.storage.set_staff_password(&staff.id, &hash_password_off_thread(req.new_password).await?).await?;
    shops::audit(&state, &staff.shop_id, &viewer.actor(), "staff.password", "changed own password".into()).await?;
    Ok(StatusCode::NO_CONTENT)
}
