use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;
use talkshop_protocol::{ApiError, Availability, Currency, Money, Product, ProductInput};

use crate::api::Api;
use crate::console::i18n::{console_texts, ConsoleTexts};
use crate::i18n::{fill, money, money_locale, more};
use crate::shop_context::safe_image;

/// What the product form edits; turned into a `ProductInput` on save.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ProductDraft {
    retailer_id: String,
    title: String,
    description: String,
    image_url: String,
    amount: String,
    currency: String,
    /// "in_stock", "out_of_stock" or a number of items left.
    stock: String,
    /// Kept as they are: options and variants are managed through the API.
    base: Option<Product>,
}

impl ProductDraft {
    fn blank(currency: Currency) -> ProductDraft {
        ProductDraft {
            retailer_id: String::new(),
            title: String::new(),
            description: String::new(),
            image_url: String::new(),
            amount: String::new(),
            currency: currency.code().into(),
            stock: "in_stock".into(),
            base: None,
        }
    }

    fn from_product(p: &Product) -> ProductDraft {
        ProductDraft {
            retailer_id: p.retailer_id.clone(),
            title: p.title.clone(),
            description: p.description.clone(),
            image_url: p.image_url.clone(),
            amount: p.price.amount.to_string(),
            currency: p.price.currency.code().into(),
            stock: match p.availability {
                Availability::InStock => "in_stock".into(),
                Availability::OutOfStock => "out_of_stock".into(),
                Availability::Limited { quantity } => quantity.to_string(),
            },
            base: Some(p.clone()),
        }
    }

    fn to_input(&self, ct: &ConsoleTexts) -> Result<ProductInput, ApiError> {
        let amount = Decimal::from_str_exact(self.amount.trim())
            .map_err(|_| ApiError::invalid("price", fill(ct.price_not_number, "example", "189.90")))?;
        let currency: Currency = self.currency.parse()?;
        let availability = match self.stock.as_str() {
            "in_stock" => Availability::InStock,
            "out_of_stock" => Availability::OutOfStock,
            n => Availability::Limited {
                quantity: n.trim().parse().map_err(|_| ApiError::invalid("availability", ct.stock_not_number))?,
            },
        };
        let (options, variants) =
            self.base.as_ref().map(|b| (b.options.clone(), b.variants.clone())).unwrap_or_default();
        let input = ProductInput {
            retailer_id: self.retailer_id.trim().to_owned(),
            title: self.title.trim().to_owned(),
            description: self.description.trim().to_owned(),
            image_url: self.image_url.trim().to_owned(),
            price: Money::new(amount, currency),
            availability,
            options,
            variants,
        };
        input.validate()?;
        Ok(input)
    }
}

