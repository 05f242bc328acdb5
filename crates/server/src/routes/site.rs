//! What browsers load: `embed.js` (the one tag merchants add), the hashed
//! widget assets from the Trunk `dist/` folder, the demo shop pages and the console.
//!
//! Demo pages: `/` (Casa Aurora, BRL), `/siam` (Baan Siam Tea House, THB, Thai),
//! `/hostile` (a page whose CSS attacks everything) and `/csp` (a strict
//! Content-Security-Policy). Each takes `?locale=pt-BR|th|id|en` and `?theme=dark|light`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use talkshop_protocol::locale::Locale;
use talkshop_protocol::{ApiError, Health};
use tower_http::services::ServeDir;

use crate::error::{error_response, AppJson};
use crate::state::AppState;

const EMBED_JS: &str = include_str!("../../assets/embed.js");
/// A production server's home page: where the console is and how shops embed the chat.
const HOME_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Talkshop</title></head>\
<body><h1>Talkshop</h1><p>Shop staff: sign in at <a href=\"/console\">/console</a>. \
The embed code for your website is in the console's Settings.</p></body></html>";
const SHOP_PAGE: &str = include_str!("../../assets/demo/shop.html");
const DEMO_JS: &str = include_str!("../../assets/demo/demo.js");
const HOSTILE_CSS: &str = include_str!("../../assets/demo/hostile.css");
const SHOP_CSS: &str = include_str!("../../../../style/demo-shop.css");

/// What a merchant page must allow for the widget under a strict CSP (also in the README);
/// `blob:` for attached photos, shown from object URLs.
pub const STRICT_CSP: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

pub fn router(state: &AppState) -> Router<AppState> {
    // `foo.wasm.br` / `foo.wasm.gz` (made by scripts/build-widget.sh) when the
    // browser accepts them, with foo.wasm's Content-Type; else foo.wasm itself.
    let assets = ServeDir::new(&state.config.dist)
        .append_index_html_on_directories(false)
        .precompressed_br()
        .precompressed_gzip();
    // The demo shops' pages exist only with --demo; a production server's home
    // page says where the console is.
    let pages = if state.config.demo {
        Router::new()
            .route("/", get(|s: State<AppState>, q: Query<PageQuery>| demo_page(s, q, Page::CasaAurora)))
            .route("/siam", get(|s: State<AppState>, q: Query<PageQuery>| demo_page(s, q, Page::Siam)))
            .route("/hostile", get(|s: State<AppState>, q: Query<PageQuery>| demo_page(s, q, Page::Hostile)))
            .route("/csp", get(|s: State<AppState>, q: Query<PageQuery>| demo_page(s, q, Page::StrictCsp)))
            .route("/demo/demo.js", get(|| async { text_asset("text/javascript; charset=utf-8", DEMO_JS) }))
            .route("/demo/shop.css", get(|| async { text_asset("text/css; charset=utf-8", SHOP_CSS) }))
            .route("/demo/hostile.css", get(|| async { text_asset("text/css; charset=utf-8", HOSTILE_CSS) }))
    } else {
        Router::new().route("/", get(|| async { axum::response::Html(HOME_PAGE) }))
    };
    pages
        .route("/embed.js", get(embed_js))
        .route("/console", get(console_page))
        .route("/console/", get(console_page))
        .route("/healthz", get(health))
        .route("/api/{*rest}", get(api_not_found).post(api_not_found))
        .fallback_service(assets)
        .layer(axum::middleware::from_fn(asset_headers))
}

/// The names Trunk gave the widget's files (`talkshop-widget-<hash>.js` …), read from its `index.html`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetAssets {
    pub js: String,
    pub wasm: String,
    pub css: String,
}

