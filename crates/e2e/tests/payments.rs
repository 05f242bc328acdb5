//! From purchase request to payment request, sandbox card payment, shipped,
//! delivered and payout scheduled, with both browsers seeing every change live.

use talkshop_e2e::{Browser, Chromedriver};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buyer_pays_in_the_chat_and_follows_the_order_to_delivery() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = talkshop_e2e::start_server(&tmp).await;
    let base = server.url();
    let driver = Chromedriver::start();
    let http = reqwest::Client::new();

    let buyer = Browser::open(&driver).await;
    buyer.open_shop(&base).await;
    buyer.type_and_enter(".ts-composer__input", "I'd like two café mugs").await;
    buyer.wait_texts(".ts-msg__status", "stored", |t| t.is_empty()).await;

    // The buyer's own token (kept by the widget) places a purchase request.
    let token = buyer.demo_visitor_token().await;
    let conversations: serde_json::Value = http
        .get(format!("{base}/api/v1/conversations"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let conversation = conversations["conversations"][0]["id"].as_str().expect("conversation").to_owned();
    talkshop_e2e::add_to_cart(&base, &token, "CA-MUG-CAFE", 2).await;
    let ordered = http
        .post(format!("{base}/api/v1/conversations/{conversation}/order"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"client_id": "o-e2e",
            "contact": {"name": "Maria Silva", "phone": "+5511987654321", "email": "maria@example.com"},
            "fulfilment": {"method": "pickup"}}))
        .send()
        .await
        .expect("order");
    assert_eq!(ordered.status().as_u16(), 201);
    buyer.wait_texts(".ts-order__total strong", "the order card", |t| t == ["R$ 99.80".to_string()]).await;

    // The merchant bills the order from the console.
    let merchant = Browser::open(&driver).await;
    merchant.sign_in_to_console(&base).await;
    merchant.click(".ts-inbox__item").await;
    merchant.click(".ts-order__bill").await;
    merchant
        .wait_texts(".ts-pay__state", "the request in the console", |t| t == ["Awaiting payment".to_string()])
        .await;

    // The buyer sees the card live and pays with the sandbox success card.
    buyer.wait_texts(".ts-pay__total strong", "the payment card", |t| t == ["R$ 99.80".to_string()]).await;
    buyer.click(".ts-pay__method").await;
    buyer.wait("input[name=card-number]").await.send_keys("4242 4242 4242 4242").await.expect("number");
    buyer.wait("input[name=card-expiry]").await.send_keys("12/30").await.expect("expiry");
    buyer.wait("input[name=card-cvc]").await.send_keys("123").await.expect("cvc");
    buyer.click(".ts-pay__submit").await;
    buyer.wait_texts(".ts-pay__state", "paid on the buyer's side", |t| t == ["Paid".to_string()]).await;
    merchant.wait_texts(".ts-pay__state", "paid in the console, live", |t| t == ["Paid".to_string()]).await;
    buyer
        .wait_texts(".shop-events__log li", "the page's order event", |t| {
            t.iter().any(|e| e.starts_with(r#"order {"status":"paid""#))
        })
        .await;
    // The widget writes the update in its language (English here, so English money format).
    buyer
        .wait_texts(".ts-status", "the status update", |t| t.iter().any(|s| s == "Payment of R$ 99.80 received"))
        .await;

    // Shipped with tracking, then delivered: both sides follow.
    merchant.wait("input[name=carrier]").await.send_keys("Correios").await.expect("carrier");
    merchant.wait("input[name=tracking]").await.send_keys("BR123456789").await.expect("tracking");
    merchant.click(".ts-pay__actions .ts-button").await;
    buyer.wait_texts(".ts-pay__state", "shipped, live", |t| t == ["Shipped".to_string()]).await;
    buyer
        .wait_texts(".ts-status", "the shipping update", |t| {
            t.iter().any(|s| s == "Order shipped with Correios · tracking BR123456789")
        })
        .await;
    merchant.click(".ts-pay__actions .ts-button").await;
    buyer.wait_texts(".ts-pay__state", "delivered, live", |t| t == ["Delivered".to_string()]).await;
    merchant.wait_texts(".ts-pay__state", "delivered in the console", |t| t == ["Delivered".to_string()]).await;
    buyer.screenshot("widget-paid-delivered").await;
    merchant.screenshot("console-paid-delivered").await;

    // The payout is scheduled 3 business days after shipping.
    let orders: serde_json::Value = http
        .get(format!("{base}/api/v1/conversations/{conversation}/messages"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("json");
    let request_id = orders["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .find_map(|m| m["body"]["request"]["id"].as_str())
        .expect("a payment request message")
        .to_owned();
    let request: serde_json::Value = http
        .get(format!("{base}/api/v1/payment-requests/{request_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(request["state"], "delivered");
    let shipped_at = request["shipment"]["shipped_at"].as_i64().expect("shipped_at");
    let payout_at = request["payout_at"].as_i64().expect("payout scheduled");
    let days = (payout_at - shipped_at) / 86_400_000;
    assert!((3..=5).contains(&days), "payout {days} calendar days after shipping");

    // "My orders" in the widget and the console's payouts show the same order.
    buyer.click(".ts-header__cart").await;
    buyer.click(".ts-cart__orders").await;
    buyer.wait_texts(".ts-cart .ts-pay__state", "my orders", |t| t == ["Delivered".to_string()]).await;
    merchant
        .eval("[...root.querySelectorAll('.ts-tab')].find(b => b.textContent === 'Orders').click(); return true;")
        .await;
    merchant
        .wait_texts(".ts-payouts__totals", "the scheduled payout", |t| t == ["Scheduled: R$ 99.80".to_string()])
        .await;
    merchant.screenshot("console-orders-payouts").await;

    for browser in [buyer, merchant] {
        browser.close().await;
    }
    server.stop().await.expect("clean shutdown");
}
