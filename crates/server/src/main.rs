use clap::Parser;
use talkshop_server::{config::Config, run};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let config = Config::parse();
    talkshop_server::init_tracing(config.log_json);
    match run(config).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!(error = %err, "server stopped with an error");
            std::process::ExitCode::FAILURE
        }
    }
}
