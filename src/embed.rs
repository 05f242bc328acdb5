//! The embed: `embed.js` (served by our server) prepares a custom element with
//! a Shadow DOM and a static launcher, loads this wasm lazily and calls
//! [`mount`]. The returned [`Talkshop`] handle answers the host page's
//! `window.Talkshop` calls: `open`, `close`, `toggle`, `identify`, `logout`,
//! `setLocale`; events (`unread`, `open`, `close`, `order`, `identify`) go to
//! the `emit(name, detail)` function `embed.js` passes in.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use talkshop_protocol::locale::Locale;
use talkshop_protocol::{ApiError, ErrorCode, IdentifyRequest};
use wasm_bindgen::prelude::*;

use crate::api::Api;
use crate::device;
use crate::i18n::choose_locale;
use crate::parts::PartUnavailable;
use crate::widget::{ChatWidget, HostLink, OrderEvent};

/// Where this device remembers which merchant user it was identified as.
fn user_key(shop: &str) -> String {
    format!("talkshop.user.{shop}")
}

fn text(value: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(value, &JsValue::from_str(key)).ok().and_then(|v| v.as_string()).filter(|s| !s.is_empty())
}

/// The options `embed.js` reads from the script tag (`data-shop`, `data-api`, `data-locale`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmbedOptions {
    pub shop: String,
    pub api_base: String,
    pub locale: Option<String>,
    pub open: bool,
}

impl EmbedOptions {
    pub fn from_js(options: &JsValue) -> EmbedOptions {
        EmbedOptions {
            shop: text(options, "shop").unwrap_or_default(),
            api_base: text(options, "api").unwrap_or_default().trim_end_matches('/').to_owned(),
            locale: text(options, "locale"),
            open: js_sys::Reflect::get(options, &JsValue::from_str("open"))
                .ok()
                .and_then(|v| v.as_bool())
                .unwrap_or(false),
        }
    }
}

/// Reads `{ userId, userHash, name, email }` as the host page passes it.
pub fn identify_request(user: &JsValue) -> Result<IdentifyRequest, ApiError> {
    let request = IdentifyRequest {
        user_id: text(user, "userId").unwrap_or_default(),
        user_hash: text(user, "userHash").unwrap_or_default(),
        name: text(user, "name"),
        email: text(user, "email"),
    };
    request.validate()?;
    Ok(request)
}

struct Embed {
    root: web_sys::HtmlElement,
    shop: String,
    api_base: String,
    locale: Cell<Locale>,
    host: HostLink,
    emit: js_sys::Function,
    mounted: RefCell<Option<Box<dyn Any>>>,
    /// Counts calls of `render` (and `unmount`): a mount waiting for its
    /// language's strings gives way to a newer one.
    generation: Cell<u32>,
    /// `ready()` promises waiting for the first mount.
    waiting: RefCell<Vec<js_sys::Function>>,
    /// Owns the host signals, which outlive each mount of the widget.
    _owner: Owner,
}

impl Embed {
    fn emit(&self, name: &str, detail: JsValue) {
        if let Err(err) = self.emit.call2(&JsValue::NULL, &JsValue::from_str(name), &detail) {
            web_sys::console::error_1(&err);
        }
    }

    /// (Re)mounts the widget: after `identify`, `logout` or `setLocale` it
    /// starts over with the stored token; the open state is kept.
    fn render(self: &Rc<Self>) {
        let generation = self.generation.get() + 1;
        self.generation.set(generation);
        let locale = self.locale.get();
        if crate::i18n::is_loaded(locale) {
            return self.mount(locale);
        }
        // Its strings are a part of their own (split build): fetched first,
        // English if that fails; a newer render in the meantime wins.
        let this = self.clone();
        leptos::task::spawn_local(async move {
            crate::i18n::load(locale).await;
            if this.generation.get() == generation {
                this.mount(locale);
            }
        });
    }

    fn mount(&self, locale: Locale) {
        drop(self.mounted.borrow_mut().take());
        self.root.set_text_content(None);
        let (shop, api_base, host) = (self.shop.clone(), self.api_base.clone(), self.host);
        let handle = leptos::mount::mount_to(self.root.clone(), move || {
            view! { <ChatWidget shop=shop api_base=api_base locale=locale host=host/> }
        });
        *self.mounted.borrow_mut() = Some(Box::new(handle));
        for resolve in self.waiting.take() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    }

