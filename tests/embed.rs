//! The embedded widget as a host page sees it: mounted in a Shadow DOM, driven
//! through the `Talkshop` handle (`window.Talkshop` forwards to it), events
//! out, keyboard and focus, languages and money formats, theming variables.
//! Run with `wasm-pack test --headless --chrome -- -p talkshop-widget`.

#![cfg(target_arch = "wasm32")]

mod common;

use std::cell::RefCell;
use std::rc::Rc;

use common::document;
use common::*;
use leptos::prelude::*;
use rust_decimal::Decimal;
use talkshop_protocol::locale::Locale;
use talkshop_protocol::payment::PaymentState;
use talkshop_protocol::thread::ThreadLog;
use talkshop_protocol::{Currency, MessageBody, Money, Order, OrderLine, Sender};
use talkshop_widget::components::thread_view::ThreadView;
use talkshop_widget::embed::{mount as embed_mount, Talkshop};
use talkshop_widget::i18n::{more_for, texts_for, Lang};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

/// The widget's stylesheet, as embed.js links it into the shadow root.
const WIDGET_CSS: &str = include_str!("../style/widget.css");

/// Events the widget emitted: (name, JSON of the detail).
type Events = Rc<RefCell<Vec<(String, String)>>>;

struct Embedded {
    host: HtmlElement,
    shadow: ShadowRoot,
    handle: Talkshop,
    events: Events,
    _emit: Closure<dyn Fn(String, JsValue)>,
}

impl Embedded {
    fn root(&self) -> Element {
        self.shadow.first_element_child().expect("content")
    }

    fn names(&self) -> Vec<String> {
        self.events.borrow().iter().map(|(n, _)| n.clone()).collect()
    }
}

/// A `<talkshop-widget>`-like host with an open shadow root, the widget CSS
/// and a mount point, as embed.js builds it. The API points at a closed port:
/// these tests are about the embed, not the server.
fn embed(locale: &str, attrs: &[(&str, &str)]) -> Embedded {
    let doc = document();
    let host = doc.create_element("div").unwrap().unchecked_into::<HtmlElement>();
    for (name, value) in attrs {
        host.set_attribute(name, value).unwrap();
    }
    doc.body().unwrap().append_child(&host).unwrap();
    let shadow = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).unwrap();
    let point = doc.create_element("div").unwrap().unchecked_into::<HtmlElement>();
    shadow.append_child(&point).unwrap();
    let style = doc.create_element("style").unwrap();
    style.set_text_content(Some(WIDGET_CSS));
    shadow.append_child(&style).unwrap();
    let events: Events = Rc::default();
    let sink = events.clone();
    let emit = Closure::<dyn Fn(String, JsValue)>::new(move |name: String, detail: JsValue| {
        let json = js_sys::JSON::stringify(&detail).ok().and_then(|s| s.as_string()).unwrap_or_default();
        sink.borrow_mut().push((name, json));
    });
    let options = js_sys::Object::new();
    for (key, value) in [("shop", "demo"), ("api", "http://127.0.0.1:9"), ("locale", locale)] {
        js_sys::Reflect::set(&options, &key.into(), &value.into()).unwrap();
    }
    let handle = embed_mount(point, options.into(), emit.as_ref().unchecked_ref::<js_sys::Function>().clone());
    Embedded { host, shadow, handle, events, _emit: emit }
}

fn launcher_label(e: &Embedded) -> String {
    attr(&e.root(), ".ts-launcher", "aria-label").unwrap_or_default()
}

fn panel_open(e: &Embedded) -> bool {
    find(&e.root(), ".ts-panel").is_some_and(|p| !p.has_attribute("hidden"))
}

fn active_class(e: &Embedded) -> String {
    e.shadow.active_element().map(|el| el.class_name()).unwrap_or_default()
}

