//! The owner's *Payments* page: the shop's own receiving accounts, one per
//! currency: a Pix key (BRL), a PromptPay id (THB) or the static QRIS the
//! acquirer gave (IDR). Instant-QR payments go straight to them.

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::receiving::{KeyType, ReceivingAccount};
use talkshop_protocol::shop::ReceivingSettings;
use talkshop_protocol::{ApiError, Currency};

use crate::api::Api;
use crate::console::forms::{invalid, FieldError, FormError};
use crate::console::i18n::console_texts;

const FIELDS: &[&str] = &["key_type", "key", "merchant_name", "merchant_city"];

/// The currencies with an instant-payment scheme, their scheme and key types.
pub const SCHEMES: [(Currency, &str, &[KeyType]); 3] = [
    (
        Currency::Brl,
        "Pix",
        &[KeyType::PixCpf, KeyType::PixCnpj, KeyType::PixPhone, KeyType::PixEmail, KeyType::PixRandom],
    ),
    (Currency::Thb, "PromptPay", &[KeyType::PromptpayPhone, KeyType::PromptpayTaxId, KeyType::PromptpayEwallet]),
    (Currency::Idr, "QRIS", &[KeyType::QrisStatic]),
];

pub fn key_type_tag(key_type: KeyType) -> &'static str {
    match key_type {
        KeyType::PixCpf => "pix_cpf",
        KeyType::PixCnpj => "pix_cnpj",
        KeyType::PixPhone => "pix_phone",
        KeyType::PixEmail => "pix_email",
        KeyType::PixRandom => "pix_random",
        KeyType::PromptpayPhone => "promptpay_phone",
        KeyType::PromptpayTaxId => "promptpay_tax_id",
        KeyType::PromptpayEwallet => "promptpay_ewallet",
        KeyType::QrisStatic => "qris_static",
    }
}

fn blank(currency: Currency, key_type: KeyType) -> ReceivingAccount {
    ReceivingAccount {
        currency,
        key_type,
        key: String::new(),
        merchant_name: String::new(),
        merchant_city: String::new(),
    }
}

/// One form section per currency; an empty key turns the currency off.
fn drafts(saved: &ReceivingSettings) -> Vec<ReceivingAccount> {
    SCHEMES
        .iter()
        .map(|(currency, _, types)| {
            saved
                .accounts
                .iter()
                .find(|a| a.currency == *currency)
                .cloned()
                .unwrap_or_else(|| blank(*currency, types[0]))
        })
        .collect()
}

