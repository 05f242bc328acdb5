//! Shopping inside the conversation, end to end: the merchant sends a
//! product list, the buyer adds two items with options, the merchant changes
//! a price, the buyer acknowledges the notice and orders; the merchant sees
//! the order with the right total. Another device has its own empty cart.

use talkshop_e2e::{Browser, Chromedriver};
use talkshop_protocol::ProductInput;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchant_sends_products_buyer_orders_after_a_price_change() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = talkshop_e2e::start_server(&tmp).await;
    let base = server.url();
    let driver = Chromedriver::start();

    let buyer = Browser::open(&driver).await;
    buyer.open_shop(&base).await;
    buyer.type_and_enter(".ts-composer__input", "Hi! Something soft for the sofa?").await;
    buyer.wait_texts(".ts-msg__status", "stored", |t| t.is_empty()).await;

    // The merchant answers with a product list of two items that have options.
    let merchant = Browser::open(&driver).await;
    merchant.sign_in_to_console(&base).await;
    merchant.click(".ts-inbox__item").await;
    merchant.click_text(".ts-console__threadbar .ts-button", "Send products").await;
    merchant.click_text(".ts-picker__item label", "Linen throw").await;
    merchant.click_text(".ts-picker__item label", "Embroidered cushion").await;
    merchant.wait(".ts-picker__texts input").await.send_keys("Soft things").await.expect("header");
    merchant.click_text(".ts-picker > .ts-button", "Send").await;
    merchant.wait(".ts-thread .ts-plist").await;

    // The buyer sees the list live and adds both, choosing options.
    buyer.wait_texts(".ts-plist__name", "the product list", |t| t.len() == 2).await;
    buyer.click_text(".ts-plist__item", "Linen throw").await;
    buyer.click_text(".ts-chip", "Olive").await;
    buyer.wait_texts(".ts-detail__price", "the Olive price", |t| t == ["R$ 259.00".to_string()]).await;
    buyer.click(".ts-detail__add").await;
    buyer.wait_texts(".ts-cart__name", "one line", |t| t.len() == 1).await;
    buyer.click(".ts-cart .ts-back").await;
    buyer.click_text(".ts-plist__item", "Embroidered cushion").await;
    buyer.click_text(".ts-chip", "Indigo").await;
    buyer.click(".ts-stepper button[aria-label=More]").await;
    buyer.click(".ts-detail__add").await;
    buyer.wait_texts(".ts-cart__name", "two lines", |t| t.len() == 2).await;
    buyer.wait_texts(".ts-cart__total strong", "the total", |t| t == ["R$ 577.00".to_string()]).await;

    // The merchant's own system raises the Olive throw's price through the API.
    let mut throw: ProductInput = talkshop_server::seed_catalog::casa_aurora()
        .into_iter()
        .find(|p| p.retailer_id == "CA-THROW-LINEN")
        .expect("seeded throw");
    let olive = throw.variants.iter_mut().find(|v| v.sku == "CA-THROW-LINEN-OLIVE").expect("olive");
    olive.price.amount = "279.00".parse().expect("decimal");
    let resp = reqwest::Client::new()
        .put(format!("{base}/api/v1/merchant/catalog"))
        .header("X-Api-Key", "test-api-key")
        .json(&serde_json::json!({ "products": [throw] }))
        .send()
        .await
        .expect("upsert");
    assert!(resp.status().is_success(), "upsert answered {}", resp.status());

    // The buyer's open cart shows the change with old and new value; ordering waits.
    let notice = buyer.wait_texts(".ts-cart__notice", "the price notice", |t| t.len() == 1).await;
    // The notice carries the values as the server wrote them (the shop's currency format).
    assert_eq!(notice[0], "Price changed: R$ 259,00 → R$ 279,00");
    assert_eq!(buyer.texts(".ts-cart__total strong").await, vec!["R$ 577.00".to_string()], "no silent change");
    let disabled = buyer.eval("return root.querySelector('.ts-cart__send').disabled").await;
    assert_eq!(disabled, serde_json::json!(true));
    buyer.screenshot("widget-cart-notice").await;
    buyer.click(".ts-cart__changed .ts-button").await;
    buyer.wait_texts(".ts-cart__total strong", "the new total", |t| t == ["R$ 597.00".to_string()]).await;
    buyer.click(".ts-cart__send").await;
    // Checkout: contact and a Brazilian address (CEP + state); Correios PAC is free above R$ 300.00.
    buyer.fill_brazilian_checkout().await;
    buyer
        .wait_texts(".ts-checkout .ts-cart__total strong", "the total with shipping", |t| {
            t == ["R$ 597.00".to_string()]
        })
        .await;
    buyer.screenshot("widget-checkout").await;
    buyer.click(".ts-checkout__send").await;
    buyer.wait_texts(".ts-order__total strong", "the order in the thread", |t| t == ["R$ 597.00".to_string()]).await;
    buyer.screenshot("widget-order").await;
    // The host page hears about the order through window.Talkshop.on('order').
    buyer
        .wait_texts(".shop-events__log li", "the order event", |t| {
            t.iter().any(|e| {
                e.starts_with(r#"order {"status":"placed","#) && e.contains(r#""total":"597.00","currency":"BRL""#)
            })
        })
        .await;

    // The merchant sees the purchase request live with the right total.
    merchant
        .wait_texts(".ts-order__total strong", "the order in the console", |t| t == ["R$ 597.00".to_string()])
        .await;
    let lines = merchant.texts(".ts-order__qty").await;
    assert_eq!(lines, vec!["1 × R$ 279.00".to_string(), "2 × R$ 159.00".to_string()]);
    let delivery = merchant.texts(".ts-order .ts-delivery__line").await;
    assert!(delivery.iter().any(|l| l == "São Paulo - SP, 01310-100"), "{delivery:?}");
    merchant.screenshot("console-order").await;

    // The buyer's cart is empty after ordering; another device has its own empty cart.
    let other = Browser::open(&driver).await;
    other.client.goto(&format!("{base}/")).await.expect("open shop");
    other.open_widget().await;
    other.click(".ts-header__cart").await;
    other.wait(".ts-cart .ts-empty").await;
    assert!(other.texts(".ts-cart__name").await.is_empty());

    for browser in [buyer, merchant, other] {
        browser.close().await;
    }
    server.stop().await.expect("clean shutdown");
}
