use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::payment::CreatePaymentRequest;
use talkshop_protocol::{ApiError, Contact, DeliveryMethod, Fulfilment, Order};

use crate::components::payment_card::Payments;
use crate::device::random_id;
use crate::i18n::{money, money_locale, more};

/// Who and where an order goes, as plain text lines (never HTML).
#[component]
pub fn Delivery(contact: Option<Box<Contact>>, fulfilment: Option<Box<Fulfilment>>) -> impl IntoView {
    let t = more();
    let mut lines: Vec<String> = contact.map(|c| vec![c.name, c.phone, c.email]).unwrap_or_default();
    match fulfilment.map(|f| *f) {
        Some(Fulfilment { method: DeliveryMethod::Pickup, .. }) => lines.push(t.pickup.to_owned()),
        Some(f) => lines.extend(f.address.map(|a| a.lines()).unwrap_or_default()),
        None => {}
    }
    (!lines.is_empty()).then(|| {
        view! {
            <div class="ts-delivery">
                <strong>{t.deliver_to}</strong>
                {lines.into_iter().map(|l| view! { <span class="ts-delivery__line">{l}</span> }).collect_view()}
            </div>
        }
    })
}

/// A purchase request in the thread: lines, quantities, unit prices, total, note.
#[component]
pub fn OrderCard(order: Order) -> impl IntoView {
    let (t, locale) = (more(), money_locale());
    let items: u32 = order.lines.iter().map(|l| l.quantity).sum();
    let total = order.total_with_shipping();
    // Staff bill a purchase request with one click.
    let staff = use_context::<Payments>().filter(|p| !p.buyer);
    let error = RwSignal::new(None::<ApiError>);
    let requested = RwSignal::new(false);
    let (order_id, conversation) = (order.id.clone(), order.conversation_id.clone());
    let request_payment = move |_| {
        let Some(p) = staff else { return };
        let body = CreatePaymentRequest {
            client_id: random_id("pr-"),
            order_id: Some(order_id.clone()),
            description: None,
            amount: None,
            shipping: None,
            discount: None,
            expires_in_minutes: None,
        };
        let conversation = conversation.clone();
        requested.set(true);
        spawn_local(async move {
            if let Err(err) = p.api.get_value().create_payment_request(&conversation, &body).await {
                error.set(Some(err));
                requested.set(false);
            }
        });
    };
    view! {
        <div class="ts-order">
            <div class="ts-order__head">
                <span class="ts-order__title">{t.purchase_request}</span>
                <span class="ts-order__count">{t.items(items)}</span>
            </div>
            <ul class="ts-order__lines">
                {order.lines.into_iter().map(|line| {
                    let options = line.options.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ");
                    view! {
                        <li class="ts-order__line">
                            <span class="ts-order__name">{line.title}</span>
                            {(!options.is_empty()).then(|| view! { <span class="ts-order__opts">{options}</span> })}
                            <span class="ts-order__qty">{format!("{} × {}", line.quantity, money(&line.unit_price, locale))}</span>
                            <span class="ts-order__sum">{money(&line.line_total, locale)}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {order.shipping.map(|m| view! {
                <div class="ts-order__shipping"><span>{t.shipping}</span><span>{if m.amount.is_zero() { t.free.to_owned() } else { money(&m, locale) }}</span></div>
            })}
            <div class="ts-order__total"><span>{t.total}</span><strong>{money(&total, locale)}</strong></div>
            {order.note.map(|n| view! { <p class="ts-order__note">{n}</p> })}
            <Delivery contact=order.contact fulfilment=order.fulfilment/>
            {staff.map(|_| view! {
                <button class="ts-button ts-order__bill" type="button" disabled=move || requested.get() on:click=request_payment>
                    {t.request_payment}
                </button>
            })}
            <Show when=move || error.with(Option::is_some)>
                <p class="ts-notice" role="alert">{move || error.get().map(|e| e.message).unwrap_or_default()}</p>
            </Show>
        </div>
    }
}
