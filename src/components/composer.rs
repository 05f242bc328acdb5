use leptos::prelude::*;
use talkshop_protocol::MAX_TEXT_CHARS;

use crate::i18n::texts;

/// Show the character counter once a message gets this long.
const COUNTER_FROM: usize = MAX_TEXT_CHARS - 500;

/// Text box and send button. Enter sends, Shift+Enter starts a new line.
/// `on_send` returns whether the text was taken (then the box is cleared).
#[component]
pub fn Composer(
    #[prop(into)] on_send: Callback<String, bool>,
    #[prop(into, optional)] placeholder: Option<String>,
    #[prop(into, optional)] disabled: Signal<bool>,
    /// Called on every keystroke that leaves text in the box (typing indicator).
    #[prop(into, optional)]
    on_typing: Option<Callback<()>>,
) -> impl IntoView {
    let t = texts();
    let text = RwSignal::new(String::new());
    let chars = Memo::new(move |_| text.with(|t| t.chars().count()));
    let sendable = move || !disabled.get() && text.with(|t| !t.trim().is_empty()) && chars.get() <= MAX_TEXT_CHARS;
    let submit = move || {
        if sendable() && on_send.run(text.get_untracked()) {
            text.set(String::new());
        }
    };
    view! {
        <form class="ts-composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <textarea
                class="ts-composer__input"
                rows="1"
                aria-label=t.message
                placeholder=placeholder.unwrap_or_else(|| t.write_message.into())
                prop:value=move || text.get()
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    if let (Some(typing), false) = (on_typing, value.trim().is_empty()) {
                        typing.run(());
                    }
                    text.set(value);
                }
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                        ev.prevent_default();
                        submit();
                    }
                }
            ></textarea>
            <Show when=move || { chars.get() >= COUNTER_FROM }>
                <span class="ts-composer__count" class:ts-over=move || { chars.get() > MAX_TEXT_CHARS }>
                    {move || format!("{} / {MAX_TEXT_CHARS}", chars.get())}
                </span>
            </Show>
            <button class="ts-composer__send" type="submit" aria-label=t.send disabled=move || !sendable()>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M3 20l18-8L3 4v6l12 2-12 2z"></path></svg>
            </button>
        </form>
    }
}
