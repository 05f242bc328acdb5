//! Several server nodes on one PostgreSQL database: live events cross
//! between them, numbering stays unique and gap-free, and a node killed in
//! the middle of traffic loses no acknowledged message. Each test skips with a
//! note unless the suite runs on PostgreSQL.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::commerce::*;
use common::*;
use futures_util::{SinkExt, StreamExt};
use reqwest::{Client, StatusCode};
use serde_json::json;
use talkshop_protocol::{ClientFrame, Message, Product, Sender, ServerFrame};
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn buyer_on_one_node_and_staff_on_another_see_each_other_live() {
    if !postgres_or_skip("buyer_on_one_node_and_staff_on_another_see_each_other_live") {
        return;
    }
    let db = TestDb::fresh();
    // Both nodes start together on an empty database: migrations and seeding take turns.
    let (a, b) = tokio::join!(Server::start_on(db.url()), Server::start_on(db.url()));
    let (buyer, conversation) = a.buyer().await;
    let staff = b.staff_token().await;
    let mut buyer_ws = a.ws(&buyer).await;
    let mut staff_ws = b.ws(&staff).await;

    let question = a.send(&buyer, &conversation, "hello from node A").await;
    assert_eq!(staff_ws.next_message().await, question);
    assert_eq!(buyer_ws.next_message().await, question);
    let answer = b.send(&staff, &conversation, "hello from node B").await;
    assert_eq!(buyer_ws.next_message().await, answer);
    assert_eq!(staff_ws.next_message().await, answer);

    // Read marks cross too.
    assert_eq!(a.mark_read(&buyer, &conversation, answer.seq).await.status(), StatusCode::OK);
    let read = ServerFrame::Read { conversation_id: conversation.clone(), reader: Sender::Buyer, seq: answer.seq };
    assert_eq!(staff_ws.next_frame().await, read);
    assert_eq!(buyer_ws.next_frame().await, read);

    // An event larger than a NOTIFY payload (12 kB of Thai text) goes through the database.
    let long = a.send(&buyer, &conversation, &"ก".repeat(4000)).await;
    assert_eq!(staff_ws.next_message().await, long);
    assert_eq!(buyer_ws.next_message().await, long);

    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_sends_through_two_nodes_get_unique_gap_free_seqs() {
    if !postgres_or_skip("concurrent_sends_through_two_nodes_get_unique_gap_free_seqs") {
        return;
    }
    let db = TestDb::fresh();
    let a = Server::start_on(db.url()).await;
    let b = Server::start_on(db.url()).await;
    let (buyer, conversation) = a.buyer().await;
    let staff = b.staff_token().await;
    let mut buyer_ws = a.ws(&buyer).await;
    let mut staff_ws = b.ws(&staff).await;
    for ws in [&mut buyer_ws, &mut staff_ws] {
        ws.send_frame(&ClientFrame::Resume { conversation_id: conversation.clone(), after_seq: 0 }).await;
        assert_eq!(
            ws.next_frame().await,
            ServerFrame::Backlog { conversation_id: conversation.clone(), messages: vec![] }
        );
    }

    const EACH: usize = 15;
    let senders = [(&a, &buyer), (&b, &buyer), (&a, &staff), (&b, &staff)].map(|(node, token)| {
        let conversation = conversation.clone();
        async move {
            let mut sent = Vec::new();
            for i in 0..EACH {
                sent.push(node.send(token, &conversation, &format!("#{i}")).await);
            }
            sent
        }
    });
    let sent: Vec<Message> = futures_util::future::join_all(senders).await.into_iter().flatten().collect();
    let total = sent.len() as i64;
    let mut seqs: Vec<i64> = sent.iter().map(|m| m.seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=total).collect::<Vec<_>>(), "every seq once, no gaps");

    let stored = b.all_messages(&staff, &conversation).await;
    assert_eq!(stored.len() as i64, total);
    // Each party got every message live, once and in order, whichever node stored it.
    for ws in [&mut buyer_ws, &mut staff_ws] {
        for want in &stored {
            assert_eq!(&ws.next_message().await, want);
        }
    }
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_cart_edits_through_two_nodes_lose_no_update() {
    if !postgres_or_skip("concurrent_cart_edits_through_two_nodes_lose_no_update") {
        return;
    }
    let db = TestDb::fresh();
    let a = Server::start_on(db.url()).await;
    let b = Server::start_on(db.url()).await;
    let (buyer, _) = a.buyer().await;
    // The same device's cart open in two tabs, each served by another node.
    let mut tab_on_b = b.ws(&buyer).await;

    const EACH: usize = 10;
    let adds = [&a, &b].map(|node| {
        let buyer = buyer.clone();
        async move {
            for _ in 0..EACH {
                node.added(&buyer, MUG, 1).await;
            }
        }
    });
    futures_util::future::join_all(adds).await;
    let cart = a.cart(&buyer).await;
    assert_eq!(cart.lines.len(), 1);
    assert_eq!(cart.lines[0].quantity as usize, 2 * EACH, "every add counted once");
    assert_eq!(b.cart(&buyer).await, cart);
    // The tab on B hears of every change, including those made through A
    // (cart snapshots from two nodes may arrive in either order).
    let mut heard = Vec::new();
    for _ in 0..2 * EACH {
        heard.push(tab_on_b.next_cart_change().await.lines[0].quantity as usize);
    }
    heard.sort_unstable();
    assert_eq!(heard, (1..=2 * EACH).collect::<Vec<_>>());
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_catalog_edits_through_two_nodes_never_share_a_version() {
    if !postgres_or_skip("concurrent_catalog_edits_through_two_nodes_never_share_a_version") {
        return;
    }
    let db = TestDb::fresh();
    let a = Server::start_on(db.url()).await;
    let b = Server::start_on(db.url()).await;
    let staff = a.staff_token().await;
    let vase = a.product(&staff, VASE).await;

    const EACH: usize = 8;
    let edits = [("a", &a), ("b", &b)].map(|(name, node)| {
        let (staff, vase) = (staff.clone(), vase.clone());
        async move {
            let mut versions = Vec::new();
            for i in 0..EACH {
                let body = as_input(&vase, |body| body["title"] = json!(format!("Vase {name}{i}")));
                let stored: Product =
                    expect_json(node.replace_product(&staff, VASE, &body).await, StatusCode::OK).await;
                versions.push(stored.version);
            }
            versions
        }
    });
    let mut versions: Vec<i64> = futures_util::future::join_all(edits).await.into_iter().flatten().collect();
    versions.sort_unstable();
    let want: Vec<i64> = (1..=2 * EACH as i64).map(|n| vase.version + n).collect();
    assert_eq!(versions, want, "one version per edit");

    // A new SKU created through both nodes at once exists once.
    let new = product("CA-NEW-ONCE", "10.00");
    let (first, second) = tokio::join!(a.create_product(&staff, &new), b.create_product(&staff, &new));
    let mut statuses = [first.status(), second.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::CREATED, StatusCode::CONFLICT]);
    a.stop().await;
    b.stop().await;
}

/// A server binary in a child process, killed when dropped.
struct Node {
    child: Child,
    url: String,
}

impl Node {
    fn spawn(database_url: &str) -> Node {
        let mut child = Command::new(env!("CARGO_BIN_EXE_talkshop-server"))
            .args(["--bind", "127.0.0.1:0", "--database-url", database_url, "--dist", "dist"])
            .args(["--secret", std::str::from_utf8(SECRET).expect("ASCII secret")])
            .args(["--demo", "--staff-password", STAFF_PASSWORD, "--demo-api-key", "test-api-key"])
            .args(["--webhook-secret", "test-webhook-secret"])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("server binary starts");
        let stdout = child.stdout.take().expect("stdout");
        let (found, url) = std::sync::mpsc::channel();
        // Reads the address the node prints, then keeps draining its output.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(url) = line.strip_prefix("Talkshop demo shop:") {
                    let _ = found.send(url.trim().trim_end_matches('/').to_owned());
                }
            }
        });
        let url = url.recv_timeout(Duration::from_secs(30)).expect("the node prints its address within 30 s");
        Node { child, url }
    }

    /// SIGKILL: no graceful shutdown, sockets and requests cut mid-way.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one client shows: each conversation's messages by seq, merged from
