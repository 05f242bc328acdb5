//! Render benchmark page (`bench.html`, built by `scripts/bench-render.sh`, not
//! part of the widget): the peer harness's deterministic thread
//! (`bench/render/src/data.js`) ported to Rust and rendered by the real
//! `ThreadView` with the widget's CSS. `window.runBench(n)` measures the way
//! the peer pages do: from mounting until layout (`renderMs`), until two
//! animation frames later (`paintMs`), and the elements in the document
//! (`nodes`) and in the thread (`threadNodes`); `buildMs` is the part of
//! `renderMs` spent before layout (building the DOM). With `?all` in the address
//! the thread renders every row instead of a window.

use std::any::Any;
use std::cell::RefCell;
use std::str::FromStr;

use leptos::prelude::*;
use rust_decimal::Decimal;
use talkshop_protocol::catalog::{Availability, Product};
use talkshop_protocol::locale::Locale;
use talkshop_protocol::money::{Currency, Money};
use talkshop_protocol::thread::ThreadLog;
use talkshop_protocol::{Message, MessageBody, Sender};
use talkshop_widget::api::Api;
use talkshop_widget::catalog_cache::CatalogCache;
use talkshop_widget::components::thread_view::ThreadView;
use talkshop_widget::i18n::Lang;
use talkshop_widget::shop_context::ProductOpener;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// 10:00 on the benchmark's day; message `i` is sent at 10:(i % 60).
const TEN_O_CLOCK: i64 = 1_764_064_800_000;

thread_local! {
    static MOUNTED: RefCell<Option<Box<dyn Any>>> = const { RefCell::new(None) };
}

/// `thread(n)` of `data.js`: the buyer writes the even messages; every fifth is a product card.
fn thread(n: usize) -> (ThreadLog, Vec<Product>) {
    let mut messages = Vec::with_capacity(n);
    let mut products = Vec::new();
    for i in 0..n {
        let sender = if i % 2 == 0 { Sender::Buyer } else { Sender::Merchant };
        let body = if i % 5 == 4 {
            let retailer_id = format!("CAMISETA-{i}");
            products.push(Product {
                retailer_id: retailer_id.clone(),
                title: format!("Camiseta modelo {i}"),
                description: String::new(),
                image_url: "/pixel.gif".into(),
                price: Money::new(Decimal::from_str(&format!("{}.00", 19 + i % 80)).unwrap_or_default(), Currency::Brl),
                availability: Availability::InStock,
                options: vec![],
                variants: vec![],
                version: 1,
                archived: false,
                updated_at: 0,
            });
            MessageBody::Product { retailer_id, body: None, footer: None }
        } else {
            let text = format!("Mensagem número {i}: olá, ainda tem este produto em estoque? <b>não é html</b>");
            MessageBody::Text { text }
        };
        messages.push(Message {
            id: format!("m{i}"),
            conversation_id: "bench".into(),
            seq: i as i64 + 1,
            sender,
            client_id: format!("k{i}"),
            body,
            created_at: TEN_O_CLOCK + (i as i64 % 60) * 60_000,
        });
    }
    let mut log = ThreadLog::default();
    log.merge(messages);
    (log, products)
}

fn now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_default()
}

async fn animation_frame() {
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.request_animation_frame(&resolve);
        }
    });
    let _ = JsFuture::from(frame).await;
}

fn count(root: &web_sys::Element, css: &str) -> u32 {
    root.query_selector_all(css).map(|l| l.length()).unwrap_or_default()
}

async fn run_bench(n: usize) -> Result<JsValue, JsValue> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let root: web_sys::HtmlElement = document.get_element_by_id("root").ok_or("no #root")?.unchecked_into();
    MOUNTED.with(|m| m.borrow_mut().take());
    root.set_text_content(None);
    let (log, products) = thread(n);
    // `?all`: every row rendered, no windowing.
    let render_all = web_sys::window().and_then(|w| w.location().search().ok()).is_some_and(|q| q.contains("all"));

    let t0 = now();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        let cache = CatalogCache::new(Api::new(""));
        cache.apply(products);
        provide_context(cache);
        provide_context(Lang(Locale::PtBr));
        provide_context(ProductOpener(Callback::new(|_: String| {})));
        let log = RwSignal::new(log);
        view! {
            <div class="ts-console ts-bench">
                <ThreadView log=log me=Sender::Buyer other_name="Loja" on_retry=Callback::new(|_: String| {}) render_all=render_all/>
            </div>
        }
    });
    let built = now();
    let _ = document.body().map(|b| b.offset_height());
    let t1 = now();
    MOUNTED.with(|m| *m.borrow_mut() = Some(Box::new(handle)));
    animation_frame().await;
    animation_frame().await;
    let t2 = now();

    let thread = document.query_selector(".ts-thread")?.ok_or("no thread")?;
    let result = js_sys::Object::new();
    for (key, value) in [
        ("renderMs", t1 - t0),
        ("buildMs", built - t0),
        ("paintMs", t2 - t0),
        ("nodes", count(&document.document_element().ok_or("no html")?, "*") as f64 + 1.0),
        ("threadNodes", count(&thread, "*") as f64),
    ] {
        js_sys::Reflect::set(&result, &key.into(), &value.into())?;
    }
    Ok(result.into())
}

fn main() {
    console_error_panic_hook::set_once();
    let run = Closure::<dyn Fn(u32) -> js_sys::Promise>::new(|n: u32| future_to_promise(run_bench(n as usize)));
    if let Some(window) = web_sys::window() {
        let _ = js_sys::Reflect::set(&window, &"runBench".into(), run.as_ref());
    }
    run.forget();
}
