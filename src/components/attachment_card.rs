use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use talkshop_protocol::attachment::describe_size;
use talkshop_protocol::{Attachment, AttachmentKind};
use wasm_bindgen::JsCast;

use crate::api::Api;
use crate::i18n::more;

/// How thread cards reach attachments' bytes: the open session's API (its token).
#[derive(Clone, Copy)]
pub struct FileAccess(pub StoredValue<Api>);

/// Only URLs the page made itself are shown or opened.
fn own_blob(url: String) -> Option<String> {
    url.starts_with("blob:").then_some(url)
}

/// Fetches an attachment (or its thumbnail) into `into`; a failure is written to `error`.
fn fetch_into(
    access: Option<FileAccess>,
    id: String,
    thumb: bool,
    into: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
) {
    let Some(api) = access.and_then(|FileAccess(api)| api.try_get_value()) else { return };
    spawn_local(async move {
        match api.attachment_url(&id, thumb).await {
            Ok(url) => {
                // `Some`: the card went away while loading, so nothing shows the URL.
                if let Some(Some(gone)) = into.try_set(own_blob(url)) {
                    let _ = web_sys::Url::revoke_object_url(&gone);
                }
            }
            Err(err) => {
                error.try_set(Some(err.message));
            }
        }
    });
}

fn revoke(url: RwSignal<Option<String>>) {
    if let Some(url) = url.try_get_untracked().flatten() {
        let _ = web_sys::Url::revoke_object_url(&url);
    }
}

/// A photo (thumbnail that opens full size in an overlay) or a PDF (card with
/// its name and size that downloads it). Names and descriptions are text.
#[component]
pub fn AttachmentCard(attachment: Attachment) -> impl IntoView {
    let t = more();
    let access = use_context::<FileAccess>();
    let Attachment { id, kind, name, size, width, height, alt, .. } = attachment;
    let error = RwSignal::new(None::<String>);
    let problem = move || error.get().map(|e| view! { <span class="ts-file__error" role="alert">{e}</span> });
    if kind == AttachmentKind::Pdf {
        let label = name.clone();
        let download = move |_| {
            let (id, name) = (id.clone(), name.clone());
            let Some(api) = access.and_then(|FileAccess(api)| api.try_get_value()) else { return };
            spawn_local(async move {
                match api.attachment_url(&id, false).await.map(own_blob) {
                    Ok(Some(url)) => save(&url, &name),
                    Ok(None) => {}
                    Err(err) => {
                        error.try_set(Some(err.message));
                    }
                }
            });
        };
        return view! {
            <div class="ts-file">
                <button class="ts-file__open" type="button" on:click=download>
                    <span class="ts-file__icon" aria-hidden="true">"PDF"</span>
                    <span class="ts-file__name">{label}</span>
                    <span class="ts-file__size">{describe_size(size)}</span>
                </button>
                {problem}
            </div>
        }
        .into_any();
    }
    let (thumb, full, open) = (RwSignal::new(None::<String>), RwSignal::new(None::<String>), RwSignal::new(false));
    fetch_into(access, id.clone(), true, thumb, error);
    on_cleanup(move || {
        revoke(thumb);
        revoke(full);
    });
    let close_button = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let (true, Some(button)) = (open.get(), close_button.get()) {
            let _ = button.focus();
        }
    });
    let show = move |_| {
        open.set(true);
        if full.with_untracked(Option::is_none) {
            fetch_into(access, id.clone(), false, full, error);
        }
    };
    let alt_full = alt.clone();
    view! {
        <div class="ts-photo">
            <button class="ts-photo__open" type="button" title=t.open_photo on:click=show>
                <img class="ts-photo__thumb" alt=alt.clone() src=move || thumb.get() width=width height=height/>
            </button>
            {problem}
            <Show when=move || open.get()>
                <div class="ts-lightbox" role="dialog" aria-modal="true" aria-label=alt_full.clone()
                    on:click=move |_| open.set(false)
                    on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Escape" { open.set(false) }>
                    <img class="ts-lightbox__img" alt=alt_full.clone() src=move || full.get().or_else(|| thumb.get())/>
                    <button class="ts-lightbox__close" type="button" node_ref=close_button aria-label=t.close>"×"</button>
                </div>
            </Show>
        </div>
    }
    .into_any()
}

/// Saves a fetched file under its name; the URL is let go a minute later.
fn save(url: &str, name: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(link) = document.create_element("a") else { return };
    let _ = link.set_attribute("href", url);
    let _ = link.set_attribute("download", name);
    link.unchecked_ref::<web_sys::HtmlElement>().click();
    let url = url.to_owned();
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
}
