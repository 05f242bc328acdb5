//! Payment requests: the merchant asks, the buyer pays (sandbox card or
//! instant-payment QR), the merchant ships, delivers or refunds. Every state
//! change goes through the protocol's state machine, is stored with a
//! compare-and-swap on the request's version, posts an order-status message
//! and updates the card live for both parties.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use talkshop_protocol::payment::{
    check_method, methods_for, Actor, CardDetails, CreatePaymentRequest, ManualReceipt, MarkReceived, PayRequest,
    PaymentAction, PaymentAttempt, PaymentMethod, PaymentRequest, PaymentState, SandboxOutcome, ShipRequest, Shipment,
    MAX_BANK_REFERENCE_CHARS,
};
use talkshop_protocol::{ApiError, ErrorCode, Message, MessageBody, ServerFrame};

use crate::auth::{OwnerViewer, Viewer};
use crate::clock;
use crate::error::{path_rejection, AppError, AppJson, AppResult};
use crate::routes::conversations::{authorized, publish, republish, store_and_publish};
use crate::shops;
use crate::state::AppState;
use crate::storage::{Appended, Conversation, NewMessage, NewPaymentRequest, StoredPayment};

/// How long the sandbox takes to resolve a "timeout" card.
const SANDBOX_TIMEOUT_MS: u64 = 1500;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conversations/{id}/payment-requests", post(create))
        .route("/api/v1/merchant/conversations/{id}/payment-requests", post(create_from_api))
        .route("/api/v1/payment-requests/{id}", get(show))
        .route("/api/v1/payment-requests/{id}/pay", post(pay))
        .route("/api/v1/payment-requests/{id}/qr.svg", get(qr_svg))
        .route("/api/v1/payment-requests/{id}/receive", post(mark_received))
        .route("/api/v1/payment-requests/{id}/{action}", post(merchant_action))
}

/// The instant-payment QR code of a pending request, as a scannable SVG. The
/// request id is unguessable and the payload is what the card shows anyway.
async fn qr_svg(path: Result<Path<String>, PathRejection>, State(state): State<AppState>) -> Response {
    let Ok(Path(id)) = path else { return AppError::from(ApiError::not_found("QR code")).into_response() };
    let payload = match state.storage.payment_request(&id).await {
        Ok(Some(stored)) if stored.request.state.payable() => stored.request.attempt.and_then(|a| a.qr_payload),
        Ok(_) => None,
        Err(err) => return err.into_response(),
    };
    let Some(payload) = payload else { return AppError::from(ApiError::not_found("QR code")).into_response() };
    match qrcode::QrCode::new(payload.as_bytes()) {
        Ok(code) => {
            let svg = code.render::<qrcode::render::svg::Color>().min_dimensions(220, 220).quiet_zone(true).build();
            (
                [(axum::http::header::CONTENT_TYPE, "image/svg+xml"), (axum::http::header::CACHE_CONTROL, "no-store")],
                svg,
            )
                .into_response()
        }
        Err(_) => AppError::Internal("QR payload does not fit a QR code".into()).into_response(),
    }
}

/// A request of the staff's own shop.
pub async fn load_for_staff(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<(StoredPayment, Conversation)> {
    if !viewer.is_staff() {
        return Err(ApiError::forbidden("Only the shop can do this").into());
    }
    load(state, viewer, id).await
}

/// A provider's verdict on a request (webhook, sandbox).
pub async fn apply_provider_event(
    state: &AppState,
    id: &str,
    action: PaymentAction,
    actor: Actor,
) -> AppResult<PaymentRequest> {
    let stored = state.storage.payment_request(id).await?.ok_or_else(|| ApiError::not_found("Payment request"))?;
    let conversation = state
        .storage
        .conversation(&stored.request.conversation_id)
        .await?
        .ok_or_else(|| ApiError::not_found("Conversation"))?;
    let next = transition(&stored, action, actor)?;
    commit(state, &conversation, &stored, next).await
}

async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(req): AppJson<CreatePaymentRequest>,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let Path(id) = path.map_err(path_rejection)?;
    if !viewer.is_staff() {
        return Err(ApiError::forbidden("Only the shop requests payments").into());
    }
    req.validate()?;
    let conversation = authorized(&state, &viewer, &id).await?;
    create_in(&state, &conversation, req).await
}

