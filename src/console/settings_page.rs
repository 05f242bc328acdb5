//! The owner's *Settings* page: the shop's name and logo, language, currency,
//! service window, away message, the websites the widget may run on,
//! per-transaction limits, payout delay, the embed code and the
//! identity-verification secret.

use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;
use talkshop_protocol::payment::{PaymentMethod, TransactionLimit};
use talkshop_protocol::presence::{day_text, parse_day, BusinessHours};
use talkshop_protocol::shop::{SettingsPage, ShopSettings};
use talkshop_protocol::{ApiError, Currency, Money, ShippingOption};

use crate::api::Api;
use crate::console::forms::{invalid, CopyBox, FieldError, FormError};
use crate::console::i18n::{console_texts, ConsoleTexts, LANGUAGES};
use crate::i18n::{fill, more};

const FIELDS: &[&str] = &[
    "name",
    "logo_initial",
    "logo_color",
    "default_locale",
    "currency",
    "service_window_hours",
    "unread_mail_minutes",
    "away_message",
    "allowed_origins",
    "transaction_limits",
    "payout_business_days",
    "shipping_options",
    "pickup_address",
    "business_hours.time_zone",
    "business_hours.days",
];

/// A shipping option as typed: id, name, price, free above, countries.
type ShipRow = [String; 5];

const METHODS: [PaymentMethod; 3] = [PaymentMethod::InstantQr, PaymentMethod::SandboxCard, PaymentMethod::HostedLink];

fn method_tag(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::SandboxCard => "sandbox_card",
        PaymentMethod::InstantQr => "instant_qr",
        PaymentMethod::HostedLink => "hosted_link",
    }
}

/// `#rrggbb`, the only colour the preview paints.
pub fn is_hex_colour(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 7 && b[0] == b'#' && b[1..].iter().all(u8::is_ascii_hexdigit)
}

/// What the form edits, as typed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Draft {
    settings: ShopSettings,
    service_window: String,
    unread_mail: String,
    origins: String,
    /// (method, currency, maximum as typed)
    limits: Vec<(PaymentMethod, Currency, String)>,
    shipping: Vec<ShipRow>,
    /// Business hours: set or not, the time zone, and each day's ranges as typed (Monday first).
    hours_on: bool,
    time_zone: String,
    days: [String; 7],
}

/// The browser's IANA time zone: a likely default for a shop's hours.
fn browser_time_zone() -> String {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()
        .and_then(|zone| zone.as_string())
        .unwrap_or_default()
}

impl Draft {
    fn from(settings: &ShopSettings) -> Draft {
        Draft {
            settings: settings.clone(),
            service_window: settings.service_window_hours.to_string(),
            unread_mail: settings.unread_mail_minutes.to_string(),
            origins: settings.allowed_origins.join("\n"),
            limits: settings.transaction_limits.iter().map(|l| (l.method, l.currency, l.max.to_string())).collect(),
            shipping: settings
                .shipping_options
                .iter()
                .map(|o| {
                    [
                        o.id.clone(),
                        o.name.clone(),
                        o.price.amount.to_string(),
                        o.free_above.map(|m| m.amount.to_string()).unwrap_or_default(),
                        o.countries.join(" "),
                    ]
                })
                .collect(),
            hours_on: settings.business_hours.is_some(),
            time_zone: settings.business_hours.as_ref().map_or_else(browser_time_zone, |h| h.time_zone.clone()),
            days: std::array::from_fn(|i| {
                settings.business_hours.as_ref().and_then(|h| h.days.get(i)).map(|d| day_text(d)).unwrap_or_default()
            }),
        }
    }

