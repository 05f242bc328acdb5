//! The owner's *Audit log*: who changed what, newest first.

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::shop::AuditEntry;
use talkshop_protocol::ApiError;

use crate::api::Api;
use crate::console::forms::FormError;
use crate::console::i18n::console_texts;
use crate::i18n::lang;
use crate::time::date_time;

#[component]
pub fn AuditPage(api: Api) -> impl IntoView {
    let (ct, locale) = (console_texts(), lang());
    let entries = RwSignal::new(None::<Vec<AuditEntry>>);
    let error = RwSignal::new(None::<ApiError>);
    spawn_local(async move {
        match api.audit().await {
            Ok(log) => entries.set(Some(log.entries)),
            Err(err) => error.set(Some(err)),
        }
    });
    view! {
        <div class="ts-admin ts-audit">
            <h2>{ct.audit_log}</h2>
            <FormError error=error fields=&[]/>
            <Show when=move || entries.with(|e| e.as_ref().is_some_and(Vec::is_empty))>
                <p class="ts-admin__muted">{ct.no_audit}</p>
            </Show>
            <table class="ts-admin__table ts-audit__list" hidden=move || entries.with(|e| e.as_ref().is_none_or(Vec::is_empty))>
                <thead><tr><th>{ct.col_when}</th><th>{ct.col_actor}</th><th>{ct.col_action}</th><th>{ct.col_detail}</th></tr></thead>
                <tbody>
                    {move || entries.get().unwrap_or_default().into_iter().map(|entry| view! {
                        <tr>
                            <td class="ts-audit__when">{date_time(entry.at, locale)}</td>
                            <td>{entry.actor}</td>
                            <td><code>{entry.action}</code></td>
                            <td class="ts-audit__detail">{entry.detail}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}
