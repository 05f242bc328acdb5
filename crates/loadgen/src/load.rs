//! The generator: sets up buyers and staff, connects their sockets, sends at
//! a fixed aggregate rate, and counts and times every receipt.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{stream, SinkExt, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use talkshop_protocol::{ConversationSummary, StaffSession, VisitorSession};
use tokio::sync::{watch, Semaphore};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use crate::marker;
use crate::procfs;
use crate::stats::Latency;

#[derive(Debug, Clone, Parser)]
#[command(name = "talkshop-load", about = "Load generator for Talkshop: buyers and staff over HTTP + WebSocket")]
pub struct LoadConfig {
    /// Base URLs of the server nodes, comma separated; buyers and staff sockets
    /// are spread over them round-robin.
    #[arg(long, value_delimiter = ',', default_value = "http://127.0.0.1:8080")]
    pub nodes: Vec<String>,
    /// Buyers: each one a visitor, a conversation and a WebSocket.
    #[arg(long, default_value_t = 1900)]
    pub buyers: usize,
    /// Staff sockets; each receives every message of the shop.
    #[arg(long, default_value_t = 100)]
    pub staff: usize,
    /// Aggregate messages per second sent over HTTP (buyers and staff together).
    #[arg(long, default_value_t = 200.0)]
    pub rate: f64,
    /// Seconds of sending.
    #[arg(long, default_value_t = 30.0)]
    pub duration: f64,
    /// Share of the messages sent by staff (replies to random conversations).
    #[arg(long, default_value_t = 0.2)]
    pub staff_share: f64,
    /// Shop every buyer talks to.
    #[arg(long, default_value = "demo")]
    pub shop: String,
    #[arg(long, env = "TALKSHOP_STAFF_EMAIL", default_value = "staff@demo.talkshop.test")]
    pub staff_email: String,
    #[arg(long, env = "TALKSHOP_STAFF_PASSWORD", default_value = "", hide_env_values = true)]
    pub staff_password: String,
    /// Server process ids (comma separated) whose memory and CPU are read from /proc.
    #[arg(long, value_delimiter = ',')]
    pub server_pid: Vec<u32>,
    /// Database server process ids (a PostgreSQL postmaster); their CPU and
    /// their direct children's is reported apart from the server's.
    #[arg(long, value_delimiter = ',')]
    pub db_pid: Vec<u32>,
    /// Concurrent HTTP calls and handshakes while setting up.
    #[arg(long, default_value_t = 32)]
    pub setup_concurrency: usize,
    /// Messages in flight at most; a send due while this many are unanswered is skipped and counted.
    #[arg(long, default_value_t = 1024)]
    pub max_in_flight: usize,
    /// Seconds to wait after the last answer for receipts still on their way.
    #[arg(long, default_value_t = 5.0)]
    pub drain: f64,
    /// Seconds between connecting the sockets and reading the server's memory.
    #[arg(long, default_value_t = 2.0)]
    pub settle: f64,
    /// Length of each message text in bytes.
    #[arg(long, default_value_t = 64)]
    pub text_bytes: usize,
    /// Do not acknowledge received messages. By default every socket sends a
    /// `delivered` frame per message of the other party, as the real clients
    /// do: a buyer for each staff message, a staff socket for each buyer
    /// message (a console whose thread is not open).
    #[arg(long)]
    pub no_acks: bool,
    /// Name of this run in the report.
    #[arg(long, default_value = "")]
    pub label: String,
}

impl LoadConfig {
    /// A tiny run for tests.
    pub fn small(node: String) -> LoadConfig {
        let mut config = LoadConfig::parse_from(["talkshop-load"]);
        config.nodes = vec![node];
        config.buyers = 4;
        config.staff = 2;
        config.rate = 40.0;
        config.duration = 1.0;
        config.drain = 3.0;
        config.settle = 0.0;
        config
    }
}

