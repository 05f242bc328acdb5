//! Product messages into a conversation, from the console (staff token) or the
//! merchant's own system (API key). Only inside a conversation the buyer
//! started, and only within the service window after their last message.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use talkshop_protocol::{ApiError, ErrorCode, Message, ProductMessage, SendProducts, Sender};

use crate::auth::Viewer;
use crate::clock;
use crate::error::{path_rejection, AppJson, AppResult};
use crate::routes::catalog::Merchant;
use crate::routes::conversations::{authorized, retried, store_and_publish};
use crate::state::AppState;
use crate::storage::Conversation;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conversations/{id}/products", post(from_console))
        .route("/api/v1/merchant/conversations/{id}/products", post(from_api))
}

async fn from_console(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(req): AppJson<SendProducts>,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let Path(id) = path.map_err(path_rejection)?;
    if !viewer.is_staff() {
        return Err(ApiError::forbidden("Only the shop sends product messages").into());
    }
    req.message.validate()?;
    talkshop_protocol::validate_client_id(&req.client_id)?;
    let conversation = authorized(&state, &viewer, &id).await?;
    send(&state, &conversation, req).await
}

async fn from_api(
    State(state): State<AppState>,
    merchant: Merchant,
    path: Result<Path<String>, PathRejection>,
    AppJson(req): AppJson<SendProducts>,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let Path(id) = path.map_err(path_rejection)?;
    req.message.validate()?;
    talkshop_protocol::validate_client_id(&req.client_id)?;
    let conversation = merchant.conversation(&state, &id).await?;
    send(&state, &conversation, req).await
}

/// The field a SKU sits in, for the error.
fn field_of(message: &ProductMessage, sku: &str) -> String {
    match message {
        ProductMessage::Single { .. } => "retailer_id".into(),
        ProductMessage::Multi { sections, .. } => sections
            .iter()
            .position(|s| s.retailer_ids.iter().any(|id| id == sku))
            .map_or_else(|| "sections".into(), |i| format!("sections[{i}].retailer_ids")),
    }
}

async fn send(
    state: &AppState,
    conversation: &Conversation,
    req: SendProducts,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    // A retry answers what was stored, even if the window has closed since.
    if let Some(existing) =
        state.storage.message_by_client_id(&conversation.id, Sender::Merchant, &req.client_id).await?
    {
        return retried(existing, &req.message.into_body());
    }
    let last_buyer = state.storage.last_buyer_message_at(&conversation.id).await?.ok_or_else(|| ApiError {
        code: ErrorCode::Forbidden,
        message: "Products can only be sent once the buyer has written to you".into(),
        field: None,
    })?;
    let window_hours = crate::shops::load(state, &conversation.shop_id).await?.settings.service_window_hours;
    let window_ms = i64::from(window_hours).saturating_mul(3_600_000);
    if clock::now_millis() - last_buyer > window_ms {
        return Err(ApiError {
            code: ErrorCode::Forbidden,
            message: format!(
                "The buyer's last message was over {window_hours} hours ago; wait for them to write again"
            ),
            field: None,
        }
        .into());
    }
    let ids: Vec<String> = req.message.retailer_ids().into_iter().map(String::from).collect();
    let found = state.storage.products_by_ids(&conversation.shop_id, &ids).await?;
    for sku in &ids {
        match found.iter().find(|p| &p.retailer_id == sku) {
            None => return Err(ApiError::invalid(&field_of(&req.message, sku), format!("Unknown SKU {sku:?}")).into()),
            Some(p) if p.archived => {
                return Err(ApiError::invalid(&field_of(&req.message, sku), format!("SKU {sku:?} is archived")).into())
            }
            Some(_) => {}
        }
    }
    store_and_publish(state, conversation, Sender::Merchant, &req.client_id, req.message.into_body()).await
}
