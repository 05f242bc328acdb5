//! A merchant runs their own shop: created by the operator (CLI or admin API)
//! on a server started without `--demo`, owner and agent roles, invitations,
//! removed staff, rate-limited sign-in, allowed website origins (CORS and
//! tokens), payment receiving details with a hand-confirmed instant payment,
//! API keys and the audit log. Real HTTP on a real database.

mod common;

use common::*;
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use talkshop_protocol::emv_qr::{crc_is_valid, parse_tlv};
use talkshop_protocol::payment::{PaymentMethod, PaymentRequest, PaymentState};
use talkshop_protocol::shop::{
    ApiKeyList, AuditLog, ConsoleMe, CreatedApiKey, CreatedInvite, CreatedShop, SettingsPage, ShopList, StaffList,
    StaffRole,
};
use talkshop_protocol::{ErrorCode, Message, MessageBody, StaffSession, VisitorSession};

const ADMIN: &str = "operator-token-for-tests";
const SITE: &str = "https://loja-da-maria.example";

/// A production-like server: no demo shops, an admin token.
async fn production() -> Server {
    Server::start_with(|c| {
        c.demo = false;
        c.admin_token = Some(ADMIN.into());
    })
    .await
}

async fn create_shop(server: &Server, id: &str, currency: &str, email: &str) -> CreatedShop {
    let resp = server
        .post("/admin/shops", Some(ADMIN))
        .json(
            &json!({"id": id, "name": "Loja da Maria", "currency": currency, "locale": "pt-BR", "owner_email": email}),
        )
        .send()
        .await
        .unwrap();
    expect_json(resp, StatusCode::OK).await
}

async fn login(server: &Server, email: &str, password: &str) -> reqwest::Response {
    server.post("/console/login", None).json(&json!({"email": email, "password": password})).send().await.unwrap()
}

async fn owner_of(server: &Server, id: &str, email: &str) -> String {
    let created = create_shop(server, id, "BRL", email).await;
    let session: StaffSession = expect_json(login(server, email, &created.owner_password).await, StatusCode::OK).await;
    assert_eq!(session.role, StaffRole::Owner);
    session.token
}

async fn visitor_of(server: &Server, shop: &str, origin: Option<&str>) -> reqwest::Response {
    let mut req = server.post("/visitors", None).json(&json!({"shop": shop, "device_id": unique("device")}));
    if let Some(origin) = origin {
        req = req.header("Origin", origin);
    }
    req.send().await.unwrap()
}

async fn settings(server: &Server, token: &str) -> SettingsPage {
    expect_json(server.get("/console/settings", Some(token)).send().await.unwrap(), StatusCode::OK).await
}

async fn save_settings(server: &Server, token: &str, change: impl FnOnce(&mut Value)) -> reqwest::Response {
    let mut body = serde_json::to_value(settings(server, token).await.settings).unwrap();
    change(&mut body);
    server.put("/console/settings", Some(token)).json(&body).send().await.unwrap()
}

async fn audit(server: &Server, token: &str) -> AuditLog {
    expect_json(server.get("/console/audit", Some(token)).send().await.unwrap(), StatusCode::OK).await
}

