//! The packing view: every paid order not yet shipped, as a packing slip —
//! who it goes to (contact and address as text, or pickup), the shipping
//! option, the items with quantities, options and SKUs, the buyer's note —
//! printable on paper (`@media print` keeps only the slips). From a slip staff
//! correct the address (with a note, audited) and mark the parcel shipped with
//! carrier and tracking; a shipped order leaves the list, live.

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::address::{Address, Contact};
use talkshop_protocol::order::CorrectAddress;
use talkshop_protocol::payment::{PaymentRequest, PaymentState, ShipRequest};
use talkshop_protocol::{ApiError, Order, ShopLook};

use crate::api::Api;
use crate::components::checkout::{form_of, parts, AddressFields, ADDRESS_FIELDS};
use crate::components::order_card::Delivery;
use crate::components::payment_card::Payments;
use crate::console::forms::{call, FormError};
use crate::console::i18n::console_texts;
use crate::i18n::{fill, lang, more};
use crate::time::date;

/// Staff correct a shipped order's address with a note; the server checks it
/// with the same rules as the buyer's checkout and tells both parties' cards.
#[component]
pub fn AddressCorrection(
    api: StoredValue<Api>,
    order_id: String,
    address: Address,
    #[prop(into)] on_saved: Callback<Order>,
) -> impl IntoView {
    let (t, ct) = (more(), console_texts());
    let open = RwSignal::new(false);
    let form = RwSignal::new(form_of(Contact::default(), address.clone()));
    let note = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut body = CorrectAddress { address: form.with_untracked(parts).1, note: Some(note.get_untracked()) };
        body.normalize();
        if let Err(e) = body.validate() {
            error.set(Some(e));
            return;
        }
        busy.set(true);
        let id = order_id.clone();
        call(
            error,
            async move {
                let answer = api.get_value().correct_address(&id, &body).await;
                busy.set(false);
                answer
            },
            move |order| {
                open.set(false);
                note.set(String::new());
                on_saved.run(order);
            },
        );
    };
    let reset = address.clone();
    let cancel = move |_| {
        form.set(form_of(Contact::default(), reset.clone()));
        error.set(None);
        open.set(false);
    };
    view! {
        <Show when=move || !open.get()>
            <button class="ts-link ts-pack__correct" type="button" on:click=move |_| open.set(true)>{ct.correct_address}</button>
        </Show>
        <Show when=move || open.get()>
            <form class="ts-pack__address" novalidate on:submit=save.clone()>
                <AddressFields form=form error=error countries=Signal::derive(Vec::new) with_address=Signal::derive(|| true)/>
                <label class="ts-field">
                    <span>{ct.correction_note}</span>
                    <input name="note" maxlength="200" prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))/>
                </label>
                <FormError error=error fields=ADDRESS_FIELDS/>
                <div class="ts-pack__buttons">
                    <button class="ts-button ts-pack__save" type="submit" disabled=move || busy.get()>{ct.save_address}</button>
                    <button class="ts-link" type="button" on:click=cancel.clone()>{t.back}</button>
                </div>
            </form>
        </Show>
    }
}

/// "Size: M · Colour: Blue".
fn options_text(options: &std::collections::BTreeMap<String, String>) -> String {
    options.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(" · ")
}

