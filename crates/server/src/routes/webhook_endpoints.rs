//! Merchant webhooks: owners register endpoints in the console, a merchant's
//! backend with its API key; owners see recent deliveries and re-send one.
//! Every creation, removal and re-send is audited.

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::Router;
use serde::Deserialize;
use talkshop_protocol::webhook::{self, CreateWebhook, CreatedWebhook, DeliveryList, WebhookEndpoint, WebhookList};
use talkshop_protocol::ApiError;

use crate::auth::OwnerViewer;
use crate::clock;
use crate::error::{path_rejection, query_rejection, AppJson, AppResult};
use crate::outbound::{checked_destination, RETRY_FOR_MS};
use crate::routes::catalog::Merchant;
use crate::shops::{self, random_token};
use crate::state::AppState;
use crate::storage::WebhookEndpointRecord;

/// Actor of the audit log for calls made with an API key.
const API_ACTOR: &str = "merchant API key";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/console/webhooks", get(console_list).post(console_create))
        .route("/api/v1/console/webhooks/deliveries", get(deliveries))
        .route("/api/v1/console/webhooks/deliveries/{id}/resend", post(resend))
        .route("/api/v1/console/webhooks/{id}", delete(console_remove))
        .route("/api/v1/merchant/webhooks", get(api_list).post(api_create))
        .route("/api/v1/merchant/webhooks/{id}", delete(api_remove))
}

fn info(record: WebhookEndpointRecord) -> WebhookEndpoint {
    WebhookEndpoint {
        id: record.id,
        url: record.url,
        events: record.events,
        created_at: record.created_at,
        secret_prefix: Some(record.secret.chars().take(10).collect()),
    }
}

async fn list(state: &AppState, shop_id: &str) -> AppResult<AppJson<WebhookList>> {
    let endpoints = state.storage.webhook_endpoints(shop_id).await?;
    Ok(AppJson(WebhookList { endpoints: endpoints.into_iter().map(info).collect() }))
}

async fn create(
    state: &AppState,
    shop_id: &str,
    actor: &str,
    req: CreateWebhook,
) -> AppResult<AppJson<CreatedWebhook>> {
    let allow_private = state.config.allow_private_webhooks;
    let existing = state.storage.webhook_endpoints(shop_id).await?.len();
    let events = webhook::validate_create(&req, existing, allow_private)?;
    let url = req.url.trim().to_owned();
    // Where the name leads now: a public-looking name may resolve to a private address.
    checked_destination(&url, allow_private).await?;
    let secret = format!("whsec_{}", random_token(32));
    let record = WebhookEndpointRecord {
        id: format!("we_{}", uuid::Uuid::new_v4().simple()),
        shop_id: shop_id.to_owned(),
        url: url.clone(),
        events: events.clone(),
        secret: secret.clone(),
        created_at: clock::now_millis(),
    };
    state.storage.create_webhook_endpoint(&record).await?;
    let detail = format!("endpoint {} for {} ({})", record.id, url, events.join(", "));
    shops::audit(state, shop_id, actor, "webhook.create", detail).await?;
    Ok(AppJson(CreatedWebhook { endpoint: info(record), secret }))
}

fn id_from(path: Result<Path<String>, PathRejection>) -> AppResult<String> {
    let Path(id) = path.map_err(path_rejection)?;
    if id.len() > 64 {
        return Err(ApiError::not_found("Webhook").into());
    }
    Ok(id)
}

async fn remove(state: &AppState, shop_id: &str, actor: &str, id: &str) -> AppResult<StatusCode> {
    let url = state.storage.webhook_endpoints(shop_id).await?.into_iter().find(|e| e.id == id).map(|e| e.url);
    let url = url.ok_or_else(|| ApiError::not_found("Webhook endpoint"))?;
    if !state.storage.delete_webhook_endpoint(shop_id, id).await? {
        return Err(ApiError::not_found("Webhook endpoint").into());
    }
    shops::audit(state, shop_id, actor, "webhook.delete", format!("endpoint {id} for {url} removed")).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn console_list(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
) -> AppResult<AppJson<WebhookList>> {
    list(&state, &viewer.staff.shop_id).await
}

async fn console_create(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
    AppJson(req): AppJson<CreateWebhook>,
) -> AppResult<AppJson<CreatedWebhook>> {
    create(&state, &viewer.staff.shop_id, &viewer.actor(), req).await
}

async fn console_remove(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<StatusCode> {
    remove(&state, &viewer.staff.shop_id, &viewer.actor(), &id_from(path)?).await
}

async fn api_list(State(state): State<AppState>, merchant: Merchant) -> AppResult<AppJson<WebhookList>> {
    list(&state, &merchant.shop_id).await
}

async fn api_create(
    State(state): State<AppState>,
    merchant: Merchant,
    AppJson(req): AppJson<CreateWebhook>,
) -> AppResult<AppJson<CreatedWebhook>> {
    create(&state, &merchant.shop_id, API_ACTOR, req).await
}

async fn api_remove(
    State(state): State<AppState>,
    merchant: Merchant,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<StatusCode> {
    remove(&state, &merchant.shop_id, API_ACTOR, &id_from(path)?).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeliveryParams {
    endpoint: Option<String>,
}

/// The latest 100 deliveries, of one endpoint when asked.
async fn deliveries(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
    query: Result<Query<DeliveryParams>, QueryRejection>,
) -> AppResult<AppJson<DeliveryList>> {
    let Query(params) = query.map_err(query_rejection)?;
    let endpoint = params.endpoint.as_deref().filter(|e| !e.is_empty());
    let deliveries = state.storage.webhook_deliveries(&viewer.staff.shop_id, endpoint, 100).await?;
    Ok(AppJson(DeliveryList { deliveries }))
}

/// Queues one delivery again, due now, with a fresh 24 hours of retries.
async fn resend(
    State(state): State<AppState>,
    OwnerViewer(viewer): OwnerViewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<AppJson<webhook::WebhookDelivery>> {
    let id = id_from(path)?;
    let shop_id = &viewer.staff.shop_id;
    let now = clock::now_millis();
    let delivery = state.storage.resend_webhook_delivery(shop_id, &id, now, now + RETRY_FOR_MS).await?;
    let delivery = delivery.ok_or_else(|| ApiError::not_found("Webhook delivery"))?;
    let detail = format!("delivery {id} of {} ({}) queued again", delivery.event_id, delivery.event);
    shops::audit(&state, shop_id, &viewer.actor(), "webhook.resend", detail).await?;
    Ok(AppJson(delivery))
}
