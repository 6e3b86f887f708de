//! The one log line per request that the request edge writes (here under
//! `broadsheet::startup::invoke`, as on Lambda):
//! request id, function, route pattern, status, duration — and never a
//! password, token or cookie, though a sign-up carries all three.
//!
//! In a test binary of its own: `tracing` caches per call site whether any
//! subscriber wants it, and a test running on another thread with no
//! subscriber could make that cache say "nobody" while this one listens.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::io::Write;
use std::sync::{Arc, Mutex};

use broadsheet::store::memory::MemoryStore;
use broadsheet_login::LoginApp;
use broadsheet_testkit::content::{FIXTURE_ORIGIN, site};
use broadsheet_testkit::events::{Answer, REQUEST_ID, Shape, lambda_event};
use serde_json::Value;
use tracing::instrument::WithSubscriber;

const PASSWORD: &str = "correct horse battery";
const CSRF: &str = "kq3H8Zr2m1C0xT6yV4bN9pL5wS7dE2fA1gJ8hK3uQ0o";

/// A `MakeWriter` that keeps what the subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn one_log_line_per_request_and_no_secret_in_it() {
    let app = LoginApp::new(MemoryStore::new(), site(FIXTURE_ORIGIN));
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt().json().with_writer(move || writer.clone()).finish();
    let event = lambda_event(&Shape::Rest.fixture("login-signup-post"));
    let response = broadsheet::startup::invoke(&app, event).with_subscriber(subscriber).await;
    let answer = Answer::of(response);
    assert_eq!(answer.status, 303);

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let requests: Vec<&Value> = lines.iter().filter(|l| l["fields"]["message"] == "request").collect();
    assert_eq!(requests.len(), 1, "{text}");
    let fields = &requests[0]["fields"];
    assert_eq!(fields["request_id"], REQUEST_ID);
    assert_eq!(fields["function"], "broadsheet-login");
    assert_eq!(fields["route"], "POST /signup");
    assert_eq!(fields["status"], 303);
    assert!(fields["duration_ms"].as_f64().unwrap() > 0.0);

    let session = answer.cookie("__Host-bs_session").unwrap();
    let token = &session["__Host-bs_session=".len()..session.find(';').unwrap()];
    for secret in [PASSWORD, "correct+horse", CSRF, token, "Cookie", "cookie"] {
        assert!(!text.contains(secret), "{secret:?} in the logs: {text}");
    }
}
