use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::cart::{MAX_NOTE_CHARS, MAX_QUANTITY};
use talkshop_protocol::CartLine;

use crate::cart_state::{CartIntent, CartState};
use crate::i18n::{money, money_locale, more};
use crate::shop_context::safe_image;

/// The cart: lines, change notices to acknowledge, total, note, send as an order.
#[component]
pub fn CartView(
    cart: CartState,
    #[prop(into)] on_back: Callback<()>,
    /// Sends the order with the note; resolves in the parent.
    #[prop(into)]
    on_send: Callback<Option<String>>,
) -> impl IntoView {
    let (t, locale) = (more(), money_locale());
    let note = RwSignal::new(String::new());
    let lines = Memo::new(move |_| cart.cart.with(|c| c.as_ref().map(|c| c.lines.clone()).unwrap_or_default()));
    let needs_ack = Memo::new(move |_| cart.cart.with(|c| c.as_ref().is_some_and(|c| c.needs_acknowledgement())));
    let subtotal = move || cart.cart.with(|c| c.as_ref().and_then(|c| c.subtotal()).map(|m| money(&m, locale)));
    let change = move |intent: CartIntent| {
        spawn_local(async move {
            cart.change(intent).await;
        });
    };
    view! {
        <div class="ts-cart">
            <button class="ts-back" type="button" on:click=move |_| on_back.run(())>{t.back_to_chat}</button>
            <h3 class="ts-cart__title">{t.your_cart}</h3>
            <Show when=move || needs_ack.get()>
                <div class="ts-cart__changed" role="alert">
                    <p>{t.cart_changed}</p>
                    <button class="ts-button" type="button" disabled=move || cart.busy.get()
                        on:click=move |_| spawn_local(cart.acknowledge())>{t.cart_acknowledge}</button>
                </div>
            </Show>
            <Show when=move || lines.with(Vec::is_empty)>
                <p class="ts-empty">{t.cart_empty}</p>
            </Show>
            <ul class="ts-cart__lines">
                <For each=move || lines.get() key=|l: &CartLine| (l.id.clone(), l.quantity, l.product_version, l.notices.len(), l.unit_price) let:line>
                    {
                        let options = line.options.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ");
                        let (minus_id, plus_id, remove_id) = (line.id.clone(), line.id.clone(), line.id.clone());
                        let q = line.quantity;
                        view! {
                            <li class="ts-cart__line" class:ts-cart__line--changed=!line.notices.is_empty()>
                                {safe_image(&line.image_url).map(|src| view! { <img class="ts-cart__thumb" src=src alt=""/> })}
                                <div class="ts-cart__info">
                                    <div class="ts-cart__name">{line.title.clone()}</div>
                                    {(!options.is_empty()).then(|| view! { <div class="ts-cart__opts">{options}</div> })}
                                    <div class="ts-cart__price">{money(&line.unit_price, locale)}</div>
                                    {line.notices.iter().map(|n| view! {
                                        <div class="ts-cart__notice">
                                            <strong>{t.change(n.kind)}</strong>": "
                                            <s>{n.old.clone()}</s>" → "<span>{n.new.clone()}</span>
                                        </div>
                                    }).collect_view()}
                                </div>
                                <div class="ts-stepper" role="group" aria-label=t.quantity>
                                    <button type="button" aria-label=t.less disabled=move || q <= 1
                                        on:click=move |_| change(CartIntent::SetQuantity { line_id: minus_id.clone(), quantity: q - 1 })>"−"</button>
                                    <span class="ts-stepper__value">{q}</span>
                                    <button type="button" aria-label=t.more disabled=move || { q >= MAX_QUANTITY }
                                        on:click=move |_| change(CartIntent::SetQuantity { line_id: plus_id.clone(), quantity: q + 1 })>"+"</button>
                                </div>
                                <button class="ts-cart__remove" type="button" aria-label=t.remove
                                    on:click=move |_| change(CartIntent::Remove { line_id: remove_id.clone() })>"×"</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || !lines.with(Vec::is_empty)>
                <div class="ts-cart__total"><span>{t.total}</span><strong>{subtotal}</strong></div>
                <label class="ts-field">
                    <span>{t.note_for_shop}</span>
                    <textarea class="ts-cart__note" rows="2" maxlength=MAX_NOTE_CHARS.to_string()
                        prop:value=move || note.get() on:input=move |ev| note.set(event_target_value(&ev))></textarea>
                </label>
                <button class="ts-link ts-cart__clear" type="button" disabled=move || cart.busy.get()
                    on:click=move |_| change(CartIntent::Clear)>{t.empty_the_cart}</button>
                <button class="ts-button ts-cart__send" type="button"
                    disabled=move || cart.busy.get() || needs_ack.get()
                    on:click=move |_| {
                        let text = note.get_untracked();
                        on_send.run((!text.trim().is_empty()).then_some(text));
                    }>
                    {t.send_order}
                </button>
            </Show>
            <Show when=move || cart.error.with(Option::is_some)>
                <p class="ts-notice" role="alert">{move || cart.error.get().map(|e| e.message).unwrap_or_default()}</p>
            </Show>
        </div>
    }
}
