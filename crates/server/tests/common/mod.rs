//! Helpers shared by the integration suites: a real server on a real database,
//! real HTTP through reqwest and real WebSockets through tungstenite.
//!
//! The database is a fresh SQLite file per server, or with
//! `TALKSHOP_TEST_DATABASE=postgres` a fresh PostgreSQL database per server on
//! the cluster at `TALKSHOP_TEST_POSTGRES_URL` (see `scripts/postgres.sh`).
//!
//! Every test binary includes this module and uses only part of it.
#![allow(dead_code)]

pub mod commerce;

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use reqwest::header::CONTENT_TYPE;
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use talkshop_protocol::error::ErrorBody;
use talkshop_protocol::{
    ApiError, ClientFrame, ConversationList, ConversationSummary, ErrorCode, Message, MessagePage, ServerFrame,
    StaffSession, VisitorSession,
};
use talkshop_server::auth::{Claims, Role, TokenKey};
use talkshop_server::config::Config;
use talkshop_server::Running;
use tempfile::TempDir;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub const SHOP: &str = "demo";
pub const SHOP_NAME: &str = "Casa Aurora";
pub const STAFF_EMAIL: &str = "staff@demo.talkshop.test";
pub const STAFF_PASSWORD: &str = "correct horse battery staple";
pub const SECRET: &[u8] = b"test-secret-0123456789abcdef";
/// How long a test waits for a WebSocket frame before failing.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(5);

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A fresh id for device ids and client ids, unique within the test binary.
/// The `user_hash` a shop's backend sends for `user_id`, with the identity
/// secret `Config::for_tests` gives every shop.
pub fn user_hash(user_id: &str) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(b"test-identity-secret").unwrap();
    mac.update(user_id.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

pub fn now_secs() -> i64 {
    talkshop_server::clock::now_secs()
}

/// Signs claims with the test server's secret (or `key` when given).
pub fn sign(claims: &Claims, key: Option<&[u8]>) -> String {
    TokenKey::new(key.unwrap_or(SECRET)).sign(claims)
}

pub fn claims(sub: &str, role: Role, shop: &str, exp: i64) -> Claims {
    Claims::new(sub, role, shop, exp)
}

/// `TALKSHOP_TEST_POSTGRES_URL` when not set: the cluster `scripts/postgres.sh` starts.
pub const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:54329/postgres";

/// Whether this run is on PostgreSQL (`TALKSHOP_TEST_DATABASE=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("TALKSHOP_TEST_DATABASE").is_ok_and(|db| db == "postgres" || db == "postgresql")
}