#[wasm_bindgen_test]
async fn the_handle_opens_closes_and_toggles_and_the_host_hears_it() {
    let e = embed("en", &[]);
    settle().await;
    assert_eq!(launcher_label(&e), "Open chat");
    assert!(!panel_open(&e));
    assert_eq!(e.events.borrow().first().cloned(), Some(("unread".into(), r#"{"count":0}"#.into())));

    e.handle.open();
    settle().await;
    assert!(panel_open(&e));
    assert!(e.handle.is_open());
    assert_eq!(launcher_label(&e), "Close chat");
    e.handle.close();
    settle().await;
    assert!(!panel_open(&e));
    e.handle.call("toggle", js_sys::Array::new());
    settle().await;
    assert!(panel_open(&e));
    assert_eq!(e.names(), vec!["unread", "open", "close", "open"]);
    e.handle.unmount();
}

#[wasm_bindgen_test]
async fn keyboard_opens_escape_closes_and_focus_moves_in_and_back() {
    let e = embed("en", &[]);
    settle().await;
    // A real click on the launcher button (what Enter and Space do on a button).
    get(&e.root(), ".ts-launcher").focus().unwrap();
    click(&e.root(), ".ts-launcher");
    settle().await;
    gloo_timers::future::TimeoutFuture::new(50).await;
    assert!(panel_open(&e));
    assert!(active_class(&e).contains("ts-composer__input"), "focus is in the composer, got {}", active_class(&e));
    press(&e.root(), ".ts-composer__input", "Escape", false);
    settle().await;
    assert!(!panel_open(&e), "Escape closes the panel");
    assert!(active_class(&e).contains("ts-launcher"), "focus is back on the launcher, got {}", active_class(&e));
    assert_eq!(e.names(), vec!["unread", "open", "close"]);
    e.handle.unmount();
}

#[wasm_bindgen_test]
async fn calls_queued_before_the_wasm_loaded_are_replayed_in_order() {
    let e = embed("en", &[]);
    settle().await;
    // embed.js keeps [method, args] pairs until the wasm is there, then replays them.
    for (method, arg) in [("open", None), ("setLocale", Some("pt-BR")), ("close", None), ("toggle", None)] {
        let args = js_sys::Array::new();
        if let Some(arg) = arg {
            args.push(&arg.into());
        }
        e.handle.call(method, args);
        settle().await;
    }
    assert!(panel_open(&e));
    assert_eq!(e.handle.locale(), "pt-BR");
    assert_eq!(attr(&e.root(), ".ts-composer__input", "placeholder").as_deref(), Some("Escreva uma mensagem…"));
    assert_eq!(e.names(), vec!["unread", "open", "close", "open"]);
    e.handle.unmount();
}

#[wasm_bindgen_test]
async fn identify_refuses_a_malformed_user_and_stays_anonymous() {
    let e = embed("en", &[]);
    settle().await;
    let user = js_sys::Object::new();
    js_sys::Reflect::set(&user, &"userId".into(), &"ana".into()).unwrap();
    js_sys::Reflect::set(&user, &"userHash".into(), &"not-a-hash".into()).unwrap();
    let result = wasm_bindgen_futures::JsFuture::from(e.handle.identify(user.into())).await;
    let reason = result.expect_err("a malformed hash is refused").as_string().unwrap_or_default();
    assert!(reason.contains("user_hash"), "{reason}");
    let last = e.events.borrow().last().cloned().unwrap();
    assert_eq!(last.0, "identify");
    assert!(last.1.contains(r#""verified":false"#), "{}", last.1);
    assert_eq!(device_user(), None, "nothing remembered as signed in");
    e.handle.unmount();
}

fn device_user() -> Option<String> {
    web_sys::window()?.local_storage().ok()??.get_item("talkshop.user.demo").ok()?
}

#[wasm_bindgen_test]
async fn every_language_has_its_strings_and_set_locale_switches_live() {
    for (tag, open, placeholder) in [
        ("en", "Open chat", "Write a message…"),
        ("pt-BR", "Abrir chat", "Escreva uma mensagem…"),
        ("th", "เปิดแชท", "พิมพ์ข้อความ…"),
        ("id", "Buka chat", "Tulis pesan…"),
    ] {
        let e = embed(tag, &[]);
        settle().await;
        assert_eq!(launcher_label(&e), open, "{tag}");
        assert_eq!(attr(&e.root(), ".ts-composer__input", "placeholder").as_deref(), Some(placeholder), "{tag}");
        assert_eq!(e.handle.locale(), tag);
        e.handle.unmount();
    }
    // An unknown tag falls back to the browser's language, then English.
    let e = embed("fr-FR", &[]);
    settle().await;
    assert_eq!(e.handle.locale(), "en");
    e.handle.open();
    e.handle.set_locale("th-TH".into());
    settle().await;
    assert_eq!(launcher_label(&e), "ปิดแชท", "the open panel stays open in the new language");
    assert!(panel_open(&e));
    e.handle.unmount();
}

#[wasm_bindgen_test]
fn no_string_is_left_empty_in_any_language() {
    for locale in Locale::ALL {
        // `More`'s Debug shows its own strings and its language's `Texts`.
        let debug = format!("{:?}", more_for(locale));
        assert!(debug.contains("send_order") && debug.contains("open_chat"), "{debug}");
        assert!(!debug.contains(": \"\""), "{locale:?} has an empty string: {debug}");
    }
    assert_ne!(texts_for(Locale::Th).send, texts_for(Locale::En).send);
}

fn order(currency: Currency, unit: &str, quantity: u32, total: &str) -> Order {
    let money = |amount: &str| Money::new(Decimal::from_str_exact(amount).unwrap(), currency);
    Order {
        id: "o1".into(),
        conversation_id: "c1".into(),
        lines: vec![OrderLine {
            retailer_id: "X".into(),
            variant_sku: None,
            title: "Item".into(),
            options: Default::default(),
            quantity,
            unit_price: money(unit),
            line_total: money(total),
        }],
        total: money(total),
        note: None,
        created_at: 0,
        contact: None,
        fulfilment: None,
        shipping: None,
    }
}

/// A buyer's thread in `locale` holding one message from `sender`, rendered.
async fn thread_of_one(locale: Locale, sender: Sender, body: MessageBody) -> HtmlElement {
    let mut log = ThreadLog::default();
    log.merge([message(1, sender, body)]);
    let log = RwSignal::new(log);
    let root = mount(move || {
        provide_context(Lang(locale));
        view! { <ThreadView log=log me=Sender::Buyer other_name="Shop" on_retry=Callback::new(|_: String| {})/> }
    });
    settle().await;
    root
}

#[wasm_bindgen_test]
async fn money_is_written_the_way_each_language_writes_it() {
    for (locale, order, qty, total, items) in [
        (Locale::PtBr, order(Currency::Brl, "617.28", 2, "1234.56"), "2 × R$ 617,28", "R$ 1.234,56", "2 itens"),
        (Locale::Th, order(Currency::Thb, "617.28", 2, "1234.56"), "2 × ฿617.28", "฿1,234.56", "2 รายการ"),
        (Locale::Id, order(Currency::Idr, "1234567", 1, "1234567"), "1 × Rp 1.234.567", "Rp 1.234.567", "1 barang"),
        (Locale::En, order(Currency::Brl, "617.28", 2, "1234.56"), "2 × R$ 617.28", "R$ 1,234.56", "2 items"),
    ] {
        let root = thread_of_one(locale, Sender::Buyer, MessageBody::Order { order }).await;
        assert_eq!(text(&root, ".ts-order__qty"), qty, "{locale:?}");
        assert_eq!(text(&root, ".ts-order__total strong"), total, "{locale:?}");
        assert_eq!(text(&root, ".ts-order__count"), items, "{locale:?}");
    }
}

fn update(state: PaymentState, total: Option<Money>, carrier: Option<&str>, tracking: Option<&str>) -> MessageBody {
    MessageBody::OrderStatus {
        payment_request_id: "pr-1".into(),
        state,
        text: "written by the server".into(),
        total,
        carrier: carrier.map(Into::into),
        tracking: tracking.map(Into::into),
    }
}

#[wasm_bindgen_test]
async fn order_updates_are_written_in_the_buyers_language() {
    let brl = |amount: &str| Some(Money::new(Decimal::from_str_exact(amount).unwrap(), Currency::Brl));
    for (locale, body, shown) in [
        (Locale::PtBr, update(PaymentState::Paid, brl("1234.56"), None, None), "Pagamento de R$ 1.234,56 recebido"),
        (
            Locale::PtBr,
            update(PaymentState::Shipped, brl("10"), Some("Correios"), Some("BR123")),
            "Pedido enviado por Correios · rastreio BR123",
        ),
        (
            Locale::Th,
            update(PaymentState::Refunded, Some(Money::new(Decimal::new(1250, 0), Currency::Thb)), None, None),
            "คืนเงิน ฿1,250.00 แล้ว",
        ),
        (Locale::Id, update(PaymentState::Delivered, brl("10"), None, None), "Pesanan telah sampai"),
        (Locale::En, update(PaymentState::Cancelled, brl("5"), None, None), "Payment request for R$ 5.00 cancelled"),
        // Stored before updates carried their total: the server's text.
        (Locale::PtBr, update(PaymentState::Paid, None, None, None), "written by the server"),
    ] {
        let root = thread_of_one(locale, Sender::Merchant, body).await;
        assert_eq!(text(&root, ".ts-status"), shown, "{locale:?}");
    }
}

fn computed(e: &Embedded, css: &str, property: &str) -> String {
    let el = e.root().query_selector(css).unwrap().expect(css);
    let style = web_sys::window().unwrap().get_computed_style(&el).unwrap().unwrap();
    style.get_property_value(property).unwrap()
}

fn left_edge(e: &Embedded, css: &str) -> f64 {
    e.root().query_selector(css).unwrap().expect(css).get_bounding_client_rect().left()
}

#[wasm_bindgen_test]
async fn theming_variables_position_and_dark_mode_apply_inside_the_shadow_root() {
    let plain = embed("en", &[]);
    settle().await;
    assert_eq!(computed(&plain, ".ts-launcher", "background-color"), "rgb(15, 118, 110)", "default accent");
    let width = web_sys::window().unwrap().inner_width().unwrap().as_f64().unwrap();
    assert!(left_edge(&plain, ".ts-launcher") > width / 2.0, "bottom right by default");
    plain.handle.unmount();

    let themed = embed(
        "en",
        &[
            ("style", "--talkshop-accent: rgb(190, 18, 60); --talkshop-radius: 4px; --talkshop-font: Georgia, serif"),
            ("data-position", "left"),
            ("data-theme", "dark"),
        ],
    );
    themed.handle.open();
    settle().await;
    assert_eq!(computed(&themed, ".ts-launcher", "background-color"), "rgb(190, 18, 60)");
    assert_eq!(computed(&themed, ".ts-panel", "border-top-left-radius"), "4px");
    assert!(computed(&themed, ".ts-root", "font-family").starts_with("Georgia"));
    assert_eq!(left_edge(&themed, ".ts-root"), 20.0, "data-position=left");
    assert_eq!(computed(&themed, ".ts-panel", "background-color"), "rgb(17, 24, 39)", "dark theme");
    themed.handle.unmount();
    themed.host.remove();
}

#[wasm_bindgen_test]
async fn the_host_pages_css_does_not_reach_into_the_widget() {
    let doc = document();
    let hostile = doc.create_element("style").unwrap();
    hostile.set_text_content(Some(
        "* { all: unset; font-size: 40px !important; color: rgb(255, 0, 255) !important; } \
         button { display: none !important; } .ts-launcher { display: none !important; } \
         div { transform: rotate(10deg) !important; }",
    ));
    doc.head().unwrap().append_child(&hostile).unwrap();
    let e = embed("en", &[]);
    settle().await;
    assert_eq!(computed(&e, ".ts-launcher", "display"), "grid");
    assert_eq!(computed(&e, ".ts-root", "font-size"), "15px");
    assert_ne!(computed(&e, ".ts-root", "color"), "rgb(255, 0, 255)");
    assert_eq!(computed(&e, ".ts-root", "transform"), "none");
    e.handle.unmount();
    hostile.remove();
}

fn adopted_sheets(node: &JsValue) -> u32 {
    js_sys::Reflect::get(node, &"adoptedStyleSheets".into()).unwrap().unchecked_into::<js_sys::Array>().length()
}

#[wasm_bindgen_test]
async fn the_parts_rules_are_adopted_into_the_shadow_root_when_a_part_first_shows() {
    let e = embed("en", &[]);
    e.handle.open();
    settle().await;
    // The chat needs only widget.css; style/parts.css comes with the first part.
    assert_eq!(adopted_sheets(&e.shadow), 0);
    click(&e.root(), ".ts-header__cart");
    settle().await;
    assert_eq!(adopted_sheets(&e.shadow), 1);
    // A rule of parts.css applies inside the shadow root (a button is not transparent by default).
    assert_eq!(computed(&e, ".ts-back", "background-color"), "rgba(0, 0, 0, 0)");
    assert_eq!(computed(&e, ".ts-back", "padding-left"), "0px");
    // Back to the chat and to the cart again: the rules are there once, and not in the host page.
    click(&e.root(), ".ts-back");
    settle().await;
    click(&e.root(), ".ts-header__cart");
    settle().await;
    assert_eq!(adopted_sheets(&e.shadow), 1);
    assert_eq!(adopted_sheets(&document()), 0);
    e.handle.unmount();
}
