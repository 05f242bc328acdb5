//! The shop's own administration in the console, against a fake server
//! (`fetch` replaced by a small router that records what was sent): field
//! errors from a 400 answer, the tabs each role sees, signing up from an
//! invitation link, *Mark as received* on payment cards, and a rate-limited
//! sign-in.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use rust_decimal::Decimal;
use talkshop_protocol::payment::{PaymentAttempt, PaymentMethod, PaymentRequest, PaymentState};
use talkshop_protocol::shop::StaffRole;
use talkshop_protocol::{Currency, Money};
use talkshop_widget::api::Api;
use talkshop_widget::components::payment_card::{PaymentCard, Payments};
use talkshop_widget::console::login_form::LoginForm;
use talkshop_widget::console::mark_received::{agent_extra, owner_extra};
use talkshop_widget::console::receiving_page::ReceivingPage;
use talkshop_widget::console::settings_page::ShopSettingsPage;
use talkshop_widget::console::{Console, ConsoleTab, ConsoleTabs};
use talkshop_widget::device::{self, CONSOLE_TOKEN_KEY};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn settings_page() -> serde_json::Value {
    serde_json::json!({
        "shop_id": "loja",
        "settings": {
            "name": "Loja da Maria", "logo_initial": "M", "logo_color": "#aa3366", "default_locale": "pt-BR",
            "currency": "BRL", "service_window_hours": 24, "away_message": "", "allowed_origins": ["https://loja.example"],
            "transaction_limits": [{ "method": "instant_qr", "currency": "BRL", "max": "500.00" }],
            "payout_business_days": 3, "sandbox": true
        },
        "embed_snippet": "<script src=\"https://talkshop.example/embed.js\" data-shop=\"loja\"></script>",
        "identity_secret_set": false
    })
}

#[wasm_bindgen_test]
async fn the_settings_form_shows_the_servers_field_error_next_to_the_field() {
    fake_server();
    route("GET", "/api/v1/console/settings", 200, settings_page());
    route(
        "PUT",
        "/api/v1/console/settings",
        400,
        serde_json::json!({ "error": { "code": "invalid", "message": "That name is taken", "field": "name" } }),
    );
    let root = mount(|| view! { <ShopSettingsPage api=Api::new(String::new()).with_token("t-owner")/> });
    wait_for(&root, "form.ts-admin__form").await;
    assert_eq!(value_of(&root, "input[name=name]"), "Loja da Maria");
    assert_eq!(value_of(&root, "textarea[name=allowed_origins]"), "https://loja.example");
    assert_eq!(value_of(&root, ".ts-limits__max"), "500.00");
    assert_eq!(text(&root, ".ts-settings__mode"), "Test shop: sandbox payments");
    assert_eq!(
        value_of(&root, ".ts-copy__text"),
        "<script src=\"https://talkshop.example/embed.js\" data-shop=\"loja\"></script>"
    );
    assert!(all(&root, ".ts-settings script").is_empty(), "the embed code is text");

    type_into(&root, "input[name=name]", "Loja Nova");
    type_into(&root, "textarea[name=allowed_origins]", "https://loja.example\nhttps://nova.example/");
    settle().await;
    click(&root, "form.ts-admin__form button[type=submit]");
    let shown = wait_for(&root, "label .ts-field__error[data-field=name]").await;
    assert_eq!(shown.text_content().as_deref(), Some("That name is taken"));
    assert_eq!(attr(&root, "input[name=name]", "aria-invalid").as_deref(), Some("true"));
    assert!(find(&root, ".ts-form__error").is_none(), "a field's error is not repeated above the form");
    let (_, _, body) = requests().into_iter().find(|(m, _, _)| m == "PUT").expect("the settings were sent");
    let sent: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(sent["name"], "Loja Nova");
    assert_eq!(sent["allowed_origins"], serde_json::json!(["https://loja.example", "https://nova.example"]));
    assert_eq!(sent["transaction_limits"][0]["max"], "500.00");

    // A mistake the form catches itself lands on its field too, without asking the server.
    type_into(&root, "input[name=service_window_hours]", "lots");
    settle().await;
    let puts = requests().iter().filter(|(m, _, _)| m == "PUT").count();
    click(&root, "form.ts-admin__form button[type=submit]");
    let shown = wait_for(&root, ".ts-field__error[data-field=service_window_hours]").await;
    assert!(shown.text_content().unwrap_or_default().contains("1 to 168"));
    assert_eq!(requests().iter().filter(|(m, _, _)| m == "PUT").count(), puts);
}