    /// The settings to send, checked as the server checks them.
    fn to_settings(&self, ct: &ConsoleTexts) -> Result<ShopSettings, ApiError> {
        let mut settings = self.settings.clone();
        settings.service_window_hours = self
            .service_window
            .trim()
            .parse()
            .map_err(|_| ApiError::invalid("service_window_hours", "The service window is 1 to 168 hours"))?;
        settings.unread_mail_minutes = self.unread_mail.trim().parse().map_err(|_| {
            ApiError::invalid("unread_mail_minutes", "E-mail about unread messages after 1 to 1440 minutes")
        })?;
        settings.allowed_origins = self.origins.lines().map(str::to_owned).collect();
        settings.transaction_limits = self
            .limits
            .iter()
            .map(|(method, currency, max)| {
                let max = Decimal::from_str_exact(max.trim()).map_err(|_| {
                    ApiError::invalid("transaction_limits", fill(ct.limit_not_number, "example", "500.00"))
                })?;
                Ok(TransactionLimit { method: *method, currency: *currency, max })
            })
            .collect::<Result<_, ApiError>>()?;
        let currency = settings.currency;
        let amount = |text: &str| {
            Decimal::from_str_exact(text.trim())
                .map(|d| Money::new(d, currency))
                .map_err(|_| ApiError::invalid("shipping_options", fill(ct.limit_not_number, "example", "20.00")))
        };
        settings.shipping_options = self
            .shipping
            .iter()
            .map(|[id, name, price, free, countries]| {
                Ok(ShippingOption {
                    id: id.clone(),
                    name: name.clone(),
                    price: amount(price)?,
                    free_above: if free.trim().is_empty() { None } else { Some(amount(free)?) },
                    countries: countries.split([' ', ',']).map(str::to_owned).collect(),
                })
            })
            .collect::<Result<_, ApiError>>()?;
        settings.business_hours = if self.hours_on {
            let days = self.days.iter().map(|d| parse_day(d)).collect::<Result<_, ApiError>>()?;
            Some(BusinessHours { time_zone: self.time_zone.clone(), days })
        } else {
            None
        };
        settings.normalize();
        settings.validate()?;
        Ok(settings)
    }
}

