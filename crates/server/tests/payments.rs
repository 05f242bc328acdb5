//! Payment requests over real HTTP and WebSocket: the state machine as the
//! server enforces it, sandbox cards, instant-payment QR, idempotency,
//! concurrent double pay, shipping and payouts.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use talkshop_protocol::emv_qr::crc_is_valid;
use talkshop_protocol::payment::{
    PaymentMethod, PaymentRequest, PaymentState, CARD_DECLINE, CARD_SUCCESS, CARD_TIMEOUT,
};
use talkshop_protocol::{ErrorCode, Message, MessageBody, ServerFrame};

struct Setup {
    server: Server,
    staff: String,
    buyer: String,
    conversation: String,
}

async fn setup() -> Setup {
    let server = Server::start().await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "Can I pay here?").await;
    Setup { server, staff, buyer, conversation }
}

async fn request(s: &Setup, body: Value) -> reqwest::Response {
    s.server
        .post(&format!("/conversations/{}/payment-requests", s.conversation), Some(&s.staff))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn adhoc(s: &Setup, amount: &str) -> PaymentRequest {
    let resp = request(s, json!({"client_id": unique("pr"), "description": "Custom glaze", "amount": {"amount": amount, "currency": "BRL"}})).await;
    let message: Message = expect_json(resp, StatusCode::CREATED).await;
    match message.body {
        MessageBody::PaymentRequest { request } => *request,
        other => panic!("a payment request card, got {other:?}"),
    }
}

fn card(number: &str) -> Value {
    json!({"method": "sandbox_card", "card": {"number": number, "expiry": "12/30", "cvc": "123"}})
}

async fn pay(s: &Setup, token: &str, id: &str, body: Value, key: Option<&str>) -> reqwest::Response {
    let mut req = s.server.post(&format!("/payment-requests/{id}/pay"), Some(token)).json(&body);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    req.send().await.unwrap()
}

async fn act(s: &Setup, token: &str, id: &str, action: &str, body: Value) -> reqwest::Response {
    s.server.post(&format!("/payment-requests/{id}/{action}"), Some(token)).json(&body).send().await.unwrap()
}

#[tokio::test]
async fn buyer_pays_by_card_and_both_sides_see_it_live() {
    let s = setup().await;
    let mut staff_ws = s.server.ws(&s.staff).await;
    let r = adhoc(&s, "120.00").await;
    assert_eq!(r.state, PaymentState::Requested);
    assert_eq!(r.methods, vec![PaymentMethod::SandboxCard, PaymentMethod::InstantQr, PaymentMethod::HostedLink]);
    let paid: PaymentRequest =
        expect_json(pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), Some("k1")).await, StatusCode::OK).await;
    assert_eq!(paid.state, PaymentState::Paid);
    let attempt = paid.attempt.expect("attempt");
    assert_eq!((attempt.card_brand.as_deref(), attempt.card_last4.as_deref()), (Some("Visa"), Some("4242")));
    let stored = s
        .server
        .get(&format!("/payment-requests/{}", r.id), Some(&s.buyer))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!stored.contains(CARD_SUCCESS), "no card number is stored");
    // The merchant's socket sees the card update and a status message.
    let mut saw_update = false;
    let mut saw_status = false;
    while !(saw_update && saw_status) {
        match staff_ws.next_frame().await {
            ServerFrame::PaymentUpdated { request } if request.state == PaymentState::Paid => saw_update = true,
            ServerFrame::Message { message } => {
                if let MessageBody::OrderStatus { state, text, total, .. } = message.body {
                    assert_eq!(state, PaymentState::Paid);
                    assert_eq!(text, "Payment of R$ 120,00 received");
                    // The total travels too, so the widget writes the update in the buyer's language.
                    assert_eq!(total.map(|t| t.amount.to_string()), Some("120.00".into()));
                    saw_status = true;
                }
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn declined_card_changes_nothing_and_can_be_retried() {
    let s = setup().await;
    let r = adhoc(&s, "50.00").await;
    let err = expect_invalid(pay(&s, &s.buyer, &r.id, card(CARD_DECLINE), None).await, "card").await;
    assert!(err.message.contains("declined"), "{err:?}");
    let still: PaymentRequest = expect_json(
        s.server.get(&format!("/payment-requests/{}", r.id), Some(&s.buyer)).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(still.state, PaymentState::Requested);
    let paid: PaymentRequest =
        expect_json(pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), None).await, StatusCode::OK).await;
    assert_eq!(paid.state, PaymentState::Paid);
}

#[tokio::test]
async fn timeout_card_is_pending_then_resolves_as_paid() {
    let s = setup().await;
    let r = adhoc(&s, "50.00").await;
    let pending: PaymentRequest =
        expect_json(pay(&s, &s.buyer, &r.id, card(CARD_TIMEOUT), None).await, StatusCode::OK).await;
    assert_eq!(pending.state, PaymentState::Pending);
    let mut ws = s.server.ws(&s.buyer).await;
    loop {
        if let ServerFrame::PaymentUpdated { request } = ws.next_frame().await {
            if request.state == PaymentState::Paid {
                break;
            }
        }
    }
}

#[tokio::test]
async fn instant_qr_has_a_valid_emv_payload_and_respects_the_brl_500_cap() {
    let s = setup().await;
    let r = adhoc(&s, "189.90").await;
    let pending: PaymentRequest =
        expect_json(pay(&s, &s.buyer, &r.id, json!({"method": "instant_qr"}), None).await, StatusCode::OK).await;
    assert_eq!(pending.state, PaymentState::Pending);
    let payload = pending.attempt.and_then(|a| a.qr_payload).expect("a QR payload");
    assert!(
        payload.contains("br.gov.bcb.pix") && payload.contains("5406189.90") && crc_is_valid(&payload),
        "{payload}"
    );

    let big = adhoc(&s, "500.01").await;
    assert_eq!(
        big.methods,
        vec![PaymentMethod::SandboxCard, PaymentMethod::HostedLink],
        "the card shows which methods can pay it"
    );
    let err = expect_invalid(pay(&s, &s.buyer, &big.id, json!({"method": "instant_qr"}), None).await, "method").await;
    assert!(err.message.contains("R$ 500,00"), "{err:?}");
    let resp = pay(&s, &s.buyer, &big.id, json!({"method": "bitcoin"}), None).await;
    expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
}

#[tokio::test]
async fn only_the_buyer_pays_and_only_the_merchant_requests_and_ships() {
    let s = setup().await;
    let r = adhoc(&s, "10.00").await;
    let (other, _) = s.server.buyer().await;
    expect_error(pay(&s, &other, &r.id, card(CARD_SUCCESS), None).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden)
        .await;
    expect_error(pay(&s, &s.staff, &r.id, card(CARD_SUCCESS), None).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden)
        .await;
    let resp = s
        .server
        .post(&format!("/conversations/{}/payment-requests", s.conversation), Some(&s.buyer))
        .json(&json!({"client_id": "x", "description": "self", "amount": {"amount": "1.00", "currency": "BRL"}}))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    expect_error(act(&s, &s.buyer, &r.id, "cancel", json!({})).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden)
        .await;
    // Shipping before payment is an illegal transition.
    let err =
        expect_error(act(&s, &s.staff, &r.id, "ship", json!({})).await, StatusCode::CONFLICT, ErrorCode::Conflict)
            .await;
    assert!(err.message.contains("requested"), "{err:?}");
}

#[tokio::test]
async fn bad_payment_requests_are_refused_and_nothing_stored() {
    let s = setup().await;
    for amount in [
        json!({"amount": "-5", "currency": "BRL"}),
        json!({"amount": "0", "currency": "BRL"}),
        json!({"amount": "1.001", "currency": "BRL"}),
    ] {
        let resp = request(&s, json!({"client_id": unique("pr"), "description": "x", "amount": amount})).await;
        expect_invalid(resp, "amount").await;
    }
    let resp = request(
        &s,
        json!({"client_id": unique("pr"), "description": "x", "amount": {"amount": "1", "currency": "XYZ"}}),
    )
    .await;
    expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    let resp = request(
        &s,
        json!({"client_id": unique("pr"), "description": "x", "amount": {"amount": 10.5, "currency": "BRL"}}),
    )
    .await;
    expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::BadRequest).await;
    let resp = request(&s, json!({"client_id": unique("pr"), "description": "x", "amount": {"amount": "10", "currency": "BRL"}, "expires_in_minutes": 0})).await;
    expect_invalid(resp, "expires_in_minutes").await;
    let resp = request(&s, json!({"client_id": unique("pr"), "order_id": "nope"})).await;
    expect_invalid(resp, "order_id").await;
    assert_eq!(s.server.all_messages(&s.buyer, &s.conversation).await.len(), 1, "nothing stored");
}

#[tokio::test]
async fn paying_a_cancelled_or_paid_request_is_a_conflict() {
    let s = setup().await;
    let r = adhoc(&s, "10.00").await;
    let cancelled: PaymentRequest =
        expect_json(act(&s, &s.staff, &r.id, "cancel", json!({})).await, StatusCode::OK).await;
    assert_eq!(cancelled.state, PaymentState::Cancelled);
    let err = expect_error(
        pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), None).await,
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
    )
    .await;
    assert!(err.message.contains("cancelled"));
    let r = adhoc(&s, "10.00").await;
    expect_json::<PaymentRequest>(pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), None).await, StatusCode::OK).await;
    expect_error(pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), None).await, StatusCode::CONFLICT, ErrorCode::Conflict)
        .await;
}

