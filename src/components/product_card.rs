use leptos::prelude::*;
use talkshop_protocol::locale::Locale;
use talkshop_protocol::Product;

use crate::i18n::{fill, money, money_locale, more, More};

use crate::shop_context::{catalog, opener, safe_image};

/// Price line: the price, or "from" the cheapest variant.
pub fn price_label(product: &Product, t: &More, locale: Option<Locale>) -> String {
    if product.variants.is_empty() {
        money(&product.price, locale)
    } else {
        fill(t.from_price, "price", money(&product.from_price(), locale))
    }
}

/// Stock line; an archived product is marked, not hidden.
pub fn stock_label(product: &Product, t: &More) -> (String, bool) {
    if product.archived {
        (t.no_longer_available.into(), false)
    } else if product.is_available() {
        let label = if product.variants.is_empty() { t.availability(product.availability) } else { t.in_stock.into() };
        (label, true)
    } else {
        (t.out_of_stock.into(), false)
    }
}

/// A single-product message: image, title, price, availability, body, footer, View.
#[component]
pub fn ProductCard(retailer_id: String, body: Option<String>, footer: Option<String>) -> impl IntoView {
    let (t, locale) = (more(), money_locale());
    let cache = catalog();
    // Most cards in a thread show products already known: no request to build.
    if let Some(cache) = cache.filter(|c| c.products.with_untracked(|p| !p.contains_key(&retailer_id))) {
        cache.ensure(vec![retailer_id.clone()]);
    }
    let id = retailer_id.clone();
    let product = Memo::new(move |_| cache.and_then(|c| c.get(&id)));
    let open = opener();
    let view_id = retailer_id.clone();
    view! {
        <div class="ts-product">
            {move || match product.get() {
                None => view! { <div class="ts-product__loading">{t.loading_product}</div> }.into_any(),
                Some(p) => {
                    let (stock, available) = stock_label(&p, t);
                    view! {
                        {safe_image(&p.image_url).map(|src| view! { <img class="ts-product__img" src=src alt=p.title.clone() loading="lazy"/> })}
                        <div class="ts-product__info">
                            <div class="ts-product__title">{p.title.clone()}</div>
                            <div class="ts-product__price">{price_label(&p, t, locale)}</div>
                            <div class="ts-product__stock" class:ts-out=!available>{stock}</div>
                        </div>
                    }.into_any()
                }
            }}
            {body.filter(|b| !b.trim().is_empty()).map(|b| view! { <p class="ts-product__body">{b}</p> })}
            {footer.filter(|f| !f.trim().is_empty()).map(|f| view! { <p class="ts-product__footer">{f}</p> })}
            {open.map(|open| {
                let id = view_id.clone();
                view! { <button class="ts-product__view" type="button" on:click=move |_| open.0.run(id.clone())>{t.view}</button> }
            })}
        </div>
    }
}
