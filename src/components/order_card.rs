use leptos::prelude::*;
use talkshop_protocol::Order;

/// A purchase request in the thread: lines, quantities, unit prices, total, note.
#[component]
pub fn OrderCard(order: Order) -> impl IntoView {
    let items: u32 = order.lines.iter().map(|l| l.quantity).sum();
    view! {
        <div class="ts-order">
            <div class="ts-order__head">
                <span class="ts-order__title">"Purchase request"</span>
                <span class="ts-order__count">{format!("{items} item{}", if items == 1 { "" } else { "s" })}</span>
            </div>
            <ul class="ts-order__lines">
                {order.lines.into_iter().map(|line| {
                    let options = line.options.iter().map(|(k, v)| format!("{k}: {v}")).collect::<Vec<_>>().join(", ");
                    view! {
                        <li class="ts-order__line">
                            <span class="ts-order__name">{line.title}</span>
                            {(!options.is_empty()).then(|| view! { <span class="ts-order__opts">{options}</span> })}
                            <span class="ts-order__qty">{format!("{} × {}", line.quantity, line.unit_price.display())}</span>
                            <span class="ts-order__sum">{line.line_total.display()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <div class="ts-order__total"><span>"Total"</span><strong>{order.total.display()}</strong></div>
            {order.note.map(|n| view! { <p class="ts-order__note">{n}</p> })}
        </div>
    }
}
