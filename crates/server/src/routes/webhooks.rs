//! Payment provider webhooks: `POST /api/v1/webhooks/sandbox`.
//!
//! The body is signed: `X-Talkshop-Signature: v1=<hex HMAC-SHA256(secret,
//! "<timestamp>.<raw body>")>` with `X-Talkshop-Timestamp` in Unix seconds,
//! accepted within five minutes. Every event id is processed once: a replayed
//! or duplicated webhook changes nothing the second time.

use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use talkshop_protocol::payment::{Actor, PaymentAction, PaymentRequest};
use talkshop_protocol::ApiError;

use crate::auth::Viewer;
use crate::clock;
use crate::error::{path_rejection, AppJson, AppResult};
use crate::routes::payments::{apply_provider_event, load_for_staff};
use crate::state::AppState;
use crate::storage::Idempotency;

/// How far a webhook's timestamp may be from our clock.
pub const TOLERANCE_SECS: i64 = 300;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/webhooks/sandbox", post(sandbox_webhook))
        .route("/api/v1/payment-requests/{id}/sandbox-confirm", post(sandbox_confirm))
        .route("/sandbox/hosted/{id}", axum::routing::get(hosted_page).post(hosted_pay))
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '&' => "&amp;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            c => c.to_string(),
        })
        .collect()
}