/// One parcel to pack.
#[component]
fn PackingSlip(
    request: Memo<PaymentRequest>,
    orders: RwSignal<Vec<Order>>,
    look: RwSignal<Option<ShopLook>>,
    api: StoredValue<Api>,
) -> impl IntoView {
    let (t, ct, locale) = (more(), console_texts(), lang());
    let payments = use_context::<Payments>();
    let r = request.get_untracked();
    let reference = r.order_id.clone().unwrap_or_else(|| r.id.clone());
    let short: String = reference.chars().take(8).collect::<String>().to_uppercase();
    let order_id = r.order_id.clone();
    let note = {
        let order_id = order_id.clone();
        move || {
            let id = order_id.as_deref()?;
            orders.with(|list| list.iter().find(|o| o.id == id).and_then(|o| o.note.clone()))
        }
    };
    let option_name = move || {
        let id = request.with(|r| r.fulfilment.as_ref().and_then(|f| f.option_id.clone()))?;
        look.with(|l| l.as_ref()?.shipping_options.iter().find(|o| o.id == id).map(|o| o.name.clone())).or(Some(id))
    };
    let ship_to = move || {
        let (contact, fulfilment) = request.with(|r| (r.contact.clone(), r.fulfilment.clone()));
        view! {
            <Delivery contact=contact fulfilment=fulfilment/>
            {option_name().map(|name| view! { <span class="ts-pack__option">{format!("{} · {name}", t.shipping)}</span> })}
        }
    };
    let items = move || {
        let r = request.get();
        if r.lines.is_empty() {
            return view! { <tr><td>"1"</td><td>{r.description}</td><td></td></tr> }.into_any();
        }
        r.lines
            .into_iter()
            .map(|l| {
                let options = options_text(&l.options);
                view! {
                    <tr>
                        <td class="ts-pack__qty">{l.quantity}</td>
                        <td>{l.title}{(!options.is_empty()).then(|| view! { <small>{options}</small> })}</td>
                        <td class="ts-pack__sku">{l.variant_sku.unwrap_or(l.retailer_id)}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };
    // The address as it is now (a correction replaces it).
    let correctable = move || {
        // Read once: a live update must not throw away a correction being typed.
        let address = request.with_untracked(|r| r.fulfilment.as_ref().and_then(|f| f.address.clone()))?;
        let order_id = order_id.clone()?;
        let on_saved = Callback::new(move |order: Order| {
            let Some(p) = payments else { return };
            let mut updated = request.get_untracked();
            updated.fulfilment = order.fulfilment.clone();
            p.apply(updated);
            orders.update(|list| list.iter_mut().filter(|o| o.id == order.id).for_each(|o| *o = order.clone()));
        });
        Some(view! { <AddressCorrection api=api order_id=order_id address=address on_saved=on_saved/> })
    };
    let (carrier, tracking) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let ship = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = |s: RwSignal<String>| Some(s.get_untracked().trim().to_owned()).filter(|s| !s.is_empty());
        let body = ShipRequest { carrier: text(carrier), tracking: text(tracking) };
        let id = request.with_untracked(|r| r.id.clone());
        busy.set(true);
        call(
            error,
            async move {
                let answer = api.get_value().payment_action(&id, "ship", &body).await;
                busy.set(false);
                answer
            },
            move |shipped| {
                if let Some(p) = payments {
                    p.apply(shipped);
                }
            },
        );
    };
    let input = move |label: &'static str, value: RwSignal<String>, name: &'static str| {
        view! {
            <label class="ts-field">
                <span>{label}</span>
                <input name=name maxlength="64" autocomplete="off" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
            </label>
        }
    };
    view! {
        <article class="ts-pack__slip" data-order=reference.clone()>
            <header class="ts-pack__head">
                <strong>{fill(ct.order_ref, "id", short)}</strong>
                <span>{date(r.created_at, locale)}</span>
            </header>
            <div class="ts-pack__to">{ship_to}</div>
            <table class="ts-pack__items">
                <thead><tr><th>{ct.quantity}</th><th>{ct.item}</th><th>{ct.sku}</th></tr></thead>
                <tbody>{items}</tbody>
            </table>
            {move || note().map(|n| view! { <p class="ts-pack__note"><strong>{ct.buyer_note}</strong>" "{n}</p> })}
            <div class="ts-pack__actions">
                {correctable}
                <form class="ts-pack__ship" on:submit=ship>
                    {input(t.carrier, carrier, "carrier")}
                    {input(t.tracking_number, tracking, "tracking")}
                    <button class="ts-button ts-pack__shipped" type="submit" disabled=move || busy.get()>{t.mark_shipped}</button>
                </form>
                {move || error.get().map(|e| view! { <p class="ts-notice" role="alert">{e.message}</p> })}
            </div>
        </article>
    }
}

/// Paid, not yet shipped: the slips, oldest first (first paid, first packed).
#[component]
pub fn PackingPage(api: Api, shop: String) -> impl IntoView {
    let ct = console_texts();
    let payments = use_context::<Payments>();
    let api = StoredValue::new(api);
    let orders = RwSignal::new(Vec::<Order>::new());
    let look = RwSignal::new(None::<ShopLook>);
    let error = RwSignal::new(None::<ApiError>);
    let loaded = RwSignal::new(false);
    spawn_local(async move {
        let a = api.get_value();
        match (a.payment_requests(Some(PaymentState::Paid.label())).await, a.orders().await) {
            (Ok(list), Ok(list_of_orders)) => {
                if let Some(p) = payments {
                    list.requests.into_iter().for_each(|r| p.apply(r));
                }
                orders.set(list_of_orders.orders);
            }
            (Err(err), _) | (_, Err(err)) => error.set(Some(err)),
        }
        loaded.set(true);
        // Option names only; the slip falls back to the option's id.
        if let Ok(found) = a.shop_look(&shop).await {
            look.set(Some(found));
        }
    });
    // Live: a payment arriving adds a slip, a parcel marked shipped (here, or by
    // someone else) removes one.
    let to_pack = Memo::new(move |_| {
        let Some(p) = payments else { return Vec::<PaymentRequest>::new() };
        let mut paid: Vec<PaymentRequest> =
            p.requests.with(|map| map.values().filter(|r| r.state == PaymentState::Paid).cloned().collect());
        paid.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
        paid
    });
    let print = move |_| {
        if let Some(w) = web_sys::window() {
            let _ = w.print();
        }
    };
    view! {
        <div class="ts-orders ts-pack">
            <div class="ts-orders__bar ts-pack__bar">
                <h2>{ct.packing}</h2>
                <span class="ts-pack__count">{move || fill(ct.to_pack, "n", to_pack.with(Vec::len).to_string())}</span>
                <button class="ts-button ts-pack__print" type="button" on:click=print disabled=move || to_pack.with(Vec::is_empty)>{ct.print_slips}</button>
            </div>
            {move || error.get().map(|e| view! { <p class="ts-notice" role="alert">{e.message}</p> })}
            <Show when=move || loaded.get() && to_pack.with(Vec::is_empty)>
                <p class="ts-empty">{ct.nothing_to_pack}</p>
            </Show>
            <div class="ts-pack__slips">
                <For each=move || to_pack.get() key=|r| r.id.clone() let:snapshot>
                    {
                        let id = snapshot.id.clone();
                        let request = Memo::new(move |_| {
                            payments.and_then(|p| p.requests.with(|m| m.get(&id).cloned())).unwrap_or_else(|| snapshot.clone())
                        });
                        view! { <PackingSlip request=request orders=orders look=look api=api/> }
                    }
                </For>
            </div>
        </div>
    }
}
