//! Payment requests: one state machine, used by the server to decide and by
//! the widget to display; methods and per-transaction limits.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorCode};
use crate::money::{Currency, Money};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Requested,
    Pending,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
    Expired,
    Refunded,
}

/// Who asks for a transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    Buyer,
    Merchant,
    /// A payment provider, through a verified webhook or the sandbox.
    Provider,
    /// The server itself (expiry).
    System,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentAction {
    /// The buyer starts paying (card submitted, QR or link shown).
    StartPayment,
    /// The provider confirms the money arrived.
    ConfirmPaid,
    /// The provider declined; the buyer may try again.
    Decline,
    Cancel,
    Expire,
    Ship,
    Deliver,
    Refund,
    /// The shop saw an instant payment arrive in its own account and confirms it
    /// by hand (no provider webhook behind a merchant's own Pix key / PromptPay id / QRIS).
    MarkReceived,
}

impl PaymentAction {
    pub fn allowed_for(self, actor: Actor) -> bool {
        use PaymentAction::*;
        match self {
            StartPayment => actor == Actor::Buyer,
            ConfirmPaid | Decline => actor == Actor::Provider,
            Cancel | Ship | Deliver | Refund | MarkReceived => actor == Actor::Merchant,
            Expire => actor == Actor::System,
        }
    }
}

impl PaymentState {
    /// The state after `action` by `actor`, or why not: 403 for the wrong
    /// actor, 409 with the current state for an illegal transition.
    pub fn apply(self, action: PaymentAction, actor: Actor) -> Result<PaymentState, ApiError> {
        use PaymentAction::*;
        use PaymentState::*;
        if !action.allowed_for(actor) {
            return Err(ApiError::new(ErrorCode::Forbidden, format!("{actor:?} may not {action:?} a payment")));
        }
        let next = match (self, action) {
            (Requested, StartPayment) | (Pending, StartPayment) => Pending,
            (Requested | Pending, ConfirmPaid) => Paid,
            (Pending, MarkReceived) => Paid,
            (Pending, Decline) => Requested,
            (Requested | Pending, Cancel) => Cancelled,
            (Requested | Pending, Expire) => Expired,
            (Paid, Ship) => Shipped,
            (Shipped, Deliver) => Delivered,
            (Paid | Shipped | Delivered, Refund) => Refunded,
            _ => {
                return Err(ApiError {
                    code: ErrorCode::Conflict,
                    message: format!("The payment is {}; it cannot be {}", self.label(), action.past_tense()),
                    field: Some("state".into()),
                })
            }
        };
        Ok(next)
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentState::Requested => "requested",
            PaymentState::Pending => "pending",
            PaymentState::Paid => "paid",
            PaymentState::Shipped => "shipped",
            PaymentState::Delivered => "delivered",
            PaymentState::Cancelled => "cancelled",
            PaymentState::Expired => "expired",
            PaymentState::Refunded => "refunded",
        }
    }

    /// Whether the buyer can still pay.
    pub fn payable(self) -> bool {
        matches!(self, PaymentState::Requested | PaymentState::Pending)
    }

    pub const ALL: [PaymentState; 8] = [
        PaymentState::Requested,
        PaymentState::Pending,
        PaymentState::Paid,
        PaymentState::Shipped,
        PaymentState::Delivered,
        PaymentState::Cancelled,
        PaymentState::Expired,
        PaymentState::Refunded,
    ];
}