#[wasm_bindgen_test]
async fn owners_edit_shipping_options_and_pickup() {
    fake_server();
    let mut page = settings_page();
    page["settings"]["shipping_options"] = serde_json::json!([{
        "id": "pac", "name": "Correios PAC", "price": {"amount": "20.00", "currency": "BRL"},
        "free_above": {"amount": "300.00", "currency": "BRL"}, "countries": ["BR"]
    }]);
    route("GET", "/api/v1/console/settings", 200, page.clone());
    route("PUT", "/api/v1/console/settings", 200, page);
    let root = mount(|| view! { <ShopSettingsPage api=Api::new(String::new()).with_token("t-owner")/> });
    wait_for(&root, ".ts-shipping__row").await;
    assert_eq!(value_of(&root, ".ts-shipping__row [data-cell='3']"), "300.00");
    click(&root, ".ts-shipping__add");
    settle().await;
    for (cell, value) in [("0", "sedex"), ("1", "SEDEX"), ("2", "45"), ("4", "br")] {
        type_into(&root, &format!(".ts-shipping__row:nth-child(2) [data-cell='{cell}']"), value);
    }
    click(&root, "input[name=pickup]");
    type_into(&root, "input[name=pickup_address]", "Rua das Flores 10, Belo Horizonte");
    settle().await;
    click(&root, "form.ts-admin__form button[type=submit]");
    settle().await;
    let (_, _, body) = requests().into_iter().find(|(m, _, _)| m == "PUT").expect("the settings were sent");
    let sent: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(sent["shipping_options"][1]["id"], "sedex");
    assert_eq!(sent["shipping_options"][1]["price"], serde_json::json!({"amount": "45", "currency": "BRL"}));
    assert_eq!(sent["shipping_options"][1]["countries"], serde_json::json!(["BR"]));
    assert!(sent["shipping_options"][1]["free_above"].is_null());
    assert_eq!(sent["shipping_options"][0]["free_above"]["amount"], "300.00");
    assert_eq!(
        (sent["pickup"].as_bool(), sent["pickup_address"].as_str()),
        (Some(true), Some("Rua das Flores 10, Belo Horizonte"))
    );

    // A price that is not a number stays on the shipping list's error.
    type_into(&root, ".ts-shipping__row [data-cell='2']", "cheap");
    settle().await;
    click(&root, "form.ts-admin__form button[type=submit]");
    wait_for(&root, ".ts-field__error[data-field=shipping_options]").await;
}

#[wasm_bindgen_test]
async fn agents_see_the_selling_tabs_and_owners_also_run_the_shop() {
    let tab = RwSignal::new(ConsoleTab::Inbox);
    let agent = mount(move || view! { <ConsoleTabs role=StaffRole::Agent tab=tab/> });
    let owner = mount(move || view! { <ConsoleTabs role=StaffRole::Owner tab=tab/> });
    settle().await;
    assert_eq!(texts(&agent, ".ts-tab"), vec!["Inbox", "Catalog", "Orders", "Packing"]);
    assert_eq!(
        texts(&owner, ".ts-tab"),
        vec![
            "Inbox",
            "Catalog",
            "Orders",
            "Packing",
            "Settings",
            "Payments",
            "Staff",
            "API keys",
            "Webhooks",
            "Audit log"
        ]
    );
    click(&owner, "[data-tab=Staff]");
    settle().await;
    assert_eq!(tab.get_untracked(), ConsoleTab::Staff);
    assert_eq!(attr(&owner, "[data-tab=Staff]", "aria-current").as_deref(), Some("page"));
}

