//! The owner's *API keys* page: keys for the shop's own systems; a new key is
//! shown once, then only its first characters.

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::shop::{ApiKeyInfo, CreatedApiKey};
use talkshop_protocol::ApiError;

use crate::api::Api;
use crate::console::forms::{call, invalid, CopyBox, FieldError, FormError};
use crate::console::i18n::console_texts;
use crate::i18n::{fill, lang};
use crate::time::date;

#[component]
pub fn ApiKeysPage(api: Api) -> impl IntoView {
    let (ct, locale) = (console_texts(), lang());
    let api = StoredValue::new(api);
    let keys = RwSignal::new(None::<Vec<ApiKeyInfo>>);
    let error = RwSignal::new(None::<ApiError>);
    let name = RwSignal::new(String::new());
    let created = RwSignal::new(None::<CreatedApiKey>);
    let deleting = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match api.get_value().api_keys().await {
                Ok(list) => keys.set(Some(list.keys)),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    reload();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let wanted = name.get_untracked().trim().to_owned();
        let api = api.get_value();
        call(error, async move { api.create_api_key(&wanted).await }, move |made| {
            name.set(String::new());
            created.set(Some(made));
            reload();
        });
    };
    let delete = move |id: String| {
        let api = api.get_value();
        let gone = id.clone();
        call(error, async move { api.delete_api_key(&gone).await }, move |()| {
            deleting.set(None);
            created.update(|c| {
                if c.as_ref().is_some_and(|c| c.info.id == id) {
                    *c = None;
                }
            });
            reload();
        });
    };
    view! {
        <div class="ts-admin ts-keys">
            <h2>{ct.api_keys}</h2>
            <p class="ts-admin__muted">{ct.api_keys_hint}</p>
            <FormError error=error fields=&["name"]/>
            <form class="ts-keys__create" on:submit=create novalidate>
                <label class="ts-field">
                    <span>{ct.key_name}</span>
                    <input name="name" maxlength="60" prop:value=move || name.get() aria-invalid=invalid(error, "name")
                        on:input=move |ev| name.set(event_target_value(&ev))/>
                    <FieldError error=error field="name"/>
                </label>
                <button class="ts-button" type="submit">{ct.create_key}</button>
            </form>
            {move || created.get().map(|made| {
                let key = made.key.clone();
                view! {
                    <div class="ts-admin__once ts-keys__new">
                        <p class="ts-admin__warning" role="status">{ct.shown_once}</p>
                        <CopyBox text=Signal::derive(move || key.clone()) label=ct.api_keys/>
                    </div>
                }
            })}
            <Show when=move || keys.with(|k| k.as_ref().is_some_and(Vec::is_empty))>
                <p class="ts-admin__muted">{ct.no_keys}</p>
            </Show>
            <table class="ts-admin__table ts-keys__list" hidden=move || keys.with(|k| k.as_ref().is_none_or(Vec::is_empty))>
                <thead><tr><th>{ct.key_name}</th><th>{ct.key}</th><th>{ct.col_created}</th><th>{ct.col_last_used}</th><th></th></tr></thead>
                <tbody>
                    {move || keys.get().unwrap_or_default().into_iter().map(|key| {
                        let (id, label) = (key.id.clone(), key.name.clone());
                        view! {
                            <tr data-key=key.id.clone()>
                                <td>{key.name.clone()}</td>
                                <td><code>{format!("{}…", key.prefix)}</code></td>
                                <td>{date(key.created_at, locale)}</td>
                                <td class="ts-keys__used">{key.last_used_at.map_or_else(|| ct.never.to_owned(), |at| date(at, locale))}</td>
                                <td class="ts-admin__row-actions">
                                    {move || {
                                        let (id, label) = (id.clone(), label.clone());
                                        if deleting.get().as_deref() == Some(id.as_str()) {
                                            view! {
                                                <span class="ts-admin__confirm">{fill(ct.delete_key_q, "name", label)}</span>
                                                <button type="button" class="ts-button ts-keys__confirm" on:click=move |_| delete(id.clone())>{ct.delete}</button>
                                                <button type="button" class="ts-link" on:click=move |_| deleting.set(None)>{ct.cancel}</button>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <button type="button" class="ts-link ts-keys__delete" on:click=move |_| deleting.set(Some(id.clone()))>{ct.delete}</button>
                                            }.into_any()
                                        }
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
