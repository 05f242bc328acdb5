//! Signed webhooks to the merchant's backend, over real HTTP: a receiver (a
//! tiny axum server on 127.0.0.1) records what arrives and answers per a
//! script. Signatures, event data after a real order and payment, retries
//! after a 500 and after the receiver was down, one delivery with two nodes on
//! one database, SSRF refusals, and who may manage webhooks.

mod common;

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use common::commerce::API_KEY;
use common::*;
use reqwest::StatusCode;
use serde_json::json;
use talkshop_protocol::payment::{PaymentRequest, PaymentState, CARD_DECLINE, CARD_SUCCESS};
use talkshop_protocol::shop::{AuditLog, CreatedInvite};
use talkshop_protocol::webhook::{
    self, CreatedWebhook, DeliveryList, DeliveryStatus, WebhookDelivery, WebhookEvent, WebhookList,
};
use talkshop_protocol::{ErrorCode, Message, MessageBody, StaffSession};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    signature: String,
    event_id: String,
    content_type: String,
    body: Vec<u8>,
}

impl Received {
    fn event(&self) -> WebhookEvent {
        serde_json::from_slice(&self.body).expect("a JSON event")
    }
}

#[derive(Default)]
struct Log {
    received: Vec<Received>,
    /// Status codes to answer, in order; 200 once it runs out.
    script: VecDeque<u16>,
    delay: Duration,
}

#[derive(Clone)]
struct Receiver {
    port: u16,
    log: Arc<Mutex<Log>>,
    stop: Arc<tokio::sync::Notify>,
}

impl Receiver {
    async fn start(script: &[u16]) -> Receiver {
        Receiver::start_on(0, script, Duration::ZERO).await
    }

    async fn start_on(port: u16, script: &[u16], delay: Duration) -> Receiver {
        let log = Arc::new(Mutex::new(Log { script: script.iter().copied().collect(), delay, ..Log::default() }));
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("receiver binds");
        let port = listener.local_addr().unwrap().port();
        let shared = log.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                let log = shared.clone();
                async move {
                    let header =
                        |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
                    let (status, delay) = {
                        let mut log = log.lock().unwrap();
                        log.received.push(Received {
                            signature: header("talkshop-signature"),
                            event_id: header("talkshop-event-id"),
                            content_type: header("content-type"),
                            body: body.to_vec(),
                        });
                        (log.script.pop_front().unwrap_or(200), log.delay)
                    };
                    tokio::time::sleep(delay).await;
                    AxumStatus::from_u16(status).unwrap()
                }
            }),
        );
        let stop = Arc::new(tokio::sync::Notify::new());
        let until = stop.clone();
        tokio::spawn(async move {
            axum::serve(listener, app).with_graceful_shutdown(async move { until.notified().await }).await.unwrap();
        });
        Receiver { port, log, stop }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook", self.port)
    }

    fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().received.clone()
    }

    /// Waits until at least `n` requests arrived.
    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("expected {n} webhook requests, got {:?}", self.received().len());
    }
}

async fn register(server: &Server, owner: &str, url: &str, events: &[&str]) -> CreatedWebhook {
    let resp = server.post("/console/webhooks", Some(owner)).json(&json!({"url": url, "events": events})).send();
    expect_json(resp.await.unwrap(), StatusCode::OK).await
}

async fn deliveries(server: &Server, owner: &str, endpoint: &str) -> Vec<WebhookDelivery> {
    let resp = server.get(&format!("/console/webhooks/deliveries?endpoint={endpoint}"), Some(owner)).send();
    expect_json::<DeliveryList>(resp.await.unwrap(), StatusCode::OK).await.deliveries
}

