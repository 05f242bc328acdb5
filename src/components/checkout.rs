//! The checkout step after *Send order*: contact, an address shaped by the
//! country (Brazil: CEP + state; Thailand and Indonesia: province + 5-digit
//! postal code; elsewhere a generic form), then a shipping option or pickup.
//! Checked here with the protocol's own rules; the server's errors show at the
//! field they name. The last order's details are remembered on this device
//! (per shop), so the next order is one tap: *Use this address*.

use leptos::prelude::*;
use talkshop_protocol::address::{shipping_for, BR_STATES};
use talkshop_protocol::locale::Locale;
use talkshop_protocol::{Address, ApiError, Contact, DeliveryMethod, Fulfilment, Money, ShopLook};

use crate::cart_state::remembered_checkout;
use crate::console::forms::{invalid, FieldError, FormError};
use crate::i18n::{lang, money, money_locale, texts};

/// Every field the form shows (other errors go above the button).
const FIELDS: &[&str] = &[
    "contact.name",
    "contact.phone",
    "contact.email",
    "address.country",
    "address.line1",
    "address.line2",
    "address.district",
    "address.city",
    "address.state",
    "address.postal_code",
    "fulfilment.option_id",
];

/// A labelled text input bound to a getter and a setter, its error under it.
#[component]
fn TextField(
    label: &'static str,
    field: &'static str,
    #[prop(into)] value: Signal<String>,
    #[prop(into)] on_input: Callback<String>,
    error: RwSignal<Option<ApiError>>,
    #[prop(optional)] kind: &'static str,
    #[prop(optional)] autocomplete: &'static str,
) -> impl IntoView {
    let input_type = if kind == "email" || kind == "tel" { kind } else { "text" };
    let inputmode = (kind == "numeric").then_some("numeric");
    let autocomplete = (!autocomplete.is_empty()).then_some(autocomplete);
    view! {
        <label class="ts-field">
            <span>{label}</span>
            <input type=input_type name=field inputmode=inputmode autocomplete=autocomplete
                prop:value=move || value.get() aria-invalid=invalid(error, field)
                on:input=move |ev| on_input.run(event_target_value(&ev))/>
            <FieldError error=error field=field/>
        </label>
    }
}

/// The buyer's likely country before anything is remembered.
fn default_country(look: &Option<ShopLook>) -> String {
    let first = look.as_ref().and_then(|l| l.shipping_options.iter().find_map(|o| o.countries.first().cloned()));
    let by_language = match lang() {
        Locale::PtBr => "BR",
        Locale::Th => "TH",
        Locale::Id => "ID",
        Locale::En => "",
    };
    first.unwrap_or_else(|| by_language.to_owned())
}

