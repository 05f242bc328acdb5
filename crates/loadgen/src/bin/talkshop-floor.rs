//! `talkshop-floor --bind 127.0.0.1:8090`: the storage-free broadcast server
//! the load generator is compared against (see `talkshop_loadgen::floor`).

use std::net::SocketAddr;

use clap::Parser;

#[derive(Parser)]
#[command(name = "talkshop-floor", about = "Storage-free WebSocket broadcast server: the floor for the load benchmark")]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8090")]
    bind: SocketAddr,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let listener = tokio::net::TcpListener::bind(args.bind).await?;
    println!("talkshop-floor listening on http://{}", listener.local_addr()?);
    talkshop_loadgen::floor::serve(listener, shutdown_signal()).await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