impl PaymentAction {
    fn past_tense(self) -> &'static str {
        match self {
            PaymentAction::StartPayment => "paid now",
            PaymentAction::ConfirmPaid => "confirmed as paid",
            PaymentAction::Decline => "declined",
            PaymentAction::Cancel => "cancelled",
            PaymentAction::Expire => "expired",
            PaymentAction::Ship => "marked shipped",
            PaymentAction::Deliver => "marked delivered",
            PaymentAction::Refund => "refunded",
            PaymentAction::MarkReceived => "marked as received",
        }
    }

    pub const ALL: [PaymentAction; 9] = [
        PaymentAction::StartPayment,
        PaymentAction::ConfirmPaid,
        PaymentAction::Decline,
        PaymentAction::Cancel,
        PaymentAction::Expire,
        PaymentAction::Ship,
        PaymentAction::Deliver,
        PaymentAction::Refund,
        PaymentAction::MarkReceived,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    /// Test card form: deterministic numbers for success, decline and timeout.
    SandboxCard,
    /// EMV merchant-presented QR: Pix (BRL), PromptPay (THB), QRIS (IDR).
    InstantQr,
    /// An external hosted payment page.
    HostedLink,
}

/// At most `max` per transaction in `currency` with `method`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionLimit {
    pub method: PaymentMethod,
    pub currency: Currency,
    #[serde(with = "crate::money::amount")]
    pub max: Decimal,
}

/// The demo's limits: an instant-payment transfer is capped at BRL 500.00.
pub fn default_limits() -> Vec<TransactionLimit> {
    vec![TransactionLimit { method: PaymentMethod::InstantQr, currency: Currency::Brl, max: Decimal::from(500) }]
}

/// The methods that can pay `amount`: the enabled ones whose cap it does not
/// exceed, and instant QR only in a currency that has an EMV scheme here.
pub fn methods_for(amount: Money, enabled: &[PaymentMethod], limits: &[TransactionLimit]) -> Vec<PaymentMethod> {
    enabled
        .iter()
        .copied()
        .filter(|m| *m != PaymentMethod::InstantQr || crate::emv_qr::Scheme::for_currency(amount.currency).is_some())
        .filter(|m| !limits.iter().any(|l| l.method == *m && l.currency == amount.currency && amount.amount > l.max))
        .collect()
}

