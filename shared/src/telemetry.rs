//! Logging set-up shared by every binary.

use tracing_subscriber::EnvFilter;

/// Structured JSON logs for Lambda (CloudWatch parses them), filtered by
/// `RUST_LOG` (default `info`). Call once, first thing in `main`.
pub fn init_json() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_current_span(false)
        .without_time() // Lambda stamps every line itself
        .try_init();
}

/// Human-readable logs for the local CLI.
pub fn init_pretty() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_target(false)
        .try_init();
}
