//! The one-tag embed on real host pages: a plain page, a page whose CSS
//! attacks everything, a page under a strict Content-Security-Policy; the
//! `window.Talkshop` API and its queue; identity verification across two
//! devices; accessibility (axe-core); screenshots in every language, dark
//! and on a phone (saved under test-artifacts/).

use talkshop_e2e::{Browser, Chromedriver};

/// Opens `path`, opens the widget and says hello; answers the browser.
async fn chat_on(driver: &Chromedriver, base: &str, path: &str, text: &str) -> Browser {
    let buyer = Browser::open(driver).await;
    buyer.client.goto(&format!("{base}{path}")).await.expect("open page");
    buyer.open_widget().await;
    buyer.wait_online().await;
    buyer.type_and_enter(".ts-composer__input", text).await;
    buyer.wait_texts(".ts-msg--mine .ts-msg__bubble", "the message", |t| t.last().is_some_and(|s| s == text)).await;
    buyer.wait_texts(".ts-msg__status", "the message to be stored", |t| t.is_empty()).await;
    buyer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_works_and_looks_the_same_on_hostile_and_strict_csp_pages() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = talkshop_e2e::start_server(&tmp).await;
    let base = server.url();
    let driver = Chromedriver::start();

    for (path, name) in [("/", "plain"), ("/hostile", "hostile-css"), ("/csp", "strict-csp")] {
        let buyer = chat_on(&driver, &base, path, &format!("Hello from the {name} page")).await;
        // The host page's CSS did not reach into the widget.
        let style = buyer
            .eval(
                "const s = (css, p) => getComputedStyle(root.querySelector(css)).getPropertyValue(p);\
                 return [s('.ts-launcher', 'display'), s('.ts-root', 'font-size'), s('.ts-panel', 'display'),\
                 s('.ts-composer__input', 'display'), s('.ts-header', 'background-color'),\
                 getComputedStyle(document.querySelector('talkshop-widget')).transform];",
            )
            .await;
        assert_eq!(
            style,
            serde_json::json!(["grid", "15px", "flex", "block", "rgb(15, 118, 110)", "none"]),
            "{name}: the widget's own styles win"
        );
        // The demo page listened through window.Talkshop before embed.js loaded (the queue).
        buyer
            .wait_texts(".shop-events__log li", "the page to hear the widget", |t| t.iter().any(|e| e == "open"))
            .await;
        let violations = buyer.accessibility_violations().await;
        assert!(violations.is_empty(), "{name}: axe-core found {violations:#?}");
        buyer.screenshot(&format!("embed-{name}")).await;
        // The panels' rules come with their code (style/parts.css, adopted into
        // the shadow root as the first part shows), under the strict policy too.
        let sheets = "return root.adoptedStyleSheets.length;";
        assert_eq!(buyer.eval(sheets).await, serde_json::json!(0), "{name}: no part yet, no parts' rules");
        buyer.click(".ts-header__cart").await;
        buyer.wait(".ts-cart__title").await;
        let cart = buyer
            .eval(
                "const s = (css, p) => getComputedStyle(root.querySelector(css)).getPropertyValue(p);\
                 return [s('.ts-cart__title', 'font-size'), s('.ts-cart', 'display'), s('.ts-back', 'background-color')];",
            )
            .await;
        assert_eq!(cart, serde_json::json!(["18px", "flex", "rgba(0, 0, 0, 0)"]), "{name}: the cart is styled");
        assert_eq!(buyer.eval(sheets).await, serde_json::json!(1), "{name}: the parts' rules, once");
        buyer.close().await;
    }
    // The widget worked above under this policy.
    assert_strict_csp(&base).await;
    drop(driver);
    server.stop().await.expect("clean shutdown");
}

