use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::product_message::{MAX_PRODUCTS, MAX_SECTIONS};
use talkshop_protocol::{ApiError, Product, ProductMessage, ProductSection};

use crate::api::Api;
use crate::console::i18n::console_texts;
use crate::device::random_id;
use crate::i18n::{money, money_locale, more};

/// Groups picked products into sections by the title typed next to each, in
/// the order the titles first appear; an empty title becomes `default_title`.
pub fn sections_of(picked: &[(String, String)], default_title: &str) -> Vec<ProductSection> {
    let mut sections: Vec<ProductSection> = Vec::new();
    for (retailer_id, title) in picked {
        let title = if title.trim().is_empty() { default_title.to_string() } else { title.trim().to_string() };
        match sections.iter_mut().find(|s| s.title == title) {
            Some(s) => s.retailer_ids.push(retailer_id.clone()),
            None => sections.push(ProductSection { title, retailer_ids: vec![retailer_id.clone()] }),
        }
    }
    sections
}

/// Sends one product or a product list into the open conversation.
#[component]
pub fn ProductPicker(
    api: Api,
    conversation: String,
    #[prop(into)] on_done: Callback<()>,
    #[prop(into)] on_sent: Callback<talkshop_protocol::Message>,
) -> impl IntoView {
    let (t, ct, locale) = (more(), console_texts(), money_locale());
    let products = RwSignal::new(Vec::<Product>::new());
    // (retailer_id, section title) in the order picked.
    let picked = RwSignal::new(Vec::<(String, String)>::new());
    let header = RwSignal::new(String::new());
    let body = RwSignal::new(String::new());
    let footer = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let busy = RwSignal::new(false);
    let api = StoredValue::new(api);
    spawn_local(async move {
        match api.get_value().catalog().await {
            Ok(list) => products.set(list.into_iter().filter(|p| !p.archived).collect()),
            Err(err) => error.set(Some(err)),
        }
    });
    let toggle = move |id: String| {
        picked.update(|p| match p.iter().position(|(x, _)| *x == id) {
            Some(i) => {
                p.remove(i);
            }
            None => p.push((id, ct.featured.into())),
        })
    };
    let counts = move || {
        picked.with(|p| {
            let sections = sections_of(p, ct.featured).len();
            ct.picker_counts(p.len(), sections, MAX_PRODUCTS, MAX_SECTIONS)
        })
    };
    let optional = |s: String| (!s.trim().is_empty()).then_some(s);
    let send = move |_| {
        let list = picked.get_untracked();
        let message = if list.len() == 1 && header.with_untracked(|h| h.trim().is_empty()) {
            ProductMessage::Single {
                retailer_id: list[0].0.clone(),
                body: optional(body.get_untracked()),
                footer: optional(footer.get_untracked()),
            }
        } else {
            ProductMessage::Multi {
                header: header.get_untracked(),
                body: optional(body.get_untracked()),
                footer: optional(footer.get_untracked()),
                sections: sections_of(&list, ct.featured),
            }
        };
        if let Err(err) = message.validate() {
            return error.set(Some(err));
        }
        busy.set(true);
        let conversation = conversation.clone();
        spawn_local(async move {
            match api.get_value().send_products(&conversation, &random_id("p-"), message).await {
                Ok(sent) => {
                    on_sent.run(sent);
                    on_done.run(());
                }
                Err(err) => error.set(Some(err)),
            }
            busy.set(false);
        });
    };
    view! {
        <div class="ts-picker" role="dialog" aria-label=ct.send_products>
            <div class="ts-picker__bar">
                <h3>{ct.send_products}</h3>
                <span class="ts-picker__count">{counts}</span>
                <button class="ts-link" type="button" on:click=move |_| on_done.run(())>{ct.close}</button>
            </div>
            <p class="ts-picker__hint">{ct.picker_hint}</p>
            <div class="ts-picker__texts">
                <label class="ts-field"><span>{ct.field_header}</span>
                    <input prop:value=move || header.get() on:input=move |ev| header.set(event_target_value(&ev))/></label>
                <label class="ts-field"><span>{ct.field_body}</span>
                    <input prop:value=move || body.get() on:input=move |ev| body.set(event_target_value(&ev))/></label>
                <label class="ts-field"><span>{ct.field_footer}</span>
                    <input prop:value=move || footer.get() on:input=move |ev| footer.set(event_target_value(&ev))/></label>
            </div>
            <ul class="ts-picker__list">
                <For each=move || products.get() key=|p| p.retailer_id.clone() let:p>
                    {
                        let id = p.retailer_id.clone();
                        let (id_check, id_section, id_set) = (id.clone(), id.clone(), id.clone());
                        let is_picked = Memo::new(move |_| picked.with(|list| list.iter().any(|(x, _)| *x == id_check)));
                        view! {
                            <li class="ts-picker__item">
                                <label>
                                    <input type="checkbox" prop:checked=move || is_picked.get() on:change=move |_| toggle(id.clone())/>
                                    <span>{p.title.clone()}</span>
                                    <small>{format!(" {} · {}", p.retailer_id, money(&p.from_price(), locale))}</small>
                                </label>
                                <Show when=move || is_picked.get()>
                                    <input class="ts-picker__section" aria-label=ct.section_title maxlength="24"
                                        prop:value={
                                            let id_section = id_section.clone();
                                            move || picked.with(|list| list.iter().find(|(x, _)| *x == id_section).map(|(_, t)| t.clone()).unwrap_or_default())
                                        }
                                        on:input={
                                            let id_set = id_set.clone();
                                            move |ev| {
                                                let value = event_target_value(&ev);
                                                picked.update(|list| if let Some(entry) = list.iter_mut().find(|(x, _)| *x == id_set) { entry.1 = value; });
                                            }
                                        }/>
                                </Show>
                            </li>
                        }
                    }
                </For>
            </ul>
            <Show when=move || error.with(Option::is_some)>
                <p class="ts-notice" role="alert">{move || error.get().map(|e| e.message).unwrap_or_default()}</p>
            </Show>
            <button class="ts-button" type="button" on:click=send disabled=move || busy.get() || picked.with(Vec::is_empty)>{t.send}</button>
        </div>
    }
}