/// An invited agent who accepted: (their token, their staff id).
async fn agent_of(server: &Server, owner: &str, email: &str) -> (String, String) {
    let resp =
        server.post("/console/staff/invites", Some(owner)).json(&json!({"email": email, "role": "agent"})).send();
    let invite: CreatedInvite = expect_json(resp.await.unwrap(), StatusCode::OK).await;
    let token = invite.link.split("#invite=").nth(1).expect("the link carries the invitation").to_owned();
    let accept = json!({"token": token, "name": "Joana", "password": "a long agent password"});
    let resp = server.post("/console/invites/accept", None).json(&accept).send().await.unwrap();
    let session: StaffSession = expect_json(resp, StatusCode::OK).await;
    assert_eq!(session.role, StaffRole::Agent);
    // The link works once.
    let again = server.post("/console/invites/accept", None).json(&accept).send().await.unwrap();
    expect_error(again, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let me: ConsoleMe =
        expect_json(server.get("/console/me", Some(&session.token)).send().await.unwrap(), StatusCode::OK).await;
    (session.token, me.staff_id)
}

#[tokio::test]
async fn a_production_start_has_no_demo_shop_and_the_operator_creates_one() {
    let server = production().await;
    expect_invalid(visitor_of(&server, "demo", None).await, "shop").await;
    let resp = login(&server, STAFF_EMAIL, STAFF_PASSWORD).await;
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;

    // The admin API needs the operator's token.
    let body = json!({"id": "x1", "name": "X", "currency": "BRL", "locale": "en", "owner_email": "x@x.example"});
    let resp = server.post("/admin/shops", Some("wrong")).json(&body).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let resp = server.post("/admin/shops", None).json(&body).send().await.unwrap();
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;

    let created = create_shop(&server, "loja-da-maria", "BRL", "Maria@Loja.example").await;
    assert_eq!(created.owner_email, "maria@loja.example");
    assert!(created.owner_password.len() >= 16);
    let session: StaffSession =
        expect_json(login(&server, "maria@loja.example", &created.owner_password).await, StatusCode::OK).await;
    assert_eq!((session.shop.id.as_str(), session.role), ("loja-da-maria", StaffRole::Owner));
    let page = settings(&server, &session.token).await;
    assert!(!page.settings.sandbox && page.settings.allowed_origins.is_empty());
    assert!(page.embed_snippet.contains(&format!("{}/embed.js", server.url)), "{}", page.embed_snippet);
    assert!(page.embed_snippet.contains(r#"data-shop="loja-da-maria""#));

    // Taken ids and e-mails, bad ids: refused, nothing half-created.
    let dup =
        json!({"id": "loja-da-maria", "name": "Y", "currency": "BRL", "locale": "en", "owner_email": "y@y.example"});
    let resp = server.post("/admin/shops", Some(ADMIN)).json(&dup).send().await.unwrap();
    expect_error(resp, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    let bad = json!({"id": "Bad Id", "name": "Y", "currency": "BRL", "locale": "en", "owner_email": "y@y.example"});
    expect_invalid(server.post("/admin/shops", Some(ADMIN)).json(&bad).send().await.unwrap(), "id").await;
    let list: ShopList =
        expect_json(server.get("/admin/shops", Some(ADMIN)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(list.shops.len(), 1);
    assert_eq!(list.shops[0].staff, 1);
    server.stop().await;
}

#[tokio::test]
async fn the_admin_api_is_off_without_a_token() {
    let server = Server::start_with(|c| c.demo = false).await;
    let resp = server.get("/admin/shops", Some("anything")).send().await.unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    server.stop().await;
}

#[tokio::test]
async fn agents_chat_but_only_owners_change_the_shop_and_removed_staff_are_out_at_once() {
    let server = production().await;
    let owner = owner_of(&server, "loja-a", "owner@a.example").await;
    let (agent, agent_id) = agent_of(&server, &owner, "joana@a.example").await;

    // Agents work the inbox…
    let resp = server.get("/conversations", Some(&agent)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // …but every owner-only page and change is refused.
    for path in ["/console/settings", "/console/receiving", "/console/staff", "/console/api-keys", "/console/audit"] {
        let resp = server.get(path, Some(&agent)).send().await.unwrap();
        expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    }
    let pix = json!({"accounts": [{"currency": "BRL", "key_type": "pix_email", "key": "agent@evil.example", "merchant_name": "Agent", "merchant_city": "Rio"}]});
    let resp = server.put("/console/receiving", Some(&agent)).json(&pix).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let resp = server.post("/console/api-keys", Some(&agent)).json(&json!({"name": "mine"})).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let resp = server
        .post("/console/staff/invites", Some(&agent))
        .json(&json!({"email": "z@a.example", "role": "owner"}))
        .send()
        .await
        .unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;

    // Staff list: both, with roles. Nobody removes themselves or the last owner.
    let staff: StaffList =
        expect_json(server.get("/console/staff", Some(&owner)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(staff.staff.len(), 2);
    let owner_id = staff.staff.iter().find(|s| s.role == StaffRole::Owner).unwrap().id.clone();
    let resp = server.delete(&format!("/console/staff/{owner_id}"), Some(&owner)).send().await.unwrap();
    expect_error(resp, StatusCode::CONFLICT, ErrorCode::Conflict).await;

    // Removing the agent: their token stops working at once, on HTTP and WebSocket.
    let resp = server.delete(&format!("/console/staff/{agent_id}"), Some(&owner)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    for path in ["/console/me", "/conversations"] {
        let resp = server.get(path, Some(&agent)).send().await.unwrap();
        expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    }
    let (status, _) = server.ws_refused(&server.ws_url(&agent)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let log = audit(&server, &owner).await;
    let actions: Vec<&str> = log.entries.iter().map(|e| e.action.as_str()).collect();
    for action in ["staff.remove", "staff.join", "staff.invite", "shop.create"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    assert!(log.entries[0].actor.contains("owner@a.example"), "newest first, with who: {:?}", log.entries[0]);
    server.stop().await;
}

#[tokio::test]
async fn one_shops_owner_cannot_touch_another_shop() {
    let server = production().await;
    let owner_a = owner_of(&server, "loja-a", "owner@a.example").await;
    let owner_b = owner_of(&server, "loja-b", "owner@b.example").await;
    let (_agent_b, agent_b_id) = agent_of(&server, &owner_b, "agent@b.example").await;
    // A cannot remove B's staff, nor see B's in its list.
    let resp = server.delete(&format!("/console/staff/{agent_b_id}"), Some(&owner_a)).send().await.unwrap();
    expect_error(resp, StatusCode::NOT_FOUND, ErrorCode::NotFound).await;
    let staff: StaffList =
        expect_json(server.get("/console/staff", Some(&owner_a)).send().await.unwrap(), StatusCode::OK).await;
    assert!(staff.staff.iter().all(|s| s.email.ends_with("@a.example")));
    // B's settings change under B's token only.
    let resp = save_settings(&server, &owner_a, |s| s["name"] = json!("Renamed by A")).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(settings(&server, &owner_b).await.settings.name, "Loja da Maria");
    // B's buyers and payments are not A's: a payment request of B cannot be confirmed by A.
    let (buyer, conversation) = buyer_in(&server, "loja-b", None).await;
    server.send(&buyer, &conversation, "Oi").await;
    set_pix(&server, &owner_b).await;
    let request = adhoc(&server, &owner_b, &conversation, "80.00").await;
    let resp = pay_qr(&server, &buyer, &request.id).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = receive(&server, &owner_a, &request.id, json!({})).await;
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let resp = server.get(&format!("/conversations/{conversation}/messages"), Some(&owner_a)).send().await.unwrap();
    expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    server.stop().await;
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_address_with_retry_after() {
    let server = production().await;
    let created = create_shop(&server, "loja-r", "BRL", "r@r.example").await;
    for _ in 0..talkshop_server::ratelimit::PER_EMAIL {
        let resp = login(&server, "r@r.example", "not the password").await;
        expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    }
    // Even the right password waits now.
    let resp = login(&server, "r@r.example", &created.owner_password).await;
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = resp.headers()[RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!(wait > 0 && wait <= 900, "{wait}");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(check_error_body(&body, ErrorCode::RateLimited).code, ErrorCode::RateLimited);
    // Unknown addresses are refused like wrong passwords (and cost the same argon2 work).
    let resp = login(&server, "nobody@r.example", "whatever password").await;
    expect_error(resp, StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    server.stop().await;
}

async fn buyer_in(server: &Server, shop: &str, origin: Option<&str>) -> (String, String) {
    let visitor: VisitorSession = expect_json(visitor_of(server, shop, origin).await, StatusCode::CREATED).await;
    let conversation = server.open_conversation(&visitor.token).await;
    (visitor.token, conversation.id)
}

#[tokio::test]
async fn the_widget_api_answers_only_the_websites_a_shop_allows() {
    let server = production().await;
    let owner = owner_of(&server, "loja-c", "c@c.example").await;
    let preflight = |origin: &'static str| {
        server
            .http
            .request(Method::OPTIONS, server.api("/visitors"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type, authorization")
            .send()
    };
    // Nothing allowed yet: another website gets no CORS grant and no visitor.
    let resp = preflight(SITE).await.unwrap();
    assert!(resp.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());
    expect_error(visitor_of(&server, "loja-c", Some(SITE)).await, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    // The server's own pages always may.
    let own = server.url.clone();
    assert_eq!(visitor_of(&server, "loja-c", Some(&own)).await.status(), StatusCode::CREATED);

    let resp = save_settings(&server, &owner, |s| s["allowed_origins"] = json!([format!("{SITE}/")])).await;
    let page: SettingsPage = expect_json(resp, StatusCode::OK).await;
    assert_eq!(page.settings.allowed_origins, vec![SITE.to_owned()], "normalized");
    let resp = preflight(SITE).await.unwrap();
    assert_eq!(resp.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], SITE);
    let resp = preflight("https://evil.example").await.unwrap();
    assert!(resp.headers().get(ACCESS_CONTROL_ALLOW_ORIGIN).is_none());

    // A token taken from the allowed site does not work from another one.
    let (buyer, conversation) = buyer_in(&server, "loja-c", Some(SITE)).await;
    let send = |origin: &'static str| {
        server
            .post(&format!("/conversations/{conversation}/messages"), Some(&buyer))
            .header("Origin", origin)
            .json(&json!({"client_id": unique("c"), "text": "Olá"}))
            .send()
    };
    assert_eq!(send(SITE).await.unwrap().status(), StatusCode::CREATED);
    expect_error(send("https://evil.example").await.unwrap(), StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;

    // Bad origins are a field error; `*` is the owner's explicit choice.
    let resp = save_settings(&server, &owner, |s| s["allowed_origins"] = json!(["loja.example"])).await;
    expect_invalid(resp, "allowed_origins").await;
    let resp = save_settings(&server, &owner, |s| s["allowed_origins"] = json!(["*"])).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(visitor_of(&server, "loja-c", Some("https://any.example")).await.status(), StatusCode::CREATED);
    server.stop().await;
}

#[tokio::test]
async fn settings_are_validated_audited_and_sandbox_stays_the_operators() {
    let server = production().await;
    let owner = owner_of(&server, "loja-s", "s@s.example").await;
    expect_invalid(save_settings(&server, &owner, |s| s["logo_color"] = json!("red")).await, "logo_color").await;
    expect_invalid(save_settings(&server, &owner, |s| s["default_locale"] = json!("fr")).await, "default_locale").await;
    expect_invalid(
        save_settings(&server, &owner, |s| s["payout_business_days"] = json!(1)).await,
        "payout_business_days",
    )
    .await;
    let resp = save_settings(&server, &owner, |s| {
        s["name"] = json!("Ateliê São João");
        s["sandbox"] = json!(true);
        s["service_window_hours"] = json!(48);
    })
    .await;
    let page: SettingsPage = expect_json(resp, StatusCode::OK).await;
    assert_eq!(page.settings.name, "Ateliê São João");
    assert!(!page.settings.sandbox, "an owner does not turn a real shop into a test shop");
    assert_eq!(page.settings.service_window_hours, 48);
    let log = audit(&server, &owner).await;
    assert_eq!(log.entries[0].action, "settings.update");
    assert!(log.entries[0].detail.contains("service_window_hours: 48"), "{}", log.entries[0].detail);
    // The widget sees the new name.
    let visitor: VisitorSession = expect_json(visitor_of(&server, "loja-s", None).await, StatusCode::CREATED).await;
    assert_eq!(visitor.shop.name, "Ateliê São João");
    server.stop().await;
}

async fn set_pix(server: &Server, owner: &str) {
    let pix = json!({"accounts": [{"currency": "BRL", "key_type": "pix_cpf", "key": "529.982.247-25", "merchant_name": "José da Conceição", "merchant_city": "São Paulo"}]});
    let resp = server.put("/console/receiving", Some(owner)).json(&pix).send().await.unwrap();
    let saved: Value = expect_json(resp, StatusCode::OK).await;
    assert_eq!(saved["accounts"][0]["key"], "52998224725", "stored normalized");
}

async fn adhoc(server: &Server, staff: &str, conversation: &str, amount: &str) -> PaymentRequest {
    let body =
        json!({"client_id": unique("pr"), "description": "Encomenda", "amount": {"amount": amount, "currency": "BRL"}});
    let resp = server.post(&format!("/conversations/{conversation}/payment-requests"), Some(staff)).json(&body).send();
    let message: Message = expect_json(resp.await.unwrap(), StatusCode::CREATED).await;
    match message.body {
        MessageBody::PaymentRequest { request } => *request,
        other => panic!("a payment request card, got {other:?}"),
    }
}

/// *Mark as received* on a payment request.
async fn receive(server: &Server, token: &str, id: &str, body: Value) -> reqwest::Response {
    server.post(&format!("/payment-requests/{id}/receive"), Some(token)).json(&body).send().await.unwrap()
}

async fn pay_qr(server: &Server, buyer: &str, id: &str) -> reqwest::Response {
    server
        .post(&format!("/payment-requests/{id}/pay"), Some(buyer))
        .json(&json!({"method": "instant_qr"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_real_shop_is_paid_by_its_own_pix_key_and_confirms_by_hand() {
    let server = production().await;
    let owner = owner_of(&server, "loja-p", "p@p.example").await;
    let (agent, _) = agent_of(&server, &owner, "agent@p.example").await;
    let (buyer, conversation) = buyer_in(&server, "loja-p", None).await;
    server.send(&buyer, &conversation, "Quero pagar").await;

    // No receiving account yet: no payment request.
    let body = json!({"client_id": unique("pr"), "description": "x", "amount": {"amount": "10.00", "currency": "BRL"}});
    let resp = server
        .post(&format!("/conversations/{conversation}/payment-requests"), Some(&owner))
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_invalid(resp, "method").await;
    // Bad keys are field errors.
    let bad = json!({"accounts": [{"currency": "BRL", "key_type": "pix_cpf", "key": "529.982.247-24", "merchant_name": "José", "merchant_city": "Rio"}]});
    expect_invalid(server.put("/console/receiving", Some(&owner)).json(&bad).send().await.unwrap(), "key").await;
    set_pix(&server, &owner).await;

    // Agents request payments; the card is real money: QR only, no sandbox, not test mode.
    let request = adhoc(&server, &agent, &conversation, "120.50").await;
    assert_eq!(request.methods, vec![PaymentMethod::InstantQr]);
    assert!(!request.test_mode);
    let card =
        json!({"method": "sandbox_card", "card": {"number": "4242424242424242", "expiry": "12/30", "cvc": "123"}});
    let resp =
        server.post(&format!("/payment-requests/{}/pay", request.id), Some(&buyer)).json(&card).send().await.unwrap();
    assert!(resp.status().is_client_error(), "{}", resp.status());

    let pending: PaymentRequest = expect_json(pay_qr(&server, &buyer, &request.id).await, StatusCode::OK).await;
    assert_eq!(pending.state, PaymentState::Pending);
    let payload = pending.attempt.as_ref().and_then(|a| a.qr_payload.clone()).expect("a QR payload");
    assert!(crc_is_valid(&payload), "{payload}");
    let fields = parse_tlv(&payload).unwrap();
    let tag = |id: &str| fields.iter().find(|(t, _)| t == id).map(|(_, v)| v.as_str()).unwrap_or_default();
    assert!(tag("26").contains("52998224725"), "the owner's Pix key: {payload}");
    assert_eq!((tag("54"), tag("59"), tag("60")), ("120.50", "JOSE DA CONCEICAO", "SAO PAULO"));

    // The sandbox cannot confirm a real shop's payment: not its hosted page (no sign-in), not staff's sandbox button.
    let resp = server.http.post(format!("{}/sandbox/hosted/{}", server.url, request.id)).send().await.unwrap();
    assert!(resp.text().await.unwrap().contains("test-mode"), "the hosted page refuses");
    let resp = server.post(&format!("/payment-requests/{}/sandbox-confirm", request.id), Some(&agent)).json(&json!({}));
    expect_error(resp.send().await.unwrap(), StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    let still: PaymentRequest = expect_json(
        server.get(&format!("/payment-requests/{}", request.id), Some(&buyer)).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(still.state, PaymentState::Pending);

    // Only an owner marks it received; the buyer and agents cannot.
    for token in [&buyer, &agent] {
        let resp = receive(&server, token, &request.id, json!({})).await;
        expect_error(resp, StatusCode::FORBIDDEN, ErrorCode::Forbidden).await;
    }
    let resp = receive(&server, &owner, &request.id, json!({"bank_reference": "E1234567820261203"})).await;
    let paid: PaymentRequest = expect_json(resp, StatusCode::OK).await;
    assert_eq!(paid.state, PaymentState::Paid);
    let receipt = paid.attempt.and_then(|a| a.received).expect("who and when");
    assert_eq!((receipt.by.as_str(), receipt.bank_reference.as_deref()), ("p", Some("E1234567820261203")));
    // Twice is a conflict naming the state.
    let resp = receive(&server, &owner, &request.id, json!({})).await;
    expect_error(resp, StatusCode::CONFLICT, ErrorCode::Conflict).await;
    // A refund is audited too.
    let resp = server.post(&format!("/payment-requests/{}/refund", request.id), Some(&owner)).json(&json!({})).send();
    assert_eq!(resp.await.unwrap().status(), StatusCode::OK);
    let log = audit(&server, &owner).await;
    assert_eq!(log.entries[0].action, "payment.refund");
    let received = log.entries.iter().find(|e| e.action == "payment.received").expect("audited");
    assert!(received.detail.contains("E1234567820261203"), "{}", received.detail);
    assert!(log.entries.iter().any(|e| e.action == "payment_details.update" && e.detail.contains("…4725")));
    server.stop().await;
}

#[tokio::test]
async fn owners_create_use_and_revoke_api_keys() {
    let server = production().await;
    let owner = owner_of(&server, "loja-k", "k@k.example").await;
    let resp = server.post("/console/api-keys", Some(&owner)).json(&json!({"name": "ERP"})).send().await.unwrap();
    let created: CreatedApiKey = expect_json(resp, StatusCode::OK).await;
    assert!(created.key.starts_with("tsk_") && created.info.last_used_at.is_none());
    let upsert = |key: String| {
        let product = json!({"retailer_id": "K-1", "title": "Caneca", "description": "", "image_url": "/catalog-images/loja-k/K-1.svg",
            "price": {"amount": "10.00", "currency": "BRL"}, "availability": {"status": "in_stock"}});
        server
            .http
            .put(server.api("/merchant/catalog"))
            .header("X-Api-Key", key)
            .json(&json!({"products": [product]}))
            .send()
    };
    assert_eq!(upsert(created.key.clone()).await.unwrap().status(), StatusCode::OK);
    let list: ApiKeyList =
        expect_json(server.get("/console/api-keys", Some(&owner)).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!(list.keys.len(), 1);
    assert!(list.keys[0].last_used_at.is_some(), "last used is shown");
    assert!(!serde_json::to_string(&list).unwrap().contains(&created.key), "the key itself is never listed");
    let resp = server.delete(&format!("/console/api-keys/{}", created.info.id), Some(&owner)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::NO_CONTENT);
    expect_error(upsert(created.key).await.unwrap(), StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized).await;
    let actions: Vec<String> = audit(&server, &owner).await.entries.into_iter().map(|e| e.action).collect();
    assert!(actions.contains(&"api_key.create".into()) && actions.contains(&"api_key.revoke".into()));
    server.stop().await;
}

#[tokio::test]
async fn the_cli_creates_a_shop_from_nothing_and_its_owner_signs_in() {
    let db = TestDb::fresh();
    let cli = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_talkshop-server"))
            .arg("--database-url")
            .arg(db.url())
            .args(args)
            .env_remove("DATABASE_URL")
            .output()
            .expect("talkshop-server runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
        (out.status.success(), text)
    };
    let password_in = |text: &str| {
        text.lines().find_map(|l| l.split("password: ").nth(1)).map(|p| p.trim().to_owned()).expect("a password line")
    };
    let (ok, text) = cli(&[
        "shop",
        "create",
        "--id",
        "cli-shop",
        "--name",
        "Toko Batik",
        "--currency",
        "IDR",
        "--locale",
        "id",
        "--owner-email",
        "ayu@toko.example",
    ]);
    assert!(ok, "{text}");
    let owner_password = password_in(&text);
    let (ok, text) = cli(&[
        "shop",
        "create",
        "--id",
        "cli-shop",
        "--name",
        "Again",
        "--currency",
        "IDR",
        "--owner-email",
        "b@toko.example",
    ]);
    assert!(!ok && text.contains("already exists"), "{text}");
    let (ok, text) =
        cli(&["shop", "create", "--id", "x2", "--name", "X", "--currency", "XYZ", "--owner-email", "c@toko.example"]);
    assert!(!ok && text.contains("unknown currency"), "{text}");
    let (ok, text) = cli(&["staff", "add", "--shop", "cli-shop", "--email", "dewi@toko.example", "--name", "Dewi"]);
    assert!(ok, "{text}");
    let agent_password = password_in(&text);
    let (ok, text) = cli(&["shop", "list"]);
    assert!(ok && text.contains("cli-shop") && text.contains("Toko Batik") && text.contains("IDR"), "{text}");

    let mut config = talkshop_server::config::Config::for_tests(db.url().to_owned());
    config.demo = false;
    let server = Server::from_config(config).await;
    let owner: StaffSession =
        expect_json(login(&server, "ayu@toko.example", &owner_password).await, StatusCode::OK).await;
    assert_eq!((owner.shop.name.as_str(), owner.role), ("Toko Batik", StaffRole::Owner));
    let agent: StaffSession =
        expect_json(login(&server, "dewi@toko.example", &agent_password).await, StatusCode::OK).await;
    assert_eq!(agent.role, StaffRole::Agent);
    let page = settings(&server, &owner.token).await;
    assert_eq!((page.settings.default_locale.as_str(), page.settings.currency.code()), ("id", "IDR"));
    // The owner changes the one-time password.
    let change = json!({"current_password": owner_password, "new_password": "my own long password"});
    assert_eq!(
        server.post("/console/password", Some(&owner.token)).json(&change).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    expect_error(
        login(&server, "ayu@toko.example", &owner_password).await,
        StatusCode::UNAUTHORIZED,
        ErrorCode::Unauthorized,
    )
    .await;
    assert_eq!(login(&server, "ayu@toko.example", "my own long password").await.status(), StatusCode::OK);
    server.stop().await;

    // reset-password gives a new one-time password.
    let (ok, text) = cli(&["staff", "reset-password", "--email", "ayu@toko.example"]);
    assert!(ok, "{text}");
    let reset = password_in(&text);
    let mut config = talkshop_server::config::Config::for_tests(db.url().to_owned());
    config.demo = false;
    let server = Server::from_config(config).await;
    assert_eq!(login(&server, "ayu@toko.example", &reset).await.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn a_rotated_identity_secret_is_shown_once_and_verifies_from_then_on() {
    let server = production().await;
    let owner = owner_of(&server, "loja-i", "i@i.example").await;
    let resp = server.post("/console/settings/identity-secret", Some(&owner)).send().await.unwrap();
    let secret: Value = expect_json(resp, StatusCode::OK).await;
    let secret = secret["secret"].as_str().unwrap().to_owned();
    assert!(settings(&server, &owner).await.identity_secret_set);
    assert!(!serde_json::to_string(&settings(&server, &owner).await).unwrap().contains(&secret), "not shown again");
    let visitor: VisitorSession = expect_json(visitor_of(&server, "loja-i", None).await, StatusCode::CREATED).await;
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(b"user-42");
    let hash: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    let resp = server
        .post("/visitors/identify", Some(&visitor.token))
        .json(&json!({"user_id": "user-42", "user_hash": hash}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn the_widget_shows_the_owners_logo_letter_and_colour() {
    let server = production().await;
    let owner = owner_of(&server, "loja-l", "l@l.example").await;
    let resp = save_settings(&server, &owner, |s| {
        s["logo_initial"] = json!("M");
        s["logo_color"] = json!("#AA3366");
    })
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let look: talkshop_protocol::ShopLook =
        expect_json(server.get("/shops/loja-l", None).send().await.unwrap(), StatusCode::OK).await;
    assert_eq!((look.logo_initial.as_str(), look.color()), ("M", Some("#aa3366")));
    expect_error(
        server.get("/shops/no-such-shop", None).send().await.unwrap(),
        StatusCode::NOT_FOUND,
        ErrorCode::NotFound,
    )
    .await;
    server.stop().await;
}

#[tokio::test]
async fn a_production_server_shows_no_demo_page() {
    let server = production().await;
    for path in ["/siam", "/hostile", "/csp", "/demo/demo.js"] {
        let resp = server.http.get(format!("{}{path}", server.url)).send().await.unwrap();
        assert_ne!(resp.status(), StatusCode::OK, "{path}");
    }
    let home = server.http.get(format!("{}/", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("/console") && !home.contains("Casa Aurora"), "{home}");
    server.stop().await;
}