#[component]
pub fn Checkout(
    /// The shop whose remembered details prefill the form.
    shop: String,
    #[prop(into)] look: Signal<Option<ShopLook>>,
    /// The cart's lines (shipping may be free above a threshold).
    #[prop(into)]
    subtotal: Signal<Option<Money>>,
    #[prop(into)] busy: Signal<bool>,
    /// Errors to show: the server's answer, or this form's own check.
    error: RwSignal<Option<ApiError>>,
    #[prop(into)] on_back: Callback<()>,
    #[prop(into)] on_send: Callback<(Contact, Fulfilment)>,
) -> impl IntoView {
    let (t, locale) = (texts(), money_locale());
    let remembered = remembered_checkout(&shop);
    let editing = RwSignal::new(remembered.is_none());
    let (contact0, fulfilment0) = remembered.clone().unwrap_or_default();
    let contact = RwSignal::new(contact0);
    let address = RwSignal::new(
        fulfilment0
            .address
            .clone()
            .unwrap_or_else(|| Address { country: default_country(&look.get_untracked()), ..Address::default() }),
    );
    let method = RwSignal::new(fulfilment0.method);
    let option_id = RwSignal::new(fulfilment0.option_id.clone());

    // The countries the shop's options ship to; a text box when one ships anywhere.
    let countries = Memo::new(move |_| {
        look.with(|l| {
            let options = l.as_ref().map(|l| l.shipping_options.as_slice()).unwrap_or_default();
            let mut all: Vec<String> = options.iter().flat_map(|o| o.countries.clone()).collect();
            all.sort();
            all.dedup();
            (options.iter().any(|o| o.countries.is_empty()) || all.is_empty()).then(Vec::new).unwrap_or(all)
        })
    });
    Effect::new(move |_| {
        let list = countries.get();
        if !list.is_empty() && address.with_untracked(|a| !list.contains(&a.country)) {
            address.update(|a| a.country = list[0].clone());
        }
    });

    // A field error from the server opens the form at that field.
    Effect::new(move |_| {
        if error.with(|e| e.as_ref().and_then(|e| e.field.as_deref()).is_some_and(|f| FIELDS.contains(&f))) {
            editing.set(true);
        }
    });
    let fulfilment = move || match method.get() {
        DeliveryMethod::Pickup => Fulfilment::pickup(),
        DeliveryMethod::Ship => Fulfilment::ship(address.get(), &option_id.get().unwrap_or_default()),
    };
    let shipping = move || {
        let (look, subtotal) = (look.get()?, subtotal.get()?);
        shipping_for(&look.shipping_options, look.pickup, &fulfilment(), subtotal).ok()
    };
    let send = move || {
        let mut c = contact.get_untracked();
        c.normalize();
        let mut f = untrack(fulfilment);
        f.normalize();
        let quote = match (look.get_untracked(), subtotal.get_untracked()) {
            (Some(l), Some(s)) => shipping_for(&l.shipping_options, l.pickup, &f, s).map(|_| ()),
            _ => Ok(()),
        };
        match c.validate().and_then(|_| f.validate()).and(quote) {
            Ok(()) => {
                error.set(None);
                on_send.run((c, f));
            }
            Err(e) => {
                editing.set(true);
                error.set(Some(e));
            }
        }
    };

    // Text inputs bound to one field of the contact or the address.
    type Get = fn(&Contact) -> &String;
    type Set = fn(&mut Contact) -> &mut String;
    let contact_field = move |label: &'static str,
                              field: &'static str,
                              kind: &'static str,
                              autocomplete: &'static str,
                              get: Get,
                              set: Set| {
        view! {
            <TextField label=label field=field kind=kind autocomplete=autocomplete error=error
                value=Signal::derive(move || contact.with(|c| get(c).clone()))
                on_input=Callback::new(move |v| contact.update(|c| *set(c) = v))/>
        }
    };
    let address_field =
        move |label: &'static str, field: &'static str, kind: &'static str, get: fn(&mut Address) -> &mut String| {
            view! {
                <TextField label=label field=field kind=kind error=error
                    value=Signal::derive(move || address.with(|a| get(&mut a.clone()).clone()))
                    on_input=Callback::new(move |v| address.update(|a| *get(a) = v))/>
            }
        };
    let optional_field =
        move |label: &'static str, field: &'static str, get: fn(&mut Address) -> &mut Option<String>| {
            view! {
                <TextField label=label field=field error=error
                    value=Signal::derive(move || address.with(|a| get(&mut a.clone()).clone().unwrap_or_default()))
                    on_input=Callback::new(move |v| address.update(|a| *get(a) = Some(v)))/>
            }
        };
    let line1 = move || address_field(t.street, "address.line1", "", |a| &mut a.line1);
    let line2 = move || optional_field(t.line2, "address.line2", |a| &mut a.line2);
    let district = move || optional_field(t.district, "address.district", |a| &mut a.district);
    let city = move || address_field(t.city, "address.city", "", |a| &mut a.city);
    let postal =
        move |label: &'static str| address_field(label, "address.postal_code", "numeric", |a| &mut a.postal_code);
    let country_code = Memo::new(move |_| address.with(|a| a.country.trim().to_ascii_uppercase()));
    let address_form = move || match country_code.get().as_str() {
        "BR" => view! {
            {postal(t.cep)}{line1()}{line2()}{district()}{city()}
            <label class="ts-field">
                <span>{t.state}</span>
                <select name="address.state" aria-invalid=invalid(error, "address.state")
                    prop:value=move || address.with(|a| a.state.clone().unwrap_or_default())
                    on:change=move |ev| address.update(|a| a.state = Some(event_target_value(&ev)))>
                    <option value="">"—"</option>
                    {BR_STATES.iter().map(|uf| view! { <option value=*uf>{*uf}</option> }).collect_view()}
                </select>
                <FieldError error=error field="address.state"/>
            </label>
        }
        .into_any(),
        "TH" | "ID" => view! {
            {line1()}{line2()}{district()}{city()}
            {optional_field(t.province, "address.state", |a| &mut a.state)}
            {postal(t.postal_code)}
        }
        .into_any(),
        _ => view! {
            {line1()}{line2()}{city()}
            {optional_field(t.region_optional, "address.state", |a| &mut a.state)}
            {address_field(t.postal_code, "address.postal_code", "", |a| &mut a.postal_code)}
        }
        .into_any(),
    };
    let country_input = move || {
        let list = countries.get();
        if list.is_empty() {
            address_field(t.country, "address.country", "", |a| &mut a.country).into_any()
        } else {
            view! {
                <label class="ts-field">
                    <span>{t.country}</span>
                    <select name="address.country" prop:value=move || address.with(|a| a.country.clone())
                        on:change=move |ev| address.update(|a| a.country = event_target_value(&ev))>
                        {list.into_iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                    </select>
                </label>
            }
            .into_any()
        }
    };
    // Shipping options for the chosen country, and pickup when the shop offers it.
    let choices = move || {
        let Some(l) = look.get() else { return ().into_any() };
        let country = country_code.get();
        let base = subtotal.get();
        let options: Vec<_> = l.shipping_options.into_iter().filter(|o| o.ships_to(&country)).collect();
        let price = move |m: Money| if m.amount.is_zero() { t.free.to_owned() } else { money(&m, locale) };
        view! {
            <fieldset class="ts-checkout__ship">
                <legend>{t.shipping}</legend>
                {options.is_empty().then(|| view! { <p class="ts-checkout__none">{t.no_shipping}</p> })}
                {options.into_iter().map(|o| {
                    let id = o.id.clone();
                    let checked = { let id = id.clone(); move || method.get() == DeliveryMethod::Ship && option_id.with(|s| s.as_deref() == Some(id.as_str())) };
                    let cost = base.map(|b| price(o.price_for(b))).unwrap_or_else(|| price(o.price));
                    view! {
                        <label class="ts-checkout__option">
                            <input type="radio" name="ts-shipping" value=id.clone() prop:checked=checked
                                on:change=move |_| { method.set(DeliveryMethod::Ship); option_id.set(Some(id.clone())); }/>
                            <span>{o.name}</span><strong>{cost}</strong>
                        </label>
                    }
                }).collect_view()}
                {l.pickup.then(|| view! {
                    <label class="ts-checkout__option">
                        <input type="radio" name="ts-shipping" value="pickup" prop:checked=move || method.get() == DeliveryMethod::Pickup
                            on:change=move |_| method.set(DeliveryMethod::Pickup)/>
                        <span>{t.pickup}</span><small>{l.pickup_address}</small>
                    </label>
                })}
                <FieldError error=error field="fulfilment.option_id"/>
            </fieldset>
        }
        .into_any()
    };
    let total = move || {
        let s = subtotal.get()?;
        let total = talkshop_protocol::payment::total(s, shipping().flatten(), None).ok()?;
        Some(money(&total, locale))
    };
    // What was remembered, as text: one tap to use it again.
    let summary = move || {
        let c = contact.get();
        let mut lines = vec![c.name, c.phone, c.email];
        match method.get() {
            DeliveryMethod::Ship => lines.extend(address.with(Address::lines)),
            DeliveryMethod::Pickup => lines.push(t.pickup.to_owned()),
        }
        lines.into_iter().map(|l| view! { <span class="ts-checkout__line">{l}</span> }).collect_view()
    };

    view! {
        <form class="ts-checkout" novalidate on:submit=move |ev| { ev.prevent_default(); send(); }>
            <button class="ts-back" type="button" on:click=move |_| on_back.run(())>{t.back}</button>
            <h3 class="ts-cart__title">{t.checkout}</h3>
            <Show when=move || !editing.get()>
                <div class="ts-checkout__saved">
                    <strong>{t.deliver_to}</strong>
                    {summary}
                    <button class="ts-button ts-checkout__use" type="submit" disabled=move || busy.get()>{t.use_this_address}</button>
                    <button class="ts-link ts-checkout__change" type="button" on:click=move |_| editing.set(true)>{t.change_address}</button>
                </div>
            </Show>
            <Show when=move || editing.get()>
                {contact_field(t.your_name, "contact.name", "", "name", |c| &c.name, |c| &mut c.name)}
                {contact_field(t.phone, "contact.phone", "tel", "tel", |c| &c.phone, |c| &mut c.phone)}
                {contact_field(t.email, "contact.email", "email", "email", |c| &c.email, |c| &mut c.email)}
                {country_input}
                <Show when=move || method.get() == DeliveryMethod::Ship>{address_form}</Show>
                {choices}
                {move || total().map(|total| view! { <div class="ts-cart__total"><span>{t.total}</span><strong>{total}</strong></div> })}
                <button class="ts-button ts-checkout__send" type="submit" disabled=move || busy.get()>{t.send_order}</button>
            </Show>
            <FormError error=error fields=FIELDS/>
        </form>
    }
}
