use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;
use talkshop_protocol::{ApiError, Availability, Currency, Money, Product, ProductInput};

use crate::api::Api;
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

    fn to_input(&self) -> Result<ProductInput, ApiError> {
        let amount = Decimal::from_str_exact(self.amount.trim())
            .map_err(|_| ApiError::invalid("price", "Price must be a number such as 189.90"))?;
        let currency: Currency = self.currency.parse()?;
        let availability = match self.stock.as_str() {
            "in_stock" => Availability::InStock,
            "out_of_stock" => Availability::OutOfStock,
            n => Availability::Limited {
                quantity: n
                    .trim()
                    .parse()
                    .map_err(|_| ApiError::invalid("availability", "Stock must be a whole number"))?,
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
        let input = match draft.to_input() {
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
                <h2>"Catalog"</h2>
                <button class="ts-button" type="button" on:click=move |_| editing.set(Some(ProductDraft::blank(default_currency())))>"New product"</button>
            </div>
            <Show when=move || error.with(Option::is_some)>
                <p class="ts-notice" role="alert">
                    {move || error.get().map(|e| match e.field { Some(f) => format!("{} ({f})", e.message), None => e.message }).unwrap_or_default()}
                </p>
            </Show>
            <Show when=move || editing.with(Option::is_some)>
                <form class="ts-catalog__form" on:submit=move |ev| { ev.prevent_default(); save(()); }>
                    <h3>{move || if editing.with(|d| d.as_ref().is_some_and(|d| d.base.is_some())) { "Edit product" } else { "New product" }}</h3>
                    {field("SKU (retailer id)", |d| d.retailer_id.clone(), |d, v| d.retailer_id = v)}
                    {field("Title", |d| d.title.clone(), |d, v| d.title = v)}
                    {field("Description", |d| d.description.clone(), |d, v| d.description = v)}
                    {field("Image URL (https:// or /path)", |d| d.image_url.clone(), |d, v| d.image_url = v)}
                    {field("Price", |d| d.amount.clone(), |d, v| d.amount = v)}
                    {field("Currency (BRL, THB, IDR…)", |d| d.currency.clone(), |d, v| d.currency = v)}
                    {field("Stock: in_stock, out_of_stock or a number left", |d| d.stock.clone(), |d, v| d.stock = v)}
                    <div class="ts-catalog__actions">
                        <button class="ts-button" type="submit">"Save"</button>
                        <button class="ts-link" type="button" on:click=move |_| { editing.set(None); error.set(None); }>"Cancel"</button>
                    </div>
                </form>
            </Show>
            <table class="ts-catalog__table">
                <thead><tr><th></th><th>"Product"</th><th>"SKU"</th><th>"Price"</th><th>"Stock"</th><th>"Version"</th><th></th></tr></thead>
                <tbody>
                    <For each=move || products.get() key=|p| (p.retailer_id.clone(), p.version) let:p>
                        {
                            let edit = ProductDraft::from_product(&p);
                            let id = p.retailer_id.clone();
                            let archived = p.archived;
                            view! {
                                <tr class:ts-archived=archived>
                                    <td>{safe_image(&p.image_url).map(|src| view! { <img class="ts-catalog__thumb" src=src alt=""/> })}</td>
                                    <td>{p.title.clone()}{(!p.variants.is_empty()).then(|| format!(" · {} variants", p.variants.len()))}</td>
                                    <td><code>{p.retailer_id.clone()}</code></td>
                                    <td>{p.price.display()}</td>
                                    <td>{if archived { "Archived".to_string() } else { p.availability.label() }}</td>
                                    <td>{p.version}</td>
                                    <td class="ts-catalog__row-actions">
                                        <button class="ts-link" type="button" on:click=move |_| editing.set(Some(edit.clone()))>"Edit"</button>
                                        {(!archived).then(|| view! {
                                            <button class="ts-link" type="button" on:click=move |_| archive(id.clone())>"Archive"</button>
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
