use std::collections::HashMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::payment::{CardDetails, PayRequest, PaymentMethod, PaymentRequest, PaymentState, ShipRequest};
use talkshop_protocol::ApiError;

use crate::api::Api;
use crate::device::random_id;
use crate::i18n::{fill, lang, money, money_locale, more};
use crate::time::date_time;

/// More staff actions drawn on the card by the console (e.g. an owner's
/// *Mark as received*); a plain function so the buyer widget links none of it.
pub type StaffExtra = fn(Memo<PaymentRequest>) -> AnyView;

/// Live payment requests by id, and who is looking (buyer pays, merchant acts).
#[derive(Clone, Copy)]
pub struct Payments {
    pub requests: RwSignal<HashMap<String, PaymentRequest>>,
    pub api: StoredValue<Api>,
    pub buyer: bool,
    pub staff_extra: Option<StaffExtra>,
}

impl Payments {
    pub fn new(api: Api, buyer: bool) -> Payments {
        Payments { requests: RwSignal::new(HashMap::new()), api: StoredValue::new(api), buyer, staff_extra: None }
    }

    pub fn with_staff_extra(self, extra: StaffExtra) -> Payments {
        Payments { staff_extra: Some(extra), ..self }
    }

    /// Newer states replace older ones.
    pub fn apply(&self, request: PaymentRequest) {
        self.requests.update(|map| {
            let newer = map.get(&request.id).is_none_or(|old| old.updated_at <= request.updated_at);
            if newer {
                map.insert(request.id.clone(), request);
            }
        });
    }
}