/// The merchant's own system requests a payment with its API key.
async fn create_from_api(
    State(state): State<AppState>,
    merchant: crate::routes::catalog::Merchant,
    path: Result<Path<String>, PathRejection>,
    AppJson(req): AppJson<CreatePaymentRequest>,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let Path(id) = path.map_err(path_rejection)?;
    req.validate()?;
    let conversation = merchant.conversation(&state, &id).await?;
    create_in(&state, &conversation, req).await
}

async fn create_in(
    state: &AppState,
    conversation: &Conversation,
    req: CreatePaymentRequest,
) -> AppResult<(StatusCode, AppJson<Message>)> {
    let mut shipping = req.shipping;
    let mut delivery = (None, None);
    let (lines, base, description) = match &req.order_id {
        Some(order_id) => {
            let order = state
                .storage
                .orders(&conversation.shop_id, Some(&conversation.visitor_id))
                .await?
                .into_iter()
                .find(|o| &o.id == order_id && o.conversation_id == conversation.id)
                .ok_or_else(|| ApiError::invalid("order_id", "No such purchase request in this conversation"))?;
            // One live payment request per order: a cancelled or expired one can be replaced.
            let billed = state
                .storage
                .payment_requests(&conversation.shop_id, Some(&conversation.visitor_id), None)
                .await?
                .into_iter()
                .any(|p| {
                    p.request.order_id.as_deref() == Some(order_id.as_str())
                        && !matches!(p.request.state, PaymentState::Cancelled | PaymentState::Expired)
                });
            if billed {
                return Err(ApiError {
                    code: ErrorCode::Conflict,
                    message: "This order already has a payment request".into(),
                    field: Some("order_id".into()),
                }
                .into());
            }
            let items: u32 = order.lines.iter().map(|l| l.quantity).sum();
            let description = req.description.clone().unwrap_or_else(|| format!("Your order of {items} item(s)"));
            // An order placed through checkout carries its shipping price; staff do not retype it.
            if order.fulfilment.is_some() {
                if req.shipping.is_some() {
                    return Err(ApiError::invalid("shipping", "Shipping comes from the order's shipping option").into());
                }
                shipping = order.shipping;
            }
            delivery = (order.contact, order.fulfilment);
            (order.lines, order.total, description)
        }
        None => {
            let amount = req.amount.ok_or_else(|| ApiError::invalid("amount", "Give an amount"))?;
            (Vec::new(), amount, req.description.clone().unwrap_or_default())
        }
    };
    let total = talkshop_protocol::payment::total(base, shipping, req.discount)?;
    let shop = shops::load(state, &conversation.shop_id).await?;
    let enabled = shop.methods(total.currency);
    if enabled.is_empty() {
        return Err(ApiError::invalid(
            "method",
            format!(
                "The shop cannot take payments in {} yet: an owner enters where to receive them in Settings → Payments",
                total.currency
            ),
        )
        .into());
    }
    let methods = methods_for(total, &enabled, &shop.settings.transaction_limits);
    if methods.is_empty() {
        return Err(ApiError::invalid("amount", "No payment method can take this amount").into());
    }
    let now = clock::now_millis();
    let request = PaymentRequest {
        id: uuid::Uuid::new_v4().to_string(),
        conversation_id: conversation.id.clone(),
        order_id: req.order_id.clone(),
        description: description.trim().to_owned(),
        lines,
        shipping,
        discount: req.discount,
        total,
        state: PaymentState::Requested,
        methods,
        expires_at: now + i64::from(req.expires_in_minutes.unwrap_or(24 * 60)) * 60_000,
        attempt: None,
        shipment: None,
        payout_at: None,
        paid_out_at: None,
        created_at: now,
        updated_at: now,
        test_mode: shop.settings.sandbox,
        contact: delivery.0,
        fulfilment: delivery.1,
    };
    let body = MessageBody::PaymentRequest { request: Box::new(request.clone()) };
    let appended = state
        .storage
        .create_payment_request(NewPaymentRequest {
            request: &request,
            shop_id: &conversation.shop_id,
            visitor_id: &conversation.visitor_id,
            message: NewMessage {
                conversation_id: &conversation.id,
                sender: talkshop_protocol::Sender::Merchant,
                client_id: &req.client_id,
                body: &body,
                created_at: now,
            },
        })
        .await?;
    match appended {
        Appended::Created(message) => {
            tracing::info!(request = %request.id, total = %total.amount, "payment requested");
            // Queued right after the request's transaction committed (see `outbound::emit`).
            crate::outbound::emit(
                state,
                &conversation.shop_id,
                talkshop_protocol::webhook::PAYMENT_REQUEST_CREATED,
                &request,
            )
            .await;
            publish(state, conversation, ServerFrame::Message { message: message.clone() }).await;
            Ok((StatusCode::CREATED, AppJson(message)))
        }
        Appended::Existing(message) => {
            republish(state, conversation, &message).await;
            Ok((StatusCode::OK, AppJson(message)))
        }
    }
}