fn me(role: &str) -> serde_json::Value {
    serde_json::json!({
        "shop": { "id": "loja", "name": "Loja da Maria" }, "staff_id": "s2", "staff_name": "Ana",
        "email": "ana@loja.example", "role": role, "currency": "BRL"
    })
}

#[wasm_bindgen_test]
async fn a_kept_token_is_checked_with_me_and_the_role_decides_the_tabs() {
    for (role, tabs) in [("agent", 4), ("owner", 10)] {
        fake_server();
        route("GET", "/api/v1/console/me", 200, me(role));
        route("GET", "/api/v1/conversations", 200, serde_json::json!({ "conversations": [] }));
        device::save(CONSOLE_TOKEN_KEY, "t-kept");
        let root = mount(|| view! { <Console/> });
        wait_for(&root, ".ts-console__tabs").await;
        assert_eq!(all(&root, ".ts-tab").len(), tabs, "{role}");
        assert_eq!(text(&root, ".ts-console__shop").trim_end_matches("Console").trim(), "Loja da Maria");
        assert!(text(&root, ".ts-account__summary").starts_with("Ana"));
        assert_eq!(find(&root, "[data-tab=Settings]").is_some(), role == "owner");
        root.remove();
    }
    device::forget(CONSOLE_TOKEN_KEY);
}

#[wasm_bindgen_test]
async fn an_invitation_link_opens_the_sign_up_form_which_signs_in() {
    fake_server();
    device::forget(CONSOLE_TOKEN_KEY);
    js("history.replaceState(null, '', location.pathname + location.search + '#invite=tok-123');");
    route(
        "POST",
        "/api/v1/console/invites/accept",
        200,
        serde_json::json!({ "token": "t-new", "staff_name": "Bia", "shop": { "id": "loja", "name": "Loja da Maria" }, "role": "agent" }),
    );
    route("GET", "/api/v1/console/me", 200, me("agent"));
    route("GET", "/api/v1/conversations", 200, serde_json::json!({ "conversations": [] }));
    let root = mount(|| view! { <Console/> });
    wait_for(&root, "form.ts-invite").await;
    assert!(find(&root, "input[name=email]").is_none(), "not the sign-in form");
    assert_eq!(text(&root, ".ts-login__title"), "Accept invitation");

    // Checked before sending: at least 10 characters, typed twice the same.
    type_into(&root, "input[name=name]", "Bia");
    type_into(&root, "input[name=password]", "short");
    type_into(&root, "input[name=repeat]", "short");
    settle().await;
    click(&root, "form.ts-invite button[type=submit]");
    settle().await;
    assert_eq!(text(&root, ".ts-field__error[data-field=password]"), "A password has at least 10 characters");
    type_into(&root, "input[name=password]", "long enough secret");
    type_into(&root, "input[name=repeat]", "long enough secrte");
    settle().await;
    click(&root, "form.ts-invite button[type=submit]");
    settle().await;
    assert_eq!(text(&root, ".ts-field__error[data-field=repeat]"), "The two passwords are not the same");
    assert!(requests().iter().all(|(_, p, _)| p != "/api/v1/console/invites/accept"));

    type_into(&root, "input[name=repeat]", "long enough secret");
    settle().await;
    click(&root, "form.ts-invite button[type=submit]");
    wait_for(&root, ".ts-console__tabs").await;
    let (_, _, body) = requests().into_iter().find(|(_, p, _)| p == "/api/v1/console/invites/accept").unwrap();
    let sent: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(sent, serde_json::json!({ "token": "tok-123", "name": "Bia", "password": "long enough secret" }));
    assert_eq!(web_sys::window().unwrap().location().hash().unwrap(), "", "the invitation is gone from the address");
    assert_eq!(device::load(CONSOLE_TOKEN_KEY).as_deref(), Some("t-new"));
    assert_eq!(all(&root, ".ts-tab").len(), 4, "an agent");
    root.remove();
    device::forget(CONSOLE_TOKEN_KEY);
}

fn brl(amount: &str) -> Money {
    Money::new(Decimal::from_str_exact(amount).unwrap(), Currency::Brl)
}

