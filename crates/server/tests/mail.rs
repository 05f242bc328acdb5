//! E-mail continuity against a real SMTP server started by the test: staff are
//! mailed once about a buyer message nobody read (and not when it was read in
//! time, nor when they turned notifications off); a buyer is mailed the shop's
//! unread reply with a link that reopens the same conversation on another
//! device once; unsubscribe links work; a mail waits and is retried while the
//! SMTP server is down. "Minutes" last 100 ms here (`mail_minute_ms`).

mod common;
#[path = "common/smtp.rs"]
mod smtp;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::json;
use smtp::SmtpServer;
use talkshop_protocol::{ErrorCode, StaffNotifications, VisitorSession};

const STAFF: &str = "staff@demo.talkshop.test";
/// The demo shop (pt-BR, so its mails are in Portuguese) waits 10 "minutes" (1 s here) before mailing.
const MINUTE_MS: u64 = 100;

async fn mail_server(smtp: &SmtpServer) -> Server {
    let url = smtp.url();
    Server::start_with(move |c| {
        c.smtp_url = Some(url);
        c.mail_minute_ms = MINUTE_MS;
    })
    .await
}

/// A buyer the shop's backend identified with an e-mail address.
async fn identified_buyer(server: &Server, email: &str) -> VisitorSession {
    let user = unique("user");
    let token = server.visitor().await.token;
    let body = json!({"user_id": user, "user_hash": user_hash(&user), "name": "Ana", "email": email});
    let resp = server.post("/visitors/identify", Some(&token)).json(&body).send().await.unwrap();
    expect_json(resp, StatusCode::OK).await
}

/// The value of `name=` in a URL found in `text` after `marker`.
fn param_after(text: &str, marker: &str, name: &str) -> String {
    let at = text.find(marker).unwrap_or_else(|| panic!("{marker} in {text}"));
    let url: String = text[at..].chars().take_while(|c| !c.is_whitespace()).collect();
    url.split(['?', '&'])
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap_or_else(|| panic!("{name} in {url}"))
        .to_owned()
}

#[tokio::test]
async fn staff_are_mailed_once_per_unread_burst_and_not_when_it_was_read_in_time() {
    let smtp = SmtpServer::start().await;
    let server = mail_server(&smtp).await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "Is the <b>linen</b> throw washable?").await;
    server.send(&buyer, &conversation, "And does it come in olive?").await;

    let mails = smtp.wait_for(STAFF, 1).await;
    let mail = &mails[0];
    assert_eq!(mail.header("Subject").as_deref(), Some("Um cliente está esperando por Casa Aurora"));
    assert!(mail.text.contains("> Is the <b>linen</b> throw washable?"), "{}", mail.text);
    assert!(mail.text.contains("> And does it come in olive?"), "{}", mail.text);
    assert!(mail.text.contains(&format!("{}/console?conversation={conversation}", server.url)), "{}", mail.text);
    assert!(mail.html.contains("Is the &lt;b&gt;linen&lt;/b&gt; throw washable?"), "{}", mail.html);
    assert!(!mail.html.contains("<b>linen"), "buyer text is escaped in HTML");
    let unsubscribe = mail.header("List-Unsubscribe").expect("List-Unsubscribe");
    assert!(unsubscribe.starts_with(&format!("<{}/mail/unsubscribe?", server.url)), "{unsubscribe}");
    assert_eq!(mail.header("List-Unsubscribe-Post").as_deref(), Some("List-Unsubscribe=One-Click"));

    // More messages in the same unread burst: no second mail.
    server.send(&buyer, &conversation, "Hello?").await;
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(smtp.mails_to(STAFF).len(), 1, "one mail per burst");

    // Read in time: no mail at all.
    let (other, other_conversation) = server.buyer().await;
    let sent = server.send(&other, &other_conversation, "Quick question").await;
    let resp = server.mark_read(&staff, &other_conversation, sent.seq).await;
    assert!(resp.status().is_success());
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(smtp.mails_to(STAFF).len(), 1, "a message read in time is not mailed");

    // Staff read the first conversation; the buyer writes again: a new burst, a new mail.
    let last = server.all_messages(&staff, &conversation).await.last().unwrap().seq;
    server.mark_read(&staff, &conversation, last).await;
    server.send(&buyer, &conversation, "Still there?").await;
    let mails = smtp.wait_for(STAFF, 2).await;
    assert!(mails[1].text.contains("> Still there?") && !mails[1].text.contains("olive"), "{}", mails[1].text);
    server.stop().await;
}

