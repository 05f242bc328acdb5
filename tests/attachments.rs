//! Photos and files in the thread, in headless Chromium: the paperclip picks a
//! file, it uploads (XMLHttpRequest, faked here) with progress, its thumbnail
//! shows with the alt text and opens full size; a refusal shows the server's
//! words; names stay text.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use talkshop_protocol::{Attachment, AttachmentKind, MessageBody, Sender};
use talkshop_widget::api::Api;
use talkshop_widget::chat_session::ChatSession;
use talkshop_widget::components::attachment_card::{AttachmentCard, FileAccess};
use talkshop_widget::components::composer::Composer;
use talkshop_widget::components::thread_view::ThreadView;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// `XMLHttpRequest` that records each upload in `window.__tsUploads` and, a
/// moment after reporting half of it sent, answers `window.__tsUploadAnswer`.
const FAKE_XHR: &str = r#"
window.__tsUploads = [];
window.XMLHttpRequest = class {
  constructor() { this.upload = {}; this.headers = {}; this.status = 0; this.responseText = ''; }
  open(method, url) { this.method = method; this.url = url; }
  setRequestHeader(name, value) { this.headers[name.toLowerCase()] = value; }
  send(body) {
    window.__tsUploads.push({ method: this.method, url: this.url, auth: this.headers['authorization'] || null,
      name: body && body.name, size: body && body.size });
    setTimeout(() => { if (this.upload.onprogress) this.upload.onprogress({ lengthComputable: true, loaded: 50, total: 100 }); }, 0);
    setTimeout(() => {
      const answer = window.__tsUploadAnswer;
      this.status = answer.status;
      this.responseText = JSON.stringify(answer.body);
      this.onload && this.onload();
    }, 150);
  }
};
"#;

fn fake_upload_answer(status: u16, body: serde_json::Value) {
    js(&format!("window.__tsUploadAnswer = {{ status: {status}, body: {body} }};"));
}

fn uploads() -> Vec<serde_json::Value> {
    serde_json::from_str(&js("return JSON.stringify(window.__tsUploads);").as_string().unwrap()).unwrap()
}

/// Chooses a file in the composer's picker as a person does (the input's files, then `change`).
fn choose_file(root: &web_sys::Element, name: &str, mime: &str) {
    let input = get(root, ".ts-composer__attach input[type=file]");
    let choose = js_sys::Function::new_with_args(
        "input, name, mime",
        "const dt = new DataTransfer(); dt.items.add(new File(['fake image bytes'], name, { type: mime }));
         input.files = dt.files; input.dispatchEvent(new Event('change', { bubbles: true }));",
    );
    choose.call3(&wasm_bindgen::JsValue::NULL, &input, &name.into(), &mime.into()).expect("choose a file");
}

fn type_alt(root: &web_sys::Element, text: &str) {
    let field: web_sys::HtmlInputElement = get(root, ".ts-attach-draft__alt").unchecked_into();
    field.set_value(text);
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    field.dispatch_event(&web_sys::Event::new_with_event_init_dict("input", &init).unwrap()).unwrap();
}

/// A buyer's open conversation `c1`: thread, notice and composer, as the widget lays them out.
fn chat() -> (ChatSession, web_sys::HtmlElement) {
    js("window.__tsRealFetch = window.__tsRealFetch || window.fetch;");
    fake_server();
    js(FAKE_XHR);
    let session = ChatSession::new(Api::new("").with_token("tok-buyer"), Sender::Buyer);
    session.conversation.set(Some("c1".into()));
    let root = mount(move || {
        provide_context(FileAccess(session.api));
        view! {
            <ThreadView log=session.log me=Sender::Buyer other_name="Shop" on_retry=Callback::new(|_: String| {})/>
            <p class="ts-notice">{move || session.notice.get().map(|n| n.message).unwrap_or_default()}</p>
            <Composer on_send=Callback::new(|_: String| true) uploading=session.upload
                on_attach=Callback::new(move |(file, alt)| session.send_file(file, alt))/>
        }
    });
    (session, root)
}