fn pending(method: PaymentMethod, test_mode: bool) -> PaymentRequest {
    PaymentRequest {
        id: "pr1".into(),
        conversation_id: "c1".into(),
        order_id: None,
        description: "Vaso azul".into(),
        lines: vec![],
        shipping: None,
        discount: None,
        total: brl("140.00"),
        state: PaymentState::Pending,
        methods: vec![PaymentMethod::InstantQr],
        // A date JSON numbers can carry (the fake server answers through JavaScript).
        expires_at: 1_900_000_000_000,
        attempt: Some(PaymentAttempt {
            method,
            card_brand: None,
            card_last4: None,
            qr_payload: (method == PaymentMethod::InstantQr).then(|| "000201PIX".into()),
            hosted_url: (method == PaymentMethod::HostedLink).then(|| "/sandbox/hosted/pr1".into()),
            failure: None,
            received: None,
        }),
        shipment: None,
        payout_at: None,
        paid_out_at: None,
        created_at: 0,
        updated_at: 1,
        test_mode,
        contact: None,
        fulfilment: None,
    }
}

fn card(request: PaymentRequest, owner: bool) -> web_sys::HtmlElement {
    let extra = if owner { owner_extra } else { agent_extra };
    let payments = Payments::new(Api::new(String::new()).with_token("t-owner"), false).with_staff_extra(extra);
    mount(move || {
        provide_context(payments);
        view! { <PaymentCard request=request/> }
    })
}

#[wasm_bindgen_test]
async fn mark_as_received_is_offered_to_owners_on_real_pending_instant_payments_only() {
    fake_server();
    let mut paid = pending(PaymentMethod::InstantQr, false);
    paid.state = PaymentState::Paid;
    let cases = [
        ("owner, real instant QR", pending(PaymentMethod::InstantQr, false), true, true),
        ("agent", pending(PaymentMethod::InstantQr, false), false, false),
        ("test mode", pending(PaymentMethod::InstantQr, true), true, false),
        ("hosted link", pending(PaymentMethod::HostedLink, false), true, false),
        ("already paid", paid, true, false),
    ];
    for (case, request, owner, offered) in cases {
        let test_mode = request.test_mode;
        let root = card(request, owner);
        settle().await;
        assert_eq!(find(&root, ".ts-pay__mark-received").is_some(), offered, "{case}");
        // A test shop keeps the sandbox confirmation instead.
        assert_eq!(find(&root, ".ts-pay__confirm").is_some(), test_mode, "{case}");
        assert!(find(&root, ".ts-pay__waiting").is_none(), "{case}: that line is the buyer's");
        root.remove();
    }

    let mut received = pending(PaymentMethod::InstantQr, false);
    received.state = PaymentState::Paid;
    received.updated_at = 2;
    received.attempt.as_mut().unwrap().received = Some(talkshop_protocol::payment::ManualReceipt {
        by: "Maria".into(),
        at: 1_700_000_000_000,
        bank_reference: Some("E2E123".into()),
    });
    route("POST", "/api/v1/payment-requests/pr1/receive", 200, serde_json::to_value(&received).unwrap());
    let root = card(pending(PaymentMethod::InstantQr, false), true);
    settle().await;
    assert_eq!(text(&root, ".ts-pay__mark-received"), "Mark as received");
    type_into(&root, "input[name=bank-reference]", " E2E123 ");
    settle().await;
    click(&root, ".ts-pay__mark-received");
    let line = wait_for(&root, ".ts-pay__received").await.text_content().unwrap_or_default();
    assert!(line.starts_with("Received · by Maria · "), "{line}");
    assert!(line.ends_with(" · ref E2E123"), "{line}");
    assert_eq!(text(&root, ".ts-pay__state"), "Paid");
    assert!(find(&root, ".ts-pay__mark-received").is_none());
    let (_, _, body) = requests().into_iter().find(|(_, p, _)| p.ends_with("/receive")).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({ "bank_reference": "E2E123" })
    );
}