/// The request, if the viewer is party to it.
async fn load(state: &AppState, viewer: &Viewer, id: &str) -> AppResult<(StoredPayment, Conversation)> {
    let stored = state.storage.payment_request(id).await?.ok_or_else(|| ApiError::not_found("Payment request"))?;
    if !viewer.may_access(&stored.shop_id, &stored.visitor_id) {
        return Err(ApiError::forbidden("This payment request belongs to someone else").into());
    }
    let conversation = authorized(state, viewer, &stored.request.conversation_id).await?;
    Ok((stored, conversation))
}

async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
) -> AppResult<AppJson<PaymentRequest>> {
    let Path(id) = path.map_err(path_rejection)?;
    Ok(AppJson(load(&state, &viewer, &id).await?.0.request))
}

fn status_text(request: &PaymentRequest) -> String {
    let total = request.total.display();
    match request.state {
        PaymentState::Paid => format!("Payment of {total} received"),
        PaymentState::Shipped => match &request.shipment {
            Some(Shipment { carrier: Some(c), tracking: Some(t), .. }) => {
                format!("Order shipped with {c} · tracking {t}")
            }
            Some(Shipment { carrier: Some(c), .. }) => format!("Order shipped with {c}"),
            _ => "Order shipped".into(),
        },
        PaymentState::Delivered => "Order delivered".into(),
        PaymentState::Cancelled => format!("Payment request for {total} cancelled"),
        PaymentState::Expired => format!("Payment request for {total} expired"),
        PaymentState::Refunded => format!("{total} refunded"),
        PaymentState::Pending => "Payment pending".into(),
        PaymentState::Requested => "Payment requested".into(),
    }
}

