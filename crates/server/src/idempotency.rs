//! `Idempotency-Key` on every mutating call: the same key with the same body
//! gets the first answer again (also while the first call is still running),
//! the same key with another body is refused, and an answer of ours that
//! failed (5xx) frees the key for a retry. Keys are scoped to the caller and
//! the route.

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use talkshop_protocol::{ApiError, ErrorCode};

use crate::clock;
use crate::error::error_response;
use crate::state::AppState;
use crate::storage::Idempotency;

/// Largest body an idempotent call may have (the bulk catalog upsert's limit).
const MAX_BODY: usize = 4 * 1024 * 1024;
const MAX_KEY_CHARS: usize = 100;

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Calls whose answer holds a secret shown once (sign-in tokens, API keys, webhook
/// and identity secrets, one-time passwords): never recorded for replay, since
/// the recorded answer would keep the secret in the database in clear.
const SECRET_ANSWERS: [&str; 10] = [
    "/api/v1/console/login",
    "/api/v1/console/invites/accept",
    "/api/v1/console/api-keys",
    "/api/v1/console/settings/identity-secret",
    "/api/v1/console/webhooks",
    "/api/v1/merchant/webhooks",
    "/api/v1/admin/shops",
    "/api/v1/visitors",
    "/api/v1/visitors/identify",
    "/api/v1/visitors/resume",
];

pub async fn idempotency(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // Uploads (up to 10 MB) are made idempotent by their client id instead of
    // being held in memory and hashed here.
    if SECRET_ANSWERS.contains(&request.uri().path()) || request.uri().path().ends_with("/attachments") {
        return next.run(request).await;
    }
    let mutating = matches!(*request.method(), Method::POST | Method::PUT | Method::PATCH | Method::DELETE);
    let key = request.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let Some(key) = key.filter(|_| mutating) else { return next.run(request).await };
    if key.is_empty() || key.chars().count() > MAX_KEY_CHARS {
        return error_response(ApiError::invalid(
            "Idempotency-Key",
            format!("Idempotency-Key must be 1 to {MAX_KEY_CHARS} characters"),
        ));
    }
    // Whoever calls: the same key from two callers is two keys.
    let caller = ["authorization", "x-api-key"]
        .iter()
        .filter_map(|h| request.headers().get(*h).and_then(|v| v.to_str().ok()))
        .collect::<Vec<_>>()
        .join("|");
    let scope = format!("{} {} {}", request.method(), request.uri().path(), hex(caller.as_bytes()));
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return error_response(ApiError::new(ErrorCode::PayloadTooLarge, "Request body is too large"));
    };
    let hash = hex(&bytes);
    // Claiming the key, running the call and recording its answer happen in a
    // task of their own: a client that goes away (a cut connection) must not
    // leave the key claimed and unanswered, or every retry would wait on it.
    let settled = tokio::spawn(settle(state, scope, key, hash, Request::from_parts(parts, Body::from(bytes)), next));
    settled.await.unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

async fn settle(state: AppState, scope: String, key: String, hash: String, request: Request, next: Next) -> Response {
    let mut request = Some(request);
    for _ in 0..200 {
        let begun = match state.storage.idempotency_begin(&scope, &key, &hash, clock::now_millis()).await {
            Ok(begun) => begun,
            Err(err) => return err.into_response(),
        };
        match begun {
            Idempotency::Mismatch => {
                return error_response(ApiError {
                    code: ErrorCode::Conflict,
                    message: "This Idempotency-Key was used with a different request".into(),
                    field: Some("Idempotency-Key".into()),
                })
            }
            Idempotency::Done { status, response } => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return (status, [(header::CONTENT_TYPE, "application/json")], response).into_response();
            }
            Idempotency::InProgress => tokio::time::sleep(std::time::Duration::from_millis(25)).await,
            Idempotency::New => {
                let Some(request) = request.take() else { break };
                let response = next.run(request).await;
                let (head, body) = response.into_parts();
                let Ok(body) = to_bytes(body, usize::MAX).await else {
                    let _ = state.storage.idempotency_forget(&scope, &key).await;
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                };
                let text = String::from_utf8_lossy(&body).into_owned();
                let kept = if head.status.is_server_error() {
                    state.storage.idempotency_forget(&scope, &key).await
                } else {
                    state.storage.idempotency_finish(&scope, &key, head.status.as_u16(), &text).await
                };
                if let Err(err) = kept {
                    tracing::warn!(error = %err, "idempotency key not recorded");
                }
                return Response::from_parts(head, Body::from(body));
            }
        }
    }
    error_response(ApiError::new(ErrorCode::Conflict, "The same request is still being processed; try again"))
}
