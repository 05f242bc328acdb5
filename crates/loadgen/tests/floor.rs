//! The generator against the in-process floor: a tiny run delivers everything.

use talkshop_loadgen::load::{run, LoadConfig};

#[tokio::test]
async fn a_small_run_against_the_floor_delivers_every_message() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(talkshop_loadgen::floor::serve(listener, async move {
        let _ = stopped.await;
    }));
    let mut config = LoadConfig::small(url);
    config.server_pid = vec![std::process::id()];
    let report = run(&config).await.expect("the run completes");
    assert_eq!(report.connections, 6, "{report}");
    assert_eq!(report.scheduled, 40, "{report}");
    assert_eq!(report.persisted, 40, "{report}");
    assert_eq!(report.recipients_per_message, 3);
    assert_eq!(report.fully_delivered, 40, "{report}");
    assert_eq!(report.receipts, 120, "{report}");
    assert_eq!(report.http_non_2xx + report.http_failed + report.ws_drops + report.ws_connect_failed, 0, "{report}");
    assert!(report.rss_kib_per_connection.is_some());
    let shown = report.to_string();
    assert!(shown.contains("fully delivered"), "{shown}");
    let _ = stop.send(());
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), server).await;
}