/// The shop's catalog: list, create, edit price/stock/text, archive.
#[component]
pub fn CatalogPage(api: Api) -> impl IntoView {
    let (t, ct, locale) = (more(), console_texts(), money_locale());
    let products = RwSignal::new(Vec::<Product>::new());
    let error = RwSignal::new(None::<ApiError>);
    let editing = RwSignal::new(None::<ProductDraft>);
    let api = StoredValue::new(api);
    let reload = move || {
        spawn_local(async move {
            match api.get_value().catalog().await {
                Ok(list) => products.set(list),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    reload();
    let default_currency = move || products.with(|p| p.first().map(|p| p.price.currency)).unwrap_or(Currency::Brl);
    let save = move |_| {
        let Some(draft) = editing.get_untracked() else { return };
        let input = match draft.to_input(ct) {
            Ok(input) => input,
            Err(err) => return error.set(Some(err)),
        };
        spawn_local(async move {
            let api = api.get_value();
            let result =
                if draft.base.is_some() { api.update_product(&input).await } else { api.create_product(&input).await };
            match result {
                Ok(_) => {
                    editing.set(None);
                    error.set(None);
                    reload();
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let archive = move |retailer_id: String| {
        spawn_local(async move {
            match api.get_value().archive_product(&retailer_id).await {
                Ok(_) => reload(),
                Err(err) => error.set(Some(err)),
            }
        })
    };
    let field = move |label: &'static str, get: fn(&ProductDraft) -> String, set: fn(&mut ProductDraft, String)| {
        view! {
            <label class="ts-field">
                <span>{label}</span>
                <input prop:value=move || editing.with(|d| d.as_ref().map(get).unwrap_or_default())
                    on:input=move |ev| editing.update(|d| if let Some(d) = d { set(d, event_target_value(&ev)) })/>
            </label>
        }
    };
    view! {
        <div class="ts-catalog">
            <div class="ts-catalog__bar">
                <h2>{ct.catalog}</h2>
                <button class="ts-button" type="button" on:click=move |_| editing.set(Some(ProductDraft::blank(default_currency())))>{ct.new_product}</button>
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="ts-notice" role="alert">
                    {move || error.get().map(|e| match e.field { Some(f) => format!("{} ({f})", e.message), None => e.message }).unwrap_or_default()}
                </p>
            </Show>
            <Show when=move || editing.with(Option::is_some)>
                <form class="ts-catalog__form" on:submit=move |ev| { ev.prevent_default(); save(()); }>
                    <h3>{move || if editing.with(|d| d.as_ref().is_some_and(|d| d.base.is_some())) { ct.edit_product } else { ct.new_product }}</h3>
                    {field(ct.field_sku, |d| d.retailer_id.clone(), |d, v| d.retailer_id = v)}
                    {field(ct.field_title, |d| d.title.clone(), |d, v| d.title = v)}
                    {field(ct.field_description, |d| d.description.clone(), |d, v| d.description = v)}
                    {field(ct.field_image, |d| d.image_url.clone(), |d, v| d.image_url = v)}
                    {field(ct.field_price, |d| d.amount.clone(), |d, v| d.amount = v)}
                    {field(ct.field_currency, |d| d.currency.clone(), |d, v| d.currency = v)}
                    {field(ct.field_stock, |d| d.stock.clone(), |d, v| d.stock = v)}
                    <div class="ts-catalog__actions">
                        <button class="ts-button" type="submit">{ct.save}</button>
                        <button class="ts-link" type="button" on:click=move |_| { editing.set(None); error.set(None); }>{ct.cancel}</button>
                    </div>
                </form>
            </Show>
            <table class="ts-catalog__table">
                <thead><tr><th></th><th>{ct.col_product}</th><th>{ct.col_sku}</th><th>{ct.field_price}</th><th>{ct.col_stock}</th><th>{ct.col_version}</th><th></th></tr></thead>
                <tbody>
                    <For each=move || products.get() key=|p| (p.retailer_id.clone(), p.version) let:p>
                        {
                            let edit = ProductDraft::from_product(&p);
                            let id = p.retailer_id.clone();
                            let archived = p.archived;
                            view! {
                                <tr class:ts-archived=archived>
                                    <td>{safe_image(&p.image_url).map(|src| view! { <img class="ts-catalog__thumb" src=src alt=""/> })}</td>
                                    <td>{p.title.clone()}{(!p.variants.is_empty()).then(|| format!(" · {}", fill(ct.variants, "n", p.variants.len())))}</td>
                                    <td><code>{p.retailer_id.clone()}</code></td>
                                    <td>{money(&p.price, locale)}</td>
                                    <td>{if archived { ct.archived.to_string() } else { t.availability(p.availability) }}</td>
                                    <td>{p.version}</td>
                                    <td class="ts-catalog__row-actions">
                                        <button class="ts-link" type="button" on:click=move |_| editing.set(Some(edit.clone()))>{ct.edit}</button>
                                        {(!archived).then(|| view! {
                                            <button class="ts-link" type="button" on:click=move |_| archive(id.clone())>{ct.archive}</button>
                                        })}
                                    </td>
                                </tr>
                            }
                        }
                    </For>
                </tbody>
            </table>
        </div>
    }
}
