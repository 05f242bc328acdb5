use leptos::prelude::*;

/// "Shop is typing…" under the thread while the other party types.
#[component]
pub fn TypingIndicator(#[prop(into)] shown: Signal<bool>, text: &'static str) -> impl IntoView {
    view! {
        <p class="ts-typing" role="status" aria-live="polite">
            <Show when=move || shown.get()>
                <span class="ts-typing__dots" aria-hidden="true"><i></i><i></i><i></i></span>
                <span class="ts-typing__text">{text}</span>
            </Show>
        </p>
    }
}
