//! Real API Gateway HTTP API (v2) events, edited for a benchmark.
//!
//! The handlers are benchmarked with the requests a Lambda really gets:
//! the fixtures in `infra/events/`, parsed by `lambda_http` itself, with only
//! the path, cookies or form body changed.

use lambda_http::Request;
use serde_json::Value;

/// Where the fixtures live in the source tree.
pub const EVENTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/events");

/// One API Gateway v2 event as JSON, ready to be edited and sent.
#[derive(Debug, Clone)]
pub struct Event(Value);

impl Event {
    /// Loads `infra/events/{name}`.
    ///
    /// # Panics
    /// If the fixture is missing or is not JSON: a benchmark without its
    /// input cannot run.
    pub fn load(name: &str) -> Event {
        let path = format!("{EVENTS_DIR}/{name}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        Event(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}")))
    }

    /// The same event for another path (`rawPath`, `requestContext.http.path`);
    /// the query string is dropped.
    pub fn with_path(mut self, path: &str) -> Event {
        self.0["rawPath"] = Value::from(path);
        self.0["rawQueryString"] = Value::from("");
        self.0["requestContext"]["http"]["path"] = Value::from(path);
        self
    }

    /// Replaces the v2 `cookies` array (`name=value` strings).
    pub fn with_cookies(mut self, cookies: &[&str]) -> Event {
        self.0["cookies"] = cookies.iter().map(|c| Value::from(*c)).collect();
        self
    }

    /// Replaces the body with a plain (not base64) form body.
    pub fn with_form(mut self, body: &str) -> Event {
        self.0["body"] = Value::from(body);
        self.0["isBase64Encoded"] = Value::from(false);
        self
    }

    /// Replaces the client address API Gateway reports (`sourceIp`).
    pub fn with_source_ip(mut self, ip: &str) -> Event {
        self.0["requestContext"]["http"]["sourceIp"] = Value::from(ip);
        self
    }

    /// The event as the Runtime API delivers it.
    pub fn json(&self) -> String {
        self.0.to_string()
    }

    /// The request `lambda_http` makes of this event, as in a Lambda.
    ///
    /// # Panics
    /// If `lambda_http` does not accept the event (a broken fixture).
    pub fn request(&self) -> Request {
        lambda_http::request::from_str(&self.json()).expect("lambda_http accepts the API Gateway event")
    }
}

/// A form body: `application/x-www-form-urlencoded` pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&broadsheet::http::request::encode_component(k).to_string());
        out.push('=');
        out.push_str(&broadsheet::http::request::encode_component(v).to_string());
    }
    out
}
