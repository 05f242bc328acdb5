//! What the console adds to a payment card: the shop's own confirmation that
//! an instant payment reached its account (*Mark as received*, owners), and
//! who confirmed it. Plugged in through `Payments::with_staff_extra` so the
//! buyer widget carries none of it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::payment::{MarkReceived, PaymentRequest};
use talkshop_protocol::ApiError;

use crate::components::payment_card::{awaits_the_shop, Payments};
use crate::console::i18n::console_texts;
use crate::i18n::{fill, lang};
use crate::time::date_time;

/// "Received · by Maria · 3 Dec 2026 14:05 · ref E123", once it was marked.
fn receipt_line(current: Memo<PaymentRequest>) -> impl IntoView {
    let (ct, locale) = (console_texts(), lang());
    move || {
        current.with(|r| r.attempt.as_ref().and_then(|a| a.received.clone())).map(|receipt| {
            let line = fill(&fill(ct.received_by, "name", &receipt.by), "time", date_time(receipt.at, locale));
            let line = match receipt.bank_reference {
                Some(reference) => format!("{line} · {}", fill(ct.received_ref, "ref", reference)),
                None => line,
            };
            view! { <p class="ts-pay__received">{line}</p> }
        })
    }
}

/// For agents: who confirmed a payment by hand.
pub fn agent_extra(current: Memo<PaymentRequest>) -> AnyView {
    receipt_line(current).into_any()
}

/// For owners: *Mark as received* (with an optional bank reference) on a
/// pending, real instant-QR payment, and who confirmed it afterwards.
pub fn owner_extra(current: Memo<PaymentRequest>) -> AnyView {
    let ct = console_texts();
    let payments = use_context::<Payments>();
    let reference = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(p) = payments else { return };
        if busy.get_untracked() {
            return;
        }
        let id = current.with_untracked(|r| r.id.clone());
        let body = MarkReceived {
            bank_reference: Some(reference.get_untracked().trim().to_owned()).filter(|r| !r.is_empty()),
        };
        busy.set(true);
        spawn_local(async move {
            match p.api.get_value().mark_received(&id, &body).await {
                Ok(updated) => {
                    error.set(None);
                    p.apply(updated);
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    view! {
        {receipt_line(current)}
        <Show when=move || current.with(awaits_the_shop)>
            <form class="ts-pay__receive" on:submit=submit>
                <label class="ts-field">
                    <span>{ct.bank_reference}</span>
                    <input name="bank-reference" maxlength="64" autocomplete="off" prop:value=move || reference.get()
                        on:input=move |ev| reference.set(event_target_value(&ev))/>
                </label>
                <button type="submit" class="ts-button ts-pay__mark-received" disabled=move || busy.get()>{ct.mark_received}</button>
            </form>
        </Show>
        {move || error.get().map(|e| view! { <p class="ts-notice" role="alert">{e.message}</p> })}
    }
    .into_any()
}