/// The cluster's administrative URL (its `postgres` database).
pub fn postgres_admin_url() -> String {
    std::env::var("TALKSHOP_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into())
}

/// One test database: a SQLite file in a temporary folder, or a PostgreSQL
/// database of its own. It outlives the servers started on it (restarts) and
/// is removed when dropped.
pub struct TestDb {
    url: String,
    _dir: Option<TempDir>,
    /// The PostgreSQL database to drop, with the cluster's admin URL.
    postgres: Option<(String, String)>,
}

static DB_COUNTER: AtomicU64 = AtomicU64::new(0);

impl TestDb {
    /// A fresh, empty database of the kind this run tests.
    pub fn fresh() -> TestDb {
        if on_postgres() {
            TestDb::fresh_postgres(&postgres_admin_url())
        } else {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("t.db").display());
            TestDb { url, _dir: Some(dir), postgres: None }
        }
    }

    /// A fresh database on the PostgreSQL cluster at `admin_url`.
    pub fn fresh_postgres(admin_url: &str) -> TestDb {
        let name = format!(
            "talkshop_test_{}_{}_{}",
            std::process::id(),
            DB_COUNTER.fetch_add(1, Ordering::Relaxed),
            now_secs() % 100_000
        );
        psql(admin_url, &format!("CREATE DATABASE {name}"));
        let (cluster, _) = admin_url.rsplit_once('/').expect("a URL with a database name");
        TestDb { url: format!("{cluster}/{name}"), _dir: None, postgres: Some((admin_url.to_owned(), name)) }
    }

    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.postgres {
            // FORCE: a server a failed test left running still holds connections.
            let _ = psql_status(admin_url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
    }
}

/// Runs one SQL command with `psql` and panics if it fails.
pub fn psql(url: &str, sql: &str) {
    let status = psql_status(url, sql);
    assert!(status, "psql {url} -c {sql:?} failed (is the cluster running? scripts/postgres.sh)");
}

fn psql_status(url: &str, sql: &str) -> bool {
    std::process::Command::new("psql")
        .args([url, "-qAtX", "-v", "ON_ERROR_STOP=1", "-c", sql])
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Tests of several nodes need PostgreSQL: without it they pass after a note.
pub fn postgres_or_skip(test: &str) -> bool {
    if on_postgres() {
        return true;
    }
    // Straight to stderr: the test harness captures `eprintln!` of passing tests.
    let note = format!(
        "note: {test} skipped: it needs PostgreSQL (source scripts/postgres.sh, or TALKSHOP_TEST_DATABASE=postgres)\n"
    );
    let _ = std::io::stderr().write_all(note.as_bytes());
    false
}

/// A second handle on a test database, as another process would open it.
pub async fn open_storage(db: &str) -> Arc<dyn talkshop_server::storage::Storage> {
    talkshop_server::open_storage(&Config::for_tests(db.to_owned())).await.expect("storage opens")
}

/// A running server on its own database, with an HTTP client.
pub struct Server {
    running: Option<Running>,
    pub url: String,
    pub http: Client,
    /// Kept alive for as long as the server runs (when the server owns it).
    _db: Option<TestDb>,
}

impl Server {
    /// A server on a fresh database.
    pub async fn start() -> Server {
        Server::start_with(|_| {}).await
    }

    /// A server on a fresh database with a changed configuration.
    pub async fn start_with(change: impl FnOnce(&mut Config)) -> Server {
        let db = TestDb::fresh();
        let mut config = Config::for_tests(db.url().to_owned());
        change(&mut config);
        let mut server = Server::from_config(config).await;
        server._db = Some(db);
        server
    }

    /// A server on the given database (`TestDb::url`), which outlives it.
    pub async fn start_on(db: &str) -> Server {
        Server::from_config(Config::for_tests(db.to_owned())).await
    }

    pub async fn from_config(config: Config) -> Server {
        let running = talkshop_server::start(config).await.expect("server starts");
        let url = running.url();
        Server {
            running: Some(running),
            url,
            http: Client::builder().timeout(Duration::from_secs(30)).build().expect("http client"),
            _db: None,
        }
    }

    /// A server running elsewhere (another process), reached at `url`.
    pub fn remote(url: String) -> Server {
        Server {
            running: None,
            url,
            http: Client::builder().timeout(Duration::from_secs(30)).build().expect("http client"),
            _db: None,
        }
    }

    /// Stops gracefully and waits until storage is closed.
    pub async fn stop(mut self) {
        let running = self.running.take().expect("running");
        tokio::time::timeout(Duration::from_secs(20), running.stop())
            .await
            .expect("server stops within 20 s")
            .expect("server stops cleanly");
    }

    /// `host:port` of the server.
    pub fn host(&self) -> &str {
        self.url.trim_start_matches("http://")
    }

    /// The running server's own state (to run its jobs at a chosen time).
    pub fn app_state(&self) -> talkshop_server::state::AppState {
        self.running.as_ref().expect("server is running").state.clone()
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.url)
    }

    pub fn ws_url(&self, token: &str) -> String {
        format!("ws://{}/api/v1/ws?token={token}", self.host())
    }

    pub fn get(&self, path: &str, token: Option<&str>) -> RequestBuilder {
        with_token(self.http.get(self.api(path)), token)
    }

    pub fn post(&self, path: &str, token: Option<&str>) -> RequestBuilder {
        with_token(self.http.post(self.api(path)), token)
    }

    pub fn put(&self, path: &str, token: Option<&str>) -> RequestBuilder {
        with_token(self.http.put(self.api(path)), token)
    }

    pub fn patch(&self, path: &str, token: Option<&str>) -> RequestBuilder {
        with_token(self.http.patch(self.api(path)), token)
    }

    pub fn delete(&self, path: &str, token: Option<&str>) -> RequestBuilder {
        with_token(self.http.delete(self.api(path)), token)
    }

    /// `POST /visitors` for the demo shop with a fresh device id.
    pub async fn visitor(&self) -> VisitorSession {
        let resp = self
            .post("/visitors", None)
            .json(&serde_json::json!({"shop": SHOP, "device_id": unique("device")}))
            .send()
            .await
            .expect("POST /visitors");
        expect_json(resp, StatusCode::CREATED).await
    }

    /// A new visitor with their conversation opened: (token, conversation id).
    pub async fn buyer(&self) -> (String, String) {
        let visitor = self.visitor().await;
        let conversation = self.open_conversation(&visitor.token).await;
        (visitor.token, conversation.id)
    }

    pub async fn open_conversation(&self, token: &str) -> ConversationSummary {
        let resp = self.post("/conversations", Some(token)).send().await.expect("POST /conversations");
        assert!(resp.status().is_success(), "opening a conversation answered {}", resp.status());
        resp.json().await.expect("conversation summary")
    }

    pub async fn staff_login(&self) -> StaffSession {
        let resp = self
            .post("/console/login", None)
            .json(&serde_json::json!({"email": STAFF_EMAIL, "password": STAFF_PASSWORD}))
            .send()
            .await
            .expect("POST /console/login");
        expect_json(resp, StatusCode::OK).await
    }

    pub async fn staff_token(&self) -> String {
        self.staff_login().await.token
    }

    /// A real staff member of another shop (the second demo shop, Baan Siam).
    pub async fn outsider_staff(&self) -> String {
        let resp = self
            .post("/console/login", None)
            .json(&serde_json::json!({"email": "staff@siam.talkshop.test", "password": STAFF_PASSWORD}))
            .send()
            .await
            .expect("POST /console/login");
        expect_json::<StaffSession>(resp, StatusCode::OK).await.token
    }

    /// `POST /conversations/{id}/messages` as given; the caller checks the answer.
    pub async fn send_raw(&self, token: &str, conversation: &str, client_id: &str, text: &str) -> Response {
        self.post(&format!("/conversations/{conversation}/messages"), Some(token))
            .json(&serde_json::json!({"client_id": client_id, "text": text}))
            .send()
            .await
            .expect("POST messages")
    }

    /// Sends a text with a fresh client id and expects it stored (201).
    pub async fn send(&self, token: &str, conversation: &str, text: &str) -> Message {
        let resp = self.send_raw(token, conversation, &unique("msg"), text).await;
        expect_json(resp, StatusCode::CREATED).await
    }

    /// `GET /conversations/{id}/messages?{query}`, expecting 200.
    pub async fn history(&self, token: &str, conversation: &str, query: &str) -> MessagePage {
        let resp = self
            .get(&format!("/conversations/{conversation}/messages?{query}"), Some(token))
            .send()
            .await
            .expect("GET messages");
        expect_json(resp, StatusCode::OK).await
    }

    /// Every stored message of a conversation, ascending.
    pub async fn all_messages(&self, token: &str, conversation: &str) -> Vec<Message> {
        let page = self.history(token, conversation, "limit=200").await;
        assert!(!page.has_more, "test conversations stay under one page");
        page.messages
    }

    pub async fn summary(&self, token: &str, conversation: &str) -> ConversationSummary {
        let resp =
            self.get(&format!("/conversations/{conversation}"), Some(token)).send().await.expect("GET conversation");
        expect_json(resp, StatusCode::OK).await
    }

    pub async fn list(&self, token: &str) -> ConversationList {
        let resp = self.get("/conversations", Some(token)).send().await.expect("GET conversations");
        expect_json(resp, StatusCode::OK).await
    }

    pub async fn mark_read(&self, token: &str, conversation: &str, seq: i64) -> Response {
        self.post(&format!("/conversations/{conversation}/read"), Some(token))
            .json(&serde_json::json!({ "seq": seq }))
            .send()
            .await
            .expect("POST read")
    }

    /// Opens a socket with `?token=` and checks the first frame is `ready`.
    pub async fn ws(&self, token: &str) -> Ws {
        let (stream, response) =
            tokio::time::timeout(FRAME_TIMEOUT, tokio_tungstenite::connect_async(self.ws_url(token)))
                .await
                .expect("WebSocket handshake within the timeout")
                .expect("WebSocket handshake");
        assert_eq!(response.status(), StatusCode::SWITCHING_PROTOCOLS);
        let mut ws = Ws { stream };
        let first = ws.next_json().await;
        assert_eq!(first, serde_json::json!({"type": "ready"}));
        ws
    }

    /// A handshake that must be refused: returns the HTTP status and body.
    pub async fn ws_refused(&self, url: &str) -> (StatusCode, Option<Vec<u8>>) {
        let result = tokio::time::timeout(FRAME_TIMEOUT, tokio_tungstenite::connect_async(url))
            .await
            .expect("handshake answer within the timeout");
        match result {
            Ok(_) => panic!("WebSocket upgrade to {url} was accepted"),
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => (response.status(), response.body().clone()),
            Err(other) => panic!("expected an HTTP refusal, got {other}"),
        }
    }
}

fn with_token(builder: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(token) => builder.bearer_auth(token),
        None => builder,
    }
}