#[wasm_bindgen_test]
async fn too_many_sign_in_attempts_say_when_to_try_again() {
    fake_server();
    js(r#"window.__tsRoutes['POST /api/v1/console/login'] = { status: 429, headers: { 'retry-after': '290' },
        body: { error: { code: 'rate_limited', message: 'Too many attempts' } } };"#);
    let root = mount(|| view! { <LoginForm api=Api::new(String::new()) on_login=Callback::new(|_| {})/> });
    settle().await;
    type_into(&root, "input[name=email]", "maria@loja.example");
    type_into(&root, "input[name=password]", "wrong password");
    settle().await;
    click(&root, "button[type=submit]");
    let shown = wait_for(&root, ".ts-login__error").await;
    assert_eq!(shown.text_content().as_deref(), Some("Too many attempts, try again in 5 minutes"));
}

#[wasm_bindgen_test]
async fn receiving_accounts_are_checked_per_currency_and_qris_takes_a_payload_only() {
    fake_server();
    let pix = serde_json::json!({ "currency": "BRL", "key_type": "pix_email", "key": "pix@loja.example",
        "merchant_name": "Maria Souza", "merchant_city": "Sao Paulo" });
    route("GET", "/api/v1/console/receiving", 200, serde_json::json!({ "accounts": [pix] }));
    route("PUT", "/api/v1/console/receiving", 200, serde_json::json!({ "accounts": [pix] }));
    let root = mount(|| view! { <ReceivingPage api=Api::new(String::new()).with_token("t-owner")/> });
    wait_for(&root, "form.ts-receiving__form").await;
    assert_eq!(value_of(&root, "[data-currency=BRL] input[name=key]"), "pix@loja.example");
    // QRIS: the acquirer's payload in a text area; its name and city come from the payload.
    assert!(find(&root, "[data-currency=IDR] textarea[name=key]").is_some());
    assert!(find(&root, "[data-currency=IDR] input[name=merchant_name]").is_none());
    assert!(find(&root, "[data-currency=IDR] input[name=merchant_city]").is_none());
    assert_eq!(
        texts(&root, "[data-currency=THB] select[name=key_type] option"),
        vec!["PromptPay: mobile number", "PromptPay: national or tax ID", "PromptPay: e-wallet ID"]
    );

    // A Thai key that is no phone number: refused on its own section, nothing sent.
    type_into(&root, "[data-currency=THB] input[name=key]", "12345");
    type_into(&root, "[data-currency=THB] input[name=merchant_name]", "Baan Siam");
    type_into(&root, "[data-currency=THB] input[name=merchant_city]", "Bangkok");
    settle().await;
    click(&root, "form.ts-receiving__form button[type=submit]");
    let shown = wait_for(&root, "[data-currency=THB] .ts-field__error[data-field=key]").await;
    assert!(shown.text_content().unwrap_or_default().contains("Thai mobile number"));
    assert!(find(&root, "[data-currency=BRL] .ts-field__error").is_none());
    assert!(requests().iter().all(|(m, _, _)| m != "PUT"));

    type_into(&root, "[data-currency=THB] input[name=key]", "081 234 5678");
    settle().await;
    click(&root, "form.ts-receiving__form button[type=submit]");
    wait_for(&root, ".ts-receiving .ts-admin__ok").await;
    let (_, _, body) = requests().into_iter().find(|(m, _, _)| m == "PUT").expect("saved");
    let sent: serde_json::Value = serde_json::from_str(&body).unwrap();
    let accounts = sent["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2, "an empty key leaves IDR off: {sent}");
    assert_eq!(accounts[1]["currency"], "THB");
    assert_eq!(accounts[1]["key"], "0066812345678");
}

#[wasm_bindgen_test]
async fn an_invitation_link_opened_in_a_loaded_console_shows_the_sign_up_form() {
    fake_server();
    device::forget(CONSOLE_TOKEN_KEY);
    js("history.replaceState(null, '', location.pathname + location.search);");
    let root = mount(|| view! { <Console/> });
    wait_for(&root, "form.ts-login input[name=email]").await;
    js("location.hash = '#invite=tok-456';");
    wait_for(&root, "form.ts-invite").await;
    js("history.replaceState(null, '', location.pathname + location.search);");
    root.remove();
}
