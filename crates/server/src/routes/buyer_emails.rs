//! `PUT /api/v1/conversations/{id}/email`: outside business hours a buyer may
//! leave an e-mail address to be answered at, with their consent (stored with
//! its time). Only the conversation's buyer sets it; they and its shop's staff read it.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use talkshop_protocol::presence::{BuyerEmail, StoredBuyerEmail};
use talkshop_protocol::ApiError;

use crate::auth::Viewer;
use crate::clock;
use crate::error::{path_rejection, AppJson, AppResult};
use crate::routes::conversations::authorized;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/conversations/{id}/email", get(show).put(save))
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<AppJson<StoredBuyerEmail>> {
    let Path(id) = path.map_err(path_rejection)?;
    authorized(&state, &viewer, &id).await?;
    let stored = state.storage.conversation_email(&id).await?.ok_or_else(|| ApiError::not_found("E-mail address"))?;
    Ok(AppJson(stored))
}

async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(mut wanted): AppJson<BuyerEmail>,
) -> AppResult<AppJson<StoredBuyerEmail>> {
    let Path(id) = path.map_err(path_rejection)?;
    if viewer.is_staff() {
        return Err(ApiError::forbidden("Only the buyer leaves their e-mail address").into());
    }
    authorized(&state, &viewer, &id).await?;
    wanted.validate()?;
    let now = clock::now_millis();
    state.storage.set_conversation_email(&id, &wanted.email, now).await?;
    tracing::info!(conversation = %id, "buyer left an e-mail address");
    Ok(AppJson(StoredBuyerEmail { email: wanted.email, consented_at: now }))
}
