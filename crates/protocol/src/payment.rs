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
}

impl PaymentAction {
    pub fn allowed_for(self, actor: Actor) -> bool {
        use PaymentAction::*;
        match self {
            StartPayment => actor == Actor::Buyer,
            ConfirmPaid | Decline => actor == Actor::Provider,
            Cancel | Ship | Deliver | Refund => actor == Actor::Merchant,
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
        }
    }

    pub const ALL: [PaymentAction; 8] = [
        PaymentAction::StartPayment,
        PaymentAction::ConfirmPaid,
        PaymentAction::Decline,
        PaymentAction::Cancel,
        PaymentAction::Expire,
        PaymentAction::Ship,
        PaymentAction::Deliver,
        PaymentAction::Refund,
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
