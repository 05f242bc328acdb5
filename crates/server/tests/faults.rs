//! Connections dropped and restored again and again during a conversation and
//! a payment: a loopback proxy between the clients and the server cuts every
//! open TCP connection (HTTP and WebSocket) every 40 to 200 ms. Clients do what the
//! widget does: retry a send with the same client id or Idempotency-Key,
//! reconnect the socket and resume from the last seq they saw. At the end
//! nothing acknowledged is lost, nothing is stored or shown twice, and the
//! buyer paid exactly once. Runs on SQLite and on PostgreSQL.

mod common;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use reqwest::StatusCode;
use serde_json::{json, Value};
use talkshop_protocol::payment::{PaymentRequest, PaymentState, CARD_SUCCESS};
use talkshop_protocol::{ClientFrame, Message, MessageBody, ServerFrame};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A TCP proxy on loopback that cuts every open connection on command.
struct ChaosProxy {
    addr: SocketAddr,
    cut: broadcast::Sender<()>,
}

impl ChaosProxy {
    async fn start(upstream: SocketAddr) -> ChaosProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (cut, _) = broadcast::channel(64);
        let cuts = cut.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let mut stop = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(upstream).await else { return };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = stop.recv() => {} // both ends are dropped: the connection is gone
                    }
                });
            }
        });
        ChaosProxy { addr, cut }
    }

    fn cut_all(&self) {
        let _ = self.cut.send(());
    }

    fn api(&self, path: &str) -> String {
        format!("http://{}/api/v1{path}", self.addr)
    }
}