#[tokio::test]
async fn buyer_cannot_pay_twice_even_concurrently() {
    let s = setup().await;
    let r = adhoc(&s, "75.00").await;
    // Two tabs, two keys, at the same time: exactly one payment.
    let (a, b) = tokio::join!(
        pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), Some("tab-a")),
        pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), Some("tab-b")),
    );
    let mut statuses = vec![a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, vec![StatusCode::OK, StatusCode::CONFLICT]);
    // A double click (same key, same body) gets the first answer, concurrently too.
    let r = adhoc(&s, "80.00").await;
    let (a, b) = tokio::join!(
        pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), Some("click")),
        pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), Some("click")),
    );
    let (a, b): (PaymentRequest, PaymentRequest) =
        (expect_json(a, StatusCode::OK).await, expect_json(b, StatusCode::OK).await);
    assert_eq!(a, b);
    // The same key with another body is refused.
    let err = expect_error(
        pay(&s, &s.buyer, &r.id, json!({"method": "instant_qr"}), Some("click")).await,
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
    )
    .await;
    assert_eq!(err.field.as_deref(), Some("Idempotency-Key"));
    let statuses: Vec<_> = s
        .server
        .all_messages(&s.buyer, &s.conversation)
        .await
        .into_iter()
        .filter(|m| matches!(m.body, MessageBody::OrderStatus { state: PaymentState::Paid, .. }))
        .collect();
    assert_eq!(statuses.len(), 2, "one 'paid' update per request, never two");
}

