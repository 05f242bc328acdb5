use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;
use talkshop_protocol::payment::CreatePaymentRequest;
use talkshop_protocol::{ApiError, Currency, Money};

use crate::api::Api;
use crate::console::i18n::console_texts;
use crate::device::random_id;
use crate::i18n::fill;

/// An ad hoc payment request: what it is for and the price.
#[component]
pub fn PaymentRequestForm(
    api: Api,
    conversation: String,
    currency: Currency,
    #[prop(into)] on_done: Callback<()>,
) -> impl IntoView {
    let ct = console_texts();
    let description = RwSignal::new(String::new());
    let amount = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let api = StoredValue::new(api);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let parsed = Decimal::from_str_exact(amount.get_untracked().trim());
        let Ok(value) = parsed else {
            return error.set(Some(ApiError::invalid("amount", fill(ct.price_not_number, "example", "120.00"))));
        };
        let body = CreatePaymentRequest {
            client_id: random_id("pr-"),
            order_id: None,
            description: Some(description.get_untracked()),
            amount: Some(Money::new(value, currency)),
            shipping: None,
            discount: None,
            expires_in_minutes: None,
        };
        if let Err(err) = body.validate() {
            return error.set(Some(err));
        }
        let conversation = conversation.clone();
        busy.set(true);
        spawn_local(async move {
            match api.get_value().create_payment_request(&conversation, &body).await {
                Ok(_) => on_done.run(()),
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="ts-picker ts-payform" on:submit=submit aria-label=ct.request_a_payment>
            <div class="ts-picker__bar">
                <h3>{ct.request_a_payment}</h3>
                <button class="ts-link" type="button" on:click=move |_| on_done.run(())>{ct.close}</button>
            </div>
            <div class="ts-picker__texts">
                <label class="ts-field"><span>{ct.what_for}</span>
                    <input name="description" maxlength="200" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/></label>
                <label class="ts-field"><span>{fill(ct.price_in, "currency", currency)}</span>
                    <input name="amount" inputmode="decimal" prop:value=move || amount.get() on:input=move |ev| amount.set(event_target_value(&ev))/></label>
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="ts-notice" role="alert">{move || error.get().map(|e| e.message).unwrap_or_default()}</p>
            </Show>
            <button class="ts-button" type="submit" disabled=move || busy.get()>{ct.send_payment_request}</button>
        </form>
    }
}
