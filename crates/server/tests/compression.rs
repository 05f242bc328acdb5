//! What goes over the wire: the widget's files as their precompressed `.br` /
//! `.gz` copies (chosen by `Accept-Encoding`), `embed.js` compressed once per
//! build, JSON over 1 KiB compressed on the fly, small JSON and the WebSocket
//! upgrade left alone, and `Idempotency-Key` replays that decode to the first answer.

mod common;

use std::io::{Read, Write};

use common::*;
use reqwest::header::{
    ACCEPT_ENCODING, ACCESS_CONTROL_ALLOW_ORIGIN, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_LENGTH, CONTENT_TYPE, VARY,
};
use reqwest::StatusCode;
use serde_json::{json, Value};
use tempfile::TempDir;

const JS: &str = "talkshop-widget-0123456789abcdef.js";
const WASM: &str = "talkshop-widget-0123456789abcdef_bg.wasm";
const CSS: &str = "widget-fedcba9876543210.css";

fn brotli(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams { quality: 11, ..Default::default() };
    brotli::BrotliCompress(&mut &data[..], &mut out, &params).unwrap();
    out
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// The body as the browser sees it after undoing `Content-Encoding`.
fn decode(encoding: &str, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        "br" => brotli::BrotliDecompress(&mut &body[..], &mut out).expect("valid brotli"),
        "gzip" => {
            flate2::read::GzDecoder::new(body).read_to_end(&mut out).expect("valid gzip");
        }
        "" => out = body.to_vec(),
        other => panic!("unexpected Content-Encoding {other}"),
    }
    out
}

/// A file of the fake `dist/`: name, content, expected Content-Type.
type Asset = (&'static str, Vec<u8>, &'static str);

/// Compressible stand-ins for Trunk's files (a few KB each), with the `.br`
/// and `.gz` copies scripts/build-widget.sh writes next to them.
fn fake_dist() -> (TempDir, Vec<Asset>) {
    let dir = tempfile::tempdir().unwrap();
    let index = format!(
        r#"<script type="module">import init from '/{JS}'; await init({{ module_or_path: '/{WASM}' }});</script>
<link rel="stylesheet" href="/{CSS}" integrity="sha384-x"/>"#
    );
    std::fs::write(dir.path().join("index.html"), index).unwrap();
    let mut wasm = b"\0asm\x01\0\0\0".to_vec();
    wasm.extend((0..20_000u32).map(|i| (i % 7 + i / 1000) as u8));
    let js = (0..200).map(|i| format!("export function f{i}(a) {{ return a + {i}; }}\n")).collect::<String>();
    let css =
        (0..200).map(|i| format!(".ts-row-{i} {{ padding: {i}px; color: var(--ts-ink); }}\n")).collect::<String>();
    let files = vec![
        (WASM, wasm, "application/wasm"),
        (JS, js.into_bytes(), "text/javascript"),
        (CSS, css.into_bytes(), "text/css"),
    ];
    for (name, data, _) in &files {
        std::fs::write(dir.path().join(name), data).unwrap();
        std::fs::write(dir.path().join(format!("{name}.br")), brotli(data)).unwrap();
        std::fs::write(dir.path().join(format!("{name}.gz")), gzip(data)).unwrap();
    }
    (dir, files)
}