impl WidgetAssets {
    pub fn from_index(html: &str) -> Option<WidgetAssets> {
        let find = |prefix: &str, suffix: &str| {
            html.match_indices(prefix).find_map(|(at, _)| {
                let rest = &html[at + 1..];
                let end = rest.find(['"', '\'', ' ', '?'])?;
                let name = &rest[..end];
                name.ends_with(suffix).then(|| name.to_owned())
            })
        };
        Some(WidgetAssets {
            js: find("/talkshop-widget-", ".js")?,
            wasm: find("/talkshop-widget-", "_bg.wasm")?,
            css: find("/widget-", ".css")?,
        })
    }
}

async fn widget_assets(state: &AppState) -> Option<WidgetAssets> {
    let html = tokio::fs::read_to_string(state.config.dist.join("index.html")).await.ok()?;
    WidgetAssets::from_index(&html)
}

/// `embed.js` with the names of one widget build filled in, in the three
/// encodings we send. It changes only when `dist/` is rebuilt, so it is
/// compressed once per build (brotli 11, gzip 9), not per request. The text is
/// the build's minified copy (`dist/embed.js`, esbuild in
/// `scripts/build-widget.sh`: 2,309 → ~1,700 B brotli) when there is one,
/// else the commented source compiled in.
struct EmbedJs {
    assets: WidgetAssets,
    source: Option<String>,
    plain: Bytes,
    br: Bytes,
    gzip: Bytes,
}

impl EmbedJs {
    fn new(assets: WidgetAssets, source: Option<String>) -> EmbedJs {
        let plain = source
            .as_deref()
            .unwrap_or(EMBED_JS)
            .replace("__TALKSHOP_JS__", &assets.js)
            .replace("__TALKSHOP_WASM__", &assets.wasm)
            .replace("__TALKSHOP_CSS__", &assets.css);
        let mut br = Vec::new();
        let params = brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
        brotli::BrotliCompress(&mut plain.as_bytes(), &mut br, &params).expect("brotli into memory");
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(plain.as_bytes()).expect("gzip into memory");
        let gzip = gzip.finish().expect("gzip into memory");
        EmbedJs { assets, source, plain: plain.into(), br: br.into(), gzip: gzip.into() }
    }

    /// The one for this build, from the cache when the names and the text are the same.
    fn for_build(assets: WidgetAssets, source: Option<String>) -> Arc<EmbedJs> {
        static LAST: Mutex<Option<Arc<EmbedJs>>> = Mutex::new(None);
        let mut last = LAST.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match last.as_ref() {
            Some(embed) if embed.assets == assets && embed.source == source => embed.clone(),
            _ => last.insert(Arc::new(EmbedJs::new(assets, source))).clone(),
        }
    }
}

/// What the client accepts of what we have: brotli, gzip or neither, by
/// `Accept-Encoding` q-values (brotli first when they are equal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    pub fn negotiate(headers: &HeaderMap) -> Encoding {
        let (mut br, mut gzip, mut any) = (None, None, None);
        for item in headers.get_all(header::ACCEPT_ENCODING).iter().filter_map(|v| v.to_str().ok()) {
            for part in item.split(',') {
                let mut fields = part.split(';');
                let name = fields.next().unwrap_or_default().trim().to_ascii_lowercase();
                let q = fields
                    .find_map(|f| f.trim().strip_prefix("q=").or_else(|| f.trim().strip_prefix("Q=")))
                    .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok())
                    .unwrap_or(0.0);
                match name.as_str() {
                    "br" => br = Some(q),
                    "gzip" | "x-gzip" => gzip = Some(q),
                    "*" => any = Some(q),
                    _ => {}
                }
            }
        }
        let br = br.or(any).unwrap_or(0.0);
        let gzip = gzip.or(any).unwrap_or(0.0);
        if br > 0.0 && br >= gzip {
            Encoding::Brotli
        } else if gzip > 0.0 {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

/// `embed.js`: short-lived (the hashed files it names are immutable), any origin may load it.
async fn embed_js(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(assets) = widget_assets(&state).await else { return not_built() };
    let minified = tokio::fs::read_to_string(state.config.dist.join("embed.js")).await.ok();
    let embed = EmbedJs::for_build(assets, minified);
    let (body, encoding) = match Encoding::negotiate(&headers) {
        Encoding::Brotli => (embed.br.clone(), Some("br")),
        Encoding::Gzip => (embed.gzip.clone(), Some("gzip")),
        Encoding::Identity => (embed.plain.clone(), None),
    };
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
            (header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response();
    if let Some(encoding) = encoding {
        response.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
    }
    response
}

fn text_asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body)
}