#[tokio::test]
async fn staff_who_turn_notifications_off_get_none() {
    let smtp = SmtpServer::start().await;
    let server = mail_server(&smtp).await;
    let staff = server.staff_token().await;
    let on: StaffNotifications =
        expect_json(server.get("/console/notifications", Some(&staff)).send().await.unwrap(), StatusCode::OK).await;
    assert!(on.unread_email, "on by default");
    let resp = server.put("/console/notifications", Some(&staff)).json(&json!({"unread_email": false})).send();
    assert_eq!(resp.await.unwrap().status(), StatusCode::OK);
    let (buyer, _) = server.buyer().await;
    let resp = server.put("/console/notifications", Some(&buyer)).json(&json!({"unread_email": false})).send();
    let status = resp.await.unwrap().status();
    assert!(matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN), "staff only: {status}");
    let bad = server.put("/console/notifications", Some(&staff)).json(&json!({"unread_email": "no"})).send();
    assert_eq!(bad.await.unwrap().status(), StatusCode::BAD_REQUEST);

    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "Anyone?").await;
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert!(smtp.mails_to(STAFF).is_empty(), "{:?}", smtp.mails());
    server.stop().await;
}

#[tokio::test]
async fn a_buyer_is_mailed_the_unread_reply_and_the_link_reopens_the_conversation_once() {
    let smtp = SmtpServer::start().await;
    let server = mail_server(&smtp).await;
    let staff = server.staff_token().await;
    let ana = identified_buyer(&server, "ana@example.com").await;
    let conversation = server.open_conversation(&ana.token).await.id;
    let first = server.send(&ana.token, &conversation, "Do you ship to Recife?").await;
    server.mark_read(&ana.token, &conversation, first.seq).await;
    server.send(&staff, &conversation, "Yes! <i>Correios</i> in 3 days.").await;
    // A payment request waits unread too: it goes in the same mail, in the shop's language.
    let resp = server
        .post(&format!("/conversations/{conversation}/payment-requests"), Some(&staff))
        .json(&json!({"client_id": "pr-mail", "description": "Gift wrap", "amount": {"amount": "25.00", "currency": "BRL"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);

    // Anyone can give any address: first a confirmation, without the conversation.
    let mails = smtp.wait_for("ana@example.com", 1).await;
    let ask = &mails[0];
    assert_eq!(ask.header("Subject").as_deref(), Some("Confirme seu e-mail para Casa Aurora"));
    assert!(!ask.text.contains("Correios") && !ask.html.contains("Correios"), "no message before confirming");
    let confirm = format!(
        "{}/mail/confirm?{}",
        server.url,
        ask.text.split("/mail/confirm?").nth(1).unwrap().split_whitespace().next().unwrap()
    );
    let asked = server.http.get(&confirm).send().await.unwrap();
    assert!(asked.text().await.unwrap().contains("<form method=\"post\">"), "opening the link confirms nothing");
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(smtp.mails_to("ana@example.com").len(), 1, "nothing more until confirmed, and one confirmation");
    let forged = confirm.replace("ana%40example.com", "eve%40example.com");
    assert_eq!(server.http.post(&forged).send().await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(server.http.post(&confirm).send().await.unwrap().status(), StatusCode::OK);

    let mails = smtp.wait_for("ana@example.com", 2).await;
    let mail = &mails[1];
    assert!(mail.text.contains("> Pedido de pagamento: R$ 25,00 (Gift wrap) — pague no chat"), "{}", mail.text);
    assert_eq!(mail.header("Subject").as_deref(), Some("Casa Aurora respondeu você"));
    assert!(mail.text.contains("> Yes! <i>Correios</i> in 3 days."), "{}", mail.text);
    assert!(mail.html.contains("Yes! &lt;i&gt;Correios&lt;/i&gt; in 3 days."), "{}", mail.html);
    assert!(!mail.text.contains(&ana.token), "no long-lived token in the mail");
    let code = param_after(&mail.text, "/chat/demo?", "ts_resume");

    // The hosted chat page exists for the link to land on.
    let page = server.http.get(format!("{}/chat/demo?ts_resume={code}", server.url)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("data-shop=\"demo\""));

    // Another device: the link opens the same conversation, once.
    let body = json!({"shop": "demo", "device_id": unique("dev"), "token": code});
    let resumed: VisitorSession =
        expect_json(server.post("/visitors/resume", None).json(&body).send().await.unwrap(), StatusCode::CREATED).await;
    assert_ne!(resumed.visitor_id, ana.visitor_id, "a new device keeps its own visitor (and cart)");
    let theirs = server.list(&resumed.token).await.conversations;
    assert_eq!(theirs.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec![conversation.as_str()]);
    let texts: Vec<String> =
        server.all_messages(&resumed.token, &conversation).await.iter().map(|m| m.preview()).collect();
    assert_eq!(texts, ["Do you ship to Recife?", "Yes! <i>Correios</i> in 3 days.", "Payment request: R$ 25,00"]);
    let again = json!({"shop": "demo", "device_id": unique("dev"), "token": code});
    expect_error(
        server.post("/visitors/resume", None).json(&again).send().await.unwrap(),
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;
    let forged = json!({"shop": "demo", "device_id": unique("dev"), "token": "not-a-code"});
    expect_error(
        server.post("/visitors/resume", None).json(&forged).send().await.unwrap(),
        StatusCode::FORBIDDEN,
        ErrorCode::Forbidden,
    )
    .await;

    // Unsubscribe: the page asks first (opening it changes nothing), the POST acts.
    let unsubscribe = mail.header("List-Unsubscribe").unwrap();
    let url = unsubscribe.trim_matches(['<', '>']).to_owned();
    let asked = server.http.get(&url).send().await.unwrap();
    assert_eq!(asked.status(), StatusCode::OK);
    assert!(asked.text().await.unwrap().contains("<form method=\"post\">"));
    let tampered = url.replace("ana%40example.com", "bob%40example.com");
    assert_eq!(server.http.post(&tampered).send().await.unwrap().status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        server.http.post(&url).body("List-Unsubscribe=One-Click").send().await.unwrap().status(),
        StatusCode::OK
    );
    // Ana reads, the shop writes again: no more mail to her.
    let last = server.all_messages(&ana.token, &conversation).await.last().unwrap().seq;
    server.mark_read(&ana.token, &conversation, last).await;
    server.send(&staff, &conversation, "Your parcel left today").await;
    tokio::time::sleep(Duration::from_millis(2_000)).await;
    assert_eq!(smtp.mails_to("ana@example.com").len(), 2, "unsubscribed");
    server.stop().await;
}

#[tokio::test]
async fn a_mail_waits_while_the_smtp_server_is_down_and_goes_once_it_is_back() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let server = Server::start_with(move |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.mail_minute_ms = MINUTE_MS;
    })
    .await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "Hello from before the SMTP server").await;
    // Past the delay and a few failed attempts.
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let smtp = SmtpServer::start_on(port).await;
    let mails = smtp.wait_for(STAFF, 1).await;
    assert!(mails[0].text.contains("Hello from before the SMTP server"));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(smtp.mails_to(STAFF).len(), 1, "sent once");
    server.stop().await;
}

#[tokio::test]
async fn a_queued_mail_survives_a_restart_and_is_sent_once() {
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let db = TestDb::fresh();
    let mut config = talkshop_server::config::Config::for_tests(db.url().to_owned());
    config.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
    config.mail_minute_ms = MINUTE_MS;
    let server = Server::from_config(config.clone()).await;
    let (buyer, conversation) = server.buyer().await;
    server.send(&buyer, &conversation, "Written before the restart").await;
    tokio::time::sleep(Duration::from_millis(1_800)).await;
    server.stop().await;

    let smtp = SmtpServer::start_on(port).await;
    let server = Server::from_config(config).await;
    let mails = smtp.wait_for(STAFF, 1).await;
    assert!(mails[0].text.contains("Written before the restart"));
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(smtp.mails_to(STAFF).len(), 1, "queued once, sent once");
    server.stop().await;
}

#[tokio::test]
async fn an_anonymous_buyer_who_left_an_address_in_the_widget_is_mailed_after_confirming() {
    let smtp = SmtpServer::start().await;
    let server = mail_server(&smtp).await;
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    let resp = server
        .put(&format!("/conversations/{conversation}/email"), Some(&buyer))
        .json(&json!({"email": "bia@example.com", "consent": true}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let first = server.send(&buyer, &conversation, "Are you open on Sunday?").await;
    server.mark_read(&buyer, &conversation, first.seq).await;
    server.send(&staff, &conversation, "Yes, 10 to 16").await;
    let ask = smtp.wait_for("bia@example.com", 1).await.remove(0);
    let confirm = format!(
        "{}/mail/confirm?{}",
        server.url,
        ask.text.split("/mail/confirm?").nth(1).unwrap().split_whitespace().next().unwrap()
    );
    assert_eq!(server.http.post(&confirm).send().await.unwrap().status(), StatusCode::OK);
    let mails = smtp.wait_for("bia@example.com", 2).await;
    assert!(mails[1].text.contains("> Yes, 10 to 16"), "{}", mails[1].text);
    server.stop().await;
}
