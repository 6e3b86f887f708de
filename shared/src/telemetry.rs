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

/// Logs a panic as one JSON line at `ERROR` (its message and where it
/// happened), in place of the standard library's plain-text report.
///
/// A panic is a bug, and in the release build (`panic = "abort"`) the end of
/// the process. Its default report is a line of text on stderr, which
/// Lambda, with the functions' log format set to JSON, files as `INFO`; with
/// `LogLevel` at `warn` or `error` that line would be dropped, and the one
/// trace of the crash with it. Call after [`init_json`].
pub fn log_panics() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(a panic without a message)");
        let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
        tracing::error!(
            panic = message,
            location = location.as_deref().unwrap_or("-"),
            "panicked; the process stops"
        );
    }));
}