/// Waits until every delivery of an endpoint satisfies `done` (and there is at least one).
async fn wait_deliveries(
    server: &Server,
    owner: &str,
    endpoint: &str,
    done: impl Fn(&WebhookDelivery) -> bool,
) -> Vec<WebhookDelivery> {
    for _ in 0..200 {
        let list = deliveries(server, owner, endpoint).await;
        if !list.is_empty() && list.iter().all(&done) {
            return list;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("deliveries never got there: {:?}", deliveries(server, owner, endpoint).await);
}

fn assert_signed(got: &Received, secret: &str) {
    assert!(got.content_type.starts_with("application/json"), "{}", got.content_type);
    webhook::verify(secret, &got.signature, &got.body, now_secs(), webhook::TOLERANCE_SECS)
        .expect("signature verifies");
    assert!(webhook::verify("whsec_wrong", &got.signature, &got.body, now_secs(), 300).is_err());
    let event = got.event();
    assert_eq!(event.id, got.event_id);
    assert!(event.id.starts_with("evt_"));
    assert_eq!(event.shop_id, SHOP);
}

#[tokio::test]
async fn order_and_payment_events_arrive_signed_with_their_data() {
    let server = Server::start().await;
    let owner = server.staff_token().await;
    let receiver = Receiver::start(&[]).await;
    let created = register(
        &server,
        &owner,
        &receiver.url(),
        &["order.placed", "payment_request.created", "payment.paid", "payment.failed"],
    )
    .await;
    assert!(created.secret.starts_with("whsec_"));
    assert_eq!(created.endpoint.secret_prefix.as_deref(), Some(&created.secret[..10]));
    // The secret is shown once: the list has its prefix only.
    let list: WebhookList =
        expect_json(server.get("/console/webhooks", Some(&owner)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(list.endpoints, vec![created.endpoint.clone()]);
    assert!(!serde_json::to_string(&list).unwrap().contains(&created.secret));

    // A real order, billed and paid by sandbox card.
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "I'd like the mug").await; // message.created is not subscribed
    let resp =
        server.post("/cart/lines", Some(&buyer)).json(&json!({"retailer_id": "CA-MUG-CAFE", "quantity": 2})).send();
    assert_eq!(resp.await.unwrap().status(), StatusCode::OK);
    let resp = server
        .post(&format!("/conversations/{conversation}/order"), Some(&buyer))
        .json(&common::commerce::shipped_order("o1", common::commerce::br_address(), "pac"));
    let placed: Message = expect_json(resp.send().await.unwrap(), StatusCode::CREATED).await;
    let MessageBody::Order { order } = placed.body else { panic!("an order") };
    let resp = server
        .post(&format!("/conversations/{conversation}/payment-requests"), Some(&owner))
        .json(&json!({"client_id": "bill-1", "order_id": order.id}));
    let billed: Message = expect_json(resp.send().await.unwrap(), StatusCode::CREATED).await;
    let MessageBody::PaymentRequest { request } = billed.body else { panic!("a payment request") };
    // A declined card first: nothing changes, but the merchant hears of it.
    let declined = json!({"method": "sandbox_card", "card": {"number": CARD_DECLINE, "expiry": "12/30", "cvc": "123"}});
    let resp = server.post(&format!("/payment-requests/{}/pay", request.id), Some(&buyer)).json(&declined);
    expect_invalid(resp.send().await.unwrap(), "card").await;
    let card = json!({"method": "sandbox_card", "card": {"number": CARD_SUCCESS, "expiry": "12/30", "cvc": "123"}});
    let resp = server.post(&format!("/payment-requests/{}/pay", request.id), Some(&buyer)).json(&card);
    let paid: PaymentRequest = expect_json(resp.send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(paid.state, PaymentState::Paid);

    let got = receiver.wait_for(4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(receiver.received().len(), 4, "only the subscribed events");
    for one in &got {
        assert_signed(one, &created.secret);
    }
    let events: Vec<WebhookEvent> = got.iter().map(Received::event).collect();
    let kind = |k: &str| events.iter().find(|e| e.kind == k).unwrap_or_else(|| panic!("{k} arrived"));
    let placed = kind("order.placed");
    assert_eq!(placed.data["id"], json!(order.id));
    assert_eq!(placed.data["total"], serde_json::to_value(order.total).unwrap());
    assert_eq!(placed.data["lines"][0]["retailer_id"], json!("CA-MUG-CAFE"));
    // The merchant's backend gets who and where: the Brazilian address, normalized.
    assert_eq!(placed.data["fulfilment"]["address"]["postal_code"], json!("01310-100"), "{}", placed.data);
    assert_eq!(placed.data["fulfilment"]["address"]["state"], json!("SP"));
    assert_eq!(placed.data["contact"]["name"], json!("Maria Silva"));
    let requested = kind("payment_request.created");
    assert_eq!(requested.data["id"], json!(request.id));
    assert_eq!(requested.data["state"], json!("requested"));
    let paid_event = kind("payment.paid");
    let data: PaymentRequest = serde_json::from_value(paid_event.data.clone()).unwrap();
    assert_eq!(
        (data.id.as_str(), data.state, data.order_id.as_deref()),
        (request.id.as_str(), PaymentState::Paid, Some(order.id.as_str()))
    );
    assert_eq!(paid_event.data["fulfilment"]["address"]["city"], json!("São Paulo"), "{}", paid_event.data);
    let failed = kind("payment.failed");
    assert_eq!(failed.data["state"], json!("requested"));
    assert!(failed.data["attempt"]["failure"].as_str().is_some_and(|f| !f.is_empty()), "{}", failed.data);
    assert_eq!(events.iter().map(|e| &e.id).collect::<HashSet<_>>().len(), 4);

    let list = wait_deliveries(&server, &owner, &created.endpoint.id, |d| d.status == DeliveryStatus::Delivered).await;
    assert_eq!(list.len(), 4);
    assert!(list.iter().all(|d| d.attempts == 1 && d.last_status_code == Some(200) && d.delivered_at.is_some()));

    // The console re-sends one: the same event (same id) arrives again, audited.
    let one = &list[0];
    let resp = server.post(&format!("/console/webhooks/deliveries/{}/resend", one.id), Some(&owner)).send();
    let queued: WebhookDelivery = expect_json(resp.await.unwrap(), StatusCode::OK).await;
    assert_eq!(queued.status, DeliveryStatus::Pending);
    let again = receiver.wait_for(5).await;
    assert_eq!(again[4].event_id, one.event_id);
    assert_signed(&again[4], &created.secret);
    let audit: AuditLog =
        expect_json(server.get("/console/audit", Some(&owner)).send().await.unwrap(), StatusCode::OK).await;
    let actions: Vec<&str> = audit.entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"webhook.create") && actions.contains(&"webhook.resend"), "{actions:?}");
    server.stop().await;
}

#[tokio::test]
async fn a_500_and_a_receiver_that_was_down_are_retried_until_delivered() {
    let server = Server::start().await;
    let owner = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;

    // Answers 500 twice, then 200.
    let flaky = Receiver::start(&[500, 500]).await;
    let endpoint = register(&server, &owner, &flaky.url(), &["message.created"]).await;
    server.send(&buyer, &conversation, "hello").await;
    let got = flaky.wait_for(3).await;
    assert!(got.iter().all(|r| r.event_id == got[0].event_id), "the same event each time");
    let list = wait_deliveries(&server, &owner, &endpoint.endpoint.id, |d| d.status == DeliveryStatus::Delivered).await;
    assert_eq!((list.len(), list[0].attempts, list[0].last_status_code), (1, 3, Some(200)));
    assert_eq!(list[0].event, "message.created");
    let event = got[2].event();
    assert_eq!(event.data["body"]["text"], json!("hello"));

    // A receiver that is down: the delivery waits, then arrives once it is up.
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/hook");
    let down = register(&server, &owner, &url, &["message.created"]).await;
    server.send(&buyer, &conversation, "anyone there?").await;
    let waiting =
        wait_deliveries(&server, &owner, &down.endpoint.id, |d| d.attempts >= 2 && d.status == DeliveryStatus::Pending)
            .await;
    assert!(waiting[0].last_error.is_some() && waiting[0].last_status_code.is_none(), "{waiting:?}");
    assert!(waiting[0].next_attempt_at.is_some());
    let late = Receiver::start_on(port, &[], Duration::ZERO).await;
    let arrived = late.wait_for(1).await;
    assert_signed(&arrived[0], &down.secret);
    assert_eq!(arrived[0].event().data["body"]["text"], json!("anyone there?"));
    wait_deliveries(&server, &owner, &down.endpoint.id, |d| d.status == DeliveryStatus::Delivered).await;
    late.stop.notify_waiters();
    server.stop().await;
}

#[tokio::test]
async fn two_nodes_on_one_database_never_deliver_an_event_twice() {
    // Several nodes share PostgreSQL; two processes writing one SQLite file is not a supported setup
    // (each has its own writer turn, so their writes can collide as SQLITE_BUSY).
    if !postgres_or_skip("two_nodes_on_one_database_never_deliver_an_event_twice") {
        return;
    }
    let db = TestDb::fresh();
    let first = Server::start_on(db.url()).await;
    let second = Server::start_on(db.url()).await;
    let owner = first.staff_token().await;
    // A slow receiver: each send takes a while, so both nodes poll while others are in flight.
    let receiver = Receiver::start_on(0, &[], Duration::from_millis(150)).await;
    let endpoint = register(&first, &owner, &receiver.url(), &["message.created"]).await;
    let (buyer, conversation) = second.buyer().await;
    const EVENTS: usize = 30;
    for i in 0..EVENTS {
        let node = if i % 2 == 0 { &first } else { &second };
        node.send(&buyer, &conversation, &format!("message {i}")).await;
    }
    let got = receiver.wait_for(EVENTS).await;
    wait_deliveries(&second, &owner, &endpoint.endpoint.id, |d| d.status == DeliveryStatus::Delivered).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_after = receiver.received();
    let ids: HashSet<&str> = got_after.iter().map(|r| r.event_id.as_str()).collect();
    assert_eq!((got.len(), got_after.len(), ids.len()), (EVENTS, EVENTS, EVENTS), "each event exactly once");
    let list = deliveries(&first, &owner, &endpoint.endpoint.id).await;
    assert!(list.iter().all(|d| d.attempts == 1), "{list:?}");
    first.stop().await;
    second.stop().await;
}

#[tokio::test]
async fn private_targets_are_refused_at_registration_and_at_delivery_without_the_dev_flag() {
    let server = Server::start_with(|c| c.allow_private_webhooks = false).await;
    let owner = server.staff_token().await;
    let receiver = Receiver::start(&[]).await;
    for url in [
        receiver.url(),
        "http://10.0.0.1/".to_owned(),
        "http://169.254.169.254/".to_owned(),
        "https://10.0.0.1/hook".to_owned(),
        "https://169.254.169.254/latest/meta-data".to_owned(),
        format!("https://127.0.0.1:{}/hook", receiver.port),
        "https://localhost/hook".to_owned(),
        "https://[::1]/hook".to_owned(),
        "https://shop.example.com/hook".to_owned().replace("https", "http"),
        format!("https://shop.example.com/{}", "a".repeat(2048)),
    ] {
        let resp =
            server.post("/console/webhooks", Some(&owner)).json(&json!({"url": url, "events": ["order.placed"]}));
        expect_invalid(resp.send().await.unwrap(), "url").await;
    }
    let bad_events = server
        .post("/console/webhooks", Some(&owner))
        .json(&json!({"url": "https://shop.example.com/hook", "events": ["order.eaten"]}));
    expect_invalid(bad_events.send().await.unwrap(), "events").await;
    let none = server
        .post("/console/webhooks", Some(&owner))
        .json(&json!({"url": "https://shop.example.com/hook", "events": []}));
    expect_invalid(none.send().await.unwrap(), "events").await;

    // An endpoint that got into the database anyway (say, registered under the
    // dev flag) is checked again when sending: nothing is sent.
    let state = server.app_state();
    state
        .storage
        .create_webhook_endpoint(&talkshop_server::storage::WebhookEndpointRecord {
            id: "we_smuggled".into(),
            shop_id: SHOP.into(),
            url: format!("https://127.0.0.1:{}/hook", receiver.port),
            events: vec!["message.created".into()],
            secret: "whsec_x".into(),
            created_at: 0,
        })
        .await
        .unwrap();
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "hi").await;
    let list = wait_deliveries(&server, &owner, "we_smuggled", |d| d.attempts >= 2).await;
    assert!(list[0].last_error.as_deref().unwrap_or_default().contains("private"), "{list:?}");
    assert!(receiver.received().is_empty(), "nothing reached the private address");
    server.stop().await;
}

#[tokio::test]
async fn only_owners_and_the_shops_api_key_manage_webhooks_of_their_own_shop() {
    let server = Server::start().await;
    let owner = server.staff_token().await;
    let receiver = Receiver::start(&[]).await;
    let mine = register(&server, &owner, &receiver.url(), &["message.created"]).await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "hi").await;
    let delivered =
        wait_deliveries(&server, &owner, &mine.endpoint.id, |d| d.status == DeliveryStatus::Delivered).await;

    // An agent of the same shop: 403 on everything.
    let resp = server
        .post("/console/staff/invites", Some(&owner))
        .json(&json!({"email": "agent@demo.example", "role": "agent"}));
    let invite: CreatedInvite = expect_json(resp.send().await.unwrap(), StatusCode::OK).await;
    let token = invite.link.split("#invite=").nth(1).unwrap().to_owned();
    let accept = json!({"token": token, "name": "Joana", "password": "a long agent password"});
    let agent: StaffSession =
        expect_json(server.post("/console/invites/accept", None).json(&accept).send().await.unwrap(), StatusCode::OK)
            .await;
    let agent = agent.token;
    for resp in [
        server.get("/console/webhooks", Some(&agent)).send().await.unwrap(),
        server
            .post("/console/webhooks", Some(&agent))
            .json(&json!({"url": receiver.url(), "events": ["order.placed"]}))
            .send()
            .await
            .unwrap(),
        server.delete(&format!("/console/webhooks/{}", mine.endpoint.id), Some(&agent)).send().await.unwrap(),
        server.get("/console/webhooks/deliveries", Some(&agent)).send().await.unwrap(),
        server
            .post(&format!("/console/webhooks/deliveries/{}/resend", delivered[0].id), Some(&agent))
            .send()
            .await
            .unwrap(),
    ] {
        expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    }
    // A buyer is not staff at all.
    let resp = server.get("/console/webhooks", Some(&buyer)).send().await.unwrap();
    assert!(matches!(resp.status(), StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED), "{}", resp.status());

    // Another shop's owner sees nothing of ours and cannot re-send or remove it.
    let other = server.siam_staff_token().await;
    let theirs: WebhookList =
        expect_json(server.get("/console/webhooks", Some(&other)).send().await.unwrap(), StatusCode::OK).await;
    assert!(theirs.endpoints.is_empty());
    let resp = server.get(&format!("/console/webhooks/deliveries?endpoint={}", mine.endpoint.id), Some(&other));
    assert!(expect_json::<DeliveryList>(resp.send().await.unwrap(), StatusCode::OK).await.deliveries.is_empty());
    let resp = server.post(&format!("/console/webhooks/deliveries/{}/resend", delivered[0].id), Some(&other));
    expect_error(resp.send().await.unwrap(), StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let resp = server.delete(&format!("/console/webhooks/{}", mine.endpoint.id), Some(&other));
    expect_error(resp.send().await.unwrap(), StatusCode::NOT_FOUND, ErrorCode::NotFound).await;

    // The merchant API with the shop's key: list, create, remove (audited).
    let api = |req: reqwest::RequestBuilder| req.header("X-Api-Key", API_KEY);
    let listed: WebhookList =
        expect_json(api(server.http.get(server.api("/merchant/webhooks"))).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(listed.endpoints.len(), 1);
    let body = json!({"url": receiver.url(), "events": ["payment.paid", "order.shipped"]});
    let made: CreatedWebhook = expect_json(
        api(server.http.post(server.api("/merchant/webhooks"))).json(&body).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(made.endpoint.events, vec!["payment.paid", "order.shipped"]);
    let resp = api(server.http.delete(server.api(&format!("/merchant/webhooks/{}", made.endpoint.id)))).send();
    assert_eq!(resp.await.unwrap().status(), StatusCode::NO_CONTENT);
    let resp = server.http.get(server.api("/merchant/webhooks")).header("X-Api-Key", "wrong").send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;

    // The owner removes theirs: gone from the list, audited.
    let resp = server.delete(&format!("/console/webhooks/{}", mine.endpoint.id), Some(&owner)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    let list: WebhookList =
        expect_json(server.get("/console/webhooks", Some(&owner)).send().await.unwrap(), StatusCode::OK).await;
    assert!(list.endpoints.is_empty());
    let audit: AuditLog =
        expect_json(server.get("/console/audit", Some(&owner)).send().await.unwrap(), StatusCode::OK).await;
    let actions: Vec<(&str, &str)> = audit.entries.iter().map(|e| (e.action.as_str(), e.actor.as_str())).collect();
    assert_eq!(actions.iter().filter(|(a, _)| *a == "webhook.create").count(), 2, "{actions:?}");
    assert_eq!(actions.iter().filter(|(a, _)| *a == "webhook.delete").count(), 2, "{actions:?}");
    assert!(actions.contains(&("webhook.create", "merchant API key")));

    // At most 10 endpoints per shop.
    for _ in 0..10 {
        register(&server, &owner, &receiver.url(), &["order.placed"]).await;
    }
    let resp = server
        .post("/console/webhooks", Some(&owner))
        .json(&json!({"url": receiver.url(), "events": ["order.placed"]}));
    expect_invalid(resp.send().await.unwrap(), "url").await;
    server.stop().await;
}

#[tokio::test]
async fn a_delivery_queued_before_a_restart_is_sent_after_it() {
    let db = TestDb::fresh();
    let server = Server::start_on(db.url()).await;
    let owner = server.staff_token().await;
    // Nobody listens yet: the delivery stays pending in the database.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let endpoint = register(&server, &owner, &format!("http://127.0.0.1:{port}/hook"), &["message.created"]).await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "before the restart").await;
    wait_deliveries(&server, &owner, &endpoint.endpoint.id, |d| d.attempts >= 1 && d.status == DeliveryStatus::Pending)
        .await;
    server.stop().await;

    let receiver = Receiver::start_on(port, &[], Duration::ZERO).await;
    let server = Server::start_on(db.url()).await;
    let got = receiver.wait_for(1).await;
    assert_signed(&got[0], &endpoint.secret);
    assert_eq!(got[0].event().data["body"]["text"], json!("before the restart"));
    let owner = server.staff_token().await;
    wait_deliveries(&server, &owner, &endpoint.endpoint.id, |d| d.status == DeliveryStatus::Delivered).await;
    receiver.stop.notify_waiters();
    server.stop().await;
}