/// What a `blob:` URL holds (it fails if the URL was revoked).
async fn blob_text(url: &str) -> String {
    let window = web_sys::window().unwrap();
    let fetch: js_sys::Function = js_sys::Reflect::get(&window, &"__tsRealFetch".into()).unwrap().unchecked_into();
    let promise: js_sys::Promise = fetch.call1(&window, &url.into()).unwrap().unchecked_into();
    let response = wasm_bindgen_futures::JsFuture::from(promise).await.expect("the blob URL is alive");
    let response: web_sys::Response = response.unchecked_into();
    let text = wasm_bindgen_futures::JsFuture::from(response.text().unwrap()).await.unwrap();
    text.as_string().unwrap()
}

fn photo(alt: &str) -> Attachment {
    Attachment {
        id: "a1b2c3d4-0000-4000-8000-000000000001".into(),
        kind: AttachmentKind::Image,
        name: "shoe.png".into(),
        mime: "image/png".into(),
        size: 2048,
        width: Some(640),
        height: Some(480),
        alt: alt.into(),
    }
}

#[wasm_bindgen_test]
async fn a_chosen_photo_uploads_with_progress_and_shows_its_thumbnail_that_opens_full_size() {
    let (_session, root) = chat();
    let stored = message(1, Sender::Buyer, MessageBody::Attachment(photo("Red running shoe")));
    fake_upload_answer(201, serde_json::to_value(&stored).unwrap());
    let id = "a1b2c3d4-0000-4000-8000-000000000001";
    route("GET", &format!("/api/v1/attachments/{id}/thumb"), 200, serde_json::json!("thumbnail bytes"));
    route("GET", &format!("/api/v1/attachments/{id}"), 200, serde_json::json!("full bytes"));

    choose_file(&root, "shoe.png", "image/png");
    settle().await;
    assert!(text(&root, ".ts-attach-draft__file").starts_with("shoe.png · "), "the chosen file waits to be sent");
    assert!(uploads().is_empty(), "nothing is sent before Send");
    type_alt(&root, "Red running shoe");
    click(&root, ".ts-composer__send");
    settle().await;

    let sent = uploads();
    assert_eq!(sent.len(), 1);
    let url = sent[0]["url"].as_str().unwrap();
    assert!(url.starts_with("/api/v1/conversations/c1/attachments?client_id=f-"), "{url}");
    assert!(url.contains("&name=shoe.png&alt=Red%20running%20shoe"), "{url}");
    assert!(!url.contains("tok-buyer"), "the token never goes into a URL");
    assert_eq!(sent[0]["auth"], "Bearer tok-buyer");
    assert_eq!(sent[0]["name"], "shoe.png");
    let bar = wait_for(&root, ".ts-upload[role=progressbar]").await;
    assert!(find(&root, ".ts-attach-draft").is_none(), "the draft is gone once sent");
    for _ in 0..50 {
        if bar.get_attribute("aria-valuenow").as_deref() == Some("50") {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    assert_eq!(bar.get_attribute("aria-valuenow").as_deref(), Some("50"));

    let thumb = wait_for(&root, ".ts-msg .ts-photo__thumb[src^='blob:']").await;
    assert_eq!(thumb.get_attribute("alt").as_deref(), Some("Red running shoe"));
    assert_eq!(
        blob_text(&thumb.get_attribute("src").unwrap()).await,
        "\"thumbnail bytes\"",
        "the URL holds the fetched bytes"
    );
    assert!(find(&root, ".ts-upload").is_none(), "the progress bar goes when the upload is done");
    let fetched = js("return JSON.stringify(window.__tsRequests.map(r => [r.path, r.auth]));").as_string().unwrap();
    assert!(fetched.contains(&format!("[\"/api/v1/attachments/{id}/thumb\",\"Bearer tok-buyer\"]")), "{fetched}");

    click(&root, ".ts-photo__open");
    let full = wait_for(&root, ".ts-lightbox[role=dialog] .ts-lightbox__img").await;
    assert_eq!(full.get_attribute("alt").as_deref(), Some("Red running shoe"));
    for _ in 0..100 {
        if requests().iter().any(|(_, path, _)| path == &format!("/api/v1/attachments/{id}")) {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    assert!(requests().iter().any(|(m, path, _)| m == "GET" && path == &format!("/api/v1/attachments/{id}")));
    assert!(full.get_attribute("src").unwrap_or_default().starts_with("blob:"));
    click(&root, ".ts-lightbox__close");
    settle().await;
    assert!(find(&root, ".ts-lightbox").is_none(), "the overlay closes");
}

#[wasm_bindgen_test]
async fn a_refused_file_shows_the_servers_words_as_text() {
    let (session, root) = chat();
    let message = "Only JPEG, PNG and WebP photos and PDF files can be attached <b>really</b>";
    fake_upload_answer(415, serde_json::json!({"error": {"code": "unsupported_media_type", "message": message}}));
    choose_file(&root, "photo.jpg", "image/jpeg");
    settle().await;
    click(&root, ".ts-composer__send");
    for _ in 0..100 {
        if !text(&root, ".ts-notice").is_empty() {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    assert_eq!(text(&root, ".ts-notice"), message);
    assert!(find(&root, ".ts-notice b").is_none(), "the message is text, not markup");
    assert_eq!(uploads().len(), 1);
    assert_eq!(session.log.with_untracked(|l| l.len()), 0, "nothing joins the thread");
    assert!(find(&root, ".ts-upload").is_none());
}

#[wasm_bindgen_test]
async fn a_pdf_shows_as_a_card_with_its_name_and_size_as_text() {
    count_alerts();
    let pdf = Attachment {
        id: "f1".into(),
        kind: AttachmentKind::Pdf,
        name: "<img src=x onerror=alert(1)>.pdf".into(),
        mime: "application/pdf".into(),
        size: 1_572_864,
        width: None,
        height: None,
        alt: "<img src=x onerror=alert(1)>.pdf".into(),
    };
    let root = mount(move || view! { <AttachmentCard attachment=pdf/> });
    settle().await;
    assert_eq!(text(&root, ".ts-file__name"), "<img src=x onerror=alert(1)>.pdf");
    assert_eq!(text(&root, ".ts-file__size"), "1.5 MB");
    assert!(find(&root, "img").is_none());
    assert_eq!(alerts().await, 0);
}

#[wasm_bindgen_test]
async fn a_file_over_ten_megabytes_is_refused_before_anything_is_sent() {
    let (session, root) = chat();
    fake_upload_answer(201, serde_json::json!({}));
    let input = get(&root, ".ts-composer__attach input[type=file]");
    let choose = js_sys::Function::new_with_args(
        "input",
        "const dt = new DataTransfer();
         dt.items.add(new File([new Uint8Array(10 * 1024 * 1024 + 1)], 'big.jpg', { type: 'image/jpeg' }));
         input.files = dt.files; input.dispatchEvent(new Event('change', { bubbles: true }));",
    );
    choose.call1(&wasm_bindgen::JsValue::NULL, &input).expect("choose a file");
    settle().await;
    assert!(text(&root, ".ts-attach-draft__file").starts_with("big.jpg"));
    click(&root, ".ts-composer__send");
    for _ in 0..100 {
        if !text(&root, ".ts-notice").is_empty() {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(10).await;
    }
    assert_eq!(text(&root, ".ts-notice"), "The file is too large (at most 10 MB)");
    assert!(uploads().is_empty(), "nothing was sent: {:?}", uploads());
    assert!(find(&root, ".ts-upload").is_none(), "no progress bar is left");
    assert_eq!(session.log.with_untracked(|l| l.len()), 0);
}
