//! `POST /api/v1/visitors`: anonymous buyers get a signed visitor token.

use axum::http::StatusCode;
use axum::routing::post;
use axum::{extract::State, Router};
use talkshop_protocol::{validate_client_id, ApiError, CreateVisitor, VisitorSession};

use crate::auth::{Claims, Role};
use crate::clock;
use crate::error::{AppJson, AppResult};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/visitors", post(create_visitor))
}

async fn create_visitor(
    State(state): State<AppState>,
    AppJson(req): AppJson<CreateVisitor>,
) -> AppResult<(StatusCode, AppJson<VisitorSession>)> {
    validate_client_id(&req.device_id).map_err(|_| ApiError::invalid("device_id", "device_id is not a valid id"))?;
    let shop = state.storage.shop(&req.shop).await?.ok_or_else(|| ApiError::invalid("shop", "Unknown shop"))?;
    let visitor = state.storage.create_visitor(&shop.id, &req.device_id, clock::now_millis()).await?;
    let exp = clock::now_secs() + (state.config.visitor_token_days * 86_400) as i64;
    let token = state.tokens.sign(&Claims { sub: visitor.id.clone(), role: Role::Buyer, shop: shop.id.clone(), exp });
    tracing::info!(visitor = %visitor.id, shop = %shop.id, "visitor created");
    Ok((
        StatusCode::CREATED,
        AppJson(VisitorSession { token, visitor_id: visitor.id, device_id: visitor.device_id, shop }),
    ))
}
