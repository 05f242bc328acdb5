//! Presence and hours in headless Chromium: the header says whether and when
//! the shop answers, a closed shop shows its away message, when it is back
//! and an offer to leave an e-mail (sent to a fake server), and owners edit
//! business hours on the Settings page.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use talkshop_protocol::locale::Locale;
use talkshop_protocol::presence::{ShopAvailability, StaffPresence};
use talkshop_protocol::Sender;
use talkshop_widget::api::Api;
use talkshop_widget::chat_session::ChatSession;
use talkshop_widget::components::away_notice::AwayNotice;
use talkshop_widget::components::shop_status::ShopStatus;
use talkshop_widget::console::settings_page::ShopSettingsPage;
use talkshop_widget::i18n::Lang;
use talkshop_widget::live::LinkState;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const HOUR: i64 = 3_600_000;

fn closed_until(back_at: i64) -> ShopAvailability {
    ShopAvailability {
        staff: StaffPresence::Offline,
        open: false,
        back_at: Some(back_at),
        closes_at: None,
        typical_reply_secs: Some(600),
        away_message: "Voltamos amanhã <b>cedo</b>".into(),
    }
}

#[wasm_bindgen_test]
async fn the_header_says_online_only_when_staff_are_at_their_console() {
    let link = RwSignal::new(Some(LinkState::Online));
    let failed = RwSignal::new(false);
    let availability = RwSignal::new(ShopAvailability { staff: StaffPresence::Online, ..ShopAvailability::unknown() });
    let root = mount(move || view! { <ShopStatus link=link failed=failed availability=availability/> });
    settle().await;
    assert_eq!(text(&root, ".ts-header__status"), "Online · replies in minutes");
    assert_eq!(attr(&root, ".ts-header__status", "data-staff").as_deref(), Some("online"));

    availability.update(|a| {
        a.staff = StaffPresence::Away;
        a.typical_reply_secs = Some(7 * 60);
    });
    settle().await;
    assert_eq!(text(&root, ".ts-header__status"), "Away · usually replies in 10 minutes");
    availability.update(|a| {
        a.staff = StaffPresence::Offline;
        a.typical_reply_secs = Some(3 * 3600);
    });
    settle().await;
    assert_eq!(text(&root, ".ts-header__status"), "Away · usually replies in 3 hours");
    availability.update(|a| a.typical_reply_secs = None);
    settle().await;
    assert_eq!(text(&root, ".ts-header__status"), "Away · we'll reply as soon as we can");

    // The buyer's own link comes first.
    link.set(Some(LinkState::Offline));
    settle().await;
    assert_eq!(text(&root, ".ts-header__status"), "Offline");
    link.set(Some(LinkState::Connecting));
    settle().await;
    assert_eq!(text(&root, ".ts-header__status"), "Connecting…");
}

#[wasm_bindgen_test]
async fn the_header_says_when_a_closed_shop_is_back_in_the_buyers_language() {
    let back_at = js_sys::Date::now() as i64 + 30 * HOUR;
    let availability = RwSignal::new(closed_until(back_at));
    let root = mount(move || {
        provide_context(Lang(Locale::PtBr));
        view! { <ShopStatus link=Signal::derive(|| Some(LinkState::Online)) failed=Signal::derive(|| false) availability=availability/> }
    });
    settle().await;
    let expected = format!("Fechado · voltamos {}", talkshop_widget::intl::date_time(back_at, Locale::PtBr));
    assert_eq!(text(&root, ".ts-header__status"), expected);
    // Later today: the time alone.
    let soon = js_sys::Date::now() as i64 + 60_000;
    let same_day = talkshop_widget::intl::date(soon, Locale::PtBr)
        == talkshop_widget::intl::date(js_sys::Date::now() as i64, Locale::PtBr);
    availability.set(closed_until(soon));
    settle().await;
    if same_day {
        let expected = format!("Fechado · voltamos {}", talkshop_widget::intl::time(soon, Locale::PtBr));
        assert_eq!(text(&root, ".ts-header__status"), expected);
    }
    availability.update(|a| a.back_at = None);
    settle().await;
    assert_eq!(text(&root, ".ts-header__status"), "Fechado");
}

