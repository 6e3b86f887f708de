//! `broadsheet`: the operator's CLI (local server, table creation, import).

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    broadsheet::telemetry::init_pretty();
    match broadsheet_cli::cli::run(broadsheet_cli::cli::Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", broadsheet::http::error::cause_chain(&e));
            std::process::ExitCode::FAILURE
        }
    }
}
