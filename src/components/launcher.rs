use leptos::prelude::*;

use crate::i18n::texts;

/// The chat bubble with the unread badge.
#[component]
pub fn Launcher(
    #[prop(into)] open: Signal<bool>,
    #[prop(into)] unread: Signal<usize>,
    #[prop(into)] on_toggle: Callback<()>,
    /// Where focus returns when the panel closes.
    #[prop(optional)]
    node_ref: NodeRef<leptos::html::Button>,
) -> impl IntoView {
    let t = texts();
    let label = move || t.launcher(open.get(), unread.get());
    view! {
        <button
            class="ts-launcher"
            node_ref=node_ref
            type="button"
            aria-label=label
            aria-expanded=move || open.get().to_string()
            on:click=move |_| on_toggle.run(())
        >
            <svg class="ts-launcher__icon" viewBox="0 0 24 24" aria-hidden="true">
                <path d=move || {
                    if open.get() {
                        "M6.4 8.6 12 14.2l5.6-5.6L19 10l-7 7-7-7z"
                    } else {
                        "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"
                    }
                }></path>
            </svg>
            <Show when=move || { !open.get() && unread.get() > 0 }>
                <span class="ts-badge" aria-hidden="true">
                    {move || { let n = unread.get(); if n > 99 { "99+".to_owned() } else { n.to_string() } }}
                </span>
            </Show>
        </button>
    }
}
