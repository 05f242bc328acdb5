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
use crate::i18n::{lang, money, money_locale, more};

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

/// The address's fields (the console's correction shows only these).
pub const ADDRESS_FIELDS: &[&str] = FIELDS.split_at(3).1.split_at(7).0;

/// What the form edits, as typed: name, phone, e-mail, country, line 1, line 2,
/// district, city, state, postal code (one array keeps the widget's code small).
pub type Form = [String; 10];
/// The form's fields by position in [`Form`]: the first ten of [`FIELDS`].
const NAMES: &[&str] = FIELDS.split_at(10).0;

pub fn form_of(contact: Contact, address: Address) -> Form {
    let o = Option::unwrap_or_default;
    [
        contact.name,
        contact.phone,
        contact.email,
        address.country,
        address.line1,
        o(address.line2),
        o(address.district),
        address.city,
        o(address.state),
        address.postal_code,
    ]
}

/// The contact and the address, normalized (not yet checked).
pub fn parts(f: &Form) -> (Contact, Address) {
    let mut contact = Contact { name: f[0].clone(), phone: f[1].clone(), email: f[2].clone() };
    let mut address = Address {
        country: f[3].clone(),
        line1: f[4].clone(),
        line2: Some(f[5].clone()),
        district: Some(f[6].clone()),
        city: f[7].clone(),
        state: Some(f[8].clone()),
        postal_code: f[9].clone(),
    };
    contact.normalize();
    address.normalize();
    (contact, address)
}

