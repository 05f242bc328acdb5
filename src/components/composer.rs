use leptos::prelude::*;
use talkshop_protocol::attachment::{describe_size, ACCEPTED_TYPES};
use talkshop_protocol::MAX_TEXT_CHARS;
use wasm_bindgen::JsCast;

use crate::i18n::{more, texts};
use crate::parts;

/// Show the character counter once a message gets this long.
const COUNTER_FROM: usize = MAX_TEXT_CHARS - 500;

/// Text box and send button. Enter sends, Shift+Enter starts a new line.
/// `on_send` returns whether the text was taken (then the box is cleared).
/// With `on_attach`, a paperclip picks a photo or PDF: it waits above the box
/// with an optional description until sent (Send or Enter), then `uploading`
/// shows its progress. The waiting file's line ([`AttachDraft`]) is the
/// `upload` part's code, fetched as the first file is chosen.
#[component]
pub fn Composer(
    #[prop(into)] on_send: Callback<String, bool>,
    #[prop(into, optional)] placeholder: Option<String>,
    #[prop(into, optional)] disabled: Signal<bool>,
    /// Called on every keystroke that leaves text in the box (typing indicator).
    #[prop(into, optional)]
    on_typing: Option<Callback<()>>,
    /// Sends a chosen file with its description (empty: the file name).
    #[prop(into, optional)]
    on_attach: Option<Callback<(web_sys::File, String)>>,
    /// Percent sent of the file being uploaded.
    #[prop(into, optional)]
    uploading: Signal<Option<u8>>,
) -> impl IntoView {
    let t = texts();
    let text = RwSignal::new(String::new());
    let chars = Memo::new(move |_| text.with(|t| t.chars().count()));
    // The chosen file and its description, until sent or removed.
    let draft = RwSignal::new_local(None::<web_sys::File>);
    let alt = RwSignal::new(String::new());
    let has_draft = move || draft.with(Option::is_some);
    let sendable = move || {
        !disabled.get()
            && if has_draft() {
                uploading.with(Option::is_none)
            } else {
                text.with(|t| !t.trim().is_empty()) && chars.get() <= MAX_TEXT_CHARS
            }
    };
    let submit = move || {
        if !sendable() {
            return;
        }
        if let (Some(file), Some(attach)) = (draft.get_untracked(), on_attach) {
            attach.run((file, alt.get_untracked()));
            draft.set(None);
            alt.set(String::new());
        } else if on_send.run(text.get_untracked()) {
            text.set(String::new());
        }
    };
    let chosen = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        draft.set(input.files().and_then(|files| files.get(0)));
        // The same file can be chosen again after it is removed.
        input.set_value("");
    };
    let attach_button = on_attach.map(|_| {
        view! {
            <label class="ts-composer__attach" title=t.attach>
                <input class="ts-sr-only" type="file" accept=ACCEPTED_TYPES aria-label=t.attach on:change=chosen/>
                <svg viewBox="0 0 24 24" aria-hidden="true"><path d="M16.5 6.5l-8 8a2 2 0 002.8 2.8l8-8a4 4 0 00-5.6-5.6l-8 8a6 6 0 008.5 8.5l7-7-1.4-1.4-7 7a4 4 0 01-5.7-5.7l8-8a2 2 0 012.8 2.8l-8 8-1.4-1.4 8-8z"></path></svg>
            </label>
        }
    });
    view! {
        <form class="ts-composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            {move || uploading.get().map(|percent| view! {
                <div class="ts-upload" role="progressbar" aria-label=t.uploading aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent>
                    <div class="ts-upload__bar" style:width=format!("{percent}%")></div>
                </div>
            })}
            {move || has_draft().then(|| parts::draft(draft, alt))}
            {attach_button}
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

/// The chosen file, its size, the box for its description and the button
/// that removes it, above the composer's text box until sent.
#[component]
pub fn AttachDraft(draft: RwSignal<Option<web_sys::File>, LocalStorage>, alt: RwSignal<String>) -> impl IntoView {
    let t = more();
    view! {
        <div class="ts-attach-draft">
            <span class="ts-attach-draft__file">
                {move || draft.with(|f| f.as_ref().map(|f| format!("{} · {}", f.name(), describe_size(f.size() as u64))))}
            </span>
            <input class="ts-attach-draft__alt" type="text" aria-label=t.describe_photo placeholder=t.describe_photo
                prop:value=move || alt.get() on:input=move |ev| alt.set(event_target_value(&ev))/>
            <button class="ts-attach-draft__remove" type="button" aria-label=t.remove_file title=t.remove_file
                on:click=move |_| { draft.set(None); alt.set(String::new()); }>"×"</button>
        </div>
    }
}
