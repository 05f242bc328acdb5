//! `talkshop-load --nodes http://127.0.0.1:8080 --buyers 1900 --staff 100 --rate 200 --duration 30`
//! prints a table (and with `--json FILE` writes the report as JSON).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use talkshop_loadgen::load::{run, LoadConfig};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    load: LoadConfig,
    /// Also write the report as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args.load).await {
        Ok(report) => {
            print!("{report}");
            if let Some(path) = &args.json {
                let json = serde_json::to_string_pretty(&report).expect("report serializes");
                if let Err(e) = std::fs::write(path, json + "\n") {
                    eprintln!("cannot write {}: {e}", path.display());
                    return ExitCode::FAILURE;
                }
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("talkshop-load: {e}");
            ExitCode::FAILURE
        }
    }
}