/// The payment request card: what it is for, lines, total, state, and the
/// buyer's pay action or the merchant's next steps. Updates live.
#[component]
pub fn PaymentCard(request: PaymentRequest) -> impl IntoView {
    let payments = use_context::<Payments>();
    let (t, locale) = (more(), money_locale());
    let id = request.id.clone();
    let snapshot = request.clone();
    let current = Memo::new(move |_| {
        payments.and_then(|p| p.requests.with(|m| m.get(&id).cloned())).unwrap_or_else(|| snapshot.clone())
    });
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let paying_by_card = RwSignal::new(false);
    let (number, expiry, cvc) =
        (RwSignal::new(String::new()), RwSignal::new(String::new()), RwSignal::new(String::new()));
    let carrier = RwSignal::new(String::new());
    let tracking = RwSignal::new(String::new());
    let buyer = payments.is_some_and(|p| p.buyer);
    let staff = payments.is_some_and(|p| !p.buyer);

    let pay = move |method: PaymentMethod| {
        let Some(p) = payments else { return };
        let card = (method == PaymentMethod::SandboxCard).then(|| CardDetails {
            number: number.get_untracked(),
            expiry: expiry.get_untracked(),
            cvc: cvc.get_untracked(),
        });
        let id = current.with_untracked(|r| r.id.clone());
        // One key per attempt: a double click or a retry pays once.
        let key = random_id("pay-");
        busy.set(true);
        spawn_local(async move {
            match p.api.get_value().pay(&id, &PayRequest { method, card }, &key).await {
                Ok(updated) => {
                    error.set(None);
                    p.apply(updated);
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let act = move |action: &'static str| {
        let Some(p) = payments else { return };
        let id = current.with_untracked(|r| r.id.clone());
        let body = ShipRequest {
            carrier: Some(carrier.get_untracked()).filter(|s| !s.trim().is_empty()),
            tracking: Some(tracking.get_untracked()).filter(|s| !s.trim().is_empty()),
        };
        busy.set(true);
        spawn_local(async move {
            match p.api.get_value().payment_action(&id, action, &body).await {
                Ok(updated) => {
                    error.set(None);
                    p.apply(updated);
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let input = move |label: &'static str, signal: RwSignal<String>, name: &'static str| {
        view! {
            <label class="ts-field">
                <span>{label}</span>
                <input name=name prop:value=move || signal.get() on:input=move |ev| signal.set(event_target_value(&ev))/>
            </label>
        }
    };

    view! {
        <div class="ts-pay" data-state=move || current.with(|r| r.state.label())>
            <div class="ts-pay__head">
                <span class="ts-pay__title">{t.payment_request}</span>
                <Show when=move || current.with(|r| r.test_mode)>
                    <span class="ts-pay__test">{t.test_mode}</span>
                </Show>
                <span class="ts-pay__state">{move || t.payment_state(current.with(|r| r.state))}</span>
            </div>
            <p class="ts-pay__desc">{move || current.with(|r| r.description.clone())}</p>
            <ul class="ts-pay__lines">
                {move || current.with(|r| r.lines.iter().map(|l| view! {
                    <li><span>{format!("{} × {}", l.quantity, l.title)}</span><span>{money(&l.line_total, locale)}</span></li>
                }).collect_view())}
                {move || current.with(|r| r.shipping.map(|m| view! { <li><span>{t.shipping}</span><span>{money(&m, locale)}</span></li> }))}
                {move || current.with(|r| r.discount.map(|m| view! { <li><span>{t.discount}</span><span>{format!("−{}", money(&m, locale))}</span></li> }))}
            </ul>
            <div class="ts-pay__total"><span>{t.total}</span><strong>{move || current.with(|r| money(&r.total, locale))}</strong></div>
            // Where it goes, before paying.
            {move || current.with(|r| r.state.payable().then(|| view! {
                <crate::components::order_card::Delivery contact=r.contact.clone() fulfilment=r.fulfilment.clone()/>
            }))}
            {move || current.with(|r| r.shipment.clone()).map(|s| view! {
                <p class="ts-pay__ship">{[s.carrier.map_or_else(|| t.shipped.to_owned(), |c| fill(t.shipped_with, "carrier", c)), s.tracking.map(|code| fill(t.tracking_code, "code", code)).unwrap_or_default()].into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(" · ")}</p>
            })}
            {move || current.with(|r| r.attempt.clone()).and_then(|a| a.qr_payload).filter(|_| current.with(|r| r.state.payable())).map(|qr| {
                let image = payments.and_then(|p| p.api.with_value(|api| api.qr_image_url(&current.with_untracked(|r| r.id.clone()))));
                view! {
                    <div class="ts-pay__qr">
                        {image.map(|src| view! { <img class="ts-pay__qrimg" src=src alt=t.qr_alt width="180" height="180"/> })}
                        <span>{t.qr_hint}</span>
                        <code class="ts-pay__code">{qr}</code>
                    </div>
                }
            })}
            <Show when=move || buyer && current.with(awaits_the_shop)>
                <p class="ts-pay__waiting" role="status">{t.waiting_for_shop}</p>
            </Show>
            {move || current.with(|r| r.attempt.clone()).and_then(|a| a.hosted_url).filter(|_| current.with(|r| r.state.payable())).and_then(|url| {
                // Only our own pages or https links become an href.
                let base = payments.map(|p| p.api.with_value(|api| api.base.clone())).unwrap_or_default();
                let href = if url.starts_with('/') && !url.starts_with("//") { Some(format!("{base}{url}")) } else if url.starts_with("https://") { Some(url) } else { None };
                href.map(|href| view! {
                    <a class="ts-button ts-pay__hosted" href=href target="_blank" rel="noopener noreferrer">{t.open_payment_page}</a>
                })
            })}
            <Show when=move || current.with(|r| r.state.payable())>
                <p class="ts-pay__expiry">{move || format!("{} {}", t.expires, date_time(current.with(|r| r.expires_at), lang()))}</p>
            </Show>
            {move || current.with(|r| r.attempt.clone()).and_then(|a| a.failure).filter(|_| current.with(|r| r.state.payable())).map(|f| view! {
                <p class="ts-notice" role="alert">{f}</p>
            })}
            <Show when=move || { buyer && current.with(|r| r.state.payable()) }>
                <div class="ts-pay__methods">
                    {move || current.with(|r| r.methods.clone()).into_iter().map(|m| view! {
                        <button type="button" class="ts-button ts-pay__method" disabled=move || busy.get()
                            on:click=move |_| if m == PaymentMethod::SandboxCard { paying_by_card.set(true) } else { pay(m) }>
                            {t.payment_method(m)}
                        </button>
                    }).collect_view()}
                </div>
                <Show when=move || paying_by_card.get()>
                    <form class="ts-pay__card" on:submit=move |ev| { ev.prevent_default(); pay(PaymentMethod::SandboxCard); }>
                        {input(t.card_number, number, "card-number")}
                        {input(t.card_expiry, expiry, "card-expiry")}
                        {input(t.card_cvc, cvc, "card-cvc")}
                        <button class="ts-button ts-pay__submit" type="submit" disabled=move || busy.get()>
                            {move || fill(t.pay_amount, "amount", current.with(|r| money(&r.total, locale)))}
                        </button>
                    </form>
                </Show>
            </Show>
            <Show when=move || staff>
                <div class="ts-pay__actions">
                    <Show when=move || current.with(|r| r.test_mode && r.state == PaymentState::Pending && r.attempt.as_ref().is_some_and(|a| a.qr_payload.is_some()))>
                        <button type="button" class="ts-button ts-pay__confirm" on:click=move |_| {
                            let Some(p) = payments else { return };
                            let id = current.with_untracked(|r| r.id.clone());
                            spawn_local(async move {
                                if let Err(err) = p.api.get_value().sandbox_confirm(&id).await {
                                    error.set(Some(err));
                                }
                            });
                        }>{t.confirm_sandbox}</button>
                    </Show>
                    {payments.and_then(|p| p.staff_extra).map(|extra| extra(current))}
                    <Show when=move || current.with(|r| r.state.payable())>
                        <button type="button" class="ts-link" on:click=move |_| act("cancel")>{t.cancel_request}</button>
                    </Show>
                    <Show when=move || current.with(|r| r.state == PaymentState::Paid)>
                        {input(t.carrier, carrier, "carrier")}
                        {input(t.tracking_number, tracking, "tracking")}
                        <button type="button" class="ts-button" on:click=move |_| act("ship")>{t.mark_shipped}</button>
                    </Show>
                    <Show when=move || current.with(|r| r.state == PaymentState::Shipped)>
                        <button type="button" class="ts-button" on:click=move |_| act("deliver")>{t.mark_delivered}</button>
                    </Show>
                    <Show when=move || current.with(|r| matches!(r.state, PaymentState::Paid | PaymentState::Shipped | PaymentState::Delivered))>
                        <button type="button" class="ts-link" on:click=move |_| act("refund")>{t.refund}</button>
                    </Show>
                </div>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="ts-notice" role="alert">{move || error.get().map(|e| e.message).unwrap_or_default()}</p>
            </Show>
        </div>
    }
}

/// A real (not test-mode) instant payment the buyer has started: only the
/// shop can tell, from its bank account, that the money arrived.
pub fn awaits_the_shop(request: &PaymentRequest) -> bool {
    request.state == PaymentState::Pending
        && !request.test_mode
        && request.attempt.as_ref().is_some_and(|a| a.method == PaymentMethod::InstantQr)
}
