//! Exact sync through the real server and the release-built widget and
//! console: delivered and read ticks, typing indicators both ways, and the
//! launcher badge shared by two tabs of one buyer.

use std::time::{Duration, Instant};

use talkshop_e2e::{Browser, Chromedriver};

const QUESTION: &str = "Is the linen throw still available?";
const REPLY: &str = "It is, in two colours.";
const FOLLOW_UP: &str = "Lovely, the sand one please";
const SECOND_REPLY: &str = "Reserved for you.";

/// The accessible names of the ticks on the viewer's own messages.
async fn ticks(browser: &Browser) -> Vec<String> {
    let value = browser
        .eval("return [...root.querySelectorAll('.ts-msg--mine .ts-msg__tick')].map(t => t.getAttribute('aria-label'))")
        .await;
    serde_json::from_value(value).unwrap_or_default()
}

async fn wait_ticks(browser: &Browser, what: &str, ok: impl Fn(&[String]) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let now = ticks(browser).await;
        if ok(&now) {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}; ticks are {now:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Types without sending.
async fn type_only(browser: &Browser, text: &str) {
    let field = browser.wait(".ts-composer__input").await;
    field.send_keys(text).await.expect("type");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_typing_and_the_badge_follow_both_sides_live() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = talkshop_e2e::start_server(&tmp).await;
    let base = server.url();
    let driver = Chromedriver::start();

    // Staff are signed in with no conversation open.
    let merchant = Browser::open(&driver).await;
    merchant.sign_in_to_console(&base).await;
    merchant.wait(".ts-inbox").await;
    tokio::time::sleep(Duration::from_secs(1)).await; // the console's live link opens

    // The buyer writes: stored (✓), then received by the console (✓✓).
    let buyer = Browser::open(&driver).await;
    buyer.open_shop(&base).await;
    buyer.type_and_enter(".ts-composer__input", QUESTION).await;
    wait_ticks(&buyer, "delivered to the console", |t| t == ["Delivered"]).await;

    // Staff open the conversation: read (coloured ✓✓).
    merchant.wait_texts(".ts-inbox__badge", "one unread", |t| t == ["1".to_string()]).await;
    merchant.click(".ts-inbox__item").await;
    wait_ticks(&buyer, "read by staff", |t| t == ["Read"]).await;
    assert_eq!(
        buyer.eval("return root.querySelectorAll('.ts-msg--mine .ts-msg__tick--read').length").await,
        serde_json::json!(1)
    );

    // Staff type: the buyer sees it; their message ends it.
    type_only(&merchant, REPLY).await;
    buyer.wait_texts(".ts-typing__text", "staff typing", |t| t == ["Shop is typing…".to_string()]).await;
    merchant.wait(".ts-composer__input").await.send_keys("\u{E007}").await.expect("Enter");
    buyer.wait_texts(".ts-msg--theirs .ts-msg__bubble", "the reply", |t| t == [REPLY.to_string()]).await;
    buyer.wait_texts(".ts-typing__text", "typing to end with the reply", |t| t.is_empty()).await;
    // The buyer's panel is open, so the reply is read at once.
    wait_ticks(&merchant, "the reply read by the buyer", |t| t == ["Read"]).await;

    // The buyer types: staff see it.
    type_only(&buyer, FOLLOW_UP).await;
    merchant.wait_texts(".ts-typing__text", "buyer typing", |t| t == ["Buyer is typing…".to_string()]).await;
    buyer.wait(".ts-composer__input").await.send_keys("\u{E007}").await.expect("Enter");
    merchant.wait_texts(".ts-typing__text", "typing to end with the message", |t| t.is_empty()).await;

    // A second tab of the same buyer, panel closed; the first one closes its panel too.
    let first_tab = buyer.client.window().await.expect("window");
    buyer.click(".ts-header__close").await;
    let second_tab = buyer.client.new_window(true).await.expect("new tab").handle;
    buyer.client.switch_to_window(second_tab.clone()).await.expect("switch");
    buyer.client.goto(&format!("{base}/")).await.expect("open shop");
    buyer.wait(".ts-launcher[aria-expanded=false]").await;
    tokio::time::sleep(Duration::from_secs(1)).await; // its live link opens

    merchant.type_and_enter(".ts-composer__input", SECOND_REPLY).await;
    buyer.wait_texts(".ts-launcher .ts-badge", "one unread in the second tab", |t| t == ["1".to_string()]).await;
    // Read in the first tab: the second tab's badge clears live.
    buyer.client.switch_to_window(first_tab).await.expect("switch back");
    buyer.open_widget().await;
    buyer.wait_texts(".ts-msg--theirs .ts-msg__bubble", "both replies", |t| t.len() == 2).await;
    buyer.client.switch_to_window(second_tab).await.expect("switch");
    buyer.wait_texts(".ts-launcher .ts-badge", "the badge to clear", |t| t.is_empty()).await;
    // And the buyer's own message, sent from the first tab, shows there once, read.
    buyer.open_widget().await;
    buyer
        .wait_texts(".ts-msg--mine .ts-msg__bubble", "the buyer's messages", |t| {
            t == [QUESTION.to_string(), FOLLOW_UP.to_string()]
        })
        .await;
    wait_ticks(&buyer, "both read", |t| t == ["Read", "Read"]).await;

    for browser in [buyer, merchant] {
        browser.close().await;
    }
    server.stop().await.expect("clean shutdown");
}