/// Asserts the status and a JSON content type, then reads the body as `T`.
pub async fn expect_json<T: DeserializeOwned>(resp: Response, status: StatusCode) -> T {
    let got = resp.status();
    let json_type = is_json(&resp);
    let text = resp.text().await.expect("response body");
    assert_eq!(got, status, "unexpected status; body: {text}");
    assert!(json_type, "answer is not JSON: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("body does not have the expected shape ({e}): {text}"))
}

fn is_json(resp: &Response) -> bool {
    resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"))
}

/// Asserts an error answer: the status, a JSON body of exactly
/// `{"error":{"code":..,"message":..(,"field":..)}}` and the code.
pub async fn expect_error(resp: Response, status: StatusCode, code: ErrorCode) -> ApiError {
    assert_eq!(code.http_status(), status.as_u16(), "test expects a consistent pair");
    let body: Value = expect_json(resp, status).await;
    check_error_body(&body, code)
}

/// Checks the error envelope of an already-read body and its code.
pub fn check_error_body(body: &Value, code: ErrorCode) -> ApiError {
    let error = error_shape(body);
    assert_eq!(error.code, code, "{body}");
    error
}

/// Checks that `body` is exactly `{"error":{"code":..,"message":..(,"field":..)}}`.
pub fn error_shape(body: &Value) -> ApiError {
    let envelope = body.as_object().expect("error body is an object");
    assert_eq!(envelope.len(), 1, "only `error` at the top: {body}");
    let error = envelope["error"].as_object().expect("`error` is an object");
    assert!(error.keys().all(|k| ["code", "message", "field"].contains(&k.as_str())), "unexpected keys in {body}");
    let parsed: ErrorBody = serde_json::from_value(body.clone()).expect("ErrorBody");
    assert!(!parsed.error.message.trim().is_empty(), "empty message: {body}");
    parsed.error
}

/// Asserts an `invalid` error naming `field`.
pub async fn expect_invalid(resp: Response, field: &str) -> ApiError {
    let error = expect_error(resp, StatusCode::BAD_REQUEST, ErrorCode::Invalid).await;
    assert_eq!(error.field.as_deref(), Some(field), "{error:?}");
    error
}

/// One client WebSocket.
pub struct Ws {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Ws {
    /// The next text frame as JSON, skipping WebSocket pings and pongs (and availability).
    pub async fn next_json(&mut self) -> Value {
        let text = self.next_text().await;
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("frame is not JSON ({e}): {text}"))
    }

    /// The next text frame, skipping pings, pongs and `availability` frames
    /// (sent to every socket of a shop whenever staff come and go; `tests/presence.rs` reads them).
    pub async fn next_text(&mut self) -> String {
        let read = async {
            loop {
                match self.stream.next().await {
                    Some(Ok(WsMessage::Text(text))) if text.as_str().starts_with(r#"{"type":"availability""#) => {
                        continue
                    }
                    Some(Ok(WsMessage::Text(text))) => return text.as_str().to_owned(),
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                    Some(Ok(other)) => panic!("expected a text frame, got {other:?}"),
                    Some(Err(e)) => panic!("socket failed: {e}"),
                    None => panic!("socket ended"),
                }
            }
        };
        tokio::time::timeout(FRAME_TIMEOUT, read).await.expect("a frame arrives within the timeout")
    }

    pub async fn next_frame(&mut self) -> ServerFrame {
        let value = self.next_json().await;
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("not a server frame ({e}): {value}"))
    }

    /// The next frame, which must be a `message` frame.
    pub async fn next_message(&mut self) -> Message {
        match self.next_frame().await {
            ServerFrame::Message { message } => message,
            other => panic!("expected a message frame, got {other:?}"),
        }
    }

    /// The next frame, which must be an `error` frame with a well-formed error.
    pub async fn next_error(&mut self) -> ApiError {
        let value = self.next_json().await;
        let mut body = value.as_object().expect("frame is an object").clone();
        assert_eq!(body.remove("type"), Some(Value::from("error")), "{value}");
        error_shape(&Value::Object(body))
    }

    pub async fn send_text(&mut self, text: &str) {
        self.stream.send(WsMessage::text(text.to_owned())).await.expect("send text frame");
    }

    pub async fn send_frame(&mut self, frame: &ClientFrame) {
        self.send_text(&serde_json::to_string(frame).expect("frame serializes")).await;
    }

    /// Sends `ping` and expects `pong` as the very next frame.
    pub async fn assert_alive(&mut self) {
        self.send_text(r#"{"type":"ping"}"#).await;
        assert_eq!(self.next_json().await, serde_json::json!({"type": "pong"}));
    }

    /// Waits until the server closes the socket; panics on any other frame.
    pub async fn expect_closed(&mut self) {
        let read = async {
            loop {
                match self.stream.next().await {
                    Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                    Some(Ok(WsMessage::Text(text))) if text.as_str().starts_with(r#"{"type":"availability""#) => {
                        continue
                    }
                    Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => return,
                    Some(Ok(other)) => panic!("expected the socket to close, got {other:?}"),
                }
            }
        };
        tokio::time::timeout(FRAME_TIMEOUT, read).await.expect("the socket closes within the timeout");
    }
}

/// A database that outlives one server, and its URL.
pub fn temp_db() -> (TestDb, String) {
    let db = TestDb::fresh();
    let url = db.url().to_owned();
    (db, url)
}

/// The dot-separated parts of a token (`v1`, claims, signature), for tampering tests.
pub fn token_parts(token: &str) -> Vec<String> {
    token.split('.').map(str::to_owned).collect()
}

pub fn staff_claims_for(shop: &str) -> Claims {
    claims(&unique("staff"), Role::Staff, shop, now_secs() + 3600)
}