/// A file name with Trunk's 16-hex-digit content hash (`widget-0123456789abcdef.css`).
pub fn is_hashed_asset(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let stem = name.split('.').next().unwrap_or_default().trim_end_matches("_bg");
    stem.rsplit_once('-').is_some_and(|(_, hash)| hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Hashed files never change: cache them for a year, and let merchant pages
/// on any origin load them (module scripts and wasm are fetched with CORS).
/// Files from `dist/` may come as their `.br` or `.gz` copy, so caches must
/// key them by `Accept-Encoding` (ServeDir does not say so itself).
async fn asset_headers(request: Request, next: Next) -> Response {
    let hashed = is_hashed_asset(request.uri().path());
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    if hashed && status == StatusCode::OK {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    }
    let from_dist = hashed || headers.contains_key(header::CONTENT_ENCODING);
    if from_dist && matches!(status, StatusCode::OK | StatusCode::NOT_MODIFIED) && !headers.contains_key(header::VARY) {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    response
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    CasaAurora,
    Siam,
    Hostile,
    StrictCsp,
}

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    locale: Option<String>,
    theme: Option<String>,
    /// `open`: load the wasm only when the buyer opens the chat (`data-load`).
    load: Option<String>,
}

struct PageText {
    shop: &'static str,
    title: &'static str,
    brand: &'static str,
    nav: &'static str,
    headline: &'static str,
    intro: &'static str,
    products: &'static str,
    body_class: &'static str,
    lang: &'static str,
    demo_user: &'static str,
    demo_user_name: &'static str,
}

const CASA_AURORA: PageText = PageText {
    shop: "demo",
    title: "Casa Aurora — handmade homeware",
    brand: "Casa Aurora",
    nav: r##"<a href="#">Ceramics</a><a href="#">Textiles</a><a href="#">Lighting</a>"##,
    headline: "Made by hand in Minas Gerais",
    intro: "Questions about a piece, sizes or delivery? Chat with us — the bubble in the corner.",
    products: r#"<article><div class="shop-img shop-img--1"></div><h2>Terracotta vase</h2><p>R$ 189,00</p></article><article><div class="shop-img shop-img--2"></div><h2>Linen throw</h2><p>R$ 249,00</p></article><article><div class="shop-img shop-img--3"></div><h2>Rattan pendant</h2><p>R$ 329,00</p></article>"#,
    body_class: "shop-aurora",
    lang: "en",
    demo_user: "ana-souza-42",
    demo_user_name: "Ana Souza",
};

const SIAM: PageText = PageText {
    shop: "siam",
    title: "Baan Siam Tea House — ชาไทยจากเชียงราย",
    brand: "Baan Siam Tea House",
    nav: r##"<a href="#">ชาเขียว</a><a href="#">ชาอู่หลง</a><a href="#">ของขวัญ</a>"##,
    headline: "ชาจากดอยสูง เชียงราย",
    intro: "สอบถามเรื่องชา การชง หรือการจัดส่ง แชทกับเราได้ที่ปุ่มมุมขวาล่าง",
    products: r#"<article><div class="shop-img shop-img--1"></div><h2>ชาอู่หลงก้านอ่อน</h2><p>฿290.00</p></article><article><div class="shop-img shop-img--2"></div><h2>ชาไทยสูตรโบราณ</h2><p>฿180.00</p></article><article><div class="shop-img shop-img--3"></div><h2>ชุดของขวัญ</h2><p>฿990.00</p></article>"#,
    body_class: "shop-siam",
    lang: "th",
    demo_user: "somchai-7",
    demo_user_name: "Somchai",
};

async fn demo_page(State(state): State<AppState>, Query(query): Query<PageQuery>, page: Page) -> Response {
    if widget_assets(&state).await.is_none() {
        return not_built();
    }
    let text = if page == Page::Siam { &SIAM } else { &CASA_AURORA };
    // Only values we know become attributes.
    let locale = query.locale.as_deref().and_then(Locale::from_tag).or((page == Page::Siam).then_some(Locale::Th));
    let theme = query.theme.as_deref().filter(|t| matches!(*t, "dark" | "light"));
    let (sign_in, sign_out, help) = match locale.unwrap_or(Locale::En) {
        Locale::En => ("Sign in as a demo customer", "Sign out", "Help"),
        Locale::PtBr => ("Entrar como cliente de demonstração", "Sair", "Ajuda"),
        Locale::Th => ("เข้าสู่ระบบเป็นลูกค้าทดลอง", "ออกจากระบบ", "ช่วยเหลือ"),
        Locale::Id => ("Masuk sebagai pelanggan demo", "Keluar", "Bantuan"),
    };
    let title = match page {
        Page::Hostile => "Hostile CSS — Casa Aurora",
        Page::StrictCsp => "Strict CSP — Casa Aurora",
        _ => text.title,
    };
    let html = SHOP_PAGE
        .replace("{{lang}}", locale.map_or(text.lang, Locale::tag))
        .replace("{{title}}", title)
        .replace(
            "{{extra_head}}",
            if page == Page::Hostile { r#"<link rel="stylesheet" href="/demo/hostile.css">"# } else { "" },
        )
        .replace("{{shop}}", text.shop)
        .replace("{{locale_attr}}", &locale.map(|l| format!(r#" data-locale="{}""#, l.tag())).unwrap_or_default())
        .replace("{{theme_attr}}", &theme.map(|t| format!(r#" data-theme="{t}""#)).unwrap_or_default())
        .replace("{{load_attr}}", if query.load.as_deref() == Some("open") { r#" data-load="open""# } else { "" })
        .replace("{{brand}}", text.brand)
        .replace("{{nav}}", text.nav)
        .replace("{{demo_user}}", text.demo_user)
        .replace("{{demo_user_name}}", text.demo_user_name)
        .replace("{{sign_in}}", sign_in)
        .replace("{{sign_out}}", sign_out)
        .replace("{{help}}", help)
        .replace("{{headline}}", text.headline)
        .replace("{{intro}}", text.intro)
        .replace("{{products}}", text.products)
        .replace("{{body_class}}", text.body_class);
    let mut response = ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response();
    if page == Page::StrictCsp {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(STRICT_CSP));
    }
    response
}

/// The console is its own Trunk build (its own wasm) under `dist/console/`.
async fn console_page(State(state): State<AppState>) -> Response {
    match tokio::fs::read_to_string(state.config.dist.join("console/index.html")).await {
        Ok(html) => ([(header::CACHE_CONTROL, "no-cache")], Html(html)).into_response(),
        Err(_) => not_built(),
    }
}

fn not_built() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Html("<!doctype html><title>Talkshop</title><p>The widget is not built yet: run <code>scripts/demo.sh</code>.</p>"),
    )
        .into_response()
}

async fn health() -> AppJson<Health> {
    AppJson(Health { status: "ok".into(), version: env!("CARGO_PKG_VERSION").into() })
}

async fn api_not_found() -> Response {
    error_response(ApiError::not_found("API route"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trunk_asset_names_are_found() {
        let html = r#"<link rel="stylesheet" href="/widget-e818b9ea39d40948.css" integrity="sha384-x"/>
<link rel="modulepreload" href="/talkshop-widget-1ce66a58643aa6d5.js" crossorigin>
<link rel="preload" href="/talkshop-widget-1ce66a58643aa6d5_bg.wasm" as="fetch" type="application/wasm">"#;
        assert_eq!(
            WidgetAssets::from_index(html),
            Some(WidgetAssets {
                js: "talkshop-widget-1ce66a58643aa6d5.js".into(),
                wasm: "talkshop-widget-1ce66a58643aa6d5_bg.wasm".into(),
                css: "widget-e818b9ea39d40948.css".into(),
            })
        );
        assert_eq!(WidgetAssets::from_index("<html></html>"), None);
    }

    #[test]
    fn accept_encoding_picks_brotli_then_gzip_by_q_value() {
        let pick = |value: Option<&str>| {
            let mut headers = HeaderMap::new();
            if let Some(value) = value {
                headers.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
            }
            Encoding::negotiate(&headers)
        };
        assert_eq!(pick(Some("gzip, deflate, br, zstd")), Encoding::Brotli);
        assert_eq!(pick(Some("br")), Encoding::Brotli);
        assert_eq!(pick(Some("gzip")), Encoding::Gzip);
        assert_eq!(pick(Some("br;q=0.5, gzip;q=0.8")), Encoding::Gzip);
        assert_eq!(pick(Some("br;q=0, gzip")), Encoding::Gzip);
        assert_eq!(pick(Some("gzip;q=0, br;q=0")), Encoding::Identity);
        assert_eq!(pick(Some("*")), Encoding::Brotli);
        assert_eq!(pick(Some("*;q=0.1, br;q=0")), Encoding::Gzip);
        assert_eq!(pick(Some("deflate, identity")), Encoding::Identity);
        assert_eq!(pick(None), Encoding::Identity);
    }

    #[test]
    fn embed_js_is_compressed_once_per_build_and_decodes_to_itself() {
        let assets = |hash: &str| WidgetAssets {
            js: format!("talkshop-widget-{hash}.js"),
            wasm: format!("talkshop-widget-{hash}_bg.wasm"),
            css: format!("widget-{hash}.css"),
        };
        let first = EmbedJs::for_build(assets("0000000000000001"), None);
        assert!(Arc::ptr_eq(&first, &EmbedJs::for_build(assets("0000000000000001"), None)));
        let mut from_br = Vec::new();
        brotli::BrotliDecompress(&mut &first.br[..], &mut from_br).unwrap();
        let mut from_gzip = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&first.gzip[..]), &mut from_gzip).unwrap();
        assert_eq!(from_br, first.plain);
        assert_eq!(from_gzip, first.plain);
        assert!(first.br.len() < first.gzip.len() && first.gzip.len() < first.plain.len() / 2);
        let second = EmbedJs::for_build(assets("0000000000000002"), None);
        assert!(std::str::from_utf8(&second.plain).unwrap().contains("talkshop-widget-0000000000000002_bg.wasm"));
        // The build's minified copy, when there is one, with the same names filled in.
        let minified =
            Some(r#"const A={js:"__TALKSHOP_JS__",wasm:"__TALKSHOP_WASM__",css:"__TALKSHOP_CSS__"};"#.to_owned());
        let third = EmbedJs::for_build(assets("0000000000000002"), minified);
        assert!(!Arc::ptr_eq(&second, &third));
        assert_eq!(
            std::str::from_utf8(&third.plain).unwrap(),
            r#"const A={js:"talkshop-widget-0000000000000002.js",wasm:"talkshop-widget-0000000000000002_bg.wasm",css:"widget-0000000000000002.css"};"#
        );
    }

    #[test]
    fn only_hashed_names_are_immutable() {
        assert!(is_hashed_asset("/talkshop-widget-1ce66a58643aa6d5_bg.wasm"));
        assert!(is_hashed_asset("/widget-e818b9ea39d40948.css"));
        assert!(is_hashed_asset("/console/talkshop-console-0123456789abcdef.js"));
        assert!(!is_hashed_asset("/embed.js"));
        assert!(!is_hashed_asset("/index.html"));
        assert!(!is_hashed_asset("/widget-notahash.css"));
    }
}
