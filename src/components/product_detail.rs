use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::cart::MAX_QUANTITY;
use talkshop_protocol::catalog::Availability;
use talkshop_protocol::{AddToCart, Product};

use crate::cart_state::{CartIntent, CartState};
use crate::components::product_card::stock_label;
use crate::i18n::{money, money_locale, more};
use crate::shop_context::{catalog, safe_image};

/// The options a buyer picks first: those of the first variant they can buy.
fn initial_choice(product: &Product) -> BTreeMap<String, String> {
    product
        .variants
        .iter()
        .find(|v| v.availability.is_available())
        .or(product.variants.first())
        .map(|v| v.options.clone())
        .unwrap_or_default()
}

/// Most a buyer can pick for this availability.
fn max_quantity(availability: Availability) -> u32 {
    match availability {
        Availability::Limited { quantity } => quantity.min(MAX_QUANTITY),
        _ => MAX_QUANTITY,
    }
}

/// Product detail: options, quantity, add to cart.
#[component]
pub fn ProductDetail(
    retailer_id: String,
    cart: CartState,
    #[prop(into)] on_back: Callback<()>,
    #[prop(into)] on_added: Callback<()>,
) -> impl IntoView {
    let (t, locale) = (more(), money_locale());
    let cache = catalog();
    if let Some(cache) = cache {
        cache.ensure(vec![retailer_id.clone()]);
    }
    let id = retailer_id.clone();
    let product = Memo::new(move |_| cache.and_then(|c| c.get(&id)));
    let choice = RwSignal::new(BTreeMap::<String, String>::new());
    let quantity = RwSignal::new(1u32);
    Effect::new(move |_| {
        if let Some(p) = product.get() {
            if choice.with_untracked(BTreeMap::is_empty) {
                choice.set(initial_choice(&p));
            }
        }
    });
    // The product or the variant the options point at: (sku, price, availability).
    let selected = Memo::new(move |_| {
        let p = product.get()?;
        let chosen = choice.get();
        if p.variants.is_empty() {
            return Some((None, p.price, p.availability));
        }
        p.variants.iter().find(|v| v.options == chosen).map(|v| (Some(v.sku.clone()), v.price, v.availability))
    });
    let add = move |_| {
        let (Some(p), Some((variant_sku, _, _))) = (product.get_untracked(), selected.get_untracked()) else { return };
        let line = AddToCart { retailer_id: p.retailer_id.clone(), variant_sku, quantity: quantity.get_untracked() };
        spawn_local(async move {
            if cart.change(CartIntent::Add(line)).await {
                on_added.run(());
            }
        });
    };
    view! {
        <div class="ts-detail">
            <button class="ts-back" type="button" on:click=move |_| on_back.run(())>{t.back}</button>
            {move || match product.get() {
                None => view! { <p class="ts-empty">{t.loading_product}</p> }.into_any(),
                Some(p) => {
                    let (stock, _) = stock_label(&p, t);
                    let options = p.options.clone();
                    view! {
                        {safe_image(&p.image_url).map(|src| view! { <img class="ts-detail__img" src=src alt=p.title.clone()/> })}
                        <h3 class="ts-detail__title">{p.title.clone()}</h3>
                        <div class="ts-detail__price">
                            {move || selected.get().map(|(_, price, _)| money(&price, locale)).unwrap_or_else(|| t.choose_options.into())}
                        </div>
                        <div class="ts-detail__stock">
                            {move || match (p.archived, selected.get()) {
                                (true, _) => stock.clone(),
                                (false, Some((_, _, a))) => t.availability(a),
                                (false, None) => t.combination_not_offered.into(),
                            }}
                        </div>
                        {(!p.description.is_empty()).then(|| view! { <p class="ts-detail__desc">{p.description.clone()}</p> })}
                        {options.into_iter().map(|option| {
                            let name = option.name.clone();
                            view! {
                                <fieldset class="ts-detail__option">
                                    <legend>{option.name.clone()}</legend>
                                    {option.values.into_iter().map(|value| {
                                        let (n1, v1, n2, v2) = (name.clone(), value.clone(), name.clone(), value.clone());
                                        let picked = Memo::new(move |_| choice.with(|c| c.get(&n1) == Some(&v1)));
                                        view! {
                                            <button type="button" class="ts-chip" class:ts-chip--on=picked
                                                aria-pressed=move || picked.get().to_string()
                                                on:click=move |_| choice.update(|c| { c.insert(n2.clone(), v2.clone()); })>
                                                {value}
                                            </button>
                                        }
                                    }).collect_view()}
                                </fieldset>
                            }
                        }).collect_view()}
                    }.into_any()
                }
            }}
            <div class="ts-detail__buy">
                <div class="ts-stepper" role="group" aria-label=t.quantity>
                    <button type="button" aria-label=t.less on:click=move |_| quantity.update(|q| *q = q.saturating_sub(1).max(1))>"−"</button>
                    <span class="ts-stepper__value" aria-live="polite">{move || quantity.get()}</span>
                    <button type="button" aria-label=t.more on:click=move |_| {
                        let max = selected.get_untracked().map_or(MAX_QUANTITY, |(_, _, a)| max_quantity(a));
                        quantity.update(|q| *q = (*q + 1).min(max));
                    }>"+"</button>
                </div>
                <button class="ts-button ts-detail__add" type="button" on:click=add
                    disabled=move || {
                        cart.busy.get()
                            || product.with(|p| p.as_ref().is_none_or(|p| p.archived))
                            || !selected.get().is_some_and(|(_, _, a)| a.can_buy(quantity.get()))
                    }>
                    {t.add_to_cart}
                </button>
            </div>
            <Show when=move || cart.error.with(Option::is_some)>
                <p class="ts-notice" role="alert">{move || cart.error.get().map(|e| e.message).unwrap_or_default()}</p>
            </Show>
        </div>
    }
}
