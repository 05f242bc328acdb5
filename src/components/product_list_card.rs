use leptos::prelude::*;
use talkshop_protocol::ProductSection;

use crate::components::product_card::{price_label, stock_label};
use crate::i18n::{money_locale, more};
use crate::shop_context::{catalog, opener, safe_image};

/// A multi-product message: header, body, sections of compact product rows.
#[component]
pub fn ProductListCard(
    header: String,
    body: Option<String>,
    footer: Option<String>,
    sections: Vec<ProductSection>,
) -> impl IntoView {
    let (t, locale) = (more(), money_locale());
    let cache = catalog();
    if let Some(cache) = cache {
        cache.ensure(sections.iter().flat_map(|s| s.retailer_ids.iter().cloned()).collect());
    }
    let open = opener();
    let count: usize = sections.iter().map(|s| s.retailer_ids.len()).sum();
    view! {
        <div class="ts-plist">
            <div class="ts-plist__header">{header}</div>
            {body.filter(|b| !b.trim().is_empty()).map(|b| view! { <p class="ts-plist__body">{b}</p> })}
            <div class="ts-plist__count">{t.items(count as u32)}</div>
            <div class="ts-plist__scroll">
                {sections.into_iter().map(|section| view! {
                    <section class="ts-plist__section">
                        <h3 class="ts-plist__title">{section.title}</h3>
                        <ul class="ts-plist__items">
                            {section.retailer_ids.into_iter().map(|id| {
                                let lookup = id.clone();
                                let product = Memo::new(move |_| cache.and_then(|c| c.get(&lookup)));
                                let click_id = id.clone();
                                let on_click = move |_| if let Some(open) = open { open.0.run(click_id.clone()) };
                                view! {
                                    <li>
                                        <button class="ts-plist__item" type="button" on:click=on_click disabled=open.is_none()>
                                            {move || match product.get() {
                                                None => view! { <span class="ts-plist__name">{id.clone()}</span> }.into_any(),
                                                Some(p) => {
                                                    let (stock, available) = stock_label(&p, t);
                                                    view! {
                                                        {safe_image(&p.image_url).map(|src| view! { <img class="ts-plist__thumb" src=src alt="" loading="lazy"/> })}
                                                        <span class="ts-plist__name">{p.title.clone()}</span>
                                                        <span class="ts-plist__price">{price_label(&p, t, locale)}</span>
                                                        {(!available).then(|| view! { <span class="ts-plist__stock ts-out">{stock}</span> })}
                                                    }.into_any()
                                                }
                                            }}
                                        </button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </section>
                }).collect_view()}
            </div>
            {footer.filter(|f| !f.trim().is_empty()).map(|f| view! { <p class="ts-plist__footer">{f}</p> })}
        </div>
    }
}