fn page(body: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
         <title>Sandbox payment page</title><style>body{{font-family:system-ui,sans-serif;max-width:420px;margin:60px auto;padding:0 16px}}\
         button{{font:inherit;padding:12px 18px;border:0;border-radius:8px;background:#0f766e;color:#fff;cursor:pointer}}</style></head>\
         <body><h1>Sandbox payment page</h1>{body}</body></html>"
    );
    (
        [(
            axum::http::header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
        )],
        axum::response::Html(html),
    )
        .into_response()
}

/// The sandbox provider's hosted payment page (what a real provider's page would be).
async fn hosted_page(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> axum::response::Response {
    let Ok(Path(id)) = path else { return page("<p>Unknown payment.</p>") };
    match state.storage.payment_request(&id).await {
        Ok(Some(stored)) if stored.request.state.payable() => page(&format!(
            "<p>{}</p><p><strong>{}</strong></p><form method=\"post\"><button type=\"submit\">Pay now</button></form>",
            escape(&stored.request.description),
            escape(&stored.request.total.display())
        )),
        Ok(Some(stored)) => page(&format!("<p>This payment is {}.</p>", stored.request.state.label())),
        _ => page("<p>Unknown payment.</p>"),
    }
}

/// The buyer paid on the hosted page: the provider sends its signed webhook.
async fn hosted_pay(
    State(state): State<AppState>,
    path: Result<Path<String>, PathRejection>,
) -> axum::response::Response {
    let Ok(Path(id)) = path else { return page("<p>Unknown payment.</p>") };
    match confirm_signed(&state, id).await {
        Ok(_) => page("<p>Payment complete. You can close this tab and return to the chat.</p>"),
        Err(err) => page(&format!("<p>{}</p>", escape(&err.to_api().message))),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderStatus {
    Paid,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderEvent {
    pub event_id: String,
    pub payment_request_id: String,
    pub status: ProviderStatus,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookAnswer {
    /// False when this event id was already processed.
    pub applied: bool,
    pub request: Option<PaymentRequest>,
}

pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("v1={hex}")
}

fn verify(secret: &[u8], headers: &HeaderMap, body: &[u8], now: i64) -> Result<(), ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let timestamp: i64 = header("x-talkshop-timestamp")
        .and_then(|t| t.parse().ok())
        .ok_or_else(|| ApiError::unauthorized("Missing or malformed X-Talkshop-Timestamp"))?;
    let given = header("x-talkshop-signature").ok_or_else(|| ApiError::unauthorized("Missing X-Talkshop-Signature"))?;
    let hex = given.strip_prefix("v1=").ok_or_else(|| ApiError::unauthorized("Unknown signature scheme"))?;
    let bytes: Option<Vec<u8>> =
        (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok())).collect();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&bytes.unwrap_or_default()).map_err(|_| ApiError::unauthorized("Bad webhook signature"))?;
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(ApiError::invalid("timestamp", "Webhook timestamp is too old or in the future"));
    }
    Ok(())
}

async fn sandbox_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<AppJson<WebhookAnswer>> {
    verify(state.config.webhook_secret.as_bytes(), &headers, &body, clock::now_secs())?;
    process(&state, &body).await
}

/// Processes a verified event body once per event id.
async fn process(state: &AppState, body: &[u8]) -> AppResult<AppJson<WebhookAnswer>> {
    let event: ProviderEvent =
        serde_json::from_slice(body).map_err(|e| ApiError::bad_request(format!("Invalid webhook body: {e}")))?;
    talkshop_protocol::validate_client_id(&event.event_id)
        .map_err(|_| ApiError::invalid("event_id", "Bad event id"))?;
    let hash: String = Sha256::digest(body).iter().map(|b| format!("{b:02x}")).collect();
    match state.storage.idempotency_begin("webhook:sandbox", &event.event_id, &hash, clock::now_millis()).await? {
        Idempotency::New => {}
        // Seen before (or being processed): nothing happens twice.
        _ => return Ok(AppJson(WebhookAnswer { applied: false, request: None })),
    }
    let action = match event.status {
        ProviderStatus::Paid => PaymentAction::ConfirmPaid,
        ProviderStatus::Failed => PaymentAction::Decline,
    };
    let result = apply_provider_event(state, &event.payment_request_id, action, Actor::Provider).await;
    match result {
        Ok(request) => {
            let answer = WebhookAnswer { applied: true, request: Some(request) };
            let text = serde_json::to_string(&answer).unwrap_or_default();
            state.storage.idempotency_finish("webhook:sandbox", &event.event_id, 200, &text).await?;
            Ok(AppJson(answer))
        }
        Err(err) => {
            // Let the provider retry an event we could not apply.
            state.storage.idempotency_forget("webhook:sandbox", &event.event_id).await?;
            Err(err)
        }
    }
}

/// The demo's stand-in for a bank: staff send a correctly signed "paid"
/// confirmation for a pending instant payment, through the same verification.
async fn sandbox_confirm(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<AppJson<WebhookAnswer>> {
    let Path(id) = path.map_err(path_rejection)?;
    load_for_staff(&state, &viewer, &id).await?;
    confirm_signed(&state, id).await
}

/// Builds a "paid" event as the sandbox provider would, signs it, and runs it
/// through the same verification as a webhook from outside. Only for test-mode
/// requests (sandbox shops): a real shop's payment is confirmed by its owner
/// (*Mark as received*), never by the sandbox.
async fn confirm_signed(state: &AppState, id: String) -> AppResult<AppJson<WebhookAnswer>> {
    let stored = state.storage.payment_request(&id).await?.ok_or_else(|| ApiError::not_found("Payment request"))?;
    if !stored.request.test_mode {
        return Err(ApiError::forbidden("Only a test-mode payment can be confirmed by the sandbox").into());
    }
    let body = serde_json::to_vec(&ProviderEvent {
        event_id: format!("sbx-{}", uuid::Uuid::new_v4().simple()),
        payment_request_id: id,
        status: ProviderStatus::Paid,
    })
    .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    let now = clock::now_secs();
    let mut headers = HeaderMap::new();
    let signature = sign(state.config.webhook_secret.as_bytes(), now, &body);
    headers.insert("x-talkshop-timestamp", now.to_string().parse().expect("digits are a header value"));
    headers.insert("x-talkshop-signature", signature.parse().expect("hex is a header value"));
    verify(state.config.webhook_secret.as_bytes(), &headers, &body, now)?;
    process(state, &body).await
}