/// Everything measured in one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub label: String,
    pub nodes: usize,
    pub buyers: usize,
    pub staff_sockets: usize,
    pub connections: usize,
    pub target_rate: f64,
    pub duration_s: f64,
    /// Messages due by the schedule.
    pub scheduled: u64,
    /// Due sends skipped because `max_in_flight` messages were unanswered.
    pub skipped: u64,
    /// Answered 201 (stored).
    pub persisted: u64,
    /// From the first send to the last answer.
    pub send_window_s: f64,
    pub persisted_per_s: f64,
    /// Answers other than 2xx.
    pub http_non_2xx: u64,
    /// Calls that got no answer (connection error, timeout).
    pub http_failed: u64,
    /// Time from sending the POST to its answer.
    pub http_ack: Latency,
    /// Each persisted message is due on its buyer's socket and every staff socket.
    pub recipients_per_message: usize,
    pub expected_receipts: u64,
    pub receipts: u64,
    /// From the first send to the last receipt (or the last answer, if later).
    pub delivery_window_s: f64,
    pub receipts_per_s: f64,
    /// Persisted messages received by every intended recipient.
    pub fully_delivered: u64,
    pub delivered_per_s: f64,
    /// From the POST being sent to the frame arriving, over every receipt.
    pub delivery: Latency,
    pub setup_errors: u64,
    pub ws_connect_failed: u64,
    /// Sockets closed by the server or failed before the end of the run.
    pub ws_drops: u64,
    /// `delivered` frames the sockets sent back.
    pub acks_sent: u64,
    pub rss_kib_before_ws: Option<u64>,
    pub rss_kib_after_ws: Option<u64>,
    pub rss_kib_after_load: Option<u64>,
    pub rss_kib_per_connection: Option<f64>,
    /// Server CPU time over the load phase divided by its wall time.
    pub server_cpu_cores: Option<f64>,
    pub generator_cpu_cores: Option<f64>,
    /// CPU of the `--db-pid` processes and their children over the load phase.
    pub db_cpu_cores: Option<f64>,
    /// The machine's 1-minute load average before and after the load phase.
    pub load_average_before: Option<f64>,
    pub load_average_after: Option<f64>,
    /// The first three errors of each kind, verbatim.
    pub sample_errors: Vec<String>,
}

struct Buyer {
    node: usize,
    token: String,
    conversation: String,
}

/// Counters shared by the sender, the answers and the socket readers.
struct Shared {
    base: Instant,
    receipts: Vec<AtomicU32>,
    persisted: Vec<AtomicBool>,
    receipt_total: AtomicU64,
    /// The latest answer or receipt.
    last_event_micros: AtomicU64,
    /// The latest HTTP answer (ends the send window).
    last_answer_micros: AtomicU64,
    http_ok: AtomicU64,
    http_non_2xx: AtomicU64,
    http_failed: AtomicU64,
    ws_drops: AtomicU64,
    acks_sent: AtomicU64,
    http_ack: Mutex<Vec<u32>>,
    /// The first few errors of each kind.
    errors: Mutex<Vec<(&'static str, String)>>,
}

impl Shared {
    fn micros(&self) -> u64 {
        self.base.elapsed().as_micros() as u64
    }

    fn error(&self, kind: &'static str, error: String) {
        let mut errors = self.errors.lock().expect("errors");
        if errors.iter().filter(|(k, _)| *k == kind).count() < 3 {
            errors.push((kind, error));
        }
    }

    fn answered(&self) {
        let now = self.micros();
        self.last_event_micros.fetch_max(now, Ordering::Relaxed);
        self.last_answer_micros.fetch_max(now, Ordering::Relaxed);
    }
}

fn api(node: &str, path: &str) -> String {
    format!("{}/api/v1{path}", node.trim_end_matches('/'))
}

fn ws_url(node: &str, token: &str) -> String {
    let node = node.trim_end_matches('/');
    let base =
        node.strip_prefix("http://").map_or_else(|| node.replacen("https://", "wss://", 1), |h| format!("ws://{h}"));
    format!("{base}/api/v1/ws?token={token}")
}

async fn post_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: serde_json::Value,
) -> Result<T, String> {
    let mut request = http.post(&url).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| format!("POST {url}: {e}"))?;
    let status = response.status();
    let text = response.text().await.map_err(|e| format!("POST {url}: {e}"))?;
    if !status.is_success() {
        return Err(format!("POST {url}: {status}: {text}"));
    }
    serde_json::from_str(&text).map_err(|e| format!("POST {url}: unexpected body ({e}): {text}"))
}

