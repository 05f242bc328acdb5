//! The owner's *Webhooks* page: endpoints of the shop's backend with the
//! events they get (the signing secret is shown once), and recent deliveries
//! with their status, response code and attempts, each of which can be re-sent.

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::webhook::{
    CreateWebhook, CreatedWebhook, DeliveryStatus, WebhookDelivery, WebhookEndpoint, DEFAULT_EVENTS, EVENTS,
};
use talkshop_protocol::ApiError;

use crate::api::Api;
use crate::console::forms::{call, invalid, CopyBox, FieldError, FormError};
use crate::console::i18n::console_texts;
use crate::i18n::{fill, lang};
use crate::time::date;

#[component]
pub fn WebhooksPage(api: Api) -> impl IntoView {
    let (ct, locale) = (console_texts(), lang());
    let api = StoredValue::new(api);
    let endpoints = RwSignal::new(None::<Vec<WebhookEndpoint>>);
    let deliveries = RwSignal::new(Vec::<WebhookDelivery>::new());
    let error = RwSignal::new(None::<ApiError>);
    let url = RwSignal::new(String::new());
    let events = RwSignal::new(DEFAULT_EVENTS.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>());
    let created = RwSignal::new(None::<CreatedWebhook>);
    let deleting = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            let api = api.get_value();
            match api.webhooks().await {
                Ok(list) => endpoints.set(Some(list.endpoints)),
                Err(err) => error.set(Some(err)),
            }
            if let Ok(list) = api.webhook_deliveries().await {
                deliveries.set(list.deliveries);
            }
        })
    };
    reload();
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let req = CreateWebhook { url: url.get_untracked().trim().to_owned(), events: events.get_untracked() };
        let api = api.get_value();
        call(error, async move { api.create_webhook(&req).await }, move |made| {
            url.set(String::new());
            created.set(Some(made));
            reload();
        });
    };
    let delete = move |id: String| {
        let api = api.get_value();
        let gone = id.clone();
        call(error, async move { api.delete_webhook(&gone).await }, move |()| {
            deleting.set(None);
            created.update(|c| {
                if c.as_ref().is_some_and(|c| c.endpoint.id == id) {
                    *c = None;
                }
            });
            reload();
        });
    };
    let resend = move |id: String| {
        let api = api.get_value();
        call(error, async move { api.resend_delivery(&id).await }, move |_| reload());
    };
    let status = move |s: DeliveryStatus| match s {
        DeliveryStatus::Pending => ct.delivery_pending,
        DeliveryStatus::Delivered => ct.delivery_delivered,
        DeliveryStatus::Failed => ct.delivery_failed,
    };
    view! {
        <div class="ts-admin ts-hooks">
            <h2>{ct.webhooks}</h2>
            <p class="ts-admin__muted">{ct.webhooks_hint}</p>
            <FormError error=error fields=&["url", "events"]/>
            <form class="ts-hooks__create" on:submit=create novalidate>
                <label class="ts-field">
                    <span>{ct.webhook_url}</span>
                    <input name="url" type="url" maxlength="2048" placeholder="https://" prop:value=move || url.get()
                        aria-invalid=invalid(error, "url") on:input=move |ev| url.set(event_target_value(&ev))/>
                    <FieldError error=error field="url"/>
                </label>
                <fieldset class="ts-field ts-hooks__events">
                    <legend>{ct.webhook_events}</legend>
                    {EVENTS.iter().map(|&name| view! {
                        <label class="ts-check">
                            <input type="checkbox" name="events" value=name
                                prop:checked=move || events.with(|e| e.iter().any(|x| x == name))
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    events.update(|e| {
                                        e.retain(|x| x != name);
                                        if on {
                                            e.push(name.to_owned());
                                        }
                                    });
                                }/>
                            <code>{name}</code>
                        </label>
                    }).collect_view()}
                    <FieldError error=error field="events"/>
                </fieldset>
                <button class="ts-button" type="submit">{ct.add_webhook}</button>
            </form>
            {move || created.get().map(|made| {
                let secret = made.secret.clone();
                view! {
                    <div class="ts-admin__once ts-hooks__new">
                        <p class="ts-admin__warning" role="status">{ct.shown_once}</p>
                        <CopyBox text=Signal::derive(move || secret.clone()) label=ct.signing_secret/>
                    </div>
                }
            })}
            <Show when=move || endpoints.with(|k| k.as_ref().is_some_and(Vec::is_empty))>
                <p class="ts-admin__muted">{ct.no_webhooks}</p>
            </Show>
            <table class="ts-admin__table ts-hooks__list" hidden=move || endpoints.with(|k| k.as_ref().is_none_or(Vec::is_empty))>
                <thead><tr><th>{ct.webhook_url}</th><th>{ct.webhook_events}</th><th>{ct.col_created}</th><th></th></tr></thead>
                <tbody>
                    {move || endpoints.get().unwrap_or_default().into_iter().map(|hook| {
                        let (id, label) = (hook.id.clone(), hook.url.clone());
                        view! {
                            <tr data-hook=hook.id.clone()>
                                <td><code>{hook.url.clone()}</code></td>
                                <td>{hook.events.join(", ")}</td>
                                <td>{date(hook.created_at, locale)}</td>
                                <td class="ts-admin__row-actions">
                                    {move || {
                                        let (id, label) = (id.clone(), label.clone());
                                        if deleting.get().as_deref() == Some(id.as_str()) {
                                            view! {
                                                <span class="ts-admin__confirm">{fill(ct.delete_webhook_q, "url", label)}</span>
                                                <button type="button" class="ts-button ts-hooks__confirm" on:click=move |_| delete(id.clone())>{ct.delete}</button>
                                                <button type="button" class="ts-link" on:click=move |_| deleting.set(None)>{ct.cancel}</button>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <button type="button" class="ts-link ts-hooks__delete" on:click=move |_| deleting.set(Some(id.clone()))>{ct.delete}</button>
                                            }.into_any()
                                        }
                                    }}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <h3>{ct.deliveries}</h3>
            <Show when=move || deliveries.with(Vec::is_empty)>
                <p class="ts-admin__muted">{ct.no_deliveries}</p>
            </Show>
            <table class="ts-admin__table ts-hooks__deliveries" hidden=move || deliveries.with(Vec::is_empty)>
                <thead><tr><th>{ct.col_event}</th><th>{ct.col_status}</th><th>{ct.col_code}</th><th>{ct.col_attempts}</th><th>{ct.col_created}</th><th></th></tr></thead>
                <tbody>
                    {move || deliveries.get().into_iter().map(|d| {
                        let id = d.id.clone();
                        view! {
                            <tr data-delivery=d.id.clone() data-status=d.status.as_str()>
                                <td><code>{d.event.clone()}</code></td>
                                <td title=d.last_error.clone().unwrap_or_default()>{status(d.status)}</td>
                                <td>{d.last_status_code.map(|c| c.to_string()).unwrap_or_else(|| "—".into())}</td>
                                <td>{d.attempts}</td>
                                <td>{date(d.created_at, locale)}</td>
                                <td class="ts-admin__row-actions">
                                    <button type="button" class="ts-link ts-hooks__resend" on:click=move |_| resend(id.clone())>{ct.resend}</button>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