/// POSTs through the proxy until the server answers; the same body (same
/// client id) and the same Idempotency-Key on every attempt, as the widget does.
async fn post_until_answered(http: &reqwest::Client, url: &str, token: &str, body: &Value, key: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let mut last = String::new();
    while std::time::Instant::now() < deadline {
        let sent = http.post(url).bearer_auth(token).header("Idempotency-Key", key).json(body).send().await;
        if let Err(err) = &sent {
            last = format!("{err:?}");
        }
        if let Ok(resp) = sent {
            let status = resp.status();
            if let Ok(text) = resp.text().await {
                assert!(status.is_success(), "{url} answered {status}: {text}");
                return serde_json::from_str(&text).expect("JSON answer");
            }
        }
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    panic!("{url} never answered through the proxy ({key}); last error: {last}");
}

/// What one party's socket saw, merged by seq the way the widget's thread is.
#[derive(Default)]
struct Seen {
    by_seq: BTreeMap<i64, Message>,
    reconnects: usize,
}

impl Seen {
    fn last_seq(&self) -> i64 {
        self.by_seq.keys().next_back().copied().unwrap_or(0)
    }

    fn take(&mut self, message: Message) {
        if let Some(known) = self.by_seq.get(&message.seq) {
            assert_eq!(known.id, message.id, "seq {} names two messages", message.seq);
        }
        self.by_seq.insert(message.seq, message);
    }
}

/// Keeps a socket open through the proxy, reconnecting and resuming, until it has seen seq `until`.
async fn follow(
    proxy: SocketAddr,
    token: String,
    conversation: String,
    until: Arc<AtomicUsize>,
    seen: Arc<Mutex<Seen>>,
) {
    let url = format!("ws://{proxy}/api/v1/ws?token={token}");
    let done = || {
        let want = until.load(Ordering::SeqCst) as i64;
        want > 0 && seen.lock().unwrap().last_seq() >= want
    };
    while !done() {
        let Ok(Ok((mut socket, _))) =
            tokio::time::timeout(Duration::from_secs(2), tokio_tungstenite::connect_async(&url)).await
        else {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        };
        loop {
            let next = tokio::time::timeout(Duration::from_millis(500), socket.next()).await;
            let text = match next {
                Ok(Some(Ok(WsMessage::Text(text)))) => text,
                Ok(Some(Ok(_))) => continue,
                Err(_) if done() => return,
                Err(_) => continue,
                Ok(Some(Err(_))) | Ok(None) => break,
            };
            match serde_json::from_str::<ServerFrame>(&text).expect("a server frame") {
                ServerFrame::Ready => {
                    let after_seq = seen.lock().unwrap().last_seq();
                    let resume = ClientFrame::Resume { conversation_id: conversation.clone(), after_seq };
                    if socket.send(WsMessage::Text(serde_json::to_string(&resume).unwrap().into())).await.is_err() {
                        break;
                    }
                }
                ServerFrame::Message { message } if message.conversation_id == conversation => {
                    seen.lock().unwrap().take(message)
                }
                ServerFrame::Backlog { messages, .. } => {
                    let mut seen = seen.lock().unwrap();
                    messages.into_iter().for_each(|m| seen.take(m));
                }
                _ => {}
            }
            if done() {
                return;
            }
        }
        seen.lock().unwrap().reconnects += 1;
    }
}

fn text_body(text: String) -> Value {
    json!({"client_id": format!("c-{text}"), "text": text})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn connections_cut_again_and_again_lose_and_duplicate_nothing_and_the_buyer_pays_once() {
    let server = Server::start().await;
    let upstream: SocketAddr = server.host().parse().unwrap();
    let proxy = Arc::new(ChaosProxy::start(upstream).await);
    let staff = server.staff_token().await;
    let (buyer, conversation) = server.buyer().await;
    let http = reqwest::Client::builder().timeout(Duration::from_secs(2)).build().unwrap();

    // Both parties follow the conversation through the proxy.
    let until = Arc::new(AtomicUsize::new(0));
    let seen_buyer = Arc::new(Mutex::new(Seen::default()));
    let seen_staff = Arc::new(Mutex::new(Seen::default()));
    let followers = [(&buyer, &seen_buyer), (&staff, &seen_staff)].map(|(token, seen)| {
        tokio::spawn(follow(proxy.addr, token.clone(), conversation.clone(), until.clone(), seen.clone()))
    });

    // The cutter.
    let chaos = {
        let proxy = proxy.clone();
        tokio::spawn(async move {
            // Every 40 to 200 ms, so requests slowed down by a busy machine still get through at times.
            for i in 0u64.. {
                tokio::time::sleep(Duration::from_millis(40 + (i * 37) % 160)).await;
                proxy.cut_all();
            }
        })
    };

    // Buyer and staff talk at the same time, 60 messages each; in the middle the
    // shop asks for a payment and the buyer pays by card.
    const EACH: usize = 60;
    let messages_url = proxy.api(&format!("/conversations/{conversation}/messages"));
    let talk = |who: &'static str, token: String| {
        let (http, url) = (http.clone(), messages_url.clone());
        tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0..EACH {
                let body = text_body(format!("{who}-{i}"));
                let key = format!("k-{who}-{i}");
                let message: Message =
                    serde_json::from_value(post_until_answered(&http, &url, &token, &body, &key).await).unwrap();
                acked.push(message.id);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            acked
        })
    };
    let buyer_talk = talk("buyer", buyer.clone());
    let staff_talk = talk("staff", staff.clone());

    let request_body =
        json!({"client_id": "pr-1", "description": "Custom glaze", "amount": {"amount": "120.00", "currency": "BRL"}});
    let card_message: Message = serde_json::from_value(
        post_until_answered(
            &http,
            &proxy.api(&format!("/conversations/{conversation}/payment-requests")),
            &staff,
            &request_body,
            "pr-key",
        )
        .await,
    )
    .unwrap();
    let MessageBody::PaymentRequest { request } = card_message.body else { panic!("a payment request card") };
    let pay_body = json!({"method": "sandbox_card", "card": {"number": CARD_SUCCESS, "expiry": "12/30", "cvc": "123"}});
    let paid: PaymentRequest = serde_json::from_value(
        post_until_answered(
            &http,
            &proxy.api(&format!("/payment-requests/{}/pay", request.id)),
            &buyer,
            &pay_body,
            "pay-key",
        )
        .await,
    )
    .unwrap();
    assert_eq!(paid.state, PaymentState::Paid);

    let mut acked = buyer_talk.await.unwrap();
    acked.extend(staff_talk.await.unwrap());
    acked.push(card_message.id.clone());

    // What the server stored: every acknowledged message once, seqs 1..n with no gap.
    let stored = server.all_messages(&staff, &conversation).await;
    let seqs: Vec<i64> = stored.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=stored.len() as i64).collect::<Vec<_>>(), "gap-free numbering");
    for id in &acked {
        assert_eq!(stored.iter().filter(|m| &m.id == id).count(), 1, "acknowledged message {id} stored once");
    }
    let client_ids: std::collections::HashSet<_> = stored.iter().map(|m| (m.sender, m.client_id.clone())).collect();
    assert_eq!(client_ids.len(), stored.len(), "no client id stored twice");
    let cards = stored.iter().filter(|m| matches!(m.body, MessageBody::PaymentRequest { .. })).count();
    let statuses = stored.iter().filter(|m| matches!(m.body, MessageBody::OrderStatus { .. })).count();
    assert_eq!((cards, statuses), (1, 1), "one payment request and one 'payment received'");
    let texts = stored.iter().filter(|m| matches!(m.body, MessageBody::Text { .. })).count();
    assert_eq!(texts, 2 * EACH);

    // The payment: requested once, paid once.
    let resp = server.get("/payment-requests", Some(&staff)).send().await.unwrap();
    let list: Value = expect_json(resp, StatusCode::OK).await;
    let requests = list["requests"].as_array().expect("requests");
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["state"], json!("paid"));

    // Both parties saw exactly what was stored, in order, each message once.
    until.store(stored.len(), Ordering::SeqCst);
    for follower in followers {
        tokio::time::timeout(Duration::from_secs(30), follower).await.expect("followers catch up").unwrap();
    }
    chaos.abort();
    for (who, seen) in [("buyer", &seen_buyer), ("staff", &seen_staff)] {
        let seen = seen.lock().unwrap();
        let ids: Vec<&str> = seen.by_seq.values().map(|m| m.id.as_str()).collect();
        let want: Vec<&str> = stored.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, want, "{who} saw every stored message once, in order");
        assert!(seen.reconnects >= 3, "{who}'s socket was cut only {} times", seen.reconnects);
    }
    server.stop().await;
}
