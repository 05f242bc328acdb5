use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::payment::{PaymentRequest, PaymentState, PayoutSummary};
use talkshop_protocol::{ApiError, Order};

use crate::api::Api;
use crate::components::order_card::OrderCard;
use crate::components::payment_card::PaymentCard;
use crate::console::i18n::console_texts;
use crate::console::packing_page::AddressCorrection;
use crate::i18n::{fill, lang, money, money_locale, more};
use crate::time::{clock_time, date};

/// Payment requests filtered by state, payouts with their dates, and the
/// purchase requests received.
#[component]
pub fn OrdersPage(api: Api) -> impl IntoView {
    let (t, ct, locale, money_in) = (more(), console_texts(), lang(), money_locale());
    let orders = RwSignal::new(Vec::<Order>::new());
    let requests = RwSignal::new(Vec::<PaymentRequest>::new());
    let payouts = RwSignal::new(None::<PayoutSummary>);
    let filter = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let api = StoredValue::new(api);
    let load_requests = move || {
        spawn_local(async move {
            let wanted = filter.get_untracked();
            let state = (!wanted.is_empty()).then_some(wanted.as_str());
            match api.get_value().payment_requests(state).await {
                Ok(list) => requests.set(list.requests),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    load_requests();
    spawn_local(async move {
        let api = api.get_value();
        match (api.orders().await, api.payouts().await) {
            (Ok(list), Ok(summary)) => {
                orders.set(list.orders);
                payouts.set(Some(summary));
            }
            (Err(err), _) | (_, Err(err)) => error.set(Some(err)),
        }
    });
    // Staff correct a shipped order's address here too (refused once the parcel left).
    let correction = move |order: &Order| {
        let address = order.fulfilment.as_ref().and_then(|f| f.address.clone())?;
        let on_saved = Callback::new(move |fixed: Order| {
            orders.update(|list| list.iter_mut().filter(|o| o.id == fixed.id).for_each(|o| *o = fixed.clone()));
        });
        Some(view! { <AddressCorrection api=api order_id=order.id.clone() address=address on_saved=on_saved/> })
    };
    view! {
        <div class="ts-orders">
            <Show when=move || error.with(Option::is_some)>
                <p class="ts-notice" role="alert">{move || error.get().map(|e| e.message).unwrap_or_default()}</p>
            </Show>
            <section class="ts-payouts" aria-label=ct.payouts>
                <h2>{ct.payouts}</h2>
                {move || payouts.get().map(|p| view! {
                    <p class="ts-payouts__totals">
                        {if p.pending_totals.is_empty() {
                            ct.nothing_scheduled.to_string()
                        } else {
                            fill(ct.scheduled, "amounts", p.pending_totals.iter().map(|m| money(m, money_in)).collect::<Vec<_>>().join(" · "))
                        }}
                    </p>
                    <ul class="ts-payouts__list">
                        {p.pending.into_iter().map(|r| {
                            let on = r.payout_at.map(|at| fill(ct.payout_on, "date", date(at, locale))).unwrap_or_default();
                            view! { <li><span>{r.description}</span><span>{money(&r.total, money_in)}</span><span>{on}</span></li> }
                        }).collect_view()}
                    </ul>
                    {(!p.released.is_empty()).then(|| view! { <p class="ts-payouts__done">{ct.released(p.released.len())}</p> })}
                })}
            </section>
            <section aria-label=ct.payment_requests>
                <div class="ts-orders__bar">
                    <h2>{ct.payment_requests}</h2>
                    <select class="ts-orders__filter" aria-label=ct.filter_by_state on:change=move |ev| { filter.set(event_target_value(&ev)); load_requests(); }>
                        <option value="">{ct.all_states}</option>
                        {PaymentState::ALL.into_iter().map(|s| view! { <option value=s.label()>{t.payment_state(s)}</option> }).collect_view()}
                    </select>
                </div>
                <Show when=move || requests.with(Vec::is_empty)>
                    <p class="ts-empty">{ct.no_payment_requests}</p>
                </Show>
                <div class="ts-orders__grid">
                    <For each=move || requests.get() key=|r| (r.id.clone(), r.updated_at) let:r>
                        <div class="ts-orders__item">
                            <PaymentCard request=r.clone()/>
                            <small>{fill(ct.updated, "time", clock_time(r.updated_at, locale))}</small>
                        </div>
                    </For>
                </div>
            </section>
            <section aria-label=ct.purchase_requests>
                <h2>{ct.purchase_requests}</h2>
                <Show when=move || orders.with(Vec::is_empty)>
                    <p class="ts-empty">{ct.no_purchase_requests}</p>
                </Show>
                <div class="ts-orders__grid">
                    <For each=move || orders.get() key=|o| (o.id.clone(), o.fulfilment.as_ref().and_then(|f| f.address.as_ref()).map(|a| a.lines().join("\n"))) let:order>
                        <div class="ts-orders__item">
                            {correction(&order)}
                            <OrderCard order=order/>
                        </div>
                    </For>
                </div>
            </section>
        </div>
    }
}