#[wasm_bindgen_test]
async fn a_closed_shop_offers_to_take_an_email_with_consent() {
    fake_server();
    route(
        "PUT",
        "/api/v1/conversations/c1/email",
        200,
        serde_json::json!({ "email": "ana@example.com", "consented_at": 1_700_000_000_000i64 }),
    );
    count_alerts();
    let session = ChatSession::new(Api::new(String::new()).with_token("t-buyer"), Sender::Buyer);
    session.conversation.set(Some("c1".into()));
    let availability = RwSignal::new(closed_until(js_sys::Date::now() as i64 + 30 * HOUR));
    let root = mount(move || view! { <AwayNotice session=session availability=availability/> });
    settle().await;
    // The away message is text, never markup.
    assert_eq!(text(&root, ".ts-away__message"), "Voltamos amanhã <b>cedo</b>");
    assert!(all(&root, ".ts-away b").is_empty());
    // The form opens from its button, with the keyboard in the address field.
    assert!(all(&root, ".ts-away__form").is_empty());
    assert_eq!(text(&root, ".ts-away__ask"), "Get the reply by e-mail");
    click(&root, ".ts-away__ask");
    settle().await;
    assert!(text(&root, ".ts-away__offer").contains("e-mail"));
    let focused = common::document().active_element().expect("focus");
    assert_eq!(focused.class_name(), "ts-away__email");

    // Checked before anything is sent: the address, then the consent.
    type_into(&root, ".ts-away__email", "ana");
    settle().await;
    click(&root, ".ts-away__send");
    settle().await;
    assert_eq!(attr(&root, ".ts-away__email", "aria-invalid").as_deref(), Some("true"));
    assert_eq!(text(&root, ".ts-away__error"), "That doesn't look like an e-mail address.");
    type_into(&root, ".ts-away__email", " ana@example.com ");
    settle().await;
    click(&root, ".ts-away__send");
    settle().await;
    assert_eq!(attr(&root, ".ts-away__consent input", "aria-invalid").as_deref(), Some("true"));
    assert_eq!(text(&root, ".ts-away__error"), "Tick the box to agree first.");
    assert!(requests().is_empty(), "{:?}", requests());

    click(&root, ".ts-away__consent input");
    settle().await;
    click(&root, ".ts-away__send");
    let saved = wait_for(&root, ".ts-away__saved").await;
    assert_eq!(saved.text_content().as_deref(), Some("Thanks! We'll write to ana@example.com."));
    let (method, path, body) = requests().pop().expect("the e-mail was sent");
    assert_eq!((method.as_str(), path.as_str()), ("PUT", "/api/v1/conversations/c1/email"));
    let sent: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(sent, serde_json::json!({ "email": "ana@example.com", "consent": true }));
    assert_eq!(alerts().await, 0);

    // Staff came back: no offer while someone answers.
    availability.update(|a| a.staff = StaffPresence::Online);
    settle().await;
    assert!(find(&root, ".ts-away").is_none());
}

#[wasm_bindgen_test]
async fn owners_set_business_hours_and_see_the_servers_field_error() {
    fake_server();
    let page = serde_json::json!({
        "shop_id": "loja",
        "settings": {
            "name": "Loja da Maria", "logo_initial": "M", "logo_color": "#aa3366", "default_locale": "pt-BR",
            "currency": "BRL", "service_window_hours": 24, "away_message": "", "allowed_origins": [],
            "transaction_limits": [], "payout_business_days": 3, "sandbox": true
        },
        "embed_snippet": "<script></script>",
        "identity_secret_set": false
    });
    route("GET", "/api/v1/console/settings", 200, page);
    route(
        "PUT",
        "/api/v1/console/settings",
        400,
        serde_json::json!({ "error": { "code": "invalid", "message": "\"Mars/Base\" is not a time zone", "field": "business_hours.time_zone" } }),
    );
    let root = mount(|| view! { <ShopSettingsPage api=Api::new(String::new()).with_token("t-owner")/> });
    wait_for(&root, "form.ts-admin__form").await;
    assert!(find(&root, "input[name=time_zone]").is_none(), "no hours until the owner sets them");
    click(&root, "input[name=hours_on]");
    let zone = wait_for(&root, "input[name=time_zone]").await;
    // The browser's own time zone to start with.
    assert!(!zone.unchecked_ref::<web_sys::HtmlInputElement>().value().is_empty());
    type_into(&root, "input[name=time_zone]", "Mars/Base");
    for day in 0..5 {
        type_into(&root, &format!("input[name=hours_{day}]"), "09:00-12:00, 13:00-18:00");
    }
    type_into(&root, "input[name=hours_5]", "10:00-14:00");
    settle().await;
    click(&root, "form.ts-admin__form button[type=submit]");
    let shown = wait_for(&root, ".ts-field__error[data-field=\"business_hours.time_zone\"]").await;
    assert!(shown.text_content().unwrap_or_default().contains("not a time zone"));
    let (_, _, body) = requests().into_iter().find(|(m, _, _)| m == "PUT").expect("the settings were sent");
    let sent: serde_json::Value = serde_json::from_str(&body).unwrap();
    let range = |open: &str, close: &str| serde_json::json!({ "open": open, "close": close });
    let weekday = serde_json::json!([range("09:00", "12:00"), range("13:00", "18:00")]);
    assert_eq!(
        sent["business_hours"],
        serde_json::json!({
            "time_zone": "Mars/Base",
            "days": [weekday.clone(), weekday.clone(), weekday.clone(), weekday.clone(), weekday, [range("10:00", "14:00")], []]
        })
    );

    // A range the form can read but that closes before it opens is caught without asking the server.
    type_into(&root, "input[name=hours_6]", "18:00-09:00");
    settle().await;
    let puts = requests().iter().filter(|(m, _, _)| m == "PUT").count();
    click(&root, "form.ts-admin__form button[type=submit]");
    wait_for(&root, ".ts-field__error[data-field=\"business_hours.days\"]").await;
    assert_eq!(requests().iter().filter(|(m, _, _)| m == "PUT").count(), puts);
}
