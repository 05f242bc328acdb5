//! The owner's *Staff* page: who works in the console and with which role,
//! invitations (a one-time link to send) and removing someone.

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::shop::{CreatedInvite, InviteStaff, StaffList, StaffRole};
use talkshop_protocol::ApiError;

use crate::api::Api;
use crate::console::forms::{call, invalid, CopyBox, FieldError, FormError};
use crate::console::i18n::console_texts;
use crate::i18n::{fill, lang};
use crate::time::date;

#[component]
pub fn StaffPage(api: Api, #[prop(into)] me: Signal<Option<String>>) -> impl IntoView {
    let (ct, locale) = (console_texts(), lang());
    let api = StoredValue::new(api);
    let list = RwSignal::new(None::<StaffList>);
    let error = RwSignal::new(None::<ApiError>);
    let invite_error = RwSignal::new(None::<ApiError>);
    let email = RwSignal::new(String::new());
    let role = RwSignal::new(StaffRole::Agent);
    let created = RwSignal::new(None::<CreatedInvite>);
    let removing = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match api.get_value().staff().await {
                Ok(loaded) => list.set(Some(loaded)),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    reload();
    let invite = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = InviteStaff { email: email.get_untracked().trim().to_owned(), role: role.get_untracked() };
        if let Err(err) = talkshop_protocol::shop::validate_email(&body.email) {
            return invite_error.set(Some(err));
        }
        let api = api.get_value();
        call(invite_error, async move { api.invite_staff(&body).await }, move |made| {
            email.set(String::new());
            created.set(Some(made));
            reload();
        });
    };
    let remove = move |id: String| {
        let api = api.get_value();
        call(error, async move { api.remove_staff(&id).await }, move |()| {
            removing.set(None);
            reload();
        });
    };
    let revoke = move |id: String| {
        let api = api.get_value();
        call(error, async move { api.revoke_invite(&id).await }, move |()| reload());
    };
    view! {
        <div class="ts-admin ts-staff">
            <h2>{ct.staff}</h2>
            <FormError error=error fields=&[]/>
            <table class="ts-admin__table ts-staff__list">
                <thead><tr><th>{ct.col_name}</th><th>{ct.email}</th><th>{ct.col_role}</th><th></th></tr></thead>
                <tbody>
                    {move || list.get().map(|l| l.staff).unwrap_or_default().into_iter().map(|member| {
                        let mine = me.get().as_deref() == Some(member.id.as_str());
                        let (id, name) = (member.id.clone(), member.name.clone());
                        view! {
                            <tr data-staff=member.id.clone()>
                                <td>{member.name.clone()} {mine.then_some(ct.you_mark).map(|y| view! { <small>{y}</small> })}</td>
                                <td>{member.email.clone()}</td>
                                <td>{ct.role(member.role)}</td>
                                <td class="ts-admin__row-actions">
                                    {(!mine).then_some(move || {
                                        let (id, name) = (id.clone(), name.clone());
                                        if removing.get().as_deref() == Some(id.as_str()) {
                                            view! {
                                                <span class="ts-admin__confirm">{fill(ct.remove_who, "name", name)}</span>
                                                <button type="button" class="ts-button ts-staff__confirm" on:click=move |_| remove(id.clone())>{ct.remove}</button>
                                                <button type="button" class="ts-link" on:click=move |_| removing.set(None)>{ct.cancel}</button>
                                            }.into_any()
                                        } else {
                                            view! {
                                                <button type="button" class="ts-link ts-staff__remove" on:click=move |_| removing.set(Some(id.clone()))>{ct.remove}</button>
                                            }.into_any()
                                        }
                                    })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>

            <section class="ts-admin__section">
                <h3>{ct.invite_someone}</h3>
                <form class="ts-staff__invite" on:submit=invite novalidate>
                    <label class="ts-field">
                        <span>{ct.email}</span>
                        <input type="email" name="email" prop:value=move || email.get() aria-invalid=invalid(invite_error, "email")
                            on:input=move |ev| email.set(event_target_value(&ev))/>
                        <FieldError error=invite_error field="email"/>
                    </label>
                    <label class="ts-field">
                        <span>{ct.col_role}</span>
                        <select name="role" on:change=move |ev| role.set(StaffRole::parse(&event_target_value(&ev)).unwrap_or(StaffRole::Agent))>
                            {[StaffRole::Agent, StaffRole::Owner].into_iter().map(|r| view! {
                                <option value=r.as_str() selected=move || role.get() == r>{ct.role(r)}</option>
                            }).collect_view()}
                        </select>
                        <FieldError error=invite_error field="role"/>
                    </label>
                    <button class="ts-button" type="submit">{ct.create_invite}</button>
                </form>
                <FormError error=invite_error fields=&["email", "role"]/>
                {move || created.get().map(|made| {
                    let note = fill(&fill(ct.invite_link, "email", &made.invite.email), "date", date(made.invite.expires_at, locale));
                    let link = made.link.clone();
                    view! {
                        <div class="ts-admin__once ts-staff__link">
                            <p role="status">{note}</p>
                            <CopyBox text=Signal::derive(move || link.clone()) label=ct.invite_someone/>
                        </div>
                    }
                })}
            </section>

            <section class="ts-admin__section">
                <h3>{ct.pending_invites}</h3>
                <Show when=move || list.with(|l| l.as_ref().is_none_or(|l| l.invites.is_empty()))>
                    <p class="ts-admin__muted">{ct.no_invites}</p>
                </Show>
                <ul class="ts-staff__invites">
                    {move || list.get().map(|l| l.invites).unwrap_or_default().into_iter().map(|invite| {
                        let id = invite.id.clone();
                        view! {
                            <li data-invite=invite.id.clone()>
                                <span>{invite.email.clone()}</span>
                                <span>{ct.role(invite.role)}</span>
                                <small>{fill(ct.expires_on, "date", date(invite.expires_at, locale))}</small>
                                <button type="button" class="ts-link ts-staff__revoke" on:click=move |_| revoke(id.clone())>{ct.revoke}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        </div>
    }
}
