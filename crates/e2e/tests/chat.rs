//! A buyer and a merchant chat live through the real server and the
//! release-built widget and console, each in their own headless Chromium.

use std::time::Duration;

use talkshop_e2e::{Browser, Chromedriver};

const FIRST: &str = "Hello, is the terracotta vase in stock? <script>alert(1)</script>";
const REPLY: &str = "Yes! We have 3 left.";
const SECOND: &str = "Great, I'll take one <img src=x onerror=alert(2)>";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyer_and_merchant_chat_live_and_history_survives_reload() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = talkshop_e2e::start_server(&tmp).await;
    let base = server.url();
    let driver = Chromedriver::start();

    // The buyer opens the shop; the launcher is there, the panel opens on click.
    let buyer = Browser::open(&driver).await;
    buyer.open_shop(&base).await;
    buyer.type_and_enter(".ts-composer__input", FIRST).await;
    buyer.wait_texts(".ts-msg--mine .ts-msg__bubble", "the buyer's message", |t| t == [FIRST.to_string()]).await;
    buyer.wait_texts(".ts-msg__status", "the message to be stored", |t| t.is_empty()).await;

    // The merchant signs in and sees the conversation with an unread badge.
    let merchant = Browser::open(&driver).await;
    merchant.sign_in_to_console(&base).await;
    merchant.wait_texts(".ts-inbox__badge", "one unread message", |t| t == ["1".to_string()]).await;
    let preview = merchant.texts(".ts-inbox__preview").await;
    assert_eq!(merchant.texts(".ts-inbox__item").await.len(), 1, "one conversation in the inbox: {preview:?}");
    assert!(preview[0].starts_with("Hello, is the terracotta vase"), "{preview:?}");
    merchant.click(".ts-inbox__item").await;
    merchant
        .wait_texts(".ts-msg--theirs .ts-msg__bubble", "the buyer's text, literally", |t| t == [FIRST.to_string()])
        .await;
    let injected = merchant.eval("return root.querySelectorAll('.ts-thread script, .ts-thread img').length").await;
    assert_eq!(injected, serde_json::json!(0), "buyer markup must stay text");

    // The reply appears live in the buyer's open panel.
    merchant.type_and_enter(".ts-composer__input", REPLY).await;
    buyer
        .wait_texts(".ts-msg--theirs .ts-msg__bubble", "the merchant's reply, live", |t| t == [REPLY.to_string()])
        .await;

    // And the buyer's next message appears live in the merchant's thread.
    buyer.type_and_enter(".ts-composer__input", SECOND).await;
    merchant
        .wait_texts(".ts-msg--theirs .ts-msg__bubble", "the buyer's second message, live", |t| {
            t.len() == 2 && t[1] == SECOND
        })
        .await;
    let thread = merchant.texts(".ts-msg__bubble").await;
    assert_eq!(thread, [FIRST, REPLY, SECOND].map(String::from), "the merchant's thread, in order");
    assert!(merchant.texts(".ts-inbox__badge").await.is_empty(), "a message in the open thread is read at once");
    let injected = buyer.eval("return root.querySelectorAll('.ts-thread script, .ts-thread img').length").await;
    assert_eq!(injected, serde_json::json!(0));
    merchant.screenshot("console-thread").await;

    // Reload: the buyer's history is all there, in order, nothing twice.
    buyer.client.refresh().await.expect("reload");
    buyer.open_widget().await;
    buyer.wait_online().await;
    let history = [FIRST, REPLY, SECOND].map(String::from);
    let all = buyer.wait_texts(".ts-msg__bubble", "the whole history after reload", |t| t.len() >= 3).await;
    assert_eq!(all, history, "history after reload, in order, once");
    // The live link resumes after the loaded history; nothing may arrive twice.
    buyer.assert_texts_stay(".ts-msg__bubble", &history, Duration::from_secs(1)).await;
    let mine = buyer.texts(".ts-msg--mine .ts-msg__bubble").await;
    assert_eq!(mine, [FIRST, SECOND].map(String::from), "the buyer's own messages stay on their side");
    buyer.screenshot("widget-thread").await;

    // Another device (a fresh browser profile) starts with an empty thread.
    let other = Browser::open(&driver).await;
    other.client.goto(&format!("{base}/")).await.expect("open shop");
    other.open_widget().await;
    other.wait_online().await;
    other.wait(".ts-thread .ts-empty").await;
    assert!(other.texts(".ts-msg__bubble").await.is_empty(), "a new device sees no one else's messages");

    for browser in [buyer, merchant, other] {
        browser.close().await;
    }
    server.stop().await.expect("clean shutdown");
}
