use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::ApiError;

use crate::components::payment_card::{PaymentCard, Payments};
use crate::i18n::more;

/// The buyer's orders with this shop and where each one is.
#[component]
pub fn MyOrders(#[prop(into)] on_back: Callback<()>) -> impl IntoView {
    let t = more();
    let payments = use_context::<Payments>();
    let ids = RwSignal::new(Vec::<String>::new());
    let error = RwSignal::new(None::<ApiError>);
    let loaded = RwSignal::new(false);
    if let Some(p) = payments {
        spawn_local(async move {
            match p.api.get_value().payment_requests(None).await {
                Ok(list) => {
                    ids.set(list.requests.iter().map(|r| r.id.clone()).collect());
                    for r in list.requests {
                        p.apply(r);
                    }
                }
                Err(err) => error.set(Some(err)),
            }
            loaded.set(true);
        });
    }
    view! {
        <div class="ts-cart">
            <button class="ts-back" type="button" on:click=move |_| on_back.run(())>{t.back_to_chat}</button>
            <h3 class="ts-cart__title">{t.my_orders}</h3>
            <Show when=move || loaded.get() && ids.with(Vec::is_empty)>
                <p class="ts-empty">{t.no_orders}</p>
            </Show>
            <For each=move || ids.get() key=|id| id.clone() let:id>
                {move || payments.and_then(|p| p.requests.with(|m| m.get(&id).cloned())).map(|r| view! { <PaymentCard request=r/> })}
            </For>
            <Show when=move || error.with(Option::is_some)>
                <p class="ts-notice" role="alert">{move || error.get().map(|e| e.message).unwrap_or_default()}</p>
            </Show>
        </div>
    }
}
