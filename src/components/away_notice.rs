//! Outside business hours, under the widget's header: the owner's away
//! message and an offer to leave an e-mail address (with consent) to be
//! answered at, stored for the buyer's conversation. The form opens from a
//! button and its code is loaded then (`crate::parts`, the `away` group):
//! most buyers never open it.

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::presence::{BuyerEmail, ShopAvailability};
use talkshop_protocol::ApiError;

use crate::chat_session::ChatSession;
use crate::i18n::{fill, more, texts, More};
use crate::parts;

/// The notice: the away message and a button that opens the form to leave
/// an e-mail address (its code and words come with the `away` part then).
#[component]
pub fn AwayNotice(session: ChatSession, #[prop(into)] availability: Signal<ShopAvailability>) -> impl IntoView {
    let t = texts();
    // The buyer asked for the form (it stays open, with what they typed, while the notice does).
    let asked = RwSignal::new(false);
    view! {
        <Show when=move || availability.with(ShopAvailability::offers_email)>
            <aside class="ts-away" aria-label=t.status_closed>
                <Show when=move || availability.with(|a| !a.away_message.is_empty())>
                    <p class="ts-away__message">{move || availability.with(|a| a.away_message.clone())}</p>
                </Show>
                {move || if asked.get() {
                    parts::away_form(session).into_any()
                } else {
                    view! { <button class="ts-link ts-away__ask" type="button" on:click=move |_| asked.set(true)>{t.email_ask}</button> }
                        .into_any()
                }}
            </aside>
        </Show>
    }
}

/// The offer to leave an e-mail address, with consent, and what became of it.
#[component]
pub fn AwayForm(session: ChatSession) -> impl IntoView {
    let t = more();
    let email = RwSignal::new(String::new());
    let consent = RwSignal::new(false);
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // The buyer clicked to get here: the address field takes the keyboard.
    let field = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = field.get() {
            let _ = input.focus();
        }
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut body = BuyerEmail { email: email.get_untracked(), consent: consent.get_untracked() };
        if let Err(err) = body.validate() {
            return error.set(Some(err));
        }
        busy.set(true);
        spawn_local(async move {
            let result = match session.conversation_id().await {
                Ok(id) => session.api.get_value().save_buyer_email(&id, &body).await,
                Err(err) => Err(err),
            };
            match result {
                Ok(stored) => {
                    error.set(None);
                    saved.set(Some(stored.email));
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let bad =
        move |field: &'static str| move || error.with(|e| e.as_ref().and_then(|e| e.field.as_deref()) == Some(field));
    move || {
        match saved.get() {
        Some(address) => view! { <p class="ts-away__saved" role="status">{fill(t.email_saved, "email", address)}</p> }.into_any(),
        None => view! {
            <form class="ts-away__form" on:submit=submit novalidate>
                <p class="ts-away__offer">{t.email_offer}</p>
                <input class="ts-away__email" type="email" autocomplete="email" aria-label=t.email_label node_ref=field
                    placeholder=t.email_label prop:value=move || email.get() aria-invalid=move || bad("email")().to_string()
                    on:input=move |ev| email.set(event_target_value(&ev))/>
                <label class="ts-away__consent">
                    <input type="checkbox" prop:checked=move || consent.get() aria-invalid=move || bad("consent")().to_string()
                        on:change=move |ev| consent.set(event_target_checked(&ev))/>
                    <span>{t.email_consent}</span>
                </label>
                <Show when=move || error.with(Option::is_some)>
                    <p class="ts-away__error" role="alert">{move || error.get().map(|e| explain(e, t)).unwrap_or_default()}</p>
                </Show>
                <button class="ts-button ts-away__send" type="submit" disabled=move || busy.get()>{t.email_send}</button>
            </form>
        }.into_any(),
    }
    }
}

/// A field's mistake in the buyer's language; the server's own errors as they come.
fn explain(error: ApiError, t: &More) -> String {
    match error.field.as_deref() {
        Some("email") => t.email_invalid.to_owned(),
        Some("consent") => t.email_consent_needed.to_owned(),
        _ => error.message,
    }
}