    fn watch(self: &Rc<Self>) {
        let host = self.host;
        let this = Rc::downgrade(self);
        let emit = move |name: &str, detail: JsValue| {
            if let Some(this) = this.upgrade() {
                this.emit(name, detail);
            }
        };
        let emit = Rc::new(emit);
        self._owner.with(|| {
            let e = emit.clone();
            Effect::new(move |prev: Option<usize>| {
                let count = host.unread.get();
                if prev != Some(count) {
                    e("unread", object(&[("count", JsValue::from_f64(count as f64))]));
                }
                count
            });
            let e = emit.clone();
            Effect::new(move |prev: Option<bool>| {
                let open = host.open.get();
                if prev.is_some_and(|p| p != open) || (prev.is_none() && open) {
                    e(if open { "open" } else { "close" }, JsValue::UNDEFINED);
                }
                open
            });
            let e = emit;
            Effect::new(move |_| {
                if let Some(event) = host.order.get() {
                    e("order", to_js(&event));
                }
            });
        });
    }

    async fn identify(self: Rc<Self>, request: IdentifyRequest) -> Result<(), ApiError> {
        let shop = self.shop.clone();
        let token_key = device::visitor_key(&shop);
        let known = device::load(&user_key(&shop));
        if known.as_deref() == Some(request.user_id.as_str()) && device::load(&token_key).is_some() {
            return Ok(()); // already this user on this device
        }
        if known.is_some() {
            // Another user was signed in here: never carry their conversation over.
            device::forget(&token_key);
            device::forget(&user_key(&shop));
        }
        let base = Api::new(self.api_base.clone());
        let mut fresh = false;
        let token = match device::load(&token_key) {
            Some(token) => token,
            None => {
                fresh = true;
                base.create_visitor(&shop, &device::device_id()).await?.token
            }
        };
        let session = match base.with_token(token).identify(&request).await {
            Err(err) if matches!(err.code, ErrorCode::Unauthorized | ErrorCode::Conflict) && !fresh => {
                let visitor = base.create_visitor(&shop, &device::device_id()).await?;
                base.with_token(visitor.token).identify(&request).await?
            }
            other => other?,
        };
        device::save(&token_key, &session.token);
        device::save(&user_key(&shop), &request.user_id);
        self.render();
        Ok(())
    }

    fn logout(self: &Rc<Self>) {
        device::forget(&device::visitor_key(&self.shop));
        device::forget(&user_key(&self.shop));
        self.render();
    }
}

fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in entries {
        let _ = js_sys::Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

/// The `order` event's detail: `{ status, orderId, paymentRequestId, total, currency }`
/// (a missing id is `null`).
fn to_js(event: &OrderEvent) -> JsValue {
    let id = |id: &Option<String>| id.as_deref().map_or(JsValue::NULL, JsValue::from_str);
    object(&[
        ("status", JsValue::from_str(&event.status)),
        ("orderId", id(&event.order_id)),
        ("paymentRequestId", id(&event.payment_request_id)),
        ("total", JsValue::from_str(&event.total)),
        ("currency", JsValue::from_str(&event.currency)),
    ])
}

/// Identity verification (`Talkshop.identify`): in the split build its code
/// (reading the host's object, the requests, the restart) is the `identify`
/// part, fetched the first time the host page calls it (`src/parts.rs`).
#[cfg_attr(talkshop_split, leptos::wasm_split::wasm_split(identify, wasm_split_path = leptos::wasm_split, fallible))]
fn identify_flow(call: (Rc<Embed>, JsValue)) -> Result<IdentifyFlow, PartUnavailable> {
    let (embed, user) = call;
    Ok(Box::pin(async move { embed.identify(identify_request(&user)?).await }))
}

/// What `identify` does once its code is there.
type IdentifyFlow = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ApiError>>>>;

/// Keeps the exported functions in the binary that Trunk builds.
pub fn link() {}

/// The host page's handle on one mounted widget.
#[wasm_bindgen]
pub struct Talkshop {
    inner: Rc<Embed>,
}

/// Mounts the widget into `root` (an element inside the shadow root `embed.js`
/// made). `options`: `{ shop, api, locale, open }`; `emit(name, detail)` gets the events.
#[wasm_bindgen]
pub fn mount(root: web_sys::HtmlElement, options: JsValue, emit: js_sys::Function) -> Talkshop {
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    let options = EmbedOptions::from_js(&options);
    crate::parts_style::register(&root);
    let owner = Owner::new();
    let host = owner.with(|| HostLink::new(options.open));
    let inner = Rc::new(Embed {
        root,
        shop: options.shop,
        api_base: options.api_base,
        locale: Cell::new(choose_locale(options.locale.as_deref())),
        host,
        emit,
        mounted: RefCell::new(None),
        generation: Cell::new(0),
        waiting: RefCell::new(Vec::new()),
        _owner: owner,
    });
    // The task executor the host-event effects need (the first mount waits
    // for its language's strings in the split build).
    let _ = any_spawner::Executor::init_wasm_bindgen();
    inner.render();
    inner.watch();
    Talkshop { inner }
}

#[wasm_bindgen]
impl Talkshop {
    pub fn open(&self) {
        self.inner.host.open.set(true);
    }

    pub fn close(&self) {
        self.inner.host.open.set(false);
    }

    pub fn toggle(&self) {
        self.inner.host.open.update(|open| *open = !*open);
    }

    #[wasm_bindgen(js_name = isOpen)]
    pub fn is_open(&self) -> bool {
        self.inner.host.open.get_untracked()
    }

    #[wasm_bindgen(js_name = unreadCount)]
    pub fn unread_count(&self) -> usize {
        self.inner.host.unread.get_untracked()
    }

    /// Identity verification: resolves to `true` once the server accepted the
    /// hash and the widget restarted as that user; rejects with the reason
    /// (the visitor then stays anonymous). Also emits `identify`.
    pub fn identify(&self, user: JsValue) -> js_sys::Promise {
        let inner = self.inner.clone();
        wasm_bindgen_futures::future_to_promise(async move {
            let result = match crate::parts::call_part!(identify_flow((inner.clone(), user))) {
                Ok(flow) => flow.await,
                Err(PartUnavailable) => Err(crate::api::unreachable()),
            };
            match result {
                Ok(()) => {
                    inner.emit("identify", object(&[("verified", JsValue::TRUE)]));
                    Ok(JsValue::TRUE)
                }
                Err(err) => {
                    let message = JsValue::from_str(&err.message);
                    inner.emit("identify", object(&[("verified", JsValue::FALSE), ("error", message.clone())]));
                    Err(message)
                }
            }
        })
    }

    /// Forgets the identified user on this device (their data stays on the
    /// server) and starts over as a new anonymous visitor.
    pub fn logout(&self) {
        self.inner.logout();
    }

    /// Switches the language (`pt-BR`, `th`, `id`, `en`…); an unknown tag falls back as on load.
    #[wasm_bindgen(js_name = setLocale)]
    pub fn set_locale(&self, tag: String) {
        let locale = choose_locale(Some(&tag));
        if locale != self.inner.locale.get() {
            self.inner.locale.set(locale);
            self.inner.render();
        }
    }

    /// The language in use, as a BCP 47 tag.
    pub fn locale(&self) -> String {
        self.inner.locale.get().tag().to_owned()
    }

    /// Replays one queued `window.Talkshop` call: `call("open", [])`.
    pub fn call(&self, method: &str, args: js_sys::Array) -> JsValue {
        match method {
            "open" => self.open(),
            "close" => self.close(),
            "toggle" => self.toggle(),
            "logout" => self.logout(),
            "identify" => return self.identify(args.get(0)).into(),
            "setLocale" => self.set_locale(args.get(0).as_string().unwrap_or_default()),
            other => web_sys::console::warn_1(&JsValue::from_str(&format!("Talkshop: unknown call {other}"))),
        }
        JsValue::UNDEFINED
    }

    /// Resolves once the widget is on the page: at once, or after its
    /// language's strings arrived (split build). `embed.js` keeps its static
    /// launcher until then.
    pub fn ready(&self) -> js_sys::Promise {
        if self.inner.mounted.borrow().is_some() {
            return js_sys::Promise::resolve(&JsValue::UNDEFINED);
        }
        let inner = self.inner.clone();
        js_sys::Promise::new(&mut |resolve, _reject| inner.waiting.borrow_mut().push(resolve))
    }

    /// Removes the widget from the page (a mount still waiting for its
    /// language does not happen).
    pub fn unmount(&self) {
        self.inner.generation.set(self.inner.generation.get() + 1);
        drop(self.inner.mounted.borrow_mut().take());
        self.inner.root.set_text_content(None);
    }
}
