//! A panic in a function is logged as one JSON line at `ERROR` (message and
//! location), which Lambda's JSON log filter keeps at every `LogLevel`.
//!
//! The panic runs in a child process (this test binary again, running only
//! [`child_panics`]), so that the hook and the logger are its own.

use std::process::Command;

const CHILD: &str = "BROADSHEET_PANIC_LOG_CHILD";

/// The child: the functions' logging and panic hook, then a panic. A no-op
/// unless started by [`a_panic_is_one_json_error_line`].
#[test]
fn child_panics() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    broadsheet::telemetry::init_json();
    broadsheet::telemetry::log_panics();
    let what = String::from("the table vanished");
    panic!("unexpected: {what}");
}

#[test]
fn a_panic_is_one_json_error_line() {
    let out = Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", "child_panics", "--nocapture", "--test-threads=1"])
        .env(CHILD, "1")
        .env("RUST_LOG", "error")
        .output()
        .expect("the child runs");
    assert!(!out.status.success(), "the child panicked");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The test harness prints "test child_panics ... " in front of it.
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| l.find("{\"timestamp\"").map(|at| &l[at..]))
        .map(|l| serde_json::from_str(l).expect("the line is JSON"))
        .collect();
    assert_eq!(lines.len(), 1, "one JSON line\nstdout:\n{stdout}\nstderr:\n{stderr}");
    let line = &lines[0];
    assert_eq!(line["level"], "ERROR");
    assert!(line["timestamp"].as_str().is_some_and(|t| t.contains('T')), "{line}");
    assert_eq!(line["fields"]["message"], "panicked; the process stops");
    assert_eq!(line["fields"]["panic"], "unexpected: the table vanished");
    let location = line["fields"]["location"].as_str().unwrap_or_default();
    assert!(location.starts_with("shared/tests/panic_log.rs:"), "{location}");
    assert!(!stderr.contains("panicked at"), "no plain-text report besides it:\n{stderr}");
}
