//! The operator's admin API (hosting providers): create and list shops.
//! Off unless the server runs with `--admin-token`; every call carries
//! `Authorization: Bearer <admin token>`.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::routing::get;
use axum::Router;
use talkshop_protocol::shop::{CreateShop, CreatedShop, ShopList, ShopListEntry};
use talkshop_protocol::ApiError;

use crate::auth::bearer;
use crate::error::{AppError, AppJson, AppResult};
use crate::shops;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/admin/shops", get(list).post(create))
}

/// The operator, proven by the admin token.
pub struct Operator;

impl FromRequestParts<AppState> for Operator {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(expected) = state.config.admin_token.as_deref().filter(|t| !t.is_empty()) else {
            return Err(ApiError::not_found("Admin API (the server runs without --admin-token)").into());
        };
        let given = bearer(parts).ok_or_else(|| ApiError::unauthorized("Missing Authorization: Bearer token"))?;
        // Compare hashes: equal length, no early exit on the secret's bytes.
        if shops::sha256_hex(given) == shops::sha256_hex(expected) {
            Ok(Operator)
        } else {
            Err(ApiError::unauthorized("Wrong admin token").into())
        }
    }
}

async fn create(
    State(state): State<AppState>,
    _: Operator,
    AppJson(req): AppJson<CreateShop>,
) -> AppResult<AppJson<CreatedShop>> {
    Ok(AppJson(shops::create(state.storage.as_ref(), &state.config, &req).await?))
}

async fn list(State(state): State<AppState>, _: Operator) -> AppResult<AppJson<ShopList>> {
    Ok(AppJson(shop_list(state.storage.as_ref(), &state.config).await?))
}

pub async fn shop_list(storage: &dyn crate::storage::Storage, config: &crate::config::Config) -> AppResult<ShopList> {
    let shops = shops::all(storage, config).await?;
    Ok(ShopList {
        shops: shops
            .into_iter()
            .map(|(shop, staff)| ShopListEntry {
                id: shop.info.id,
                name: shop.info.name,
                currency: shop.settings.currency,
                sandbox: shop.settings.sandbox,
                staff: staff as u32,
            })
            .collect(),
    })
}
