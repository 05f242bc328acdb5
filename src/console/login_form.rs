use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::StaffSession;

use crate::api::Api;
use crate::console::i18n::console_texts;
use crate::console::LanguagePicker;

/// Staff sign-in; hands the session (token, shop, role) up on success.
#[component]
pub fn LoginForm(api: Api, #[prop(into)] on_login: Callback<StaffSession>) -> impl IntoView {
    let ct = console_texts();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let api = api.clone();
        spawn_local(async move {
            match api.login(&email.get_untracked(), &password.get_untracked()).await {
                Ok(session) => on_login.run(session),
                // Too many attempts: say when to try again, in the console's language.
                Err(failure) => error.set(Some(match failure.retry_after_secs {
                    Some(secs) => ct.too_many_attempts(secs),
                    None => failure.error.message,
                })),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="ts-login" on:submit=submit>
            <h1 class="ts-login__title">{ct.console_title}</h1>
            <label class="ts-field">
                <span>{ct.email}</span>
                <input type="email" name="email" autocomplete="username" required
                    prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
            </label>
            <label class="ts-field">
                <span>{ct.password}</span>
                <input type="password" name="password" autocomplete="current-password" required
                    prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
            </label>
            <Show when=move || error.with(Option::is_some)>
                <p class="ts-login__error" role="alert">{move || error.get().unwrap_or_default()}</p>
            </Show>
            <button class="ts-button" type="submit" disabled=move || busy.get()>
                {move || if busy.get() { ct.signing_in } else { ct.sign_in }}
            </button>
            <LanguagePicker/>
        </form>
    }
}