async fn create_buyer(http: &reqwest::Client, config: &LoadConfig, run: &str, i: usize) -> Result<Buyer, String> {
    let node = i % config.nodes.len();
    let base = &config.nodes[node];
    let body = serde_json::json!({"shop": config.shop, "device_id": format!("lg-{run}-{i}")});
    let visitor: VisitorSession = post_json(http, api(base, "/visitors"), None, body).await?;
    let conversation: ConversationSummary =
        post_json(http, api(base, "/conversations"), Some(&visitor.token), serde_json::json!({})).await?;
    Ok(Buyer { node, token: visitor.token, conversation: conversation.id })
}

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a socket and waits for `ready`.
async fn connect(url: String) -> Result<Socket, String> {
    // tungstenite zero-fills its read buffer's spare capacity (128 KiB by default)
    // on every read; a small one keeps the generator's own CPU down.
    let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
    let handshake = tokio::time::timeout(
        Duration::from_secs(20),
        tokio_tungstenite::connect_async_with_config(&url, Some(config), false),
    );
    let (mut socket, _) = handshake.await.map_err(|_| "handshake timed out".to_owned())?.map_err(|e| e.to_string())?;
    let first = tokio::time::timeout(Duration::from_secs(20), socket.next()).await;
    match first {
        Ok(Some(Ok(WsMessage::Text(text)))) if text.contains("\"ready\"") => Ok(socket),
        Ok(other) => Err(format!("expected ready, got {other:?}")),
        Err(_) => Err("no ready frame within 20 s".into()),
    }
}