#[component]
pub fn ReceivingPage(api: Api) -> impl IntoView {
    let ct = console_texts();
    let api = StoredValue::new(api);
    let accounts = RwSignal::new(None::<Vec<ReceivingAccount>>);
    // The error and the currency it is about (the one edited last when the server does not say).
    let error = RwSignal::new(None::<(Option<Currency>, ApiError)>);
    let last_edited = RwSignal::new(None::<Currency>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    spawn_local(async move {
        match api.get_value().receiving().await {
            Ok(loaded) => accounts.set(Some(drafts(&loaded))),
            Err(err) => error.set(Some((None, err))),
        }
    });
    let general =
        Signal::derive(move || error.with(|e| e.as_ref().filter(|(c, _)| c.is_none()).map(|(_, e)| e.clone())));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let Some(list) = accounts.get_untracked() else { return };
        let mut wanted = Vec::new();
        for mut account in list {
            account.normalize();
            if account.key.is_empty() {
                continue;
            }
            if account.key_type == KeyType::QrisStatic {
                account.merchant_name.clear();
                account.merchant_city.clear();
            }
            if let Err(err) = account.validate() {
                return error.set(Some((Some(account.currency), err)));
            }
            wanted.push(account);
        }
        busy.set(true);
        spawn_local(async move {
            match api.get_value().save_receiving(&ReceivingSettings { accounts: wanted }).await {
                Ok(stored) => {
                    error.set(None);
                    accounts.set(Some(drafts(&stored)));
                    saved.set(true);
                }
                Err(err) => {
                    let about = err.field.as_ref().and(last_edited.get_untracked());
                    error.set(Some((about, err)));
                }
            }
            busy.set(false);
        });
    };
    let section = move |(i, (currency, scheme, types)): (
        usize,
        &'static (Currency, &'static str, &'static [KeyType]),
    )| {
        let currency = *currency;
        let types: &'static [KeyType] = types;
        let errors = Signal::derive(move || {
            error.with(|e| e.as_ref().filter(|(c, _)| *c == Some(currency)).map(|(_, e)| e.clone()))
        });
        let read = move |f: fn(&ReceivingAccount) -> String| {
            move || accounts.with(|a| a.as_ref().and_then(|a| a.get(i)).map(f).unwrap_or_default())
        };
        let edit = move |f: fn(&mut ReceivingAccount, String), ev: leptos::ev::Event| {
            saved.set(false);
            last_edited.set(Some(currency));
            let value = event_target_value(&ev);
            accounts.update(|a| {
                if let Some(account) = a.as_mut().and_then(|a| a.get_mut(i)) {
                    f(account, value);
                }
            });
        };
        let qris = move || {
            accounts.with(|a| a.as_ref().and_then(|a| a.get(i)).is_some_and(|a| a.key_type == KeyType::QrisStatic))
        };
        view! {
            <fieldset class="ts-receiving__account" data-currency=currency.code()>
                <legend>{format!("{} · {scheme}", currency.code())}</legend>
                <label class="ts-field">
                    <span>{ct.key_type}</span>
                    <select name="key_type" disabled=types.len() < 2
                        on:change=move |ev| edit(|a, v| if let Some(k) = SCHEMES.iter().flat_map(|s| s.2.iter()).find(|k| key_type_tag(**k) == v) { a.key_type = *k }, ev)>
                        {types.iter().map(|k| view! {
                            <option value=key_type_tag(*k) selected=move || read(|a| key_type_tag(a.key_type).into())() == key_type_tag(*k)>{ct.key_type(*k)}</option>
                        }).collect_view()}
                    </select>
                    <FieldError error=errors field="key_type"/>
                </label>
                {move || if qris() {
                    view! {
                        <label class="ts-field ts-admin__wide">
                            <span>{ct.qris_payload}</span>
                            <textarea name="key" rows="3" spellcheck="false" prop:value=read(|a| a.key.clone())
                                aria-invalid=invalid(errors, "key") on:input=move |ev| edit(|a, v| a.key = v, ev)></textarea>
                            <FieldError error=errors field="key"/>
                        </label>
                    }.into_any()
                } else {
                    view! {
                        <label class="ts-field">
                            <span>{ct.key}</span>
                            <input name="key" spellcheck="false" prop:value=read(|a| a.key.clone())
                                aria-invalid=invalid(errors, "key") on:input=move |ev| edit(|a, v| a.key = v, ev)/>
                            <FieldError error=errors field="key"/>
                        </label>
                        <label class="ts-field">
                            <span>{ct.merchant_name}</span>
                            <input name="merchant_name" prop:value=read(|a| a.merchant_name.clone())
                                aria-invalid=invalid(errors, "merchant_name") on:input=move |ev| edit(|a, v| a.merchant_name = v, ev)/>
                            <FieldError error=errors field="merchant_name"/>
                        </label>
                        <label class="ts-field">
                            <span>{ct.merchant_city}</span>
                            <input name="merchant_city" prop:value=read(|a| a.merchant_city.clone())
                                aria-invalid=invalid(errors, "merchant_city") on:input=move |ev| edit(|a, v| a.merchant_city = v, ev)/>
                            <FieldError error=errors field="merchant_city"/>
                        </label>
                    }.into_any()
                }}
                // An error about this currency that names no field of the section.
                <FormError error=errors fields=FIELDS/>
            </fieldset>
        }
    };
    view! {
        <div class="ts-admin ts-receiving">
            <h2>{ct.receiving_title}</h2>
            <p class="ts-admin__muted">{ct.receiving_hint}</p>
            <FormError error=general fields=&[]/>
            <Show when=move || accounts.with(Option::is_some) fallback=move || view! { <p class="ts-empty">{ct.loading}</p> }>
                <form class="ts-receiving__form" on:submit=save novalidate>
                    {SCHEMES.iter().enumerate().map(section).collect_view()}
                    <div class="ts-admin__actions">
                        <button class="ts-button" type="submit" disabled=move || busy.get()>{ct.save}</button>
                        <Show when=move || saved.get()>
                            <span class="ts-admin__ok" role="status">{ct.saved}</span>
                        </Show>
                    </div>
                </form>
            </Show>
        </div>
    }
}
