//! Helpers for the end-to-end tests: a chromedriver per test, one fresh
//! Chromium profile per simulated device, the real server in-process, and
//! waits that poll the DOM until a deadline instead of sleeping.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use talkshop_server::config::Config;
use talkshop_server::Running;

pub const STAFF_EMAIL: &str = "staff@demo.talkshop.test";
pub const STAFF_PASSWORD: &str = "correct horse battery staple";
pub const WAIT: Duration = Duration::from_secs(15);

/// The repository root (where `dist/` is built).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The release build of the widget and console; the tests refuse to run without it.
pub fn dist_dir() -> PathBuf {
    let dist = repo_root().join("dist");
    assert!(
        dist.join("index.html").is_file() && dist.join("console/index.html").is_file(),
        "dist/ is missing: build the widget first with scripts/build-widget.sh"
    );
    dist
}

/// Starts the server on a fresh SQLite file with the built widget.
pub async fn start_server(dir: &tempfile::TempDir) -> Running {
    let mut config = Config::for_tests(format!("sqlite://{}", dir.path().join("e2e.db").display()));
    config.dist = dist_dir();
    config.staff_password = Some(STAFF_PASSWORD.into());
    // The demo pages' "Sign in" button stands in for a shop's backend computing userHash.
    config.demo_identity = true;
    talkshop_server::start(config).await.expect("server starts")
}

/// A chromedriver process, killed when dropped (also when a test fails),
/// together with every browser it started.
pub struct Chromedriver {
    child: Child,
    pub url: String,
}

