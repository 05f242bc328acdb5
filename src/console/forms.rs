//! Pieces the console's administration forms share: an error shown next to
//! the field it names, the errors that name no field of the form, and a
//! read-only box with a Copy button (embed code, one-time secrets and links).

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::ApiError;
use wasm_bindgen::JsCast;

use crate::console::i18n::console_texts;

/// The message of `error` when it names `field`.
pub fn field_message(error: &Option<ApiError>, field: &str) -> Option<String> {
    error.as_ref().filter(|e| e.field.as_deref() == Some(field)).map(|e| e.message.clone())
}

/// The error under the field it names (`field` as the server spells it).
#[component]
pub fn FieldError(#[prop(into)] error: Signal<Option<ApiError>>, field: &'static str) -> impl IntoView {
    view! {
        {move || error.with(|e| field_message(e, field)).map(|message| view! {
            <span class="ts-field__error" role="alert" data-field=field>{message}</span>
        })}
    }
}

/// An error about none of `fields` (no field, or one this form does not show), above the form.
#[component]
pub fn FormError(#[prop(into)] error: Signal<Option<ApiError>>, fields: &'static [&'static str]) -> impl IntoView {
    let message = move || {
        error.with(|e| {
            e.as_ref().filter(|e| e.field.as_deref().is_none_or(|f| !fields.contains(&f))).map(|e| e.message.clone())
        })
    };
    view! {
        {move || message().map(|m| view! { <p class="ts-notice ts-form__error" role="alert">{m}</p> })}
    }
}

/// Runs a console call in the background: a failure goes to `error`, a success
/// clears it and hands the answer to `done`.
pub fn call<T: 'static>(
    error: RwSignal<Option<ApiError>>,
    request: impl std::future::Future<Output = Result<T, ApiError>> + 'static,
    done: impl FnOnce(T) + 'static,
) {
    spawn_local(async move {
        match request.await {
            Ok(answer) => {
                error.set(None);
                done(answer);
            }
            Err(err) => error.set(Some(err)),
        }
    });
}

/// `aria-invalid` for a field the error names.
pub fn invalid(error: impl Into<Signal<Option<ApiError>>>, field: &'static str) -> impl Fn() -> Option<&'static str> {
    let error = error.into();
    move || error.with(|e| field_message(e, field)).map(|_| "true")
}

/// Text to read and copy (never markup): a read-only box and a Copy button.
#[component]
pub fn CopyBox(
    #[prop(into)] text: Signal<String>,
    label: &'static str,
    #[prop(optional)] multiline: bool,
) -> impl IntoView {
    let ct = console_texts();
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let value = text.get_untracked();
        copied.set(false);
        spawn_local(async move { copied.set(copy_text(&value).await) });
    };
    let select_all = |ev: leptos::ev::FocusEvent| {
        if let Some(target) = ev.target() {
            let _ = js_sys::Reflect::get(&target, &"select".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .map(|f| f.call0(&target));
        }
    };
    view! {
        <div class="ts-copy">
            {if multiline {
                view! { <textarea class="ts-copy__text" readonly rows="3" aria-label=label prop:value=move || text.get() on:focus=select_all></textarea> }.into_any()
            } else {
                view! { <input class="ts-copy__text" readonly aria-label=label prop:value=move || text.get() on:focus=select_all/> }.into_any()
            }}
            <button type="button" class="ts-button ts-copy__button" on:click=copy>
                {move || if copied.get() { ct.copied } else { ct.copy }}
            </button>
        </div>
    }
}

/// `navigator.clipboard.writeText`; false where the page may not write the clipboard.
async fn copy_text(text: &str) -> bool {
    let Some(window) = web_sys::window() else { return false };
    let Some(clipboard) = js_sys::Reflect::get(&window.navigator(), &"clipboard".into()).ok().filter(|c| c.is_object())
    else {
        return false;
    };
    let Some(write) =
        js_sys::Reflect::get(&clipboard, &"writeText".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return false;
    };
    match write.call1(&clipboard, &text.into()).ok().and_then(|p| p.dyn_into::<js_sys::Promise>().ok()) {
        Some(promise) => wasm_bindgen_futures::JsFuture::from(promise).await.is_ok(),
        None => false,
    }
}
