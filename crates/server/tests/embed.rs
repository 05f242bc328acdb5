//! What a merchant page loads from us: `embed.js`, the hashed widget files,
//! the demo host pages (plain, hostile CSS, strict CSP) and CORS for the API.

mod common;

use common::*;
use reqwest::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE,
};
use reqwest::{Method, StatusCode};
use tempfile::TempDir;

const JS: &str = "talkshop-widget-0123456789abcdef.js";
const WASM: &str = "talkshop-widget-0123456789abcdef_bg.wasm";
const CSS: &str = "widget-fedcba9876543210.css";

/// A `dist/` as Trunk leaves it: index.html naming the hashed files, and the files.
fn fake_dist() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    let index = format!(
        r#"<script type="module">import init from '/{JS}'; await init({{ module_or_path: '/{WASM}' }});</script>
<link rel="stylesheet" href="/{CSS}" integrity="sha384-x"/>"#
    );
    std::fs::write(dir.path().join("index.html"), index).unwrap();
    std::fs::write(dir.path().join(JS), "export default async function init() {}").unwrap();
    std::fs::write(dir.path().join(WASM), b"\0asm\x01\0\0\0").unwrap();
    std::fs::write(dir.path().join(CSS), ":host { all: initial }").unwrap();
    dir
}

async fn server_with_dist(demo_identity: bool) -> (Server, TempDir) {
    let dist = fake_dist();
    let path = dist.path().to_owned();
    let server = Server::start_with(move |c| {
        c.dist = path;
        c.demo_identity = demo_identity;
    })
    .await;
    (server, dist)
}

