//! Photos and files over HTTP. Uploads go through XMLHttpRequest, since fetch
//! reports no upload progress. Downloads come back as object URLs: `<img src>`
//! cannot send the Authorization header, and the long-lived token must never
//! be put in a URL (logs, history, Referer), so the bytes are fetched with the
//! header and shown from a `blob:` URL the page owns.

use talkshop_protocol::{ApiError, Message};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::api::{unreachable, Api};

fn encode(text: &str) -> String {
    js_sys::encode_uri_component(text).into()
}

impl Api {
    /// Sends `file` into a conversation; `progress` hears the percentage sent.
    pub async fn upload_attachment(
        &self,
        conversation: &str,
        client_id: &str,
        file: &web_sys::File,
        alt: &str,
        progress: impl Fn(u8) + 'static,
    ) -> Result<Message, ApiError> {
        let path = format!(
            "/conversations/{}/attachments?client_id={}&name={}&alt={}",
            encode(conversation),
            encode(client_id),
            encode(&file.name()),
            encode(alt)
        );
        let xhr = web_sys::XmlHttpRequest::new().map_err(|_| unreachable())?;
        xhr.open("POST", &self.url(&path)).map_err(|_| unreachable())?;
        if let Some(token) = &self.token {
            xhr.set_request_header("Authorization", &format!("Bearer {token}")).map_err(|_| unreachable())?;
        }
        let on_progress = Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
            if ev.length_computable() && ev.total() > 0.0 {
                progress((ev.loaded() * 100.0 / ev.total()).clamp(0.0, 100.0) as u8);
            }
        });
        if let Ok(upload) = xhr.upload() {
            upload.set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        }
        let done = js_sys::Promise::new(&mut |resolve, reject| {
            xhr.set_onload(Some(&resolve));
            xhr.set_onerror(Some(&reject));
            xhr.set_onabort(Some(&reject));
        });
        xhr.send_with_opt_blob(Some(file)).map_err(|_| unreachable())?;
        let finished = JsFuture::from(done).await;
        drop(on_progress);
        finished.map_err(|_| unreachable())?;
        let status = xhr.status().unwrap_or_default();
        let text = xhr.response_text().ok().flatten();
        if (200..300).contains(&status) {
            crate::parts::read_json(&text.unwrap_or_default()).await.map_err(|_| unreachable())
        } else {
            Err(Api::refusal(status, text))
        }
    }

    /// A `blob:` URL of an attachment's bytes (its thumbnail when `thumb`);
    /// the caller revokes it when it is no longer shown.
    pub async fn attachment_url(&self, id: &str, thumb: bool) -> Result<String, ApiError> {
        let path = format!("/attachments/{}{}", encode(id), if thumb { "/thumb" } else { "" });
        let request =
            self.authorized(gloo_net::http::Request::get(&self.url(&path))).build().map_err(|_| unreachable())?;
        let response = request.send().await.map_err(|_| unreachable())?;
        if !response.ok() {
            return Err(Api::refusal(response.status(), response.text().await.ok()));
        }
        let blob = web_sys::Response::from(response).blob().map_err(|_| unreachable())?;
        let blob: web_sys::Blob = JsFuture::from(blob).await.map_err(|_| unreachable())?.unchecked_into();
        web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| unreachable())
    }
}
