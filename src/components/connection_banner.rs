use leptos::prelude::*;
use talkshop_protocol::ApiError;

use crate::i18n::texts;

/// Tells the user the shop can't be reached, and lets them retry now.
#[component]
pub fn ConnectionBanner(
    /// The problem to show, if any.
    #[prop(into)]
    problem: Signal<Option<ApiError>>,
    #[prop(into)] on_retry: Callback<()>,
) -> impl IntoView {
    let t = texts();
    view! {
        <Show when=move || problem.with(Option::is_some)>
            <div class="ts-banner" role="alert">
                <span class="ts-banner__text">
                    {move || problem.get().map(|p| p.message).unwrap_or_default()}
                </span>
                <button class="ts-banner__retry" type="button" on:click=move |_| on_retry.run(())>
                    {t.retry}
                </button>
            </div>
        </Show>
    }
}