impl Chromedriver {
    pub fn start() -> Chromedriver {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let binary = std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
        let child = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {binary}: {e} (run scripts/setup.sh)"));
        // Made first so that a failed start is cleaned up too.
        let driver = Chromedriver { child, url: format!("http://127.0.0.1:{port}") };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start listening on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // Killing only chromedriver would leave the Chromium of every session
        // not closed yet (a failed test) running, so its browsers go too. They
        // are collected first: once chromedriver is gone they are init's.
        let browsers = descendants(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
        for pid in browsers {
            if let Ok(pid) = libc::pid_t::try_from(pid) {
                // SAFETY: kill(2) only sends a signal; no memory is shared with the callee.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}

/// Every process below `root`, read from /proc.
fn descendants(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // "pid (comm) state ppid …", where comm may hold spaces and parentheses.
        let ppid = stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let mut found = vec![root];
    let mut next = 0;
    while next < found.len() {
        let parent = found[next];
        found.extend(parents.iter().filter(|(_, ppid)| *ppid == parent).map(|(pid, _)| *pid));
        next += 1;
    }
    found.remove(0);
    found
}

/// One browser with its own empty profile: a separate device.
pub struct Browser {
    pub client: Client,
    _profile: tempfile::TempDir,
}

/// Probes every 100 ms until `ok` holds, for at most [`WAIT`]; returns the last answer.
/// Panics with `timed_out` of the last answer when it never holds.
async fn poll<T, F: std::future::Future<Output = T>>(
    probe: impl Fn() -> F,
    ok: impl Fn(&T) -> bool,
    timed_out: impl Fn(&T) -> String,
) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        let answer = probe().await;
        if ok(&answer) {
            return answer;
        }
        assert!(Instant::now() < deadline, "{}", timed_out(&answer));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Browser {
    pub async fn open(driver: &Chromedriver) -> Browser {
        let profile = tempfile::tempdir().expect("profile dir");
        let binary = std::env::var("CHROME").unwrap_or_else(|_| "/usr/bin/chromium".into());
        let caps = serde_json::json!({
            "goog:chromeOptions": {
                "binary": binary,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                ]
            }
        });
        let caps = caps.as_object().cloned().expect("object");
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a Chromium session through chromedriver");
        Browser { client, _profile: profile }
    }

    /// Every element matching `css` in the page and inside the widget's
    /// Shadow DOM (the embed mounts there; CSS selectors do not cross into it).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let mut found = self.client.find_all(Locator::Css(css)).await.unwrap_or_default();
        if let Ok(host) = self.client.find(Locator::Css("talkshop-widget")).await {
            if let Ok(shadow) = host.shadow_root().await {
                found.extend(shadow.find_all(Locator::Css(css)).await.unwrap_or_default());
            }
        }
        found
    }

    /// Waits until `css` matches an element (in the page or the widget).
    pub async fn wait(&self, css: &str) -> Element {
        let found =
            poll(|| self.find_all(css), |els| !els.is_empty(), |_| format!("timed out waiting for {css}")).await;
        found.into_iter().next().expect("found")
    }

    /// Texts of every element matching `css`, in document order.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for el in self.find_all(css).await {
            out.push(el.text().await.unwrap_or_default());
        }
        out
    }

    /// Waits until the texts of `css` satisfy `ok`, returns them.
    pub async fn wait_texts(&self, css: &str, what: &str, ok: impl Fn(&[String]) -> bool) -> Vec<String> {
        poll(
            || self.texts(css),
            |texts| ok(texts),
            |texts| format!("timed out waiting for {what}; {css} shows {texts:?}"),
        )
        .await
    }

    /// Opens the chat panel: a click on the launcher (the static one from
    /// embed.js loads the wasm and opens; the mounted one toggles).
    pub async fn open_widget(&self) {
        self.click(".ts-launcher[aria-expanded=false]").await;
        self.wait(".ts-panel:not([hidden]) .ts-composer__input").await;
    }

    /// Waits until the widget has signed in, loaded its history and opened the
    /// live link (the online status, in any language, is the one with a "·").
    pub async fn wait_online(&self) {
        self.wait_texts(".ts-header__status", "the widget to come online", |t| t.iter().any(|s| s.contains('·'))).await;
    }

    /// Checks that the texts of `css` equal `expected` now and keep doing so
    /// for `settle` (a late duplicate or a reorder would show up here).
    pub async fn assert_texts_stay(&self, css: &str, expected: &[String], settle: Duration) {
        let until = Instant::now() + settle;
        loop {
            let texts = self.texts(css).await;
            assert_eq!(texts, expected, "{css} changed");
            if Instant::now() >= until {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the first match; an element replaced under the pointer (the
    /// static launcher when the wasm mounts) is looked up again.
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            match self.wait(css).await.click().await {
                Ok(_) => return,
                Err(e) if Instant::now() < deadline && e.to_string().contains("stale") => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("click {css}: {e}"),
            }
        }
    }

    /// Types into a field as a user does, then presses Enter.
    pub async fn type_and_enter(&self, css: &str, text: &str) {
        let field = self.wait(css).await;
        field.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
        field.send_keys("\u{E007}").await.unwrap_or_else(|e| panic!("press Enter in {css}: {e}"));
    }

    /// Opens the demo shop page, opens the widget and waits until it is online.
    pub async fn open_shop(&self, base: &str) {
        self.client.goto(&format!("{base}/")).await.expect("open shop");
        self.open_widget().await;
        self.wait_online().await;
    }

    /// Signs in to the console as the demo shop's staff.
    pub async fn sign_in_to_console(&self, base: &str) {
        self.client.goto(&format!("{base}/console")).await.expect("open console");
        self.wait("input[name=email]").await.send_keys(STAFF_EMAIL).await.expect("type e-mail");
        self.wait("input[name=password]").await.send_keys(STAFF_PASSWORD).await.expect("type password");
        self.click(".ts-login button[type=submit]").await;
    }

    /// Runs `script` (see [`Browser::eval`]) until its answer satisfies `ok`; returns it.
    pub async fn wait_eval(
        &self,
        script: &str,
        what: &str,
        ok: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        poll(|| self.eval(script), ok, |answer| format!("timed out waiting for {what}; the page answered {answer}"))
            .await
    }

    /// Clicks the element matching `css` whose text contains `text`.
    pub async fn click_text(&self, css: &str, text: &str) {
        let script = format!(
            "const el = [...root.querySelectorAll({css:?})].find(e => e.textContent.includes({text:?})); if (el) {{ el.click(); return true; }} return false;"
        );
        self.wait_eval(&script, &format!("{css} showing {text:?}"), |v| *v == serde_json::json!(true)).await;
    }

    /// The demo shop's visitor token the widget keeps in this browser.
    pub async fn demo_visitor_token(&self) -> String {
        let token = self.eval("return localStorage.getItem('talkshop.visitor.demo')").await;
        token.as_str().expect("visitor token").to_owned()
    }

    /// Fills the widget's checkout step as a buyer in São Paulo does (CEP, state
    /// select, Correios PAC), without sending it.
    pub async fn fill_brazilian_checkout(&self) {
        for (field, value) in [
            ("contact.name", "Maria Silva"),
            ("contact.phone", "+55 11 98765-4321"),
            ("contact.email", "maria@example.com"),
            ("address.postal_code", "01310100"),
            ("address.line1", "Av. Paulista, 1000"),
            ("address.district", "Bela Vista"),
            ("address.city", "São Paulo"),
        ] {
            let input = self.wait(&format!("input[name='{field}']")).await;
            input.send_keys(value).await.unwrap_or_else(|e| panic!("type into {field}: {e}"));
        }
        self.eval(
            "const s = root.querySelector(\"select[name='address.state']\"); s.value = 'SP'; \
             s.dispatchEvent(new Event('change', { bubbles: true }));",
        )
        .await;
        self.click("input[value=pac]").await;
    }

    /// Runs a script in the page; `root` is the widget's shadow root (or the
    /// document on pages without the widget, such as the console).
    pub async fn eval(&self, script: &str) -> serde_json::Value {
        let script =
            format!("const root = document.querySelector('talkshop-widget')?.shadowRoot ?? document;\n{script}");
        self.client.execute(&script, vec![]).await.unwrap_or_else(|e| panic!("script failed: {e}"))
    }

    /// Runs axe-core (installed by scripts/setup.sh) on the widget's shadow
    /// tree and answers its serious and critical WCAG 2 A/AA violations.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let axe = std::fs::read_to_string(repo_root().join(".tools/node_modules/axe-core/axe.min.js"))
            .expect("axe-core is installed by scripts/setup.sh");
        self.client.execute(&axe, vec![]).await.expect("axe-core loads");
        let result = self
            .eval(
                "return axe.run({ include: [['talkshop-widget']] }, \
                   { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] } })\
                 .then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')\
                 .map(v => v.id + ': ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' > ')).join(', ')));",
            )
            .await;
        serde_json::from_value(result).expect("a list of violations")
    }

    /// Saves a PNG of the page under `test-artifacts/`.
    pub async fn screenshot(&self, name: &str) {
        let dir = repo_root().join("test-artifacts");
        let _ = std::fs::create_dir_all(&dir);
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// Puts `quantity` of `sku` in the cart of the buyer whose token this is (as the widget would).
pub async fn add_to_cart(base: &str, token: &str, sku: &str, quantity: u32) {
    let added = reqwest::Client::new()
        .post(format!("{base}/api/v1/cart/lines"))
        .bearer_auth(token)
        .json(&serde_json::json!({"retailer_id": sku, "quantity": quantity}))
        .send()
        .await
        .expect("add to cart");
    assert!(added.status().is_success(), "add to cart answered {}", added.status());
}