/// Why a method cannot pay `amount`, if it cannot.
pub fn check_method(
    amount: Money,
    method: PaymentMethod,
    enabled: &[PaymentMethod],
    limits: &[TransactionLimit],
) -> Result<(), ApiError> {
    if methods_for(amount, enabled, limits).contains(&method) {
        return Ok(());
    }
    match limits.iter().find(|l| l.method == method && l.currency == amount.currency && amount.amount > l.max) {
        Some(limit) => Err(ApiError::invalid(
            "method",
            format!(
                "{} is over the {} limit of {} per transaction for this method",
                amount.display(),
                limit.currency,
                Money::new(limit.max, limit.currency).display()
            ),
        )),
        None => Err(ApiError::invalid("method", "This payment method is not available for this request")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentAction as A;
    use PaymentState as S;

    fn legal() -> Vec<(S, A, S)> {
        vec![
            (S::Requested, A::StartPayment, S::Pending),
            (S::Pending, A::StartPayment, S::Pending),
            (S::Requested, A::ConfirmPaid, S::Paid),
            (S::Pending, A::ConfirmPaid, S::Paid),
            (S::Pending, A::Decline, S::Requested),
            (S::Requested, A::Cancel, S::Cancelled),
            (S::Pending, A::Cancel, S::Cancelled),
            (S::Requested, A::Expire, S::Expired),
            (S::Pending, A::Expire, S::Expired),
            (S::Paid, A::Ship, S::Shipped),
            (S::Shipped, A::Deliver, S::Delivered),
            (S::Paid, A::Refund, S::Refunded),
            (S::Shipped, A::Refund, S::Refunded),
            (S::Delivered, A::Refund, S::Refunded),
            (S::Pending, A::MarkReceived, S::Paid),
        ]
    }

    fn actor_for(action: A) -> Actor {
        [Actor::Buyer, Actor::Merchant, Actor::Provider, Actor::System]
            .into_iter()
            .find(|a| action.allowed_for(*a))
            .expect("every action has an actor")
    }

    #[test]
    fn every_legal_transition_is_allowed() {
        for (from, action, to) in legal() {
            assert_eq!(from.apply(action, actor_for(action)), Ok(to), "{from:?} --{action:?}-->");
        }
    }

    #[test]
    fn every_other_transition_is_a_conflict_naming_the_state() {
        let legal = legal();
        for from in S::ALL {
            for action in A::ALL {
                if legal.iter().any(|(f, a, _)| *f == from && *a == action) {
                    continue;
                }
                let err = from.apply(action, actor_for(action)).unwrap_err();
                assert_eq!(err.code, ErrorCode::Conflict, "{from:?} --{action:?}");
                assert!(err.message.contains(from.label()), "{}", err.message);
            }
        }
    }

    #[test]
    fn only_the_right_party_acts() {
        assert_eq!(S::Requested.apply(A::StartPayment, Actor::Merchant).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(S::Paid.apply(A::Ship, Actor::Buyer).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(S::Pending.apply(A::ConfirmPaid, Actor::Buyer).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(S::Paid.apply(A::Refund, Actor::Buyer).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(S::Requested.apply(A::Expire, Actor::Merchant).unwrap_err().code, ErrorCode::Forbidden);
    }

    #[test]
    fn instant_payment_cap_limits_the_methods() {
        let all = [PaymentMethod::SandboxCard, PaymentMethod::InstantQr, PaymentMethod::HostedLink];
        let limits = default_limits();
        let small = Money::new(Decimal::from(500), Currency::Brl);
        let big = Money::new(Decimal::new(50001, 2), Currency::Brl);
        assert_eq!(methods_for(small, &all, &limits), all.to_vec());
        assert_eq!(methods_for(big, &all, &limits), vec![PaymentMethod::SandboxCard, PaymentMethod::HostedLink]);
        let err = check_method(big, PaymentMethod::InstantQr, &all, &limits).unwrap_err();
        assert!(err.message.contains("R$ 500,00"), "{}", err.message);
        let usd = Money::new(Decimal::from(5), Currency::Usd);
        assert!(!methods_for(usd, &all, &limits).contains(&PaymentMethod::InstantQr), "no EMV scheme for USD");
    }
}

/// How a payment was (or is being) made. No card data is kept beyond brand and last four.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAttempt {
    pub method: PaymentMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_brand: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_last4: Option<String>,
    /// The EMV payload to render as a QR code and to copy and paste.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_payload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted_url: Option<String>,
    /// Why the last try failed (a decline), for the buyer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// An instant payment the shop confirmed by hand (*Mark as received*): who and when.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received: Option<ManualReceipt>,
}

/// A shop's own confirmation that an instant payment reached its account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualReceipt {
    /// Staff member's display name.
    pub by: String,
    pub at: i64,
    /// The bank's reference for the transfer, if the staff member typed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank_reference: Option<String>,
}

/// `POST /api/v1/payment-requests/{id}/receive`: staff confirm an instant payment by hand.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarkReceived {
    #[serde(default)]
    pub bank_reference: Option<String>,
}

pub const MAX_BANK_REFERENCE_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<String>,
    pub shipped_at: i64,
}

/// A merchant's request for money, shown in the thread as a live card.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequest {
    pub id: String,
    pub conversation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    pub description: String,
    pub lines: Vec<crate::order::OrderLine>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Money>,
    pub total: Money,
    pub state: PaymentState,
    /// The methods that can pay this total (limits applied).
    pub methods: Vec<PaymentMethod>,
    pub expires_at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attempt: Option<PaymentAttempt>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipment: Option<Shipment>,
    /// When the merchant will be paid out (set when shipped, cleared by a refund).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout_at: Option<i64>,
    /// When the payout was released to the merchant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_out_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// A sandbox (demo or test) shop's request: no real money moves; the card says "test mode".
    #[serde(default, skip_serializing_if = "is_false")]
    pub test_mode: bool,
    /// The billed order's contact and delivery, shown on the card before paying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<Box<crate::address::Contact>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<Box<crate::address::Fulfilment>>,
}

fn is_false(value: &bool) -> bool {
    !*value
}

/// `GET /api/v1/payment-requests?state=…`: a list, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentRequestList {
    pub requests: Vec<PaymentRequest>,
}

