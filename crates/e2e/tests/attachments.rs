//! A buyer attaches a photo in the release-built widget and the merchant sees
//! it in the console: a real upload, a real re-encoded image and thumbnail.

use talkshop_e2e::{Browser, Chromedriver};

const ALT: &str = "A red <b>square</b> vase";

/// Picks a PNG drawn on a canvas in the widget's file input, describes it and sends it.
const ATTACH_PHOTO: &str = r#"
const canvas = document.createElement('canvas');
canvas.width = 640; canvas.height = 480;
const g = canvas.getContext('2d');
g.fillStyle = '#c0392b'; g.fillRect(0, 0, 640, 480);
const data = atob(canvas.toDataURL('image/png').split(',')[1]);
const bytes = Uint8Array.from(data, c => c.charCodeAt(0));
const input = root.querySelector('.ts-composer__attach input[type=file]');
const dt = new DataTransfer();
dt.items.add(new File([bytes], 'vase.png', { type: 'image/png' }));
input.files = dt.files;
input.dispatchEvent(new Event('change', { bubbles: true }));
return true;
"#;

/// Width, height, alt and URL scheme of the first image matching `css`, once it has loaded.
fn loaded(css: &str) -> String {
    format!(
        "const img = root.querySelector('{css}');
         return img && img.complete && img.naturalWidth > 0 ? [img.naturalWidth, img.naturalHeight, img.alt, img.src.slice(0, 5)] : null;"
    )
}

async fn wait_loaded(browser: &Browser, css: &str, width: u32) -> serde_json::Value {
    browser.wait_eval(&loaded(css), &format!("{css} to load"), |found| found[0] == width).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_the_buyer_attaches_shows_in_the_console() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = talkshop_e2e::start_server(&tmp).await;
    let base = server.url();
    let driver = Chromedriver::start();

    let buyer = Browser::open(&driver).await;
    buyer.open_shop(&base).await;
    assert_eq!(buyer.eval(ATTACH_PHOTO).await, serde_json::json!(true));
    let alt = buyer.wait(".ts-attach-draft__alt").await;
    alt.send_keys(ALT).await.expect("type the description");
    alt.send_keys("\u{E007}").await.expect("press Enter");
    let mine = wait_loaded(&buyer, ".ts-msg--mine .ts-photo__thumb", 320).await;
    // A 640 × 480 photo comes back as a 320 × 240 thumbnail from a blob: URL.
    assert_eq!(mine, serde_json::json!([320, 240, ALT, "blob:"]));
    // Sending a file is a part of the widget's own, fetched once, as the first file is chosen.
    let parts = buyer
        .eval("return performance.getEntriesByType('resource').map(e => e.name).filter(n => n.includes('-split_upload-')).length")
        .await;
    assert_eq!(parts, serde_json::json!(1), "the upload part, fetched once");

    let merchant = Browser::open(&driver).await;
    merchant.sign_in_to_console(&base).await;
    merchant
        .wait_texts(".ts-inbox__preview", "the photo in the inbox", |t| t.iter().any(|p| p.contains("vase.png")))
        .await;
    merchant.click(".ts-inbox__item").await;
    let theirs = wait_loaded(&merchant, ".ts-msg--theirs .ts-photo__thumb", 320).await;
    assert_eq!(theirs, serde_json::json!([320, 240, ALT, "blob:"]));
    merchant.click(".ts-msg--theirs .ts-photo__open").await;
    // The overlay shows the thumbnail until the full photo has come.
    let full = wait_loaded(&merchant, ".ts-lightbox .ts-lightbox__img", 640).await;
    assert_eq!(full, serde_json::json!([640, 480, ALT, "blob:"]));
    let injected = merchant.eval("return root.querySelectorAll('.ts-thread b, .ts-thread script').length").await;
    assert_eq!(injected, serde_json::json!(0), "the description stays text");
    merchant.screenshot("console-photo").await;

    // Under the strict CSP a merchant page may have, photos show too (`img-src blob:`).
    let strict = Browser::open(&driver).await;
    strict.client.goto(&format!("{base}/csp")).await.expect("open the strict CSP page");
    strict.open_widget().await;
    strict.wait_online().await;
    assert_eq!(strict.eval(ATTACH_PHOTO).await, serde_json::json!(true));
    strict.click(".ts-composer__send").await;
    let shown = wait_loaded(&strict, ".ts-msg--mine .ts-photo__thumb", 320).await;
    assert_eq!(shown, serde_json::json!([320, 240, "vase.png", "blob:"]), "alt defaults to the file name");

    strict.close().await;
    buyer.close().await;
    merchant.close().await;
    server.stop().await.expect("server stops");
}