/// The CSP page answers with the strict policy.
async fn assert_strict_csp(base: &str) {
    let resp = reqwest::get(format!("{base}/csp")).await.expect("GET /csp");
    let csp =
        resp.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && !csp.contains("unsafe-inline"), "{csp}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_page_drives_the_widget_and_a_call_before_load_is_kept() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = talkshop_e2e::start_server(&tmp).await;
    let base = server.url();
    let driver = Chromedriver::start();
    let buyer = Browser::open(&driver).await;
    // The page's own "Help" button calls Talkshop.open() at once, before the wasm is there.
    buyer.client.goto(&format!("{base}/?load=open")).await.expect("open shop");
    buyer.click(".shop-help").await;
    buyer.wait(".ts-panel:not([hidden]) .ts-composer__input").await;
    buyer.wait_texts(".shop-events__log li", "the open event", |t| t.iter().any(|e| e == "open")).await;
    buyer.type_and_enter(".ts-composer__input", "Is anyone there?").await;
    buyer.wait_texts(".ts-msg__status", "the message to be stored", |t| t.is_empty()).await;
    // Keyboard: Escape closes and focus returns to the launcher; the API reopens.
    buyer.wait(".ts-composer__input").await.send_keys("\u{E00C}").await.expect("Escape");
    buyer.wait(".ts-panel[hidden]").await;
    let focused = buyer.eval("return root.activeElement && root.activeElement.className").await;
    assert_eq!(focused, serde_json::json!("ts-launcher"));
    buyer.wait_texts(".shop-events__log li", "the close event", |t| t.iter().any(|e| e == "close")).await;
    // The shop replies while the panel is closed: the badge and the page's unread event count it.
    staff_replies(&base, "Yes! How can we help?").await;
    buyer.wait_texts(".ts-launcher .ts-badge", "the unread badge", |t| t == ["1"]).await;
    buyer
        .wait_texts(".shop-events__log li", "the unread event", |t| t.iter().any(|e| e == r#"unread {"count":1}"#))
        .await;
    assert_eq!(buyer.eval("return window.Talkshop.unreadCount()").await, serde_json::json!(1));
    buyer.eval("window.Talkshop.setLocale('id'); window.Talkshop.open(); return true;").await;
    buyer
        .wait_texts(".ts-header__status", "Indonesian strings", |t| {
            // No staff console is open: the shop is away, and says how fast it usually replies.
            t.iter().any(|s| s.starts_with("Sedang pergi · ") && s.contains("membalas"))
        })
        .await;
    assert_eq!(buyer.eval("return window.Talkshop.isOpen()").await, serde_json::json!(true));
    buyer.close().await;
    drop(driver);
    server.stop().await.expect("clean shutdown");
}

/// The demo shop's staff answers the newest conversation through the API.
async fn staff_replies(base: &str, text: &str) {
    let http = reqwest::Client::new();
    let login: serde_json::Value = http
        .post(format!("{base}/api/v1/console/login"))
        .json(&serde_json::json!({"email": talkshop_e2e::STAFF_EMAIL, "password": talkshop_e2e::STAFF_PASSWORD}))
        .send()
        .await
        .expect("login")
        .json()
        .await
        .expect("staff session");
    let token = login["token"].as_str().expect("token").to_owned();
    let inbox: serde_json::Value = http
        .get(format!("{base}/api/v1/conversations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = inbox["conversations"][0]["id"].as_str().expect("a conversation").to_owned();
    let resp = http
        .post(format!("{base}/api/v1/conversations/{id}/messages"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"client_id": "staff-reply-1", "text": text}))
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "reply: {}", resp.status());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_user_sees_one_conversation_on_two_devices_and_logout_forgets_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = talkshop_e2e::start_server(&tmp).await;
    let base = server.url();
    let driver = Chromedriver::start();

    let phone = chat_on(&driver, &base, "/", "Asked before signing in").await;
    phone.click(".shop-signin").await;
    phone
        .wait_texts(".shop-events__log li", "identity verified", |t| {
            t.iter().any(|e| e == r#"identify {"verified":true}"#)
        })
        .await;
    // Identity verification's code is a part of its own, fetched on this first call.
    let fetched = resources(&phone).await;
    assert!(fetched.keys().any(|p| p.contains("-split_identify-")), "no identify part fetched: {fetched:?}");
    phone.wait_online().await;
    phone.wait_texts(".ts-msg--mine .ts-msg__bubble", "the history kept", |t| t == ["Asked before signing in"]).await;

    // Another device signs in as the same user: same conversation.
    let laptop = Browser::open(&driver).await;
    laptop.client.goto(&format!("{base}/")).await.expect("open shop");
    laptop.click(".shop-signin").await;
    laptop
        .wait_texts(".shop-events__log li", "identity verified", |t| t.iter().any(|e| e.contains(r#""verified":true"#)))
        .await;
    laptop.open_widget().await;
    laptop
        .wait_texts(".ts-msg--mine .ts-msg__bubble", "the user's history", |t| t == ["Asked before signing in"])
        .await;
    laptop.type_and_enter(".ts-composer__input", "Now from my laptop").await;
    phone
        .wait_texts(".ts-msg--mine .ts-msg__bubble", "the laptop's message, live", |t| {
            t == ["Asked before signing in", "Now from my laptop"]
        })
        .await;

    // Logging out forgets the user on that device: a fresh, empty conversation.
    laptop.click(".shop-signout").await;
    laptop.wait_online().await;
    laptop.wait_texts(".ts-msg__bubble", "an empty thread", |t| t.is_empty()).await;
    // The data is not deleted: the phone still has it all.
    phone.client.refresh().await.expect("reload");
    phone.open_widget().await;
    phone.wait_texts(".ts-msg--mine .ts-msg__bubble", "the history after reload", |t| t.len() == 2).await;
    phone.close().await;
    laptop.close().await;
    drop(driver);
    server.stop().await.expect("clean shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn screenshots_in_every_language_in_dark_mode_and_on_a_phone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = talkshop_e2e::start_server(&tmp).await;
    let base = server.url();
    let driver = Chromedriver::start();
    for (query, name, hello, away) in [
        // No staff console is open: each header says the shop is away (and how fast it usually replies).
        ("?locale=en", "en", "Hi! Do you ship to Recife?", "Away · "),
        ("?locale=pt-BR", "pt-BR", "Oi! Vocês entregam em Recife?", "Ausente · "),
        ("?locale=th", "th", "สวัสดีครับ ส่งไปเชียงใหม่ได้ไหม", "ไม่อยู่ · "),
        ("?locale=id", "id", "Halo! Bisa kirim ke Bandung?", "Sedang pergi · "),
        ("?theme=dark", "dark", "Hi! Do you ship to Recife?", "Away · "),
    ] {
        let buyer = chat_on(&driver, &base, &format!("/{query}"), hello).await;
        let status = buyer.texts(".ts-header__status").await;
        assert!(status.len() == 1 && status[0].starts_with(away), "{name}: {status:?}");
        // English is in the first-open wasm; each other language's strings are
        // a part of their own (scripts/widget-wasm.sh), fetched for that language only.
        let languages: Vec<String> =
            resources(&buyer).await.into_keys().filter(|p| p.contains("-split_lang_")).collect();
        let expected = match name {
            "pt-BR" => Some("pt_br"),
            "th" => Some("th"),
            "id" => Some("id"),
            _ => None,
        };
        // embed.js took its static launcher away once the widget was there (`ready()`), not before.
        assert_eq!(buyer.texts(".ts-launcher").await.len(), 1, "{name}: one launcher");
        match expected {
            Some(lang) => assert!(
                languages.len() == 1 && languages[0].contains(&format!("-split_lang_{lang}-")),
                "{name}: {languages:?}"
            ),
            None => assert!(languages.is_empty(), "{name}: {languages:?}"),
        }
        buyer.screenshot(&format!("widget-{name}")).await;
        if name == "dark" {
            let violations = buyer.accessibility_violations().await;
            assert!(violations.is_empty(), "dark: axe-core found {violations:#?}");
        }
        buyer.close().await;
    }
    // A phone: the open panel takes the whole screen.
    let phone = Browser::open(&driver).await;
    phone.client.set_window_size(390, 844).await.expect("phone size");
    phone.client.goto(&format!("{base}/siam")).await.expect("open shop");
    phone.open_widget().await;
    phone.wait_online().await;
    let size = phone
        .eval("const r = root.querySelector('.ts-panel').getBoundingClientRect(), d = document.documentElement; return [r.width === d.clientWidth, r.height === d.clientHeight];")
        .await;
    assert_eq!(size, serde_json::json!([true, true]), "full screen under 480 px");
    phone.screenshot("widget-mobile-th").await;
    phone.close().await;
    drop(driver);
    server.stop().await.expect("clean shutdown");
}

/// What the page fetched so far, by path, from the browser's Resource Timing:
/// `[transferSize, encodedBodySize, decodedBodySize]`.
async fn resources(buyer: &Browser) -> std::collections::BTreeMap<String, [u64; 3]> {
    let entries = buyer
        .eval(
            "return performance.getEntriesByType('resource').map(e => \
             [new URL(e.name).pathname, e.transferSize, e.encodedBodySize, e.decodedBodySize]);",
        )
        .await;
    serde_json::from_value::<Vec<(String, u64, u64, u64)>>(entries)
        .expect("resource entries")
        .into_iter()
        .map(|(path, transfer, encoded, decoded)| (path, [transfer, encoded, decoded]))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_comes_compressed_and_the_wasm_only_on_the_first_open() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let server = talkshop_e2e::start_server(&tmp).await;
    let base = server.url();
    let driver = Chromedriver::start();
    let buyer = Browser::open(&driver).await;
    let dist = talkshop_e2e::dist_dir();
    let file = |prefix: &str, suffix: &str| {
        std::fs::read_dir(&dist)
            .expect("dist/")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .find(|n| n.starts_with(prefix) && n.ends_with(suffix))
            .unwrap_or_else(|| panic!("dist/ has no {prefix}*{suffix}"))
    };
    let on_disk = |name: &str| std::fs::metadata(dist.join(name)).map(|m| m.len()).ok();
    let (wasm, glue, css) =
        (file("talkshop-widget-", "_bg.wasm"), file("talkshop-widget-", ".js"), file("widget-", ".css"));
    // The release widget is split (scripts/widget-wasm.sh): the glue imports the
    // parts' loader; the cart and the other panels are in a part of their own.
    // (dist/ also keeps the previous build's parts, for pages that loaded it: take this build's.)
    let hash = &wasm["talkshop-widget-".len()..wasm.len() - "_bg.wasm".len()];
    let (loader, panels) =
        (file("talkshop-split-", ".js"), file("talkshop-part-split_panels-", &format!("-{hash}.wasm")));

    // `data-load=open`: the launcher is drawn from embed.js and the CSS alone.
    buyer.client.goto(&format!("{base}/?load=open")).await.expect("open shop");
    buyer.wait(".ts-launcher").await;
    let deadline = std::time::Instant::now() + talkshop_e2e::WAIT;
    let mut before = resources(&buyer).await;
    while !before.contains_key(&format!("/{css}")) && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        before = resources(&buyer).await;
    }
    for path in ["/embed.js".to_owned(), format!("/{css}")] {
        let [transfer, encoded, decoded] = before.get(&path).copied().unwrap_or_else(|| panic!("{path}: {before:?}"));
        assert!(encoded * 2 < decoded && transfer > 0, "{path} came compressed: {encoded} of {decoded} B");
    }
    assert!(!before.keys().any(|p| p.ends_with(".wasm") || *p == format!("/{glue}")), "{before:?}");
    let launcher = before["/embed.js"][0] + before[&format!("/{css}")][0];

    buyer.open_widget().await;
    buyer.wait_online().await;
    let after = resources(&buyer).await;
    let mut first_open = launcher;
    for name in [&wasm, &glue, &loader] {
        let path = format!("/{name}");
        let [transfer, encoded, decoded] = after.get(&path).copied().unwrap_or_else(|| panic!("{path}: {after:?}"));
        assert_eq!(Some(decoded), on_disk(name), "{name}: the whole file");
        assert!(encoded * 2 < decoded, "{name} came compressed: {encoded} of {decoded} B");
        // The copy made at build time, not a compression of our own on the fly.
        let copy = [".br", ".gz"].into_iter().find(|ext| on_disk(&format!("{name}{ext}")) == Some(encoded));
        assert!(copy.is_some(), "{name}: {encoded} B is neither {name}.br nor {name}.gz");
        if name == &wasm {
            println!("wasm: {encoded} B as {name}{} ({decoded} B decoded)", copy.unwrap_or_default());
        }
        first_open += transfer;
    }
    // An empty thread needs no part: nothing of the cart, checkout, orders or cards yet.
    assert!(!after.keys().any(|p| p.starts_with("/talkshop-part-")), "a part at the first open: {after:?}");
    println!("transferred, headers included: {launcher} B before the first click, {first_open} B at the first open");

    // The cart's code comes with the first click on the cart, compressed, and the cart works.
    buyer.click(".ts-header__cart").await;
    buyer.wait(".ts-cart__title").await;
    let later = resources(&buyer).await;
    let path = format!("/{panels}");
    let [transfer, encoded, decoded] = later.get(&path).copied().unwrap_or_else(|| panic!("{path}: {later:?}"));
    assert_eq!(Some(decoded), on_disk(&panels), "{panels}: the whole file");
    assert!(on_disk(&format!("{panels}.br")) == Some(encoded), "{panels} came as its .br copy: {encoded} B");
    println!("the panels part on the first click on the cart: {transfer} B transferred ({decoded} B decoded)");
    buyer.close().await;
    drop(driver);
    server.stop().await.expect("clean shutdown");
}
