//! The merchant console speaks the language in context: every console string
//! exists in every language, and components render the chosen one.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use talkshop_protocol::locale::Locale;
use talkshop_protocol::{ConversationSummary, Currency, Message, Sender, ShopInfo};
use talkshop_widget::api::Api;
use talkshop_widget::console::i18n::{console_texts_for, ConsoleTexts};
use talkshop_widget::console::inbox::{Inbox, InboxState};
use talkshop_widget::console::login_form::LoginForm;
use talkshop_widget::console::payment_request_form::PaymentRequestForm;
use talkshop_widget::console::product_picker::sections_of;
use talkshop_widget::i18n::Lang;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// (field, text) for every field of a string table, read from its `Debug`
/// output so a field added later is checked without touching this test.
fn fields(texts: &ConsoleTexts) -> Vec<(String, String)> {
    let debug = format!("{texts:?}");
    let mut rest = debug.split_once('{').expect("a struct").1;
    let mut out = Vec::new();
    while let Some((name, after)) = rest.split_once(": \"") {
        let mut end = after.len();
        let mut escaped = false;
        for (i, b) in after.bytes().enumerate() {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        out.push((name.trim_start_matches([',', ' ']).to_string(), after[..end].to_string()));
        rest = &after[(end + 1).min(after.len())..];
    }
    out
}

/// The `{placeholders}` a string expects to be filled in, sorted.
fn placeholders(text: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .split('{')
        .skip(1)
        .filter_map(|s| s.split_once('}').map(|(name, _)| name.to_string()))
        .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    found.sort();
    found
}

#[wasm_bindgen_test]
fn every_console_language_has_every_string() {
    let english = fields(console_texts_for(Locale::En));
    assert!(english.len() > 60, "the parser read the table: {} fields", english.len());
    for locale in Locale::ALL {
        let table = fields(console_texts_for(locale));
        let names: Vec<&str> = table.iter().map(|(n, _)| n.as_str()).collect();
        let english_names: Vec<&str> = english.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, english_names, "{locale:?}");
        for ((name, text), (_, en)) in table.iter().zip(&english) {
            assert!(!text.trim().is_empty(), "{locale:?}: {name} is empty");
            assert_eq!(placeholders(text), placeholders(en), "{locale:?}: {name} fills other values than English");
        }
    }
    // Each translation is a translation: most strings differ from English.
    for locale in [Locale::PtBr, Locale::Th, Locale::Id] {
        let table = fields(console_texts_for(locale));
        let same = table.iter().zip(&english).filter(|((_, a), (_, b))| a == b).count();
        assert!(same * 5 < english.len(), "{locale:?}: {same} strings are still English");
    }
}

fn summary(id: &str, activity: i64, unread: i64, message: Message) -> ConversationSummary {
    ConversationSummary {
        id: id.into(),
        shop: ShopInfo { id: "demo".into(), name: "Casa Aurora".into() },
        buyer_label: format!("Visitante {id}"),
        last_seq: 1,
        last_activity: activity,
        unread,
        read_seq: 0,
        peer_delivered_seq: 0,
        peer_read_seq: 0,
        last_message: Some(Message { conversation_id: id.into(), ..message }),
    }
}

#[wasm_bindgen_test]
async fn the_inbox_speaks_portuguese() {
    let state = InboxState::new();
    let root = mount(move || {
        provide_context(Lang(Locale::PtBr));
        view! { <Inbox state=state selected=Signal::derive(|| None::<String>) on_select=Callback::new(|_| {})/> }
    });
    settle().await;
    assert_eq!(attr(&root, ".ts-inbox", "aria-label").as_deref(), Some("Conversas"));
    assert_eq!(text(&root, ".ts-empty"), "Nenhuma conversa ainda. Elas aparecem aqui quando um cliente escreve.");

    state.replace(vec![
        summary("a", 200, 2, text_msg(1, Sender::Buyer, "Oi!")),
        summary("b", 100, 0, text_msg(1, Sender::Merchant, "Já enviamos")),
    ]);
    settle().await;
    assert_eq!(texts(&root, ".ts-inbox__preview"), vec!["Oi!", "Você: Já enviamos"]);
    assert_eq!(attr(&root, ".ts-inbox__badge", "aria-label").as_deref(), Some("2 não lidas"));
    // Times as Brazilians write them: 24-hour clock.
    let time = texts(&root, ".ts-inbox__time")[0].clone();
    assert!(time.len() == 5 && time.as_bytes()[2] == b':' && !time.contains('M'), "{time}");
}

#[wasm_bindgen_test]
async fn the_login_form_speaks_portuguese_and_offers_the_languages() {
    let root = mount(|| {
        provide_context(Lang(Locale::PtBr));
        view! { <LoginForm api=Api::new(String::new()) on_login=Callback::new(|_| {})/> }
    });
    settle().await;
    assert_eq!(text(&root, ".ts-login__title"), "Console Talkshop");
    assert_eq!(texts(&root, ".ts-field span"), vec!["E-mail", "Senha"]);
    assert_eq!(text(&root, "button[type=submit]"), "Entrar");
    assert_eq!(attr(&root, ".ts-console__lang", "aria-label").as_deref(), Some("Idioma"));
    let options: Vec<String> =
        all(&root, ".ts-console__lang option").iter().filter_map(|o| o.get_attribute("value")).collect();
    assert_eq!(options, vec!["en", "pt-BR", "th", "id"]);
    let select = get(&root, ".ts-console__lang");
    let value = js_sys::Reflect::get(&select, &"value".into()).ok().and_then(|v| v.as_string());
    assert_eq!(value.as_deref(), Some("pt-BR"), "the language in use is the one selected");
}

#[wasm_bindgen_test]
async fn the_payment_request_form_speaks_indonesian_and_thai() {
    for (locale, price, close, error) in [
        (Locale::Id, "Harga (IDR)", "Tutup", "Harga harus berupa angka seperti 120.00"),
        (Locale::Th, "ราคา (IDR)", "ปิด", "ราคาต้องเป็นตัวเลข เช่น 120.00"),
    ] {
        let root = mount(move || {
            provide_context(Lang(locale));
            view! {
                <PaymentRequestForm api=Api::new(String::new()) conversation="c1".to_string()
                    currency=Currency::Idr on_done=Callback::new(|_| {})/>
            }
        });
        settle().await;
        assert_eq!(texts(&root, ".ts-field span")[1], price, "{locale:?}");
        assert_eq!(text(&root, ".ts-link"), close, "{locale:?}");
        type_into(&root, "input[name=amount]", "banyak");
        settle().await;
        click(&root, "button[type=submit]");
        settle().await;
        assert_eq!(text(&root, ".ts-notice"), error, "{locale:?}");
    }
}

#[wasm_bindgen_test]
fn untitled_sections_take_the_default_title_given() {
    let picked = vec![("a".to_string(), " ".to_string()), ("b".to_string(), "Sala".to_string())];
    let sections = sections_of(&picked, console_texts_for(Locale::PtBr).featured);
    let titles: Vec<&str> = sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, vec!["Destaques", "Sala"]);
}
