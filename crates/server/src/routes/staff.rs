//! Console sign-in for merchant staff.

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::routing::{get, post};
use axum::{extract::State, Router};
use talkshop_protocol::{ApiError, ShopInfo, StaffLogin, StaffSession};

use crate::auth::{Claims, Role, Viewer};
use crate::clock;
use crate::error::{AppJson, AppResult};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/console/login", post(login)).route("/api/v1/console/me", get(me))
}

async fn login(State(state): State<AppState>, AppJson(req): AppJson<StaffLogin>) -> AppResult<AppJson<StaffSession>> {
    let refused = || ApiError::unauthorized("Wrong e-mail or password");
    let staff = state.storage.staff_by_email(req.email.trim()).await?.ok_or_else(refused)?;
    let hash = staff.password_hash.clone();
    // Hashing is CPU-heavy: keep it off the async workers.
    let ok = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash)
            .is_ok_and(|parsed| Argon2::default().verify_password(req.password.as_bytes(), &parsed).is_ok())
    })
    .await
    .unwrap_or(false);
    if !ok {
        return Err(refused().into());
    }
    let shop = state.storage.shop(&staff.shop_id).await?.ok_or_else(refused)?;
    let exp = clock::now_secs() + (state.config.staff_token_hours * 3600) as i64;
    let token = state.tokens.sign(&Claims::new(staff.id.clone(), Role::Staff, shop.id.clone(), exp));
    tracing::info!(staff = %staff.id, "staff signed in");
    // Roles are not stored on this branch yet: answer what the protocol assumes
    // of a server that does not send one.
    Ok(AppJson(StaffSession { token, staff_name: staff.name, shop, role: talkshop_protocol::shop::StaffRole::Agent }))
}

/// Who the console token belongs to (the console checks its stored token with it).
async fn me(State(state): State<AppState>, viewer: Viewer) -> AppResult<AppJson<ShopInfo>> {
    if !viewer.is_staff() {
        return Err(ApiError::forbidden("Only shop staff can use the console").into());
    }
    let shop = state.storage.shop(&viewer.claims.shop).await?.ok_or_else(|| ApiError::not_found("Shop"))?;
    Ok(AppJson(shop))
}