/// Stores a changed request if nobody changed it meanwhile; then posts the
/// status message and updates both parties' cards.
async fn commit(
    state: &AppState,
    conversation: &Conversation,
    stored: &StoredPayment,
    next: PaymentRequest,
) -> AppResult<PaymentRequest> {
    if !state.storage.update_payment_request(&next, stored.version).await? {
        let now = state.storage.payment_request(&next.id).await?.map(|s| s.request.state).unwrap_or(next.state);
        return Err(ApiError {
            code: ErrorCode::Conflict,
            message: format!("The payment changed meanwhile; it is now {}", now.label()),
            field: Some("state".into()),
        }
        .into());
    }
    publish(state, conversation, ServerFrame::PaymentUpdated { request: Box::new(next.clone()) }).await;
    // Queued right after the compare-and-swap above committed the new state (see `outbound::emit`).
    if stored.request.state != next.state {
        if let Some(event) = crate::outbound::payment_event(next.state) {
            crate::outbound::emit(state, &conversation.shop_id, event, &next).await;
        }
    }
    if stored.request.state != next.state && !matches!(next.state, PaymentState::Pending | PaymentState::Requested) {
        let body = MessageBody::OrderStatus {
            payment_request_id: next.id.clone(),
            state: next.state,
            text: status_text(&next),
            total: Some(next.total),
            carrier: next.shipment.as_ref().and_then(|s| s.carrier.clone()),
            tracking: next.shipment.as_ref().and_then(|s| s.tracking.clone()),
        };
        let client_id = format!("status-{}-{}", next.id, next.state.label());
        store_and_publish(state, conversation, talkshop_protocol::Sender::Merchant, &client_id, body).await?;
    }
    Ok(next)
}

/// Applies one transition by `actor` to a stored request.
fn transition(stored: &StoredPayment, action: PaymentAction, actor: Actor) -> Result<PaymentRequest, ApiError> {
    let mut next = stored.request.clone();
    next.state = stored.request.state.apply(action, actor)?;
    next.updated_at = clock::now_millis().max(stored.request.updated_at + 1);
    Ok(next)
}

/// Pays a request. An `Idempotency-Key` (handled for every mutating call by
/// [`crate::idempotency`]) makes a double click or a retry pay once.
async fn pay(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(req): AppJson<PayRequest>,
) -> AppResult<AppJson<PaymentRequest>> {
    let Path(id) = path.map_err(path_rejection)?;
    pay_once(&state, &viewer, &id, req).await
}

async fn pay_once(state: &AppState, viewer: &Viewer, id: &str, req: PayRequest) -> AppResult<AppJson<PaymentRequest>> {
    if viewer.is_staff() {
        return Err(ApiError::forbidden("Only the buyer pays").into());
    }
    let (stored, conversation) = load(state, viewer, id).await?;
    if stored.request.state.payable() && stored.request.expires_at <= clock::now_millis() {
        let expired = transition(&stored, PaymentAction::Expire, Actor::System)?;
        commit(state, &conversation, &stored, expired).await?;
        return Err(ApiError {
            code: ErrorCode::Conflict,
            message: "This payment request has expired".into(),
            field: Some("state".into()),
        }
        .into());
    }
    let shop = shops::load(state, &conversation.shop_id).await?;
    let enabled = shop.methods(stored.request.total.currency);
    check_method(stored.request.total, req.method, &enabled, &shop.settings.transaction_limits)?;
    let mut next = transition(&stored, PaymentAction::StartPayment, Actor::Buyer)?;
    match req.method {
        PaymentMethod::SandboxCard => {
            let card = req.card.as_ref().ok_or_else(|| ApiError::invalid("card", "Enter your card details"))?;
            let digits = card.validate()?;
            let attempt = PaymentAttempt {
                method: PaymentMethod::SandboxCard,
                card_brand: Some(CardDetails::brand(&digits).into()),
                card_last4: Some(digits[digits.len() - 4..].to_owned()),
                qr_payload: None,
                hosted_url: None,
                failure: None,
                received: None,
            };
            match CardDetails::sandbox_outcome(&digits) {
                SandboxOutcome::Decline(reason) => {
                    // Nothing is stored for a declined card; the merchant still hears of it.
                    let mut failed = stored.request.clone();
                    failed.attempt = Some(PaymentAttempt { failure: Some(reason.to_string()), ..attempt });
                    crate::outbound::emit(
                        state,
                        &conversation.shop_id,
                        talkshop_protocol::webhook::PAYMENT_FAILED,
                        &failed,
                    )
                    .await;
                    Err(ApiError::invalid("card", reason).into())
                }
                SandboxOutcome::Success => {
                    next.state = next.state.apply(PaymentAction::ConfirmPaid, Actor::Provider)?;
                    next.attempt = Some(attempt);
                    Ok(AppJson(commit(state, &conversation, &stored, next).await?))
                }
                SandboxOutcome::Timeout => {
                    next.attempt = Some(attempt);
                    let pending = commit(state, &conversation, &stored, next).await?;
                    resolve_later(state.clone(), conversation, pending.id.clone());
                    Ok(AppJson(pending))
                }
            }
        }
        PaymentMethod::InstantQr => {
            let account = shop.receiving_for(stored.request.total.currency).ok_or_else(|| {
                ApiError::invalid("method", "The shop has no account for instant payments in this currency")
            })?;
            let payload = account.payload(stored.request.total, &stored.request.id.replace('-', "")[..20])?;
            next.attempt = Some(PaymentAttempt {
                method: PaymentMethod::InstantQr,
                card_brand: None,
                card_last4: None,
                qr_payload: Some(payload),
                hosted_url: None,
                failure: None,
                received: None,
            });
            Ok(AppJson(commit(state, &conversation, &stored, next).await?))
        }
        PaymentMethod::HostedLink => {
            next.attempt = Some(PaymentAttempt {
                method: PaymentMethod::HostedLink,
                card_brand: None,
                card_last4: None,
                qr_payload: None,
                hosted_url: Some(format!("/sandbox/hosted/{}", stored.request.id)),
                failure: None,
                received: None,
            });
            Ok(AppJson(commit(state, &conversation, &stored, next).await?))
        }
    }
}