/// live frames and resume backlogs the way the widget's thread log does.
type Threads = Arc<Mutex<HashMap<String, BTreeMap<i64, Message>>>>;

/// A widget or console: one socket to the first node that answers, resuming
/// every followed conversation after its last seq on each (re)connect
/// (counted in `connects`).
async fn follow(
    urls: Vec<String>,
    token: String,
    conversations: Vec<String>,
    threads: Threads,
    connects: Arc<AtomicUsize>,
) {
    let mut node = 0;
    loop {
        let url = format!("ws://{}/api/v1/ws?token={token}", urls[node].trim_start_matches("http://"));
        let Ok(Ok((mut ws, _))) =
            tokio::time::timeout(Duration::from_secs(2), tokio_tungstenite::connect_async(url)).await
        else {
            node = (node + 1) % urls.len();
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        };
        connects.fetch_add(1, Ordering::Relaxed);
        loop {
            let frame = match ws.next().await {
                Some(Ok(WsMessage::Text(text))) => serde_json::from_str::<ServerFrame>(text.as_str()).expect("frame"),
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => continue,
            };
            let merged = match frame {
                ServerFrame::Ready => {
                    for conversation in &conversations {
                        let after_seq = threads
                            .lock()
                            .unwrap()
                            .get(conversation)
                            .and_then(|t| t.keys().next_back().copied())
                            .unwrap_or(0);
                        let resume = ClientFrame::Resume { conversation_id: conversation.clone(), after_seq };
                        let text = serde_json::to_string(&resume).unwrap();
                        if ws.send(WsMessage::text(text)).await.is_err() {
                            break;
                        }
                    }
                    vec![]
                }
                ServerFrame::Message { message } => vec![message],
                ServerFrame::Backlog { messages, .. } => messages,
                _ => vec![],
            };
            let mut threads = threads.lock().unwrap();
            for message in merged {
                let thread = threads.entry(message.conversation_id.clone()).or_default();
                if let Some(known) = thread.get(&message.seq) {
                    assert_eq!(known, &message, "one seq, one message");
                }
                thread.insert(message.seq, message);
            }
        }
        node = (node + 1) % urls.len();
    }
}