/// `GET /api/v1/payouts`: what the merchant will be paid and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutSummary {
    /// Scheduled, not released yet, soonest first.
    pub pending: Vec<PaymentRequest>,
    /// Sum of pending payouts per currency.
    pub pending_totals: Vec<Money>,
    pub released: Vec<PaymentRequest>,
}

impl PayoutSummary {
    pub fn totals(requests: &[PaymentRequest]) -> Vec<Money> {
        let mut totals: Vec<Money> = Vec::new();
        for r in requests {
            match totals.iter_mut().find(|t| t.currency == r.total.currency) {
                Some(t) => t.amount += r.total.amount,
                None => totals.push(r.total),
            }
        }
        totals
    }
}

pub const MAX_DESCRIPTION_CHARS: usize = 200;
pub const MAX_EXPIRY_MINUTES: u32 = 60 * 24 * 30;

/// `POST /api/v1/conversations/{id}/payment-requests`: from an order, or ad hoc.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatePaymentRequest {
    pub client_id: String,
    /// Bill the lines of this purchase request.
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    /// The price of an ad hoc request (without shipping and discount).
    #[serde(default)]
    pub amount: Option<Money>,
    #[serde(default)]
    pub shipping: Option<Money>,
    #[serde(default)]
    pub discount: Option<Money>,
    /// Minutes until an unpaid request expires (default 24 hours).
    #[serde(default)]
    pub expires_in_minutes: Option<u32>,
}

impl CreatePaymentRequest {
    /// Shape rules; the order's existence is the server's check.
    pub fn validate(&self) -> Result<(), ApiError> {
        crate::validation::validate_client_id(&self.client_id)?;
        match (&self.order_id, &self.amount) {
            (None, None) => return Err(ApiError::invalid("amount", "Give an amount, or bill an order")),
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid("amount", "An order's request takes its amount from the order"))
            }
            (None, Some(amount)) => {
                amount.validate_price("amount")?;
                if self.description.as_deref().is_none_or(|d| d.trim().is_empty()) {
                    return Err(ApiError::invalid("description", "Say what the payment is for"));
                }
            }
            (Some(_), None) => {}
        }
        if let Some(d) = &self.description {
            let n = d.chars().count();
            if n > MAX_DESCRIPTION_CHARS {
                return Err(ApiError::invalid(
                    "description",
                    format!("Description is too long ({n}; at most {MAX_DESCRIPTION_CHARS})"),
                ));
            }
        }
        for (field, value) in [("shipping", &self.shipping), ("discount", &self.discount)] {
            if let Some(m) = value {
                if m.amount < Decimal::ZERO || m.amount.normalize().scale() > m.currency.minor_units() {
                    return Err(ApiError::invalid(
                        field,
                        format!("{field} must be zero or more, in the currency's minor units"),
                    ));
                }
            }
        }
        match self.expires_in_minutes {
            Some(0) => Err(ApiError::invalid("expires_in_minutes", "The expiry must be in the future")),
            Some(m) if m > MAX_EXPIRY_MINUTES => Err(ApiError::invalid("expires_in_minutes", "At most 30 days")),
            _ => Ok(()),
        }
    }

    /// Total = base + shipping − discount, one currency, more than zero, rounded once.
    pub fn total(&self, base: Money) -> Result<Money, ApiError> {
        total(base, self.shipping, self.discount)
    }
}

/// Total = base + shipping − discount, one currency, more than zero, rounded once:
/// the one sum for payment requests and orders alike.
pub fn total(base: Money, shipping: Option<Money>, discount: Option<Money>) -> Result<Money, ApiError> {
    let mut sum = base.amount;
    for (field, value, sign) in [("shipping", shipping, 1), ("discount", discount, -1)] {
        if let Some(m) = value {
            if m.currency != base.currency {
                return Err(ApiError::invalid(field, format!("{field} must be in {}", base.currency)));
            }
            sum += if sign > 0 { m.amount } else { -m.amount };
        }
    }
    let total = Money::new(base.currency.round(sum), base.currency);
    if total.amount <= Decimal::ZERO {
        return Err(ApiError::invalid("discount", "The total must stay above zero"));
    }
    Ok(total)
}

