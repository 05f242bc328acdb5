//! Lists of payment requests (the buyer's "my orders", the console's orders
//! by state), payouts, and the jobs that expire unpaid requests and release
//! due payouts. Both jobs are safe to run twice.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use talkshop_protocol::payment::{Actor, PaymentAction, PaymentRequestList, PaymentState, PayoutSummary};
use talkshop_protocol::ApiError;

use crate::auth::Viewer;
use crate::clock;
use crate::error::{query_rejection, AppJson, AppResult};
use crate::routes::payments::apply_provider_event;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/payment-requests", get(list)).route("/api/v1/payouts", get(payouts))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListParams {
    state: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    query: Result<Query<ListParams>, QueryRejection>,
) -> AppResult<AppJson<PaymentRequestList>> {
    let Query(params) = query.map_err(query_rejection)?;
    if let Some(wanted) = &params.state {
        if !PaymentState::ALL.iter().any(|s| s.label() == wanted) {
            return Err(ApiError::invalid("state", format!("Unknown state {wanted:?}")).into());
        }
    }
    let visitor = (!viewer.is_staff()).then_some(viewer.claims.principal());
    let stored = state.storage.payment_requests(&viewer.claims.shop, visitor, params.state.as_deref()).await?;
    Ok(AppJson(PaymentRequestList { requests: stored.into_iter().map(|s| s.request).collect() }))
}

async fn payouts(State(state): State<AppState>, viewer: Viewer) -> AppResult<AppJson<PayoutSummary>> {
    if !viewer.is_staff() {
        return Err(ApiError::forbidden("Only the shop sees its payouts").into());
    }
    let scheduled = state.storage.scheduled_payouts(Some(&viewer.claims.shop)).await?;
    let (mut released, mut pending): (Vec<_>, Vec<_>) = scheduled
        .into_iter()
        .map(|s| s.request)
        .filter(|r| r.payout_at.is_some())
        .partition(|r| r.paid_out_at.is_some());
    pending.sort_by_key(|r| r.payout_at);
    released.sort_by_key(|r| std::cmp::Reverse(r.paid_out_at));
    let pending_totals = PayoutSummary::totals(&pending);
    Ok(AppJson(PayoutSummary { pending, pending_totals, released }))
}

/// Expires unpaid requests past their expiry; returns how many.
pub async fn expire_due(state: &AppState, now: i64) -> AppResult<usize> {
    let mut expired = 0;
    for stored in state.storage.expired_payment_requests(now).await? {
        // Someone may have paid it meanwhile: then the transition is refused and nothing happens.
        if apply_provider_event(state, &stored.request.id, PaymentAction::Expire, Actor::System).await.is_ok() {
            expired += 1;
        }
    }
    Ok(expired)
}

/// Releases payouts whose date has come; returns how many. A refunded order
/// has no payout date, and a released one is never released again.
pub async fn release_due(state: &AppState, now: i64) -> AppResult<usize> {
    let mut released = 0;
    for stored in state.storage.scheduled_payouts(None).await? {
        let due = stored.request.payout_at.is_some_and(|at| at <= now) && stored.request.paid_out_at.is_none();
        if !due {
            continue;
        }
        let mut next = stored.request.clone();
        next.paid_out_at = Some(now);
        next.updated_at = now.max(stored.request.updated_at + 1);
        if state.storage.update_payment_request(&next, stored.version).await? {
            tracing::info!(request = %next.id, total = %next.total.amount, currency = %next.total.currency, "payout released");
            released += 1;
        }
    }
    Ok(released)
}

/// Runs both jobs every 30 seconds until the server stops.
pub fn spawn_jobs(state: AppState) {
    tokio::spawn(async move {
        let mut stop = state.shutdown.clone();
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let now = clock::now_millis();
                    if let Err(err) = expire_due(&state, now).await {
                        tracing::warn!(error = %err, "expiry job failed");
                    }
                    if let Err(err) = release_due(&state, now).await {
                        tracing::warn!(error = %err, "payout job failed");
                    }
                }
                _ = stop.changed() => break,
            }
        }
    });
}