/// Sends one message, moving to the other node when one does not answer and
/// retrying with the same client id; answers the acknowledged message.
async fn send_with_failover(
    http: &Client,
    urls: &[String],
    node: &mut usize,
    token: &str,
    conversation: &str,
    text: &str,
) -> Message {
    let client_id = unique("kill");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        assert!(Instant::now() < deadline, "message {client_id} not acknowledged within 20 s");
        let sent = http
            .post(format!("{}/api/v1/conversations/{conversation}/messages", urls[*node]))
            .bearer_auth(token)
            .json(&serde_json::json!({"client_id": client_id, "text": text}))
            .timeout(Duration::from_secs(5))
            .send()
            .await;
        match sent {
            Ok(resp) if resp.status() == StatusCode::CREATED || resp.status() == StatusCode::OK => {
                return resp.json().await.expect("message");
            }
            Ok(resp) if resp.status().is_server_error() => {}
            Ok(resp) => panic!("send answered {}: {}", resp.status(), resp.text().await.unwrap_or_default()),
            Err(_) => *node = (*node + 1) % urls.len(),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_traffic_loses_no_acknowledged_message() {
    if !postgres_or_skip("a_node_killed_mid_traffic_loses_no_acknowledged_message") {
        return;
    }
    let db = TestDb::fresh();
    let mut a = Node::spawn(db.url());
    let b = Node::spawn(db.url());
    let urls = vec![a.url.clone(), b.url.clone()];
    let setup = Server::remote(a.url.clone());
    let staff = setup.staff_token().await;
    let mut buyers = Vec::new();
    for _ in 0..3 {
        buyers.push(setup.buyer().await);
    }
    let conversations: Vec<String> = buyers.iter().map(|(_, c)| c.clone()).collect();

    // Every client starts on node A, the one that dies.
    let mut clients = Vec::new();
    for (token, conversation) in &buyers {
        clients.push((token.clone(), vec![conversation.clone()], Threads::default(), Arc::new(AtomicUsize::new(0))));
    }
    clients.push((staff.clone(), conversations.clone(), Threads::default(), Arc::new(AtomicUsize::new(0))));
    let followers: Vec<_> = clients
        .iter()
        .map(|(token, follows, threads, connects)| {
            tokio::spawn(follow(urls.clone(), token.clone(), follows.clone(), threads.clone(), connects.clone()))
        })
        .collect();

    const EACH: usize = 12;
    let acked = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for (buyer, conversation) in &buyers {
        for token in [buyer.clone(), staff.clone()] {
            let (urls, conversation, acked) = (urls.clone(), conversation.clone(), acked.clone());
            senders.push(tokio::spawn(async move {
                let http = Client::new();
                let mut node = 0;
                let mut sent = Vec::new();
                for i in 0..EACH {
                    let message =
                        send_with_failover(&http, &urls, &mut node, &token, &conversation, &format!("#{i}")).await;
                    acked.fetch_add(1, Ordering::Relaxed);
                    sent.push(message);
                    tokio::time::sleep(Duration::from_millis(15)).await;
                }
                sent
            }));
        }
    }
    // Kill node A once a third of the traffic is through.
    let deadline = Instant::now() + Duration::from_secs(20);
    while acked.load(Ordering::Relaxed) < senders.len() * EACH / 3 {
        assert!(Instant::now() < deadline, "traffic did not start");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    a.kill();
    let acked_before_kill = acked.load(Ordering::Relaxed);
    let mut sent: HashMap<String, Vec<Message>> = HashMap::new();
    for sender in senders {
        for message in sender.await.expect("sender") {
            sent.entry(message.conversation_id.clone()).or_default().push(message);
        }
    }

    assert!(acked_before_kill < 6 * EACH, "node A died while messages were still being sent");

    // Storage: every acknowledged message once, numbered 1..=n.
    let survivor = Server::remote(b.url.clone());
    let mut stored = HashMap::new();
    for conversation in &conversations {
        let history = survivor.all_messages(&staff, conversation).await;
        let acked: HashMap<&str, &Message> = sent[conversation].iter().map(|m| (m.client_id.as_str(), m)).collect();
        assert_eq!(history.len(), acked.len(), "nothing lost, nothing stored twice");
        assert!(history.iter().all(|m| acked.get(m.client_id.as_str()) == Some(&m)), "stored = acknowledged");
        assert_eq!(history.iter().map(|m| m.seq).collect::<Vec<_>>(), (1..=history.len() as i64).collect::<Vec<_>>());
        stored.insert(conversation.clone(), history);
    }

    // Every party ends up showing exactly those messages, in seq order.
    let deadline = Instant::now() + Duration::from_secs(15);
    for (_, follows, threads, connects) in &clients {
        for conversation in follows {
            let want: Vec<Message> = stored[conversation].clone();
            loop {
                let shown: Vec<Message> = threads
                    .lock()
                    .unwrap()
                    .get(conversation)
                    .map(|t| t.values().cloned().collect())
                    .unwrap_or_default();
                if shown == want {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "a party shows {} of {} messages: {:?}",
                    shown.len(),
                    want.len(),
                    shown.iter().map(|m| m.seq).collect::<Vec<_>>()
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        assert!(connects.load(Ordering::Relaxed) >= 2, "every client moved to node B");
    }
    for follower in followers {
        follower.abort();
    }
    drop(b);
}