/// Test card details for the sandbox provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardDetails {
    pub number: String,
    pub expiry: String,
    pub cvc: String,
}

/// `POST /api/v1/payment-requests/{id}/pay`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayRequest {
    pub method: PaymentMethod,
    #[serde(default)]
    pub card: Option<CardDetails>,
}

/// `POST /api/v1/payment-requests/{id}/ship`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    #[serde(default)]
    pub carrier: Option<String>,
    #[serde(default)]
    pub tracking: Option<String>,
}

/// What the sandbox does with a test card number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SandboxOutcome {
    Success,
    Decline(&'static str),
    /// No answer now; the payment resolves later.
    Timeout,
}

pub const CARD_SUCCESS: &str = "4242424242424242";
pub const CARD_DECLINE: &str = "4000000000000002";
pub const CARD_TIMEOUT: &str = "4000000000000119";

impl CardDetails {
    /// Digits only, Luhn-valid, expiry MM/YY, CVC 3–4 digits.
    pub fn validate(&self) -> Result<String, ApiError> {
        let digits: String = self.number.chars().filter(|c| !c.is_whitespace()).collect();
        let luhn = digits.len() >= 12
            && digits.len() <= 19
            && digits.bytes().all(|b| b.is_ascii_digit())
            && digits
                .bytes()
                .rev()
                .enumerate()
                .map(|(i, b)| {
                    let d = u32::from(b - b'0');
                    if i % 2 == 1 {
                        if d * 2 > 9 {
                            d * 2 - 9
                        } else {
                            d * 2
                        }
                    } else {
                        d
                    }
                })
                .sum::<u32>()
                .is_multiple_of(10);
        if !luhn {
            return Err(ApiError::invalid("card.number", "That card number is not valid"));
        }
        let expiry_ok = self.expiry.len() == 5
            && self.expiry.as_bytes()[2] == b'/'
            && self.expiry[..2].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
            && self.expiry[3..].parse::<u8>().is_ok();
        if !expiry_ok {
            return Err(ApiError::invalid("card.expiry", "Expiry must be MM/YY"));
        }
        if !(3..=4).contains(&self.cvc.len()) || !self.cvc.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::invalid("card.cvc", "CVC must be 3 or 4 digits"));
        }
        Ok(digits)
    }

    pub fn sandbox_outcome(digits: &str) -> SandboxOutcome {
        match digits {
            CARD_DECLINE => SandboxOutcome::Decline("Card declined: insufficient funds"),
            CARD_TIMEOUT => SandboxOutcome::Timeout,
            _ => SandboxOutcome::Success,
        }
    }

    pub fn brand(digits: &str) -> &'static str {
        match digits.as_bytes().first() {
            Some(b'4') => "Visa",
            Some(b'5') => "Mastercard",
            Some(b'3') => "Amex",
            _ => "Card",
        }
    }
}

#[cfg(test)]
mod request_tests {
    use super::*;

    fn brl(s: &str) -> Money {
        Money::new(Decimal::from_str_exact(s).unwrap(), Currency::Brl)
    }

    fn adhoc(amount: &str) -> CreatePaymentRequest {
        CreatePaymentRequest {
            client_id: "c1".into(),
            order_id: None,
            description: Some("Custom vase".into()),
            amount: Some(brl(amount)),
            shipping: None,
            discount: None,
            expires_in_minutes: None,
        }
    }

