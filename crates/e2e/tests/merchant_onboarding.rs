//! A new shop from nothing (issue 11): the operator creates it with the CLI,
//! its owner signs in to the console with the one-time password, sets a Pix
//! key, allows the shop's website and copies the embed snippet onto a page on
//! another origin; a buyer there pays by QR and the owner marks it received.
//! No demo data exists on this server.

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};

use talkshop_e2e::{Browser, Chromedriver};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SHOP: &str = "loja-da-maria";
const OWNER_EMAIL: &str = "maria@loja.example";
const BANK_REFERENCE: &str = "E2E20260315PIX0001";

/// The server binary, built now when it is missing or older than the sources
/// (a no-op when `cargo test` of the server built it already).
fn server_binary() -> PathBuf {
    let root = talkshop_e2e::repo_root();
    let target = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| root.join("target"));
    let target = if target.is_absolute() { target } else { root.join(target) };
    let binary = target.join("debug").join("talkshop-server");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let built = Command::new(&cargo)
        .args(["build", "--quiet", "-p", "talkshop-server", "--bin", "talkshop-server"])
        .current_dir(&root)
        .env("CARGO_TARGET_DIR", &target)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(built || binary.is_file(), "cannot build talkshop-server and {} is missing", binary.display());
    binary
}

/// `talkshop-server --database-url … shop create …`; answers the owner's one-time password.
fn create_shop_with_the_cli(database_url: &str) -> String {
    let out = Command::new(server_binary())
        .args(["--database-url", database_url, "shop", "create", "--id", SHOP, "--name", "Loja da Maria"])
        .args(["--currency", "BRL", "--locale", "pt-BR", "--owner-email", OWNER_EMAIL])
        .env_remove("DATABASE_URL")
        .output()
        .expect("talkshop-server runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "shop create failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("Created shop loja-da-maria (Loja da Maria)"), "{stdout}");
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("One-time password: "))
        .map(|p| p.trim().to_owned())
        .unwrap_or_else(|| panic!("no one-time password in {stdout:?}"))
}

/// The merchant's own website: one static page on its own port (another
/// origin than the Talkshop server), whose HTML can be changed.
struct MerchantSite {
    url: String,
    html: Arc<Mutex<String>>,
    task: tokio::task::JoinHandle<()>,
}

