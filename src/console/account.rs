//! Signing in from an invitation link, and changing one's own password
//! (everyone, agents too).

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::shop::{AcceptInvite, ChangePassword, MIN_PASSWORD_CHARS};
use talkshop_protocol::{ApiError, StaffSession};

use crate::api::Api;
use crate::console::forms::{invalid, FieldError, FormError};
use crate::console::i18n::{console_texts, ConsoleTexts};
use crate::console::LanguagePicker;

/// The token of an invitation link (`/console/#invite=<token>`), if the page was opened with one.
pub fn invite_token(hash: &str) -> Option<String> {
    hash.strip_prefix("#invite=").map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Removes `#invite=…` from the address without reloading the page.
pub fn clear_hash() {
    let Some(window) = web_sys::window() else { return };
    let location = window.location();
    let path = format!("{}{}", location.pathname().unwrap_or_default(), location.search().unwrap_or_default());
    if !crate::device::replace_address(&path) {
        let _ = location.set_hash("");
    }
}

/// A new password and its repetition, checked before anything is sent.
fn check_new_password(ct: &ConsoleTexts, field: &str, password: &str, repeat: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(ApiError::invalid(field, ct.password_too_short));
    }
    if password != repeat {
        return Err(ApiError::invalid("repeat", ct.passwords_differ));
    }
    Ok(())
}

/// The invited person chooses a name and a password, and is signed in.
#[component]
pub fn AcceptInviteForm(api: Api, token: String, #[prop(into)] on_login: Callback<StaffSession>) -> impl IntoView {
    let ct = console_texts();
    let name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let body = AcceptInvite {
            token: token.clone(),
            name: name.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        if let Err(err) = talkshop_protocol::shop::validate_staff_name(&body.name)
            .and_then(|_| check_new_password(ct, "password", &body.password, &repeat.get_untracked()))
        {
            return error.set(Some(err));
        }
        busy.set(true);
        error.set(None);
        let api = api.clone();
        spawn_local(async move {
            match api.accept_invite(&body).await {
                Ok(session) => on_login.run(session),
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="ts-login ts-invite" on:submit=submit novalidate>
            <h1 class="ts-login__title">{ct.accept_invitation}</h1>
            <p class="ts-admin__muted">{ct.accept_hint}</p>
            <label class="ts-field">
                <span>{ct.your_name}</span>
                <input name="name" autocomplete="name" maxlength="80" prop:value=move || name.get()
                    aria-invalid=invalid(error, "name") on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldError error=error field="name"/>
            </label>
            <label class="ts-field">
                <span>{ct.new_password}</span>
                <input type="password" name="password" autocomplete="new-password" prop:value=move || password.get()
                    aria-invalid=invalid(error, "password") on:input=move |ev| password.set(event_target_value(&ev))/>
                <FieldError error=error field="password"/>
            </label>
            <label class="ts-field">
                <span>{ct.repeat_password}</span>
                <input type="password" name="repeat" autocomplete="new-password" prop:value=move || repeat.get()
                    aria-invalid=invalid(error, "repeat") on:input=move |ev| repeat.set(event_target_value(&ev))/>
                <FieldError error=error field="repeat"/>
            </label>
            <FormError error=error fields=&["name", "password", "repeat"]/>
            <button class="ts-button" type="submit" disabled=move || busy.get()>{ct.join_shop}</button>
            <LanguagePicker/>
        </form>
    }
}

/// Whether this staff member is e-mailed about buyer messages waiting unread.
#[component]
pub fn NotificationsSwitch(api: Api) -> impl IntoView {
    let ct = console_texts();
    let on = RwSignal::new(None::<bool>);
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let api = StoredValue::new(api);
    crate::console::forms::call(error, async move { api.get_value().notifications().await }, move |n| {
        on.set(Some(n.unread_email))
    });
    let change = move |ev: leptos::ev::Event| {
        let body = talkshop_protocol::StaffNotifications { unread_email: event_target_checked(&ev) };
        saved.set(false);
        crate::console::forms::call(error, async move { api.get_value().set_notifications(&body).await }, move |n| {
            on.set(Some(n.unread_email));
            saved.set(true);
        });
    };
    view! {
        <label class="ts-check ts-notifications">
            <input type="checkbox" name="unread_email" disabled=move || on.get().is_none()
                prop:checked=move || on.get().unwrap_or(false) on:change=change/>
            <span>{ct.email_me_unread}</span>
        </label>
        <Show when=move || saved.get()><small class="ts-admin__ok" role="status">{ct.notifications_saved}</small></Show>
        {move || error.get().map(|e| view! { <p class="ts-notice" role="alert">{e.message}</p> })}
    }
}

/// Change one's own password: the current one, the new one twice.
#[component]
pub fn ChangePasswordForm(api: Api) -> impl IntoView {
    let ct = console_texts();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let repeat = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        done.set(false);
        let body = ChangePassword { current_password: current.get_untracked(), new_password: new.get_untracked() };
        if let Err(err) = check_new_password(ct, "new_password", &body.new_password, &repeat.get_untracked()) {
            return error.set(Some(err));
        }
        busy.set(true);
        let api = api.clone();
        spawn_local(async move {
            match api.change_password(&body).await {
                Ok(()) => {
                    error.set(None);
                    for field in [current, new, repeat] {
                        field.set(String::new());
                    }
                    done.set(true);
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let field = move |label: &'static str, name: &'static str, autocomplete: &'static str, value: RwSignal<String>| {
        view! {
            <label class="ts-field">
                <span>{label}</span>
                <input type="password" name=name autocomplete=autocomplete prop:value=move || value.get()
                    aria-invalid=invalid(error, name) on:input=move |ev| value.set(event_target_value(&ev))/>
                <FieldError error=error field=name/>
            </label>
        }
    };
    view! {
        <form class="ts-password" on:submit=submit novalidate>
            <h3>{ct.change_password}</h3>
            {field(ct.current_password, "current_password", "current-password", current)}
            {field(ct.new_password, "new_password", "new-password", new)}
            {field(ct.repeat_password, "repeat", "new-password", repeat)}
            <FormError error=error fields=&["current_password", "new_password", "repeat"]/>
            <button class="ts-button" type="submit" disabled=move || busy.get()>{ct.change_password}</button>
            <Show when=move || done.get()>
                <p class="ts-admin__ok" role="status">{ct.password_changed}</p>
            </Show>
        </form>
    }
}