/// Reads until told to stop, acknowledging what a real client would
/// (`acks`: `None` for none, `Some(staff)` otherwise); returns the latency of
/// every receipt (µs).
async fn read_socket(
    mut socket: Socket,
    acks: Option<bool>,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) -> Vec<u32> {
    let mut latencies = Vec::new();
    loop {
        tokio::select! {
            biased;
            _ = stop.changed() => break,
            incoming = socket.next() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    if let Some((index, sent)) = marker::find(text.as_str()) {
                        let now = shared.micros();
                        latencies.push(now.saturating_sub(sent).min(u64::from(u32::MAX)) as u32);
                        if let Some(count) = shared.receipts.get(index as usize) {
                            count.fetch_add(1, Ordering::Relaxed);
                            shared.receipt_total.fetch_add(1, Ordering::Relaxed);
                            shared.last_event_micros.fetch_max(now, Ordering::Relaxed);
                        }
                    }
                    if let (Some(staff), Some((conversation, seq, from_buyer))) = (acks, marker::ack(text.as_str())) {
                        if from_buyer == staff
                            && socket.send(WsMessage::text(marker::delivered_frame(conversation, seq))).await.is_ok()
                        {
                            shared.acks_sent.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                Some(Ok(WsMessage::Close(frame))) => {
                    shared.ws_drops.fetch_add(1, Ordering::Relaxed);
                    shared.error("WS drop", format!("socket closed by the server: {frame:?}"));
                    return latencies;
                }
                Some(Ok(_)) => {}
                Some(Err(e)) => {
                    shared.ws_drops.fetch_add(1, Ordering::Relaxed);
                    shared.error("WS drop", format!("socket failed: {e}"));
                    return latencies;
                }
                None => {
                    shared.ws_drops.fetch_add(1, Ordering::Relaxed);
                    shared.error("WS drop", "socket ended".into());
                    return latencies;
                }
            },
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(2), socket.close(None)).await;
    latencies
}

/// Sends one message and records the answer.
async fn send_one(
    http: reqwest::Client,
    url: String,
    token: String,
    body: serde_json::Value,
    index: u64,
    shared: Arc<Shared>,
) {
    let started = Instant::now();
    let result = http.post(&url).bearer_auth(&token).json(&body).send().await;
    match result {
        Ok(response) if response.status().is_success() => {
            let _ = response.bytes().await;
            shared.http_ack.lock().expect("acks").push(started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
            shared.http_ok.fetch_add(1, Ordering::Relaxed);
            shared.persisted[index as usize].store(true, Ordering::Relaxed);
        }
        Ok(response) => {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            shared.http_non_2xx.fetch_add(1, Ordering::Relaxed);
            shared.error("HTTP status", format!("POST {url}: {status}: {text}"));
        }
        Err(e) => {
            shared.http_failed.fetch_add(1, Ordering::Relaxed);
            shared.error("HTTP failed", format!("POST {url}: {e}"));
        }
    }
    shared.answered();
}

fn secs(micros: u64) -> f64 {
    micros as f64 / 1e6
}

/// Runs the whole benchmark once.
pub async fn run(config: &LoadConfig) -> Result<Report, String> {
    if config.nodes.is_empty() {
        return Err("no nodes given".into());
    }
    if config.rate <= 0.0 || config.duration <= 0.0 {
        return Err("--rate and --duration must be positive".into());
    }
    let run_id = format!("{:08x}", rand::thread_rng().gen::<u32>());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(config.max_in_flight)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())?;
    let mut report = Report {
        label: config.label.clone(),
        nodes: config.nodes.len(),
        target_rate: config.rate,
        duration_s: config.duration,
        ..Report::default()
    };

    // Staff tokens, one sign-in per node.
    let mut staff_tokens = Vec::new();
    if config.staff > 0 {
        for node in &config.nodes {
            let body = serde_json::json!({"email": config.staff_email, "password": config.staff_password});
            let session: StaffSession = post_json(&http, api(node, "/console/login"), None, body).await?;
            staff_tokens.push(session.token);
        }
    }

    // Buyers: visitor + conversation.
    let setup_started = Instant::now();
    let results: Vec<Result<Buyer, String>> = stream::iter(0..config.buyers)
        .map(|i| create_buyer(&http, config, &run_id, i))
        .buffer_unordered(config.setup_concurrency.max(1))
        .collect()
        .await;
    let mut buyers = Vec::new();
    let mut sample_errors = Vec::new();
    for result in results {
        match result {
            Ok(buyer) => buyers.push(buyer),
            Err(e) => {
                report.setup_errors += 1;
                if sample_errors.len() < 3 {
                    sample_errors.push(("setup", e));
                }
            }
        }
    }
    if buyers.is_empty() {
        return Err(format!("no buyer could be set up: {sample_errors:?}"));
    }
    eprintln!("{} buyers set up in {:.1} s", buyers.len(), setup_started.elapsed().as_secs_f64());
    report.rss_kib_before_ws = procfs::sum(&config.server_pid, procfs::rss_kib);

    // Sockets: every buyer, then the staff spread over the nodes.
    let total = (config.rate * config.duration).ceil() as u64;
    let shared = Arc::new(Shared {
        base: Instant::now(),
        receipts: (0..total).map(|_| AtomicU32::new(0)).collect(),
        persisted: (0..total).map(|_| AtomicBool::new(false)).collect(),
        receipt_total: AtomicU64::new(0),
        last_event_micros: AtomicU64::new(0),
        last_answer_micros: AtomicU64::new(0),
        http_ok: AtomicU64::new(0),
        http_non_2xx: AtomicU64::new(0),
        http_failed: AtomicU64::new(0),
        ws_drops: AtomicU64::new(0),
        acks_sent: AtomicU64::new(0),
        http_ack: Mutex::new(Vec::with_capacity(total as usize)),
        errors: Mutex::new(sample_errors),
    });
    let (stop_tx, stop_rx) = watch::channel(false);
    let urls: Vec<(bool, String)> = buyers
        .iter()
        .map(|b| (false, ws_url(&config.nodes[b.node], &b.token)))
        .chain((0..config.staff).map(|i| {
            let node = i % config.nodes.len();
            (true, ws_url(&config.nodes[node], &staff_tokens[node]))
        }))
        .collect();
    let connect_started = Instant::now();
    let sockets: Vec<(bool, Result<Socket, String>)> = stream::iter(urls)
        .map(|(staff, url)| async move { (staff, connect(url).await) })
        .buffer_unordered(config.setup_concurrency.max(1))
        .collect()
        .await;
    let mut readers = Vec::new();
    for (staff, socket) in sockets {
        match socket {
            Ok(socket) => {
                report.staff_sockets += usize::from(staff);
                let acks = (!config.no_acks).then_some(staff);
                readers.push(tokio::spawn(read_socket(socket, acks, shared.clone(), stop_rx.clone())));
            }
            Err(e) => {
                report.ws_connect_failed += 1;
                shared.error("WS connect", e);
            }
        }
    }
    report.connections = readers.len();
    report.buyers = buyers.len();
    eprintln!("{} sockets connected in {:.1} s", readers.len(), connect_started.elapsed().as_secs_f64());
    tokio::time::sleep(Duration::from_secs_f64(config.settle)).await;
    report.rss_kib_after_ws = procfs::sum(&config.server_pid, procfs::rss_kib);
    if let (Some(before), Some(after)) = (report.rss_kib_before_ws, report.rss_kib_after_ws) {
        if report.connections > 0 {
            report.rss_kib_per_connection = Some((after as f64 - before as f64) / report.connections as f64);
        }
    }
    // A buyer whose socket failed still counts as a recipient: its receipts are missing.
    report.recipients_per_message = 1 + report.staff_sockets;

    // Load.
    let server_cpu_before = procfs::sum(&config.server_pid, procfs::cpu_ticks);
    let own_cpu_before = procfs::own_cpu_ticks();
    let db_cpu_before = procfs::sum(&config.db_pid, procfs::tree_cpu_ticks);
    report.load_average_before = procfs::load_average();
    let in_flight = Arc::new(Semaphore::new(config.max_in_flight.max(1)));
    let start_micros = shared.micros();
    let start = Instant::now();
    let mut rng = StdRng::from_entropy();
    for index in 0..total {
        let due = start + Duration::from_secs_f64(index as f64 / config.rate);
        tokio::time::sleep_until(due.into()).await;
        let Ok(permit) = in_flight.clone().try_acquire_owned() else {
            report.skipped += 1;
            continue;
        };
        let target = &buyers[rng.gen_range(0..buyers.len())];
        let (node, token) = if !staff_tokens.is_empty() && rng.gen_bool(config.staff_share.clamp(0.0, 1.0)) {
            let node = rng.gen_range(0..config.nodes.len());
            (node, staff_tokens[node].clone())
        } else {
            (target.node, target.token.clone())
        };
        let url = api(&config.nodes[node], &format!("/conversations/{}/messages", target.conversation));
        let text = marker::encode(index, shared.micros(), config.text_bytes);
        let body = serde_json::json!({"client_id": marker::client_id(&run_id, index), "text": text});
        let (http, shared) = (http.clone(), shared.clone());
        tokio::spawn(async move {
            send_one(http, url, token, body, index, shared).await;
            drop(permit);
        });
    }
    report.scheduled = total;
    // Every answer, then the receipts still on their way.
    let all = u32::try_from(config.max_in_flight.max(1)).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(60), in_flight.acquire_many(all)).await;
    let persisted = shared.http_ok.load(Ordering::Relaxed);
    let expected = persisted * report.recipients_per_message as u64;
    let drain_until = Instant::now() + Duration::from_secs_f64(config.drain);
    while shared.receipt_total.load(Ordering::Relaxed) < expected && Instant::now() < drain_until {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let end_micros = shared.last_event_micros.load(Ordering::Relaxed).max(start_micros + 1);
    let wall = start.elapsed().as_secs_f64();
    report.server_cpu_cores = server_cpu_before
        .zip(procfs::sum(&config.server_pid, procfs::cpu_ticks))
        .map(|(before, after)| (after - before) as f64 / procfs::TICKS_PER_SEC / wall);
    report.db_cpu_cores = db_cpu_before
        .zip(procfs::sum(&config.db_pid, procfs::tree_cpu_ticks))
        .map(|(before, after)| after.saturating_sub(before) as f64 / procfs::TICKS_PER_SEC / wall);
    report.generator_cpu_cores = own_cpu_before
        .zip(procfs::own_cpu_ticks())
        .map(|(before, after)| (after - before) as f64 / procfs::TICKS_PER_SEC / wall);
    report.rss_kib_after_load = procfs::sum(&config.server_pid, procfs::rss_kib);
    report.load_average_after = procfs::load_average();

    let _ = stop_tx.send(true);
    let mut delivery = Vec::new();
    for reader in readers {
        if let Ok(latencies) = reader.await {
            delivery.extend(latencies);
        }
    }

    // Only messages sent in this run count (the last answer bounds the send window).
    report.persisted = persisted;
    let last_answer = shared.last_answer_micros.load(Ordering::Relaxed);
    report.send_window_s = secs(last_answer.saturating_sub(start_micros)).max(1e-6);
    report.persisted_per_s = persisted as f64 / report.send_window_s;
    report.http_non_2xx = shared.http_non_2xx.load(Ordering::Relaxed);
    report.http_failed = shared.http_failed.load(Ordering::Relaxed);
    report.http_ack = Latency::of(&mut shared.http_ack.lock().expect("acks"));
    report.expected_receipts = expected;
    report.receipts = shared.receipt_total.load(Ordering::Relaxed);
    report.delivery_window_s = secs(end_micros - start_micros);
    report.receipts_per_s = report.receipts as f64 / report.delivery_window_s;
    report.fully_delivered = (0..total as usize)
        .filter(|&i| {
            shared.persisted[i].load(Ordering::Relaxed)
                && shared.receipts[i].load(Ordering::Relaxed) as usize >= report.recipients_per_message
        })
        .count() as u64;
    report.delivered_per_s = report.fully_delivered as f64 / report.delivery_window_s;
    report.delivery = Latency::of(&mut delivery);
    report.ws_drops = shared.ws_drops.load(Ordering::Relaxed);
    report.acks_sent = shared.acks_sent.load(Ordering::Relaxed);
    report.sample_errors =
        shared.errors.lock().expect("errors").iter().map(|(kind, e)| format!("{kind}: {e}")).collect();
    Ok(report)
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or_else(|| "n/a".into(), |k| format!("{:.1} MiB", k as f64 / 1024.0))
}

fn latency(l: &Latency) -> String {
    format!(
        "p50 {:.2} ms   p90 {:.2} ms   p99 {:.2} ms   max {:.2} ms   (n={})",
        l.p50_ms, l.p90_ms, l.p99_ms, l.max_ms, l.count
    )
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = if self.label.is_empty() { "run" } else { &self.label };
        writeln!(
            f,
            "== {label}: {} node(s), {} buyers + {} staff = {} WebSockets",
            self.nodes, self.buyers, self.staff_sockets, self.connections
        )?;
        writeln!(
            f,
            "  target                {:.0} msg/s for {:.0} s ({} due, {} skipped at the in-flight cap)",
            self.target_rate, self.duration_s, self.scheduled, self.skipped
        )?;
        writeln!(
            f,
            "  persisted (HTTP 2xx)  {} in {:.2} s = {:.1} msg/s",
            self.persisted, self.send_window_s, self.persisted_per_s
        )?;
        writeln!(f, "  HTTP ack latency      {}", latency(&self.http_ack))?;
        writeln!(
            f,
            "  fully delivered       {} messages to all {} recipients = {:.1} msg/s",
            self.fully_delivered, self.recipients_per_message, self.delivered_per_s
        )?;
        let share = if self.expected_receipts == 0 {
            0.0
        } else {
            100.0 * self.receipts as f64 / self.expected_receipts as f64
        };
        writeln!(
            f,
            "  receipts (frames)     {} of {} expected ({share:.2} %) in {:.2} s = {:.0} frames/s",
            self.receipts, self.expected_receipts, self.delivery_window_s, self.receipts_per_s
        )?;
        writeln!(f, "  delivery latency      {}", latency(&self.delivery))?;
        writeln!(f, "  delivered marks sent  {} (frames back from the clients)", self.acks_sent)?;
        writeln!(
            f,
            "  errors                HTTP non-2xx {}, HTTP failed {}, setup {}, WS connect {}, WS drops {}",
            self.http_non_2xx, self.http_failed, self.setup_errors, self.ws_connect_failed, self.ws_drops
        )?;
        let per = self.rss_kib_per_connection.map_or_else(|| "n/a".into(), |k| format!("{k:.1} KiB"));
        writeln!(
            f,
            "  server RSS            {} before sockets, {} with them, {} after load; {per} per connection",
            mib(self.rss_kib_before_ws),
            mib(self.rss_kib_after_ws),
            mib(self.rss_kib_after_load)
        )?;
        let cores = |c: Option<f64>| c.map_or_else(|| "n/a".into(), |c| format!("{c:.2}"));
        writeln!(
            f,
            "  CPU (cores busy)      server {}, database {}, generator {}; machine load average {} before, {} after",
            cores(self.server_cpu_cores),
            cores(self.db_cpu_cores),
            cores(self.generator_cpu_cores),
            cores(self.load_average_before),
            cores(self.load_average_after)
        )?;
        for error in &self.sample_errors {
            writeln!(f, "  ! {error}")?;
        }
        Ok(())
    }
}