    #[test]
    fn ad_hoc_requests_need_a_positive_exact_amount_and_a_description() {
        assert!(adhoc("120.00").validate().is_ok());
        for bad in ["0", "-5", "1.001"] {
            assert_eq!(adhoc(bad).validate().unwrap_err().field.as_deref(), Some("amount"), "{bad}");
        }
        let mut no_desc = adhoc("10");
        no_desc.description = None;
        assert_eq!(no_desc.validate().unwrap_err().field.as_deref(), Some("description"));
        let mut past = adhoc("10");
        past.expires_in_minutes = Some(0);
        assert_eq!(past.validate().unwrap_err().field.as_deref(), Some("expires_in_minutes"));
    }

    #[test]
    fn total_adds_shipping_takes_discount_and_rounds_once() {
        let mut r = adhoc("100.00");
        r.shipping = Some(brl("15.50"));
        r.discount = Some(brl("10.00"));
        assert_eq!(r.total(brl("100.00")).unwrap(), brl("105.50"));
        r.discount = Some(brl("200"));
        assert!(r.total(brl("100.00")).is_err());
        r.discount = Some(Money::new(Decimal::ONE, Currency::Thb));
        assert_eq!(r.total(brl("100.00")).unwrap_err().field.as_deref(), Some("discount"));
    }

    #[test]
    fn test_cards() {
        let card = |n: &str| CardDetails { number: n.into(), expiry: "12/30".into(), cvc: "123".into() };
        assert_eq!(card("4242 4242 4242 4242").validate().unwrap(), CARD_SUCCESS);
        assert_eq!(CardDetails::sandbox_outcome(CARD_SUCCESS), SandboxOutcome::Success);
        assert!(matches!(CardDetails::sandbox_outcome(CARD_DECLINE), SandboxOutcome::Decline(_)));
        assert_eq!(CardDetails::sandbox_outcome(CARD_TIMEOUT), SandboxOutcome::Timeout);
        assert!(card(CARD_DECLINE).validate().is_ok() && card(CARD_TIMEOUT).validate().is_ok());
        assert_eq!(card("4242424242424241").validate().unwrap_err().field.as_deref(), Some("card.number"));
        let mut bad = card(CARD_SUCCESS);
        bad.expiry = "13/30".into();
        assert_eq!(bad.validate().unwrap_err().field.as_deref(), Some("card.expiry"));
        assert_eq!(CardDetails::brand(CARD_SUCCESS), "Visa");
    }
}

/// Reads limits written as `method:CURRENCY:max`, comma separated, for
/// example `instant_qr:BRL:500.00,sandbox_card:THB:50000`.
pub fn parse_limits(text: &str) -> Result<Vec<TransactionLimit>, ApiError> {
    let mut limits = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let bad = || ApiError::invalid("limits", format!("{item:?} is not method:CURRENCY:max"));
        let mut parts = item.split(':');
        let (Some(method), Some(currency), Some(max), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let method: PaymentMethod =
            serde_json::from_value(serde_json::Value::String(method.into())).map_err(|_| bad())?;
        let currency: Currency = currency.parse()?;
        let max = Decimal::from_str_exact(max).map_err(|_| bad())?;
        Money::new(max, currency).validate_price("limits")?;
        limits.push(TransactionLimit { method, currency, max });
    }
    Ok(limits)
}

#[cfg(test)]
mod limit_tests {
    use super::*;

    #[test]
    fn limits_are_read_from_configuration() {
        assert_eq!(parse_limits("instant_qr:BRL:500.00").unwrap(), default_limits());
        let two = parse_limits("instant_qr:BRL:500.00, sandbox_card:THB:50000").unwrap();
        assert_eq!(two.len(), 2);
        assert_eq!(two[1].method, PaymentMethod::SandboxCard);
        assert!(parse_limits("").unwrap().is_empty());
        for bad in
            ["instant_qr:BRL", "pix:BRL:1", "instant_qr:XYZ:1", "instant_qr:BRL:-1", "instant_qr:BRL:1.001", "a:b:c:d"]
        {
            assert!(parse_limits(bad).is_err(), "{bad}");
        }
    }
}
