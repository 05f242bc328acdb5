use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::{ApiError, Order};

use crate::api::Api;
use crate::components::order_card::OrderCard;

/// Purchase requests received, newest first.
#[component]
pub fn OrdersPage(api: Api) -> impl IntoView {
    let orders = RwSignal::new(Vec::<Order>::new());
    let error = RwSignal::new(None::<ApiError>);
    spawn_local(async move {
        match api.orders().await {
            Ok(list) => orders.set(list.orders),
            Err(err) => error.set(Some(err)),
        }
    });
    view! {
        <div class="ts-orders">
            <h2>"Orders"</h2>
            <Show when=move || error.with(Option::is_some)>
                <p class="ts-notice" role="alert">{move || error.get().map(|e| e.message).unwrap_or_default()}</p>
            </Show>
            <Show when=move || orders.with(Vec::is_empty) && error.with(Option::is_none)>
                <p class="ts-empty">"No purchase requests yet."</p>
            </Show>
            <div class="ts-orders__grid">
                <For each=move || orders.get() key=|o| o.id.clone() let:order>
                    <OrderCard order=order/>
                </For>
            </div>
        </div>
    }
}