#[tokio::test]
async fn shipping_schedules_a_payout_and_a_refund_cancels_it() {
    let s = setup().await;
    let r = adhoc(&s, "99.00").await;
    expect_json::<PaymentRequest>(pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), None).await, StatusCode::OK).await;
    let shipped: PaymentRequest = expect_json(
        act(&s, &s.staff, &r.id, "ship", json!({"carrier": "Correios", "tracking": "BR123"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(shipped.state, PaymentState::Shipped);
    let payout = shipped.payout_at.expect("payout scheduled");
    let days = (payout - shipped.shipment.as_ref().expect("shipment").shipped_at) / 86_400_000;
    assert!((3..=5).contains(&days), "3 business days after shipping: {days} calendar days");
    let delivered: PaymentRequest =
        expect_json(act(&s, &s.staff, &r.id, "deliver", json!({})).await, StatusCode::OK).await;
    assert_eq!(delivered.state, PaymentState::Delivered);
    let refunded: PaymentRequest =
        expect_json(act(&s, &s.staff, &r.id, "refund", json!({})).await, StatusCode::OK).await;
    assert_eq!((refunded.state, refunded.payout_at), (PaymentState::Refunded, None));
    let updates: Vec<MessageBody> = s
        .server
        .all_messages(&s.buyer, &s.conversation)
        .await
        .into_iter()
        .filter(|m| matches!(m.body, MessageBody::OrderStatus { .. }))
        .map(|m| m.body)
        .collect();
    let shipped = updates.iter().find_map(|b| match b {
        MessageBody::OrderStatus { state: PaymentState::Shipped, carrier, tracking, .. } => Some((carrier, tracking)),
        _ => None,
    });
    assert_eq!(shipped, Some((&Some("Correios".to_string()), &Some("BR123".to_string()))));
    let texts: Vec<String> = updates
        .into_iter()
        .filter_map(|b| match b {
            MessageBody::OrderStatus { text, .. } => Some(text),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        vec![
            "Payment of R$ 99,00 received",
            "Order shipped with Correios · tracking BR123",
            "Order delivered",
            "R$ 99,00 refunded"
        ]
    );
}

#[tokio::test]
async fn an_order_is_billed_with_its_lines_shipping_and_discount() {
    let s = setup().await;
    let resp = s
        .server
        .post("/cart/lines", Some(&s.buyer))
        .json(&json!({"retailer_id": "CA-MUG-CAFE", "quantity": 2}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let placed: Message = expect_json(
        s.server
            .post(&format!("/conversations/{}/order", s.conversation), Some(&s.buyer))
            .json(&common::commerce::shipped_order("o1", common::commerce::br_address(), "pac"))
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let MessageBody::Order { order } = placed.body else { panic!("order") };
    // The shipping price comes from the order's option (Correios PAC, R$ 20.00 under R$ 300.00); staff do not retype it.
    let retyped = request(
        &s,
        json!({"client_id": "bill-0", "order_id": order.id, "shipping": {"amount": "5.00", "currency": "BRL"}}),
    )
    .await;
    expect_invalid(retyped, "shipping").await;
    let resp = request(
        &s,
        json!({"client_id": "bill-1", "order_id": order.id, "discount": {"amount": "9.80", "currency": "BRL"}}),
    )
    .await;
    let message: Message = expect_json(resp, StatusCode::CREATED).await;
    let MessageBody::PaymentRequest { request: billed } = message.body else { panic!("card") };
    assert_eq!(billed.lines.len(), 1);
    assert_eq!(billed.shipping.map(|m| m.amount.to_string()).as_deref(), Some("20.00"));
    assert_eq!(billed.contact, order.contact);
    assert_eq!(billed.fulfilment, order.fulfilment, "the card shows where it goes");
    assert_eq!(billed.total.amount.to_string(), "110.00"); // 2 × 49.90 + 20.00 − 9.80
                                                           // Billing the same order again is refused while that request is alive; after a cancel it is allowed.
    let again = request(&s, json!({"client_id": "bill-2", "order_id": order.id})).await;
    let err = expect_error(again, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    assert_eq!(err.field.as_deref(), Some("order_id"));
    expect_json::<PaymentRequest>(act(&s, &s.staff, &billed.id, "cancel", json!({})).await, StatusCode::OK).await;
    let replaced = request(&s, json!({"client_id": "bill-3", "order_id": order.id})).await;
    expect_json::<Message>(replaced, StatusCode::CREATED).await;
}

// ---- Webhooks ----

const WEBHOOK_SECRET: &[u8] = b"test-webhook-secret";

async fn webhook(s: &Setup, body: &Value, timestamp: i64, secret: Option<&[u8]>) -> reqwest::Response {
    let raw = serde_json::to_vec(body).unwrap();
    let mut req = s.server.http.post(s.server.api("/webhooks/sandbox")).header("content-type", "application/json");
    req = req.header("X-Talkshop-Timestamp", timestamp.to_string());
    if let Some(secret) = secret {
        req = req.header("X-Talkshop-Signature", talkshop_server::routes::webhooks::sign(secret, timestamp, &raw));
    }
    req.body(raw).send().await.unwrap()
}

async fn pending_qr(s: &Setup) -> PaymentRequest {
    let r = adhoc(s, "60.00").await;
    expect_json(pay(s, &s.buyer, &r.id, json!({"method": "instant_qr"}), None).await, StatusCode::OK).await
}

#[tokio::test]
async fn signed_webhook_confirms_once_and_replays_change_nothing() {
    let s = setup().await;
    let r = pending_qr(&s).await;
    let qr = s.server.http.get(s.server.api(&format!("/payment-requests/{}/qr.svg", r.id))).send().await.unwrap();
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"));
    let event = json!({"event_id": "evt-1", "payment_request_id": r.id, "status": "paid"});
    let answer: Value = expect_json(webhook(&s, &event, now_secs(), Some(WEBHOOK_SECRET)).await, StatusCode::OK).await;
    assert_eq!(answer["applied"], true);
    assert_eq!(answer["request"]["state"], "paid");
    let again: Value = expect_json(webhook(&s, &event, now_secs(), Some(WEBHOOK_SECRET)).await, StatusCode::OK).await;
    assert_eq!(again["applied"], false, "a replayed webhook changes nothing");
    let paid_updates = s
        .server
        .all_messages(&s.buyer, &s.conversation)
        .await
        .into_iter()
        .filter(|m| matches!(m.body, MessageBody::OrderStatus { state: PaymentState::Paid, .. }))
        .count();
    assert_eq!(paid_updates, 1);
    let gone = s.server.http.get(s.server.api(&format!("/payment-requests/{}/qr.svg", r.id))).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND, "no QR for a paid request");
}

#[tokio::test]
async fn unsigned_missigned_and_stale_webhooks_are_refused() {
    let s = setup().await;
    let r = pending_qr(&s).await;
    let event = json!({"event_id": "evt-2", "payment_request_id": r.id, "status": "paid"});
    expect_error(webhook(&s, &event, now_secs(), None).await, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    expect_error(
        webhook(&s, &event, now_secs(), Some(b"wrong-secret")).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
    expect_invalid(webhook(&s, &event, now_secs() - 3600, Some(WEBHOOK_SECRET)).await, "timestamp").await;
    let still: PaymentRequest = expect_json(
        s.server.get(&format!("/payment-requests/{}", r.id), Some(&s.buyer)).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(still.state, PaymentState::Pending, "nothing changed");
    // The console's sandbox button sends a correctly signed confirmation; buyers cannot use it.
    let resp =
        s.server.post(&format!("/payment-requests/{}/sandbox-confirm", r.id), Some(&s.buyer)).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let resp =
        s.server.post(&format!("/payment-requests/{}/sandbox-confirm", r.id), Some(&s.staff)).send().await.unwrap();
    let answer: Value = expect_json(resp, StatusCode::OK).await;
    assert_eq!(answer["request"]["state"], "paid");
}

// ---- Jobs, lists and payouts ----

#[tokio::test]
async fn unpaid_requests_expire_and_cannot_be_paid() {
    let s = setup().await;
    let resp = request(&s, json!({"client_id": unique("pr"), "description": "Deposit", "amount": {"amount": "30.00", "currency": "BRL"}, "expires_in_minutes": 1})).await;
    let message: Message = expect_json(resp, StatusCode::CREATED).await;
    let MessageBody::PaymentRequest { request } = message.body else { panic!("card") };
    let later = talkshop_server::clock::now_millis() + 2 * 60_000;
    let state = s.server.app_state();
    assert_eq!(talkshop_server::routes::payouts::expire_due(&state, later).await.unwrap(), 1);
    assert_eq!(talkshop_server::routes::payouts::expire_due(&state, later).await.unwrap(), 0, "safe to run twice");
    let err = expect_error(
        pay(&s, &s.buyer, &request.id, card(CARD_SUCCESS), None).await,
        StatusCode::CONFLICT,
        ErrorCode::Conflict,
    )
    .await;
    assert!(err.message.contains("expired"), "{err:?}");
}

#[tokio::test]
async fn payouts_are_released_when_due_once_and_never_for_unshipped_or_refunded_orders() {
    let s = setup().await;
    let shipped = adhoc(&s, "40.00").await;
    let unshipped = adhoc(&s, "25.00").await;
    let refunded = adhoc(&s, "15.00").await;
    for r in [&shipped, &unshipped, &refunded] {
        expect_json::<PaymentRequest>(pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), None).await, StatusCode::OK).await;
    }
    for r in [&shipped, &refunded] {
        expect_json::<PaymentRequest>(act(&s, &s.staff, &r.id, "ship", json!({})).await, StatusCode::OK).await;
    }
    expect_json::<PaymentRequest>(act(&s, &s.staff, &refunded.id, "refund", json!({})).await, StatusCode::OK).await;
    let summary: talkshop_protocol::payment::PayoutSummary =
        expect_json(s.server.get("/payouts", Some(&s.staff)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(summary.pending.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), vec![shipped.id.clone()]);
    assert_eq!(summary.pending_totals[0].display(), "R$ 40,00");
    let resp = s.server.get("/payouts", Some(&s.buyer)).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;

    let state = s.server.app_state();
    let now = talkshop_server::clock::now_millis();
    assert_eq!(talkshop_server::routes::payouts::release_due(&state, now).await.unwrap(), 0, "not due yet");
    let in_a_week = now + 7 * 86_400_000;
    assert_eq!(talkshop_server::routes::payouts::release_due(&state, in_a_week).await.unwrap(), 1);
    assert_eq!(talkshop_server::routes::payouts::release_due(&state, in_a_week).await.unwrap(), 0, "safe to run twice");
    let summary: talkshop_protocol::payment::PayoutSummary =
        expect_json(s.server.get("/payouts", Some(&s.staff)).send().await.unwrap(), StatusCode::OK).await;
    assert!(summary.pending.is_empty());
    assert_eq!(summary.released.len(), 1);

    // Orders by state, for the console; the buyer's own list for "my orders".
    let paid: talkshop_protocol::payment::PaymentRequestList =
        expect_json(s.server.get("/payment-requests?state=paid", Some(&s.staff)).send().await.unwrap(), StatusCode::OK)
            .await;
    assert_eq!(paid.requests.iter().map(|r| r.id.clone()).collect::<Vec<_>>(), vec![unshipped.id.clone()]);
    let mine: talkshop_protocol::payment::PaymentRequestList =
        expect_json(s.server.get("/payment-requests", Some(&s.buyer)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(mine.requests.len(), 3);
    let (other, _) = s.server.buyer().await;
    let theirs: talkshop_protocol::payment::PaymentRequestList =
        expect_json(s.server.get("/payment-requests", Some(&other)).send().await.unwrap(), StatusCode::OK).await;
    assert!(theirs.requests.is_empty(), "a buyer sees only their own");
    expect_invalid(s.server.get("/payment-requests?state=lost", Some(&s.staff)).send().await.unwrap(), "state").await;
}

#[tokio::test]
async fn hosted_payment_page_pays_through_a_signed_confirmation() {
    let s = setup().await;
    let r = adhoc(&s, "700.00").await;
    let pending: PaymentRequest =
        expect_json(pay(&s, &s.buyer, &r.id, json!({"method": "hosted_link"}), None).await, StatusCode::OK).await;
    assert_eq!(pending.state, PaymentState::Pending);
    let url = pending.attempt.and_then(|a| a.hosted_url).expect("a hosted payment link");
    assert_eq!(url, format!("/sandbox/hosted/{}", r.id));
    let page = s.server.http.get(format!("{}{url}", s.server.url)).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("R$ 700,00") && page.contains("Custom glaze"));
    let done = s.server.http.post(format!("{}{url}", s.server.url)).send().await.unwrap().text().await.unwrap();
    assert!(done.contains("Payment complete"), "{done}");
    let paid: PaymentRequest = expect_json(
        s.server.get(&format!("/payment-requests/{}", r.id), Some(&s.buyer)).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(paid.state, PaymentState::Paid);
    let again = s.server.http.get(format!("{}{url}", s.server.url)).send().await.unwrap().text().await.unwrap();
    assert!(again.contains("This payment is paid"));
}

#[tokio::test]
async fn the_merchants_system_requests_payments_with_its_api_key() {
    let s = setup().await;
    let body = json!({"client_id": "api-1", "description": "Deposit for a custom table", "amount": {"amount": "350.00", "currency": "BRL"}});
    let path = format!("/merchant/conversations/{}/payment-requests", s.conversation);
    let resp = s.server.http.post(s.server.api(&path)).json(&body).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let resp =
        s.server.http.post(s.server.api(&path)).header("X-Api-Key", "test-api-key").json(&body).send().await.unwrap();
    let message: Message = expect_json(resp, StatusCode::CREATED).await;
    assert!(matches!(message.body, MessageBody::PaymentRequest { .. }));
    let resp = s
        .server
        .http
        .post(s.server.api("/merchant/conversations/nope/payment-requests"))
        .header("X-Api-Key", "test-api-key")
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
}

#[tokio::test]
async fn transaction_limits_come_from_the_configuration() {
    let server =
        Server::start_with(|c| c.transaction_limits = "instant_qr:BRL:100.00,sandbox_card:BRL:150.00".into()).await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "hi").await;
    let s = Setup { server, staff, buyer, conversation };
    let r = adhoc(&s, "120.00").await;
    assert_eq!(r.methods, vec![PaymentMethod::SandboxCard, PaymentMethod::HostedLink]);
    let r = adhoc(&s, "200.00").await;
    assert_eq!(r.methods, vec![PaymentMethod::HostedLink]);
    let err = expect_invalid(pay(&s, &s.buyer, &r.id, card(CARD_SUCCESS), None).await, "method").await;
    assert!(err.message.contains("R$ 150,00"), "{err:?}");
}