/// The sandbox's "timeout" card: the provider answers later, and the payment goes through.
fn resolve_later(state: AppState, conversation: Conversation, id: String) {
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(SANDBOX_TIMEOUT_MS)).await;
        let Ok(Some(stored)) = state.storage.payment_request(&id).await else { return };
        if let Ok(paid) = transition(&stored, PaymentAction::ConfirmPaid, Actor::Provider) {
            if let Err(err) = commit(&state, &conversation, &stored, paid).await {
                tracing::warn!(request = %id, error = %err, "sandbox confirmation not applied");
            }
        }
    });
}

async fn merchant_action(
    State(state): State<AppState>,
    viewer: Viewer,
    path: Result<Path<(String, String)>, PathRejection>,
    AppJson(req): AppJson<ShipRequest>,
) -> AppResult<AppJson<PaymentRequest>> {
    let Path((id, action)) = path.map_err(path_rejection)?;
    let action = match action.as_str() {
        "cancel" => PaymentAction::Cancel,
        "ship" => PaymentAction::Ship,
        "deliver" => PaymentAction::Deliver,
        "refund" => PaymentAction::Refund,
        _ => return Err(ApiError::not_found("Payment action").into()),
    };
    if !viewer.is_staff() {
        return Err(ApiError::forbidden("Only the shop can do this").into());
    }
    for (field, value) in [("carrier", &req.carrier), ("tracking", &req.tracking)] {
        if value.as_ref().is_some_and(|v| v.chars().count() > 60) {
            return Err(ApiError::invalid(field, format!("{field} is too long (at most 60 characters)")).into());
        }
    }
    let (stored, conversation) = load(&state, &viewer, &id).await?;
    let mut next = transition(&stored, action, Actor::Merchant)?;
    let now = clock::now_millis();
    match action {
        PaymentAction::Ship => {
            next.shipment =
                Some(Shipment { carrier: req.carrier.clone(), tracking: req.tracking.clone(), shipped_at: now });
            let shop = shops::load(&state, &conversation.shop_id).await?;
            next.payout_at = Some(payout_date(now, shop.settings.payout_business_days));
        }
        // A refund before the payout cancels it.
        PaymentAction::Refund => next.payout_at = None,
        _ => {}
    }
    let updated = commit(&state, &conversation, &stored, next).await?;
    // Money leaving or not coming: refunds and cancellations go into the owners' audit log.
    if matches!(action, PaymentAction::Refund | PaymentAction::Cancel) {
        let staff = crate::auth::current_staff(&state, &viewer.claims).await?;
        let actor = format!("{} <{}>", staff.name, staff.email);
        let verb = if action == PaymentAction::Refund { "refunded" } else { "cancelled" };
        let detail = format!("payment request {id} ({}) {verb}", updated.total.display());
        let name = if action == PaymentAction::Refund { "payment.refund" } else { "payment.cancel" };
        shops::audit(&state, &conversation.shop_id, &actor, name, detail).await?;
    }
    Ok(AppJson(updated))
}

