//! Checkout that ships, end to end with the merchant's backend listening: the
//! shop's backend registers a webhook endpoint through the merchant API; the
//! buyer fills the Brazilian checkout in the widget and pays by card; the
//! merchant packs from the packing view (the slip shows the address) and marks
//! the parcel shipped. The backend receives `order.placed` and `payment.paid`
//! carrying that address, each signed with the endpoint's secret.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::HeaderMap;
use talkshop_e2e::{Browser, Chromedriver, WAIT};
use talkshop_protocol::webhook::{verify, CreatedWebhook, WebhookEvent};

/// What the merchant's backend received: (signature header, body).
type Inbox = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// The merchant's backend: records every POST to `/talkshop` and answers 200.
async fn start_backend() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let shared = inbox.clone();
    let app = axum::Router::new().route(
        "/talkshop",
        axum::routing::post(move |headers: HeaderMap, body: Bytes| {
            let inbox = shared.clone();
            async move {
                let signature = headers.get("talkshop-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
                inbox.lock().unwrap().push((signature.to_owned(), body.to_vec()));
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("backend binds");
    let url = format!("http://{}/talkshop", listener.local_addr().expect("address"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("backend serves") });
    (url, inbox)
}

/// Waits until the backend holds an event of each kind; checks every signature.
async fn received(inbox: &Inbox, secret: &str, kinds: &[&str]) -> Vec<WebhookEvent> {
    let deadline = Instant::now() + WAIT;
    loop {
        let events: Vec<WebhookEvent> = inbox
            .lock()
            .unwrap()
            .iter()
            .map(|(signature, body)| {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
                verify(secret, signature, body, now, 300).expect("signed with the endpoint's secret");
                serde_json::from_slice(body).expect("an event")
            })
            .collect();
        if kinds.iter().all(|k| events.iter().any(|e| e.kind == *k)) {
            return events;
        }
        assert!(
            Instant::now() < deadline,
            "the backend got only {:?}",
            events.iter().map(|e| &e.kind).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_brazilian_address_reaches_the_merchants_backend_signed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = talkshop_e2e::start_server(&tmp).await;
    let base = server.url();
    let driver = Chromedriver::start();
    let http = reqwest::Client::new();

    // The shop's backend subscribes with its API key.
    let (hook_url, inbox) = start_backend().await;
    let resp = http
        .post(format!("{base}/api/v1/merchant/webhooks"))
        .header("X-Api-Key", "test-api-key")
        .json(&serde_json::json!({"url": hook_url, "events": ["order.placed", "payment.paid"]}))
        .send()
        .await
        .expect("register");
    assert!(resp.status().is_success(), "registered: {}", resp.status());
    let created: CreatedWebhook = resp.json().await.expect("endpoint and secret");

    // The buyer writes, puts two mugs in this device's cart and goes to checkout in the widget.
    let buyer = Browser::open(&driver).await;
    buyer.open_shop(&base).await;
    buyer.type_and_enter(".ts-composer__input", "Two mugs to São Paulo, please").await;
    buyer.wait_texts(".ts-msg__status", "stored", |t| t.is_empty()).await;
    talkshop_e2e::add_to_cart(&base, &buyer.demo_visitor_token().await, "CA-MUG-CAFE", 2).await;
    buyer.click(".ts-header__cart").await;
    buyer.wait_texts(".ts-cart__name", "the mugs in the cart", |t| t.len() == 1).await;
    buyer.click(".ts-cart__send").await;
    buyer.fill_brazilian_checkout().await;
    buyer.click(".ts-checkout__send").await;
    buyer.wait(".ts-order__total").await;

    // The merchant bills the order; the buyer sees the address on the card and pays by card.
    let merchant = Browser::open(&driver).await;
    merchant.sign_in_to_console(&base).await;
    merchant.click(".ts-inbox__item").await;
    merchant.click(".ts-order__bill").await;
    let card =
        buyer.wait_texts(".ts-pay .ts-delivery__line", "the address on the payment card", |t| !t.is_empty()).await;
    assert!(card.iter().any(|l| l == "São Paulo - SP, 01310-100"), "{card:?}");
    buyer.click(".ts-pay__method").await;
    buyer.wait("input[name=card-number]").await.send_keys("4242 4242 4242 4242").await.expect("number");
    buyer.wait("input[name=card-expiry]").await.send_keys("12/30").await.expect("expiry");
    buyer.wait("input[name=card-cvc]").await.send_keys("123").await.expect("cvc");
    buyer.click(".ts-pay__submit").await;
    buyer.wait_texts(".ts-pay__state", "paid", |t| t == ["Paid".to_string()]).await;

    // The backend got both events, signed, with the address the buyer typed.
    let events = received(&inbox, &created.secret, &["order.placed", "payment.paid"]).await;
    for kind in ["order.placed", "payment.paid"] {
        let event = events.iter().find(|e| e.kind == kind).expect("the event");
        let address = &event.data["fulfilment"]["address"];
        assert_eq!(address["postal_code"], "01310-100", "{kind}: {}", event.data);
        assert_eq!(address["state"], "SP", "{kind}");
        assert_eq!(address["line1"], "Av. Paulista, 1000", "{kind}");
        assert_eq!(address["city"], "São Paulo", "{kind}");
        assert_eq!(event.data["contact"]["name"], "Maria Silva", "{kind}");
        assert_eq!(event.data["contact"]["phone"], "+5511987654321", "{kind}: normalized");
    }

    // The packing view: the slip shows the address; shipping from it empties the list.
    merchant.click(".ts-tab[data-tab=Packing]").await;
    let slip = merchant.wait_texts(".ts-pack__to .ts-delivery__line", "the packing slip", |t| !t.is_empty()).await;
    assert!(slip.iter().any(|l| l == "Av. Paulista, 1000"), "{slip:?}");
    merchant
        .wait_texts(".ts-pack__option", "the option's name", |t| t == ["Shipping · Correios PAC".to_string()])
        .await;
    merchant.screenshot("console-packing").await;
    merchant.wait(".ts-pack__ship input[name=carrier]").await.send_keys("Correios").await.expect("carrier");
    merchant.click(".ts-pack__shipped").await;
    merchant.wait(".ts-pack .ts-empty").await;
    buyer.wait_texts(".ts-pay__state", "shipped, live", |t| t == ["Shipped".to_string()]).await;

    for browser in [buyer, merchant] {
        browser.close().await;
    }
    server.stop().await.expect("clean shutdown");
}