/// A labelled text input for one entry of the form, its error under it.
#[component]
fn TextField(
    #[prop(into)] label: Signal<&'static str>,
    k: usize,
    form: RwSignal<Form>,
    error: RwSignal<Option<ApiError>>,
    #[prop(optional)] kind: &'static str,
) -> impl IntoView {
    let field = NAMES[k];
    view! {
        <label class="ts-field">
            <span>{move || label.get()}</span>
            <input type=if kind == "numeric" || kind.is_empty() { "text" } else { kind } name=field
                inputmode=(kind == "numeric").then_some("numeric")
                prop:value=move || form.with(|f| f[k].clone()) aria-invalid=invalid(error, field)
                on:input=move |ev| { let v = event_target_value(&ev); form.update(|f| f[k] = v); }/>
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

/// The country (a select of `countries`, or a text box when that is empty) and,
/// when `with_address`, the address shaped by the country: Brazil asks for a CEP
/// and a state (UF) select, Thailand and Indonesia for a province; the rules
/// differ in the protocol. Shared by the buyer's checkout and the console's
/// address correction.
#[component]
pub fn AddressFields(
    form: RwSignal<Form>,
    error: RwSignal<Option<ApiError>>,
    #[prop(into)] countries: Signal<Vec<String>>,
    #[prop(into)] with_address: Signal<bool>,
) -> impl IntoView {
    let t = more();
    let country_code = Memo::new(move |_| form.with(|f| f[3].trim().to_ascii_uppercase()));
    let brazil = move || country_code.with(|c| c == "BR");
    let field = move |label: &'static str, k: usize, kind: &'static str| {
        view! { <TextField label=label k=k form=form error=error kind=kind/> }
    };
    // One form for every country: Brazil asks for a CEP and a state (UF) select,
    // Thailand and Indonesia for a province; the rules differ in the protocol.
    let address_form = move || {
        view! {
            <TextField k=9 form=form error=error kind="numeric"
                label=Signal::derive(move || if brazil() { t.cep } else { t.postal_code })/>
            {field(t.street, 4, "")}{field(t.line2, 5, "")}{field(t.district, 6, "")}{field(t.city, 7, "")}
            <label class="ts-field" hidden=move || !brazil()>
                <span>{t.state}</span>
                <select name="address.state" aria-invalid=invalid(error, "address.state")
                    prop:value=move || form.with(|f| f[8].to_ascii_uppercase())
                    on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f[8] = v); }>
                    <option value="">"—"</option>
                    {BR_STATES.iter().map(|uf| view! { <option value=*uf>{*uf}</option> }).collect_view()}
                </select>
                <FieldError error=error field="address.state"/>
            </label>
            <div hidden=brazil>
                <TextField k=8 form=form error=error label=Signal::derive(move || {
                    if country_code.with(|c| c == "TH" || c == "ID") { t.province } else { t.region_optional }
                })/>
            </div>
        }
    };
    let country_input = move || {
        view! {
            <label class="ts-field" hidden=move || countries.with(Vec::is_empty)>
                <span>{t.country}</span>
                <select name="address.country" prop:value=move || form.with(|f| f[3].clone())
                    on:change=move |ev| { let v = event_target_value(&ev); form.update(|f| f[3] = v); }>
                    {move || countries.get().into_iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                </select>
            </label>
            <div hidden=move || !countries.with(Vec::is_empty)>{field(t.country, 3, "")}</div>
        }
    };
    view! { {country_input} <Show when=move || with_address.get()>{address_form}</Show> }
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
    let (t, locale) = (more(), money_locale());
    let remembered = remembered_checkout(&shop);
    let editing = RwSignal::new(remembered.is_none());
    let (contact0, fulfilment0) = remembered.unwrap_or_default();
    let address0 = fulfilment0
        .address
        .unwrap_or_else(|| Address { country: default_country(&look.get_untracked()), ..Address::default() });
    let form = RwSignal::new(form_of(contact0, address0));
    let method = RwSignal::new(fulfilment0.method);
    let option_id = RwSignal::new(fulfilment0.option_id);
    // Nothing on this device: an identified user's last order from another device
    // (the server answers with this buyer's own details only), unless typing began.
    if editing.get_untracked() {
        if let Some(payments) = use_context::<crate::components::payment_card::Payments>() {
            leptos::task::spawn_local(async move {
                let Ok(found) = payments.api.get_value().remembered_checkout().await else { return };
                let (Some(contact), Some(fulfilment)) = (found.contact, found.fulfilment) else { return };
                let untouched = form.try_with_untracked(|f| [0, 1, 2, 4].iter().all(|&k| f[k].is_empty()));
                if untouched == Some(true) {
                    let address = fulfilment.address.unwrap_or_else(|| Address {
                        country: form.with_untracked(|f| f[3].clone()),
                        ..Address::default()
                    });
                    form.set(form_of(contact, address));
                    method.set(fulfilment.method);
                    option_id.set(fulfilment.option_id);
                    editing.set(false);
                }
            });
        }
    }

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
        if !list.is_empty() && form.with_untracked(|f| !list.contains(&f[3])) {
            form.update(|f| f[3] = list[0].clone());
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
        DeliveryMethod::Ship => Fulfilment::ship(form.with(parts).1, &option_id.get().unwrap_or_default()),
    };
    let shipping = move || {
        let (look, subtotal) = (look.get()?, subtotal.get()?);
        shipping_for(&look.shipping_options, look.pickup, &fulfilment(), subtotal).ok()
    };
    let send = move || {
        let c = form.with_untracked(parts).0;
        let f = untrack(fulfilment);
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
    let country_code = Memo::new(move |_| form.with(|f| f[3].trim().to_ascii_uppercase()));
    let field = move |label: &'static str, k: usize, kind: &'static str| {
        view! { <TextField label=label k=k form=form error=error kind=kind/> }
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
        let (c, a) = form.with(parts);
        let mut lines = vec![c.name, c.phone, c.email];
        match method.get() {
            DeliveryMethod::Ship => lines.extend(a.lines()),
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
                {field(t.your_name, 0, "")}{field(t.phone, 1, "tel")}{field(t.email, 2, "email")}
                <AddressFields form=form error=error countries=countries with_address=Signal::derive(move || method.get() == DeliveryMethod::Ship)/>
                {choices}
                {move || total().map(|total| view! { <div class="ts-cart__total"><span>{t.total}</span><strong>{total}</strong></div> })}
                <button class="ts-button ts-checkout__send" type="submit" disabled=move || busy.get()>{t.send_order}</button>
            </Show>
            <FormError error=error fields=FIELDS/>
        </form>
    }
}