/// *Mark as received*: an owner saw an instant payment arrive in the shop's own
/// account (no provider webhook behind a merchant's own Pix key, PromptPay id or
/// QRIS) and confirms it, with an optional bank reference; audited.
async fn mark_received(
    State(state): State<AppState>,
    viewer: Viewer,
    OwnerViewer(owner): OwnerViewer,
    path: Result<Path<String>, PathRejection>,
    AppJson(req): AppJson<MarkReceived>,
) -> AppResult<AppJson<PaymentRequest>> {
    let Path(id) = path.map_err(path_rejection)?;
    let reference = req.bank_reference.as_deref().map(str::trim).filter(|r| !r.is_empty());
    if reference.is_some_and(|r| r.chars().count() > MAX_BANK_REFERENCE_CHARS || r.chars().any(char::is_control)) {
        return Err(ApiError::invalid("bank_reference", "The bank reference is at most 64 characters").into());
    }
    let (stored, conversation) = load(&state, &viewer, &id).await?;
    let by_qr = stored.request.attempt.as_ref().is_some_and(|a| a.method == PaymentMethod::InstantQr);
    if !by_qr {
        return Err(ApiError {
            code: ErrorCode::Conflict,
            message: "Only an instant payment the buyer started by QR can be marked as received".into(),
            field: Some("state".into()),
        }
        .into());
    }
    let mut next = transition(&stored, PaymentAction::MarkReceived, Actor::Merchant)?;
    let now = clock::now_millis();
    if let Some(attempt) = next.attempt.as_mut() {
        attempt.received =
            Some(ManualReceipt { by: owner.staff.name.clone(), at: now, bank_reference: reference.map(str::to_owned) });
    }
    let updated = commit(&state, &conversation, &stored, next).await?;
    let detail = format!(
        "payment request {id} ({}) marked as received{}",
        updated.total.display(),
        reference.map(|r| format!(", bank reference {r}")).unwrap_or_default()
    );
    shops::audit(&state, &owner.staff.shop_id, &owner.actor(), "payment.received", detail).await?;
    Ok(AppJson(updated))
}

/// `days` business days (Monday to Friday) after `from`, in milliseconds since the epoch (UTC).
pub fn payout_date(from: i64, days: u8) -> i64 {
    const DAY: i64 = 86_400_000;
    let mut at = from;
    let mut left = days;
    while left > 0 {
        at += DAY;
        // 1970-01-01 was a Thursday: weekday 0 = Thursday … 2 = Saturday, 3 = Sunday.
        let weekday = (at.div_euclid(DAY)).rem_euclid(7);
        if weekday != 2 && weekday != 3 {
            left -= 1;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::payout_date;

    #[test]
    fn payouts_skip_weekends() {
        const DAY: i64 = 86_400_000;
        // 2026-11-27 is a Friday (day 20,784 since the epoch).
        let friday = 20_784 * DAY + 10 * 3_600_000;
        assert_eq!(payout_date(friday, 3), friday + 5 * DAY, "Friday + 3 business days = Wednesday");
        let monday = friday + 3 * DAY;
        assert_eq!(payout_date(monday, 3), monday + 3 * DAY);
        assert_eq!(payout_date(monday, 5), monday + 7 * DAY);
    }
}