fn header(resp: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    resp.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// Every `Vary` value (CORS adds its own line after ours), lowercased.
fn vary(resp: &reqwest::Response) -> String {
    let values = resp.headers().get_all(VARY).iter().filter_map(|v| v.to_str().ok()).collect::<Vec<_>>();
    values.join(", ").to_ascii_lowercase()
}

/// `(Accept-Encoding sent, Content-Encoding expected)`; reqwest is built
/// without its decoders, so the body is read as it came.
const ENCODINGS: [(Option<&str>, &str); 5] = [
    (Some("br"), "br"),
    (Some("gzip"), "gzip"),
    (Some("gzip, deflate, br, zstd"), "br"),
    (Some("br;q=0.5, gzip"), "gzip"),
    (None, ""),
];

async fn fetch(server: &Server, path: &str, accept: Option<&str>) -> reqwest::Response {
    let mut req = server.http.get(format!("{}{path}", server.url));
    if let Some(accept) = accept {
        req = req.header(ACCEPT_ENCODING, accept);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn widget_files_are_sent_as_their_precompressed_copies() {
    let (dist, files) = fake_dist();
    let path = dist.path().to_owned();
    let server = Server::start_with(move |c| c.dist = path).await;
    for (name, original, kind) in &files {
        for (accept, expected) in ENCODINGS {
            let what = format!("{name} with Accept-Encoding {accept:?}");
            let resp = fetch(&server, &format!("/{name}"), accept).await;
            assert_eq!(resp.status(), StatusCode::OK, "{what}");
            assert_eq!(header(&resp, CONTENT_ENCODING), expected, "{what}");
            assert!(header(&resp, CONTENT_TYPE).starts_with(kind), "{what}: {}", header(&resp, CONTENT_TYPE));
            assert!(vary(&resp).contains("accept-encoding"), "{what}");
            assert_eq!(header(&resp, CACHE_CONTROL), "public, max-age=31536000, immutable", "{what}");
            assert_eq!(header(&resp, ACCESS_CONTROL_ALLOW_ORIGIN), "*", "{what}");
            let length: usize = header(&resp, CONTENT_LENGTH).parse().expect("a Content-Length");
            let body = resp.bytes().await.unwrap();
            assert_eq!(body.len(), length, "{what}");
            if !expected.is_empty() {
                assert!(body.len() * 2 < original.len(), "{what}: {} of {} bytes", body.len(), original.len());
            }
            assert_eq!(&decode(expected, &body), original, "{what}: decodes to the file");
        }
    }
    // A file without copies is sent as it is, whatever the browser accepts.
    let resp = fetch(&server, "/index.html", Some("br, gzip")).await;
    assert_eq!((resp.status(), header(&resp, CONTENT_ENCODING)), (StatusCode::OK, String::new()));
    server.stop().await;
}

#[tokio::test]
async fn embed_js_is_compressed_and_keeps_its_short_cache() {
    let (dist, _) = fake_dist();
    let path = dist.path().to_owned();
    let server = Server::start_with(move |c| c.dist = path).await;
    let plain = fetch(&server, "/embed.js", None).await;
    assert_eq!(header(&plain, CONTENT_ENCODING), "");
    let original = plain.bytes().await.unwrap().to_vec();
    assert!(String::from_utf8_lossy(&original).contains(WASM));
    for (accept, expected) in ENCODINGS {
        let what = format!("embed.js with Accept-Encoding {accept:?}");
        let resp = fetch(&server, "/embed.js", accept).await;
        assert_eq!(resp.status(), StatusCode::OK, "{what}");
        assert_eq!(header(&resp, CONTENT_ENCODING), expected, "{what}");
        assert_eq!(header(&resp, CONTENT_TYPE), "text/javascript; charset=utf-8", "{what}");
        assert_eq!(header(&resp, CACHE_CONTROL), "public, max-age=300", "{what}");
        assert_eq!(header(&resp, ACCESS_CONTROL_ALLOW_ORIGIN), "*", "{what}");
        assert!(vary(&resp).contains("accept-encoding"), "{what}");
        let length: usize = header(&resp, CONTENT_LENGTH).parse().expect("a Content-Length");
        let body = resp.bytes().await.unwrap();
        assert_eq!(body.len(), length, "{what}");
        if !expected.is_empty() {
            assert!(body.len() * 2 < original.len(), "{what}: {} of {} bytes", body.len(), original.len());
        }
        assert_eq!(decode(expected, &body), original, "{what}: decodes to embed.js");
    }
    server.stop().await;
}

#[tokio::test]
async fn large_json_is_compressed_on_the_fly_and_small_json_is_not() {
    let server = Server::start().await;
    let (buyer, _) = server.buyer().await;
    // The seeded catalog: well over 1 KiB of JSON.
    let plain = server.get("/catalog", Some(&buyer)).send().await.unwrap();
    assert_eq!(header(&plain, CONTENT_ENCODING), "");
    let original: Value = plain.json().await.unwrap();
    let size = serde_json::to_vec(&original).unwrap().len();
    assert!(size > 4096, "the catalog is large: {size} B");
    for (accept, expected) in ENCODINGS {
        let what = format!("GET /catalog with Accept-Encoding {accept:?}");
        let mut req = server.get("/catalog", Some(&buyer));
        if let Some(accept) = accept {
            req = req.header(ACCEPT_ENCODING, accept);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{what}");
        assert_eq!(header(&resp, CONTENT_ENCODING), expected, "{what}");
        assert!(header(&resp, CONTENT_TYPE).starts_with("application/json"), "{what}");
        if !expected.is_empty() {
            assert!(vary(&resp).contains("accept-encoding"), "{what}");
        }
        let body = resp.bytes().await.unwrap();
        if !expected.is_empty() {
            assert!(body.len() * 3 < size, "{what}: {} of {size} bytes", body.len());
        }
        let decoded: Value = serde_json::from_slice(&decode(expected, &body)).expect("JSON after decoding");
        assert_eq!(decoded, original, "{what}");
    }
    // An empty cart and the health check are a few dozen bytes: sent as they are.
    for path in ["/api/v1/cart", "/healthz"] {
        let resp = server
            .http
            .get(format!("{}{path}", server.url))
            .bearer_auth(&buyer)
            .header(ACCEPT_ENCODING, "br, gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(header(&resp, CONTENT_ENCODING), "", "{path}");
        let body = resp.bytes().await.unwrap();
        assert!(body.len() < 1024, "{path}: {} B", body.len());
        serde_json::from_slice::<Value>(&body).unwrap_or_else(|e| panic!("{path}: plain JSON ({e})"));
    }
    server.stop().await;
}

#[tokio::test]
async fn an_idempotent_replay_of_a_large_answer_decodes_to_the_first_answer() {
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let text = (0..300).map(|i| format!("line {i} ")).collect::<String>();
    let send = |accept: &'static str| {
        server
            .post(&format!("/conversations/{conversation}/messages"), Some(&buyer))
            .header("Idempotency-Key", "big-message")
            .header(ACCEPT_ENCODING, accept)
            .json(&json!({"client_id": "c-big", "text": text}))
            .send()
    };
    let first = send("br").await.unwrap();
    assert!(first.status().is_success(), "{}", first.status());
    assert_eq!(header(&first, CONTENT_ENCODING), "br");
    let first: Value = serde_json::from_slice(&decode("br", &first.bytes().await.unwrap())).unwrap();
    let message: talkshop_protocol::Message = serde_json::from_value(first.clone()).expect("a message");
    assert_eq!(message.text(), text);
    // The key kept the JSON itself, not the brotli bytes: the replay decodes to the same answer.
    let replay = send("gzip").await.unwrap();
    assert!(replay.status().is_success(), "{}", replay.status());
    assert_eq!(header(&replay, CONTENT_ENCODING), "gzip");
    let replay: Value = serde_json::from_slice(&decode("gzip", &replay.bytes().await.unwrap())).unwrap();
    assert_eq!(replay, first);
    let plain = send("identity").await.unwrap();
    assert_eq!(header(&plain, CONTENT_ENCODING), "");
    assert_eq!(plain.json::<Value>().await.unwrap(), first);
    assert_eq!(server.all_messages(&buyer, &conversation).await.len(), 1, "stored once");
    server.stop().await;
}

#[tokio::test]
async fn the_websocket_still_upgrades_when_the_client_accepts_compression() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let server = Server::start().await;
    let (buyer, conversation) = server.buyer().await;
    let mut request = server.ws_url(&buyer).into_client_request().unwrap();
    request.headers_mut().insert("accept-encoding", "gzip, deflate, br, zstd".parse().unwrap());
    let (stream, response) = tokio::time::timeout(FRAME_TIMEOUT, tokio_tungstenite::connect_async(request))
        .await
        .expect("handshake within the timeout")
        .expect("WebSocket handshake");
    assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
    assert!(response.headers().get("content-encoding").is_none());
    let mut ws = Ws { stream };
    assert_eq!(ws.next_json().await, json!({"type": "ready"}));
    // Live frames still flow: a long message (over 1 KiB) arrives as plain JSON text.
    let text = "x".repeat(3000);
    server.send(&buyer, &conversation, &text).await;
    let message = ws.next_message().await;
    assert_eq!(message.text(), text);
    server.stop().await;
}