fn header(resp: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

#[tokio::test]
async fn embed_js_names_the_hashed_files_is_short_lived_and_loads_from_any_origin() {
    let (server, _dist) = server_with_dist(false).await;
    let resp = server
        .http
        .get(format!("{}/embed.js", server.url))
        .header("Origin", "https://merchant.example")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(header(&resp, CONTENT_TYPE), "text/javascript; charset=utf-8");
    assert_eq!(header(&resp, CACHE_CONTROL), "public, max-age=300");
    // `*`, or the asking origin when a shop allows it (the demo shop allows any).
    assert!(["*", "https://merchant.example"].contains(&header(&resp, ACCESS_CONTROL_ALLOW_ORIGIN).as_str()));
    let body = resp.text().await.unwrap();
    assert!(body.contains(&format!(r#"js: "{JS}""#)) && body.contains(WASM) && body.contains(CSS), "{body}");
    assert!(!body.contains("__TALKSHOP_"), "every placeholder is filled");
    assert!(!body.contains("eval(") && !body.contains("new Function"), "nothing a strict CSP forbids");
    assert!(body.contains("attachShadow"), "the widget lives in a Shadow DOM");

    for (file, kind) in [(JS, "text/javascript"), (WASM, "application/wasm"), (CSS, "text/css")] {
        let resp = server.http.get(format!("{}/{file}", server.url)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{file}");
        assert!(header(&resp, CONTENT_TYPE).starts_with(kind), "{file}: {}", header(&resp, CONTENT_TYPE));
        assert_eq!(header(&resp, CACHE_CONTROL), "public, max-age=31536000, immutable", "{file}");
        assert_eq!(header(&resp, ACCESS_CONTROL_ALLOW_ORIGIN), "*", "{file}");
    }
    // index.html is not a hashed file: not cached for a year.
    let resp = server.http.get(format!("{}/index.html", server.url)).send().await.unwrap();
    assert_ne!(header(&resp, CACHE_CONTROL), "public, max-age=31536000, immutable");
    server.stop().await;
}

#[tokio::test]
async fn demo_host_pages_embed_with_one_tag_and_the_csp_page_is_strict() {
    let (server, _dist) = server_with_dist(false).await;
    for (path, shop) in [("/", "demo"), ("/siam", "siam"), ("/hostile", "demo"), ("/csp", "demo")] {
        let resp = server.http.get(format!("{}{path}", server.url)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        let csp = header(&resp, CONTENT_SECURITY_POLICY);
        let html = resp.text().await.unwrap();
        assert!(
            html.contains(&format!(r#"<script type="module" src="/embed.js" data-shop="{shop}""#)),
            "{path}: {html}"
        );
        assert!(!html.contains("{{"), "{path}: every placeholder filled");
        assert_eq!(html.contains("/demo/hostile.css"), path == "/hostile", "{path}");
        if path == "/csp" {
            assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{csp}");
            assert!(csp.contains("style-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
            assert!(!html.contains("<script>") && !html.contains("style="), "no inline script or style on the page");
        } else {
            assert_eq!(csp, "", "{path}");
        }
    }
    let siam = server.http.get(format!("{}/siam", server.url)).send().await.unwrap().text().await.unwrap();
    assert!(siam.contains(r#"data-locale="th""#));

    // Query values become attributes only when known.
    let page = |q: &str| server.http.get(format!("{}/?{q}", server.url)).send();
    let html = page("locale=pt-BR&theme=dark").await.unwrap().text().await.unwrap();
    assert!(html.contains(r#"data-locale="pt-BR" data-theme="dark""#), "{html}");
    assert!(html.contains("Entrar como cliente"));
    let html =
        page("locale=%22%3E%3Cscript%3Ealert(1)%3C/script%3E&theme=%22onload%3D").await.unwrap().text().await.unwrap();
    assert!(!html.contains("alert(1)") && !html.contains("onload"), "{html}");
    assert!(!html.contains("data-locale") && !html.contains("data-theme"));

    for (asset, kind) in
        [("/demo/demo.js", "text/javascript"), ("/demo/shop.css", "text/css"), ("/demo/hostile.css", "text/css")]
    {
        let resp = server.http.get(format!("{}{asset}", server.url)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{asset}");
        assert!(header(&resp, CONTENT_TYPE).starts_with(kind), "{asset}");
    }
    server.stop().await;
}

#[tokio::test]
async fn pages_say_so_when_the_widget_is_not_built() {
    let empty = tempfile::tempdir().unwrap();
    let path = empty.path().to_owned();
    let server = Server::start_with(move |c| c.dist = path).await;
    for path in ["/", "/embed.js", "/csp"] {
        let resp = server.http.get(format!("{}{path}", server.url)).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE, "{path}");
    }
    server.stop().await;
}

#[tokio::test]
async fn merchant_pages_on_other_origins_may_call_the_api() {
    let (server, _dist) = server_with_dist(false).await;
    let preflight = server
        .http
        .request(Method::OPTIONS, server.api("/visitors"))
        .header("Origin", "https://merchant.example")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type, authorization, idempotency-key")
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success(), "{}", preflight.status());
    // The demo shop allows any website (`*`): the grant names the asking origin.
    assert_eq!(header(&preflight, ACCESS_CONTROL_ALLOW_ORIGIN), "https://merchant.example");
    let allowed = header(&preflight, ACCESS_CONTROL_ALLOW_HEADERS).to_ascii_lowercase();
    assert!(allowed.contains("authorization") && allowed.contains("idempotency-key"), "{allowed}");
    let resp = server
        .post("/visitors", None)
        .header("Origin", "https://merchant.example")
        .json(&serde_json::json!({"shop": SHOP, "device_id": unique("device")}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(header(&resp, ACCESS_CONTROL_ALLOW_ORIGIN), "https://merchant.example");
    server.stop().await;
}

#[tokio::test]
async fn the_demo_identity_endpoint_exists_only_when_enabled() {
    let (server, _dist) = server_with_dist(false).await;
    let resp = server.http.get(format!("{}/demo/identity?shop=demo&user_id=ana", server.url)).send().await.unwrap();
    assert_ne!(resp.status(), StatusCode::OK, "off by default: it would defeat identity verification");
    server.stop().await;

    let (server, _dist) = server_with_dist(true).await;
    let resp = server.http.get(format!("{}/demo/identity?shop=demo&user_id=ana", server.url)).send().await.unwrap();
    let body: serde_json::Value = expect_json(resp, StatusCode::OK).await;
    let hash = body["user_hash"].as_str().unwrap().to_owned();
    assert_eq!(hash.len(), 64);
    // The hash it hands out is one identify accepts.
    let visitor = server.visitor().await;
    let resp = server
        .post("/visitors/identify", Some(&visitor.token))
        .json(&serde_json::json!({"user_id": "ana", "user_hash": hash}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let resp = server.http.get(format!("{}/demo/identity?shop=nope&user_id=ana", server.url)).send().await.unwrap();
    expect_invalid(resp, "shop").await;
    server.stop().await;
}

#[tokio::test]
async fn the_widget_files_load_on_sites_no_shop_allowed_yet() {
    // Without --demo no shop allows any website: the API refuses them, the files still load
    // (a merchant sees the widget on their page and learns from it what to allow).
    let dist = fake_dist();
    let path = dist.path().to_owned();
    let server = Server::start_with(move |c| {
        c.dist = path;
        c.demo = false;
    })
    .await;
    for file in ["embed.js", JS, WASM, CSS] {
        let resp = server
            .http
            .get(format!("{}/{file}", server.url))
            .header("Origin", "https://new-shop.example")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{file}");
        assert_eq!(header(&resp, ACCESS_CONTROL_ALLOW_ORIGIN), "*", "{file}");
    }
    server.stop().await;
}
