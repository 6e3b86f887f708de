//! Logging set-up shared by every binary.

use tracing_subscriber::EnvFilter;

/// Structured JSON logs for Lambda (CloudWatch parses them), filtered by
/// `RUST_LOG` (default `info`). Call once, first thing in `main`.
///
/// Each line keeps its RFC 3339 `timestamp`: with the function's log format
/// set to JSON, Lambda's own level filter (`ApplicationLogLevel`, which
/// `template.yaml` sets to match `RUST_LOG`) reads a line's `level` only when
/// the line also has a valid timestamp, and counts any other line as `INFO`.
pub fn init_json() {
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_current_span(false)
        .try_init();
}

/// Human-readable logs for the local CLI.
pub fn init_pretty() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .with_target(false)
        .try_init();
}