#[component]
pub fn ShopSettingsPage(api: Api) -> impl IntoView {
    let (t, ct) = (more(), console_texts());
    let api = StoredValue::new(api);
    let page = RwSignal::new(None::<SettingsPage>);
    let draft = RwSignal::new(None::<Draft>);
    let error = RwSignal::new(None::<ApiError>);
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let secret = RwSignal::new(None::<String>);
    spawn_local(async move {
        match api.get_value().settings().await {
            Ok(loaded) => {
                draft.set(Some(Draft::from(&loaded.settings)));
                page.set(Some(loaded));
            }
            Err(err) => error.set(Some(err)),
        }
    });
    let errors: Signal<Option<ApiError>> = error.into();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        let Some(current) = draft.get_untracked() else { return };
        let settings = match current.to_settings(ct) {
            Ok(settings) => settings,
            Err(err) => return error.set(Some(err)),
        };
        busy.set(true);
        spawn_local(async move {
            match api.get_value().save_settings(&settings).await {
                Ok(loaded) => {
                    error.set(None);
                    draft.set(Some(Draft::from(&loaded.settings)));
                    page.set(Some(loaded));
                    saved.set(true);
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    let rotate = move |_| {
        spawn_local(async move {
            match api.get_value().rotate_identity_secret().await {
                Ok(created) => {
                    secret.set(Some(created.secret));
                    page.update(|p| {
                        if let Some(p) = p {
                            p.identity_secret_set = true;
                        }
                    });
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    // A text box bound to one part of the draft.
    let edit = move |f: fn(&mut Draft, String), ev: leptos::ev::Event| {
        saved.set(false);
        draft.update(|d| {
            if let Some(d) = d {
                f(d, event_target_value(&ev));
            }
        })
    };
    let read = move |f: fn(&Draft) -> String| move || draft.with(|d| d.as_ref().map(f).unwrap_or_default());
    let limit_rows = Memo::new(move |_| draft.with(|d| d.as_ref().map_or(0, |d| d.limits.len())));
    let limit_row = move |i: usize| {
        let get = move |f: fn(&(PaymentMethod, Currency, String)) -> String| {
            move || draft.with(|d| d.as_ref().and_then(|d| d.limits.get(i)).map(f).unwrap_or_default())
        };
        let set = move |f: fn(&mut (PaymentMethod, Currency, String), String), ev: leptos::ev::Event| {
            saved.set(false);
            let value = event_target_value(&ev);
            draft.update(|d| {
                if let Some(row) = d.as_mut().and_then(|d| d.limits.get_mut(i)) {
                    f(row, value);
                }
            })
        };
        view! {
            <li class="ts-limits__row">
                <select aria-label=ct.limit_method on:change=move |ev| set(|r, v| if let Some(m) = METHODS.into_iter().find(|m| method_tag(*m) == v) { r.0 = m }, ev)>
                    {METHODS.into_iter().map(|m| view! {
                        <option value=method_tag(m) selected=move || get(|r| method_tag(r.0).into())() == method_tag(m)>{t.payment_method(m)}</option>
                    }).collect_view()}
                </select>
                <select aria-label=ct.currency on:change=move |ev| set(|r, v| if let Ok(c) = v.parse() { r.1 = c }, ev)>
                    {Currency::ALL.into_iter().map(|c| view! {
                        <option value=c.code() selected=move || get(|r| r.1.code().into())() == c.code()>{c.code()}</option>
                    }).collect_view()}
                </select>
                <input class="ts-limits__max" inputmode="decimal" aria-label=ct.limit_max prop:value=get(|r| r.2.clone())
                    on:input=move |ev| set(|r, v| r.2 = v, ev)/>
                <button type="button" class="ts-link" on:click=move |_| draft.update(|d| if let Some(d) = d { if i < d.limits.len() { d.limits.remove(i); } })>{ct.remove}</button>
            </li>
        }
    };
    let ship_rows = Memo::new(move |_| draft.with(|d| d.as_ref().map_or(0, |d| d.shipping.len())));
    let ship_row = move |i: usize| {
        let cell = move |k: usize, label: &'static str, mode: &'static str| {
            view! {
                <input class="ts-shipping__cell" aria-label=label inputmode=mode data-cell=k.to_string()
                    prop:value=move || draft.with(|d| d.as_ref().and_then(|d| d.shipping.get(i)).map(|r| r[k].clone()).unwrap_or_default())
                    on:input=move |ev| {
                        saved.set(false);
                        let value = event_target_value(&ev);
                        draft.update(|d| if let Some(row) = d.as_mut().and_then(|d| d.shipping.get_mut(i)) { row[k] = value; });
                    }/>
            }
        };
        view! {
            <li class="ts-limits__row ts-shipping__row">
                {cell(0, ct.ship_id, "text")}{cell(1, ct.ship_name, "text")}{cell(2, ct.ship_price, "decimal")}
                {cell(3, ct.ship_free_above, "decimal")}{cell(4, ct.ship_countries, "text")}
                <button type="button" class="ts-link" on:click=move |_| draft.update(|d| if let Some(d) = d { if i < d.shipping.len() { d.shipping.remove(i); } })>{ct.remove}</button>
            </li>
        }
    };
    let colour = move || draft.with(|d| d.as_ref().map(|d| d.settings.logo_color.clone())).filter(|c| is_hex_colour(c));

    view! {
        <div class="ts-admin ts-settings">
            <h2>{ct.settings}</h2>
            <FormError error=errors fields=FIELDS/>
            <Show when=move || draft.with(Option::is_some) fallback=move || view! { <p class="ts-empty">{ct.loading}</p> }>
                <form class="ts-admin__form" on:submit=save novalidate>
                    <label class="ts-field">
                        <span>{ct.shop_name}</span>
                        <input name="name" maxlength="80" prop:value=read(|d| d.settings.name.clone())
                            aria-invalid=invalid(errors, "name") on:input=move |ev| edit(|d, v| d.settings.name = v, ev)/>
                        <FieldError error=errors field="name"/>
                    </label>
                    <div class="ts-settings__logo">
                        <span class="ts-settings__preview" role="img" aria-label=ct.logo_preview style:background-color=colour>
                            {read(|d| d.settings.logo_initial.clone())}
                        </span>
                        <label class="ts-field">
                            <span>{ct.logo_initial}</span>
                            <input name="logo_initial" size="2" maxlength="2" prop:value=read(|d| d.settings.logo_initial.clone())
                                aria-invalid=invalid(errors, "logo_initial") on:input=move |ev| edit(|d, v| d.settings.logo_initial = v, ev)/>
                            <FieldError error=errors field="logo_initial"/>
                        </label>
                        <label class="ts-field">
                            <span>{ct.logo_color}</span>
                            <input name="logo_color" type="color" prop:value=read(|d| d.settings.logo_color.clone())
                                aria-invalid=invalid(errors, "logo_color") on:input=move |ev| edit(|d, v| d.settings.logo_color = v, ev)/>
                            <FieldError error=errors field="logo_color"/>
                        </label>
                    </div>
                    <label class="ts-field">
                        <span>{ct.default_language}</span>
                        <select name="default_locale" on:change=move |ev| edit(|d, v| d.settings.default_locale = v, ev)>
                            {LANGUAGES.into_iter().map(|(l, name)| view! {
                                <option value=l.tag() lang=l.tag() selected=move || read(|d| d.settings.default_locale.clone())() == l.tag()>{name}</option>
                            }).collect_view()}
                        </select>
                        <small>{ct.default_language_hint}</small>
                        <FieldError error=errors field="default_locale"/>
                    </label>
                    <label class="ts-field">
                        <span>{ct.currency}</span>
                        <select name="currency" on:change=move |ev| edit(|d, v| if let Ok(c) = v.parse() { d.settings.currency = c }, ev)>
                            {Currency::ALL.into_iter().map(|c| view! {
                                <option value=c.code() selected=move || read(|d| d.settings.currency.code().into())() == c.code()>{c.code()}</option>
                            }).collect_view()}
                        </select>
                        <FieldError error=errors field="currency"/>
                    </label>
                    <label class="ts-field">
                        <span>{ct.service_window}</span>
                        <input name="service_window_hours" type="number" min="1" max="168" prop:value=read(|d| d.service_window.clone())
                            aria-invalid=invalid(errors, "service_window_hours") on:input=move |ev| edit(|d, v| d.service_window = v, ev)/>
                        <FieldError error=errors field="service_window_hours"/>
                    </label>
                    <label class="ts-field">
                        <span>{ct.unread_mail_minutes}</span>
                        <input name="unread_mail_minutes" type="number" min="1" max="1440" prop:value=read(|d| d.unread_mail.clone())
                            aria-invalid=invalid(errors, "unread_mail_minutes") on:input=move |ev| edit(|d, v| d.unread_mail = v, ev)/>
                        <FieldError error=errors field="unread_mail_minutes"/>
                    </label>
                    <label class="ts-field">
                        <span>{ct.payout_days}</span>
                        <select name="payout_business_days" on:change=move |ev| edit(|d, v| if let Ok(n) = v.parse() { d.settings.payout_business_days = n }, ev)>
                            {[3u8, 4, 5].into_iter().map(|n| view! {
                                <option value=n.to_string() selected=move || draft.with(|d| d.as_ref().is_some_and(|d| d.settings.payout_business_days == n))>{n}</option>
                            }).collect_view()}
                        </select>
                        <FieldError error=errors field="payout_business_days"/>
                    </label>
                    <label class="ts-field ts-admin__wide">
                        <span>{ct.away_message}</span>
                        <textarea name="away_message" rows="2" maxlength="500" prop:value=read(|d| d.settings.away_message.clone())
                            aria-invalid=invalid(errors, "away_message") on:input=move |ev| edit(|d, v| d.settings.away_message = v, ev)></textarea>
                        <FieldError error=errors field="away_message"/>
                    </label>
                    <label class="ts-field ts-admin__wide">
                        <span>{ct.allowed_origins}</span>
                        <textarea name="allowed_origins" rows="3" spellcheck="false" prop:value=read(|d| d.origins.clone())
                            aria-invalid=invalid(errors, "allowed_origins") on:input=move |ev| edit(|d, v| d.origins = v, ev)></textarea>
                        <small>{ct.origins_hint}</small>
                        <FieldError error=errors field="allowed_origins"/>
                    </label>
                    <fieldset class="ts-admin__wide ts-limits">
                        <legend>{ct.transaction_limits}</legend>
                        <Show when=move || limit_rows.get() == 0>
                            <p class="ts-admin__muted">{ct.no_limits}</p>
                        </Show>
                        <ul class="ts-limits__list">
                            {move || (0..limit_rows.get()).map(limit_row).collect_view()}
                        </ul>
                        <button type="button" class="ts-link" on:click=move |_| draft.update(|d| if let Some(d) = d {
                            let currency = d.settings.currency;
                            d.limits.push((PaymentMethod::InstantQr, currency, String::new()));
                        })>{ct.add_limit}</button>
                        <FieldError error=errors field="transaction_limits"/>
                    </fieldset>
                    <fieldset class="ts-admin__wide ts-limits ts-shipping">
                        <legend>{ct.shipping_options}</legend>
                        <Show when=move || ship_rows.get() == 0>
                            <p class="ts-admin__muted">{ct.no_shipping_options}</p>
                        </Show>
                        <ul class="ts-limits__list">
                            {move || (0..ship_rows.get()).map(ship_row).collect_view()}
                        </ul>
                        <button type="button" class="ts-link ts-shipping__add" on:click=move |_| draft.update(|d| if let Some(d) = d {
                            d.shipping.push(Default::default());
                        })>{ct.add_shipping}</button>
                        <FieldError error=errors field="shipping_options"/>
                        <label class="ts-check">
                            <input type="checkbox" name="pickup" prop:checked=move || draft.with(|d| d.as_ref().is_some_and(|d| d.settings.pickup))
                                on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| if let Some(d) = d { d.settings.pickup = on; }); }/>
                            <span>{ct.pickup_enabled}</span>
                        </label>
                        <label class="ts-field">
                            <span>{ct.pickup_address}</span>
                            <input name="pickup_address" prop:value=read(|d| d.settings.pickup_address.clone())
                                aria-invalid=invalid(errors, "pickup_address") on:input=move |ev| edit(|d, v| d.settings.pickup_address = v, ev)/>
                            <FieldError error=errors field="pickup_address"/>
                        </label>
                    </fieldset>
                    <fieldset class="ts-admin__wide ts-limits ts-hours">
                        <legend>{ct.business_hours}</legend>
                        <label class="ts-check">
                            <input type="checkbox" name="hours_on" prop:checked=move || draft.with(|d| d.as_ref().is_some_and(|d| d.hours_on))
                                on:change=move |ev| { let on = event_target_checked(&ev); saved.set(false); draft.update(|d| if let Some(d) = d { d.hours_on = on; }); }/>
                            <span>{ct.business_hours_enabled}</span>
                        </label>
                        <Show when=move || draft.with(|d| d.as_ref().is_some_and(|d| d.hours_on))>
                            <label class="ts-field">
                                <span>{ct.time_zone}</span>
                                <input name="time_zone" spellcheck="false" prop:value=read(|d| d.time_zone.clone())
                                    aria-invalid=invalid(errors, "business_hours.time_zone") on:input=move |ev| edit(|d, v| d.time_zone = v, ev)/>
                                <small>{ct.time_zone_hint}</small>
                                <FieldError error=errors field="business_hours.time_zone"/>
                            </label>
                            <small>{ct.hours_hint}</small>
                            {(0..7).map(|i| view! {
                                <label class="ts-field ts-hours__day">
                                    <span>{ct.weekdays.split('|').nth(i).unwrap_or_default()}</span>
                                    <input name=format!("hours_{i}") inputmode="numeric" placeholder="09:00-18:00"
                                        prop:value=move || draft.with(|d| d.as_ref().map(|d| d.days[i].clone()).unwrap_or_default())
                                        aria-invalid=invalid(errors, "business_hours.days")
                                        on:input=move |ev| { saved.set(false); let v = event_target_value(&ev); draft.update(|d| if let Some(d) = d { d.days[i] = v; }); }/>
                                </label>
                            }).collect_view()}
                            <FieldError error=errors field="business_hours.days"/>
                        </Show>
                    </fieldset>
                    <p class="ts-admin__wide ts-settings__mode" data-sandbox=move || draft.with(|d| d.as_ref().is_some_and(|d| d.settings.sandbox)).to_string()>
                        {move || if draft.with(|d| d.as_ref().is_some_and(|d| d.settings.sandbox)) { ct.test_shop } else { ct.live_shop }}
                    </p>
                    <div class="ts-admin__actions ts-admin__wide">
                        <button class="ts-button" type="submit" disabled=move || busy.get()>{ct.save}</button>
                        <Show when=move || saved.get()>
                            <span class="ts-admin__ok" role="status">{ct.saved}</span>
                        </Show>
                    </div>
                </form>
                <section class="ts-admin__section">
                    <h3>{ct.embed_code}</h3>
                    <p class="ts-admin__muted">{ct.embed_hint}</p>
                    <CopyBox text=Signal::derive(move || page.with(|p| p.as_ref().map(|p| p.embed_snippet.clone()).unwrap_or_default())) label=ct.embed_code multiline=true/>
                </section>
                <section class="ts-admin__section">
                    <h3>{ct.identity_secret}</h3>
                    <p class="ts-admin__muted">{move || if page.with(|p| p.as_ref().is_some_and(|p| p.identity_secret_set)) { ct.identity_set } else { ct.identity_unset }}</p>
                    {move || secret.get().map(|s| view! {
                        <div class="ts-admin__once">
                            <p class="ts-admin__warning" role="status">{ct.shown_once}</p>
                            <CopyBox text=Signal::derive(move || s.clone()) label=ct.identity_secret/>
                        </div>
                    })}
                    <button type="button" class="ts-button ts-settings__rotate" on:click=rotate>{ct.new_secret}</button>
                </section>
            </Show>
        </div>
    }
}
