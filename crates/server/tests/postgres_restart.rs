//! PostgreSQL restarting under two nodes: while it is down requests fail with
//! 503 `unavailable`, and afterwards the nodes recover by themselves (the
//! pool reconnects, listening resumes, sockets are told to resume). The
//! cluster is a dedicated one, so the other tests keep theirs; it runs on
//! port 54339 unless TALKSHOP_TEST_PG_RESTART_PORT says otherwise.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::*;
use futures_util::StreamExt;
use reqwest::StatusCode;
use talkshop_protocol::{ClientFrame, ErrorCode, Message, ServerFrame};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// A private cluster driven through `scripts/postgres.sh`; stopped when dropped.
struct Cluster {
    port: String,
    data: PathBuf,
}

impl Cluster {
    fn start() -> Cluster {
        let port = std::env::var("TALKSHOP_TEST_PG_RESTART_PORT").unwrap_or_else(|_| "54339".into());
        let data = std::env::temp_dir().join(format!("talkshop-pg-{port}"));
        let cluster = Cluster { port, data };
        cluster.run("start");
        cluster
    }

    fn run(&self, command: &str) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/postgres.sh");
        let status = Command::new("bash")
            .arg(script)
            .arg(command)
            .env("TALKSHOP_PG_PORT", &self.port)
            .env("TALKSHOP_PG_DATA", &self.data)
            .stdout(std::process::Stdio::null())
            .status()
            .expect("scripts/postgres.sh runs");
        assert!(status.success(), "scripts/postgres.sh {command} failed");
    }

    fn admin_url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.run("stop");
    }
}

/// Reads frames until the server closes the socket.
async fn until_closed(ws: &mut Ws, within: Duration) {
    let closed = async {
        loop {
            match ws.stream.next().await {
                Some(Ok(WsMessage::Close(_))) | Some(Err(_)) | None => return,
                Some(Ok(_)) => {}
            }
        }
    };
    tokio::time::timeout(within, closed).await.expect("the socket is closed so that its client resumes");
}

/// Opens a socket and resumes the conversation after `after_seq`.
async fn resumed(server: &Server, token: &str, conversation: &str, after_seq: i64) -> (Ws, Vec<Message>) {
    let mut ws = server.ws(token).await;
    ws.send_frame(&ClientFrame::Resume { conversation_id: conversation.to_owned(), after_seq }).await;
    match ws.next_frame().await {
        ServerFrame::Backlog { messages, .. } => (ws, messages),
        other => panic!("expected a backlog, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_restart_answers_503_and_the_nodes_recover_by_themselves() {
    if !postgres_or_skip("a_postgres_restart_answers_503_and_the_nodes_recover_by_themselves") {
        return;
    }
    let cluster = Cluster::start();
    let db = TestDb::fresh_postgres(&cluster.admin_url());
    let a = Server::start_on(db.url()).await;
    let b = Server::start_on(db.url()).await;
    let (buyer, conversation) = a.buyer().await;
    let staff = b.staff_token().await;
    let mut buyer_ws = a.ws(&buyer).await;
    let mut staff_ws = b.ws(&staff).await;
    let before = a.send(&buyer, &conversation, "before the restart").await;
    assert_eq!(staff_ws.next_message().await, before);
    assert_eq!(buyer_ws.next_message().await, before);

    cluster.run("stop");
    let down = Instant::now();
    let resp = a.send_raw(&buyer, &conversation, "while-down", "sent while the database is down").await;
    let error = expect_error(resp, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable).await;
    assert!(error.message.contains("try again"), "{error:?}");
    let resp = b.get(&format!("/conversations/{conversation}/messages"), Some(&staff)).send().await.unwrap();
    expect_error(resp, StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable).await;
    assert!(down.elapsed() < Duration::from_secs(10), "requests fail fast while the database is down");

    cluster.run("start");
    // Each node listens again and tells its sockets to resume.
    until_closed(&mut buyer_ws, Duration::from_secs(20)).await;
    until_closed(&mut staff_ws, Duration::from_secs(20)).await;
    // The refused message goes through on retry (same client id).
    let deadline = Instant::now() + Duration::from_secs(20);
    let during: Message = loop {
        let resp = a.send_raw(&buyer, &conversation, "while-down", "sent while the database is down").await;
        if resp.status() == StatusCode::CREATED {
            break resp.json().await.unwrap();
        }
        assert!(Instant::now() < deadline, "node A did not recover: {}", resp.status());
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(during.seq, before.seq + 1);

    // Clients reconnect and resume; live events cross between the nodes again.
    let (mut buyer_ws, missed) = resumed(&a, &buyer, &conversation, before.seq).await;
    assert_eq!(missed, vec![during.clone()]);
    let (mut staff_ws, missed) = resumed(&b, &staff, &conversation, before.seq).await;
    assert_eq!(missed, vec![during]);
    let from_b = b.send(&staff, &conversation, "after the restart, from B").await;
    assert_eq!(buyer_ws.next_message().await, from_b);
    assert_eq!(staff_ws.next_message().await, from_b);
    let from_a = a.send(&buyer, &conversation, "after the restart, from A").await;
    assert_eq!(staff_ws.next_message().await, from_a);
    assert_eq!(buyer_ws.next_message().await, from_a);

    a.stop().await;
    b.stop().await;
}
