//! What mails lead to, in headless Chromium against a fake server: a resume
//! link's one-time code becomes this device's session and leaves the address
//! bar at once (a refused code changes nothing); the console's switch for
//! e-mails about unread buyer messages.

#![cfg(target_arch = "wasm32")]

mod common;

use common::*;
use leptos::prelude::*;
use talkshop_widget::api::Api;
use talkshop_widget::console::account::NotificationsSwitch;
use talkshop_widget::device;
use talkshop_widget::widget::resume_from_link;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn set_address(url: &str) {
    assert!(device::replace_address(url));
}

fn search() -> String {
    web_sys::window().unwrap().location().search().unwrap()
}

#[wasm_bindgen_test]
async fn a_resume_code_becomes_this_devices_session_and_leaves_the_address() {
    fake_server();
    device::forget(&device::visitor_key("loja-mail"));
    let session = serde_json::json!({"token": "t-resumed", "visitor_id": "v2", "device_id": "d-1",
        "shop": {"id": "loja-mail", "name": "Loja"}});
    route("POST", "/api/v1/visitors/resume", 201, session);
    let path = web_sys::window().unwrap().location().pathname().unwrap();
    set_address(&format!("{path}?keep=1&ts_resume=Abc123XYZ"));
    assert!(resume_from_link(&Api::new(String::new()), "loja-mail").await);
    assert_eq!(device::load(&device::visitor_key("loja-mail")).as_deref(), Some("t-resumed"));
    assert_eq!(search(), "?keep=1", "the code is gone from the address");
    let (_, _, body) = requests().into_iter().find(|(m, p, _)| m == "POST" && p == "/api/v1/visitors/resume").unwrap();
    let sent: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((sent["shop"].as_str(), sent["token"].as_str()), (Some("loja-mail"), Some("Abc123XYZ")));
    assert_eq!(sent["device_id"].as_str(), Some(device::device_id().as_str()));

    // Used or expired: the device keeps its session; no code, no request.
    route(
        "POST",
        "/api/v1/visitors/resume",
        403,
        serde_json::json!({"error": {"code": "forbidden", "message": "This link was already used or has expired"}}),
    );
    set_address(&format!("{path}?ts_resume=Abc123XYZ"));
    assert!(!resume_from_link(&Api::new(String::new()), "loja-mail").await);
    assert_eq!(device::load(&device::visitor_key("loja-mail")).as_deref(), Some("t-resumed"));
    assert_eq!(search(), "");
    let before = requests().len();
    assert!(!resume_from_link(&Api::new(String::new()), "loja-mail").await);
    assert_eq!(requests().len(), before);
    // Anything but letters and digits is not a code.
    set_address(&format!("{path}?ts_resume=%3Cscript%3E"));
    assert!(!resume_from_link(&Api::new(String::new()), "loja-mail").await);
    assert_eq!(requests().len(), before);
    set_address(&path);
}

#[wasm_bindgen_test]
async fn staff_turn_unread_mail_off_and_on() {
    fake_server();
    route("GET", "/api/v1/console/notifications", 200, serde_json::json!({"unread_email": true}));
    route("PUT", "/api/v1/console/notifications", 200, serde_json::json!({"unread_email": false}));
    let root = mount(|| view! { <NotificationsSwitch api=Api::new(String::new()).with_token("t-staff")/> });
    for _ in 0..100 {
        if !is_disabled(&root, "input[name=unread_email]") {
            break;
        }
        gloo_timers::future::TimeoutFuture::new(20).await;
    }
    let input: web_sys::HtmlInputElement = wasm_bindgen::JsCast::unchecked_into(get(&root, "input[name=unread_email]"));
    assert!(input.checked(), "on, as the server says");
    click(&root, "input[name=unread_email]");
    wait_for(&root, ".ts-admin__ok").await;
    let (_, _, body) = requests().into_iter().find(|(m, _, _)| m == "PUT").expect("saved");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap(), serde_json::json!({"unread_email": false}));
    assert!(!input.checked());
}