impl MerchantSite {
    async fn start() -> MerchantSite {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the merchant site");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let html = Arc::new(Mutex::new(String::new()));
        let page = html.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let page = page.clone();
                tokio::spawn(async move {
                    let mut request = Vec::new();
                    let mut buf = [0u8; 2048];
                    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => request.extend_from_slice(&buf[..n]),
                        }
                    }
                    let path = String::from_utf8_lossy(&request).split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let (status, body) = if path == "/" {
                        ("200 OK", page.lock().expect("page").clone())
                    } else {
                        ("404 Not Found", String::new())
                    };
                    let response = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
                         Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(response.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        MerchantSite { url, html, task }
    }

    /// The shop's page with the snippet pasted exactly as the console showed it.
    fn paste(&self, snippet: &str) {
        *self.html.lock().expect("page") = format!(
            "<!doctype html>\n<html lang=\"pt-BR\"><head><meta charset=\"utf-8\"><title>Loja da Maria</title></head>\n\
             <body style=\"font-family: Georgia, serif; background: #fdf6ec; margin: 2rem\">\n\
             <h1>Loja da Maria</h1><p>Doces caseiros, encomendas pelo chat.</p>\n{snippet}\n</body></html>\n"
        );
    }
}

impl Drop for MerchantSite {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The value of a form field (or the read-only snippet box) in the page.
async fn value_of(browser: &Browser, css: &str) -> String {
    browser.wait(css).await.prop("value").await.ok().flatten().unwrap_or_default()
}

/// Types into a field of the console, as a user does.
async fn type_into(browser: &Browser, css: &str, text: &str) {
    browser.wait(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cli_made_shop_sets_up_pix_embeds_the_widget_and_confirms_a_qr_payment_by_hand() {
    let started = std::time::Instant::now();
    let tmp = tempfile::tempdir().expect("tempdir");
    let database_url = format!("sqlite://{}", tmp.path().join("onboarding.db").display());
    let password = create_shop_with_the_cli(&database_url);

    // A production start: no demo shop, no demo staff.
    let mut config = talkshop_server::config::Config::for_tests(database_url);
    config.demo = false;
    config.dist = talkshop_e2e::dist_dir();
    let server = talkshop_server::start(config).await.expect("server starts");
    let base = server.url();
    let demo = reqwest::Client::new()
        .post(format!("{base}/api/v1/visitors"))
        .json(&serde_json::json!({"shop": "demo", "device_id": "e2e-device"}))
        .send()
        .await
        .expect("POST /visitors");
    assert!(demo.status().is_client_error(), "no demo shop on a production start: {}", demo.status());
    let site = MerchantSite::start().await;
    let driver = Chromedriver::start();

    // The owner signs in with the one-time password, typed like a user.
    let owner = Browser::open(&driver).await;
    owner.client.goto(&format!("{base}/console")).await.expect("open console");
    type_into(&owner, ".ts-login input[name=email]", OWNER_EMAIL).await;
    type_into(&owner, ".ts-login input[name=password]", &password).await;
    owner.click(".ts-login button[type=submit]").await;
    owner
        .wait_texts(".ts-console__shop", "the shop's console", |t| t.iter().any(|s| s.starts_with("Loja da Maria")))
        .await;
    let tabs = owner.texts(".ts-console__tabs .ts-tab").await;
    assert!(tabs.iter().any(|t| t == "Payments") && tabs.iter().any(|t| t == "Audit log"), "an owner's tabs: {tabs:?}");

    // Payments: the shop's own Pix key (CPF), name and city.
    owner.click(".ts-tab[data-tab=Payments]").await;
    let brl = "fieldset[data-currency=BRL]";
    owner.wait(&format!("{brl} select[name=key_type]")).await.select_by_value("pix_cpf").await.expect("CPF key");
    type_into(&owner, &format!("{brl} input[name=key]"), "529.982.247-25").await;
    type_into(&owner, &format!("{brl} input[name=merchant_name]"), "José da Conceição").await;
    type_into(&owner, &format!("{brl} input[name=merchant_city]"), "São Paulo").await;
    owner.click(".ts-receiving__form button[type=submit]").await;
    // The untouched THB and IDR sections (empty keys) are left off, not refused.
    owner.wait_texts(".ts-receiving .ts-admin__ok", "the Pix key saved", |t| t == ["Saved."]).await;
    assert_eq!(value_of(&owner, &format!("{brl} input[name=key]")).await, "52998224725", "the key as stored");
    owner.screenshot("onboarding-console-pix").await;

    // Settings: the embed snippet, as shown in the read-only box.
    owner.click(".ts-tab[data-tab=Settings]").await;
    let deadline = std::time::Instant::now() + talkshop_e2e::WAIT;
    let snippet = loop {
        let text = value_of(&owner, ".ts-settings .ts-copy textarea").await;
        if !text.is_empty() {
            break text;
        }
        assert!(std::time::Instant::now() < deadline, "the embed snippet never showed");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(
        snippet,
        format!(
            r#"<script type="module" src="{base}/embed.js" data-shop="{SHOP}" data-locale="pt-BR" async></script>"#
        )
    );
    assert_eq!(
        owner.wait(".ts-settings__mode").await.attr("data-sandbox").await.ok().flatten().as_deref(),
        Some("false")
    );
    site.paste(&snippet);

    // Before the owner allows the website, the widget there gets no visitor.
    let buyer = Browser::open(&driver).await;
    buyer.client.goto(&format!("{}/", site.url)).await.expect("open the merchant's page");
    buyer.click(".ts-launcher[aria-expanded=false]").await;
    buyer.wait(".ts-banner").await;
    let token = buyer.eval(&format!("return localStorage.getItem('talkshop.visitor.{SHOP}')")).await;
    assert_eq!(token, serde_json::Value::Null, "no visitor on a website the shop has not allowed");
    buyer.screenshot("onboarding-widget-not-allowed").await;

    // The owner allows the site and saves.
    type_into(&owner, ".ts-settings textarea[name=allowed_origins]", &site.url).await;
    owner.click(".ts-admin__form button[type=submit]").await;
    owner.wait_texts(".ts-settings .ts-admin__ok", "the settings saved", |t| t == ["Saved."]).await;
    assert_eq!(value_of(&owner, ".ts-settings textarea[name=allowed_origins]").await, site.url);
    owner.screenshot("onboarding-console-settings").await;

    // Now the buyer's chat works on the merchant's page, in the shop's language.
    owner.click(".ts-tab[data-tab=Inbox]").await;
    buyer.client.refresh().await.expect("reload the merchant's page");
    buyer.open_widget().await;
    buyer.wait_online().await;
    buyer.wait_texts(".ts-header__status", "pt-BR strings", |t| t == ["Online · respondemos em minutos"]).await;
    buyer.type_and_enter(".ts-composer__input", "Oi! Quero encomendar um bolo de fubá").await;
    buyer.wait_texts(".ts-msg__status", "the message to be stored", |t| t.is_empty()).await;

    // The owner opens the conversation (it came in live) and requests a payment.
    owner.click(".ts-inbox__item").await;
    owner
        .wait_texts(".ts-msg__bubble", "the buyer's message in the console", |t| {
            t.iter().any(|s| s == "Oi! Quero encomendar um bolo de fubá")
        })
        .await;
    owner.click(".ts-console__threadactions .ts-button").await;
    type_into(&owner, ".ts-payform input[name=description]", "Bolo de fubá grande").await;
    type_into(&owner, ".ts-payform input[name=amount]", "120.50").await;
    owner.click(".ts-payform button[type=submit]").await;
    owner.wait_texts(".ts-pay__state", "the request in the console", |t| t == ["Awaiting payment"]).await;

    // The buyer's card: instant QR only, real money (no test-mode badge, no card).
    buyer.wait_texts(".ts-pay__state", "the card in the widget", |t| t == ["Aguardando pagamento"]).await;
    buyer.wait_texts(".ts-pay__total strong", "the total in pt-BR", |t| t == ["R$ 120,50"]).await;
    assert_eq!(buyer.texts(".ts-pay__method").await, ["QR instantâneo (Pix)"]);
    assert!(buyer.find_all(".ts-pay__test").await.is_empty(), "no test-mode badge on a real shop's card");
    buyer.click(".ts-pay__method").await;
    let code = buyer.wait_texts(".ts-pay__code", "the Pix copy-and-paste code", |t| t.len() == 1).await.remove(0);
    assert!(code.contains("JOSE DA CONCEICAO") && code.contains("52998224725"), "{code}");
    assert!(code.contains("SAO PAULO") && code.contains("5406120.50"), "{code}");
    buyer
        .wait_texts(".ts-pay__waiting", "the shop is confirming", |t| {
            t == ["Aguardando a loja confirmar o seu pagamento"]
        })
        .await;
    buyer.wait_texts(".ts-pay__state", "pending on the buyer's side", |t| t == ["Pagamento em processamento"]).await;
    assert!(buyer.find_all(".ts-pay__card").await.is_empty(), "no card form on a real shop");
    let qr_loaded = buyer
        .eval(
            "const img = root.querySelector('.ts-pay__qrimg'); \
             return img ? new Promise(ok => img.complete ? ok(img.naturalWidth) : img.onload = () => ok(img.naturalWidth)) : 0;",
        )
        .await;
    assert!(qr_loaded.as_u64().unwrap_or(0) > 0, "the QR image loaded from the Talkshop server: {qr_loaded}");
    buyer.eval("root.querySelector('.ts-pay__waiting').scrollIntoView({ block: 'end' }); return true;").await;
    buyer.screenshot("onboarding-widget-qr-waiting").await;

    // The owner sees it pending and marks it received with the bank's reference.
    owner.wait_texts(".ts-pay__state", "pending in the console, live", |t| t == ["Payment pending"]).await;
    assert!(owner.find_all(".ts-pay__confirm").await.is_empty(), "no sandbox confirmation on a real shop");
    type_into(&owner, ".ts-pay__receive input[name=bank-reference]", BANK_REFERENCE).await;
    owner.screenshot("onboarding-console-pending").await;
    owner.click(".ts-pay__mark-received").await;
    owner.wait_texts(".ts-pay__state", "paid in the console", |t| t == ["Paid"]).await;
    let receipt = owner.wait_texts(".ts-pay__received", "who confirmed it", |t| t.len() == 1).await.remove(0);
    assert!(receipt.starts_with("Received · by ") && receipt.ends_with(&format!("ref {BANK_REFERENCE}")), "{receipt}");
    assert!(owner.find_all(".ts-pay__mark-received").await.is_empty(), "marked once");

    // The buyer sees it paid live, in Portuguese.
    buyer.wait_texts(".ts-pay__state", "paid on the buyer's side, live", |t| t == ["Pago"]).await;
    buyer.wait_texts(".ts-pay__waiting", "the waiting note gone", |t| t.is_empty()).await;
    buyer
        .wait_texts(".ts-status", "the status update", |t| t.iter().any(|s| s == "Pagamento de R$ 120,50 recebido"))
        .await;
    buyer.screenshot("onboarding-widget-paid").await;
    owner.screenshot("onboarding-console-paid").await;

    // The audit log lists the Pix key, the website and the confirmation.
    owner.click(".ts-tab[data-tab=Audit]").await;
    let rows = owner
        .wait_texts(".ts-audit__list tbody tr", "the audit log", |t| t.iter().any(|r| r.contains("payment.received")))
        .await;
    let received = rows.iter().find(|r| r.contains("payment.received")).expect("the confirmation");
    assert!(received.contains(BANK_REFERENCE), "{received}");
    assert!(rows.iter().any(|r| r.contains("payment_details.update") && r.contains("…4725")), "{rows:#?}");
    assert!(rows.iter().any(|r| r.contains(&site.url)), "the allowed website: {rows:#?}");
    owner.screenshot("onboarding-console-audit").await;

    for browser in [buyer, owner] {
        browser.close().await;
    }
    drop(driver);
    server.stop().await.expect("clean shutdown");
    println!("merchant onboarding end to end: {:.1} s", started.elapsed().as_secs_f64());
}
