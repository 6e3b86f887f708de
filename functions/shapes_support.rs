//! Test support shared by `functions/*/tests/shapes.rs` (each includes this
//! file with `#[path]`): the event shapes kept in `infra/events/`, and a
//! reader for what `broadsheet::startup::invoke` answers, in whichever form
//! the event's origin expects.

// Each test file uses the helpers it needs.
#![allow(dead_code)]

use std::collections::BTreeMap;

use lambda_http::request::LambdaRequest;
use lambda_http::{Context, LambdaEvent};
use serde_json::Value;

/// The shapes of HTTP event a function can be sent, besides API Gateway's
/// HTTP API (v2, the `*.json` fixtures without a shape suffix).
pub const SHAPES: [Shape; 3] = [Shape::Rest, Shape::FunctionUrl, Shape::SamLocal];

/// One shape of HTTP event, and the fixture files made in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// API Gateway HTTP API, payload 2.0, `$default` stage (`*.json`).
    HttpApi,
    /// API Gateway REST API, payload 1.0, stage `prod` (`*.rest.json`):
    /// `Cookie` header, `multiValueHeaders`, decoded query parameters.
    Rest,
    /// A Lambda function URL (`*.function-url.json`): payload 2.0 without a
    /// route key or path parameters, form bodies base64-encoded.
    FunctionUrl,
    /// What `sam local start-api` sends for the template's HttpApi routes
    /// (`*.sam-local.json`): payload 2.0, host `127.0.0.1:3000`, plain `http`.
    SamLocal,
}

impl Shape {
    /// The text of fixture `name` (e.g. `"article"`) in this shape.
    pub fn fixture(self, name: &str) -> String {
        let suffix = match self {
            Shape::HttpApi => "",
            Shape::Rest => ".rest",
            Shape::FunctionUrl => ".function-url",
            Shape::SamLocal => ".sam-local",
        };
        read(&format!("{name}{suffix}.json"))
    }

    /// The site origin the fixtures of this shape were made for (their
    /// `Origin` headers): `sam local start-api` serves on `127.0.0.1:3000`.
    pub fn origin(self) -> &'static str {
        match self {
            Shape::SamLocal => "http://127.0.0.1:3000",
            _ => "https://news.example.com",
        }
    }

    /// Whether responses to this shape go back as API Gateway v1 responses
    /// (`multiValueHeaders`) rather than v2 ones (`cookies` + `headers`).
    pub fn is_v1(self) -> bool {
        self == Shape::Rest
    }
}

/// The text of `infra/events/{file}`.
pub fn read(file: &str) -> String {
    let path = format!("{}/../../infra/events/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The event as `lambda_runtime` hands it over: deserialised the way
/// `lambda_http` does, with an invocation context.
pub fn event(json: &str) -> LambdaEvent<LambdaRequest> {
    let payload: LambdaRequest = serde_json::from_str(json).expect("an event lambda_http accepts");
    let mut context = Context::default();
    context.request_id = "0f8e2a61-4c3b-4d5e-9f7a-1b2c3d4e5f60".to_owned();
    LambdaEvent::new(payload, context)
}

/// A response as the event's origin receives it.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    /// Lower-cased header names, every value.
    pub headers: BTreeMap<String, Vec<String>>,
    /// v2: the `cookies` array; v1: the `set-cookie` values of `multiValueHeaders`.
    pub set_cookies: Vec<String>,
    pub body: String,
    /// `true` for a v1 response (headers in `multiValueHeaders`, `headers`
    /// empty), `false` for v2 (`cookies`, and `headers` without `set-cookie`).
    pub v1: bool,
}

impl Answer {
    /// Reads the JSON `lambda_http` serialised `response` to, checking that it
    /// is a well-formed v1 or v2 response along the way.
    pub fn of(response: impl serde::Serialize) -> Answer {
        let json = serde_json::to_value(response).expect("a response serialises");
        let status = json["statusCode"].as_u64().expect("statusCode") as u16;
        assert_eq!(json["isBase64Encoded"], false, "pages are text");
        let body = json["body"].as_str().unwrap_or_default().to_owned();
        let lower = |k: &String| k.to_ascii_lowercase();
        let strings = |v: &Value| -> Vec<String> {
            match v {
                Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
                Value::String(s) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        let object = |v: &Value| v.as_object().cloned().unwrap_or_default();
        match json.get("cookies") {
            Some(cookies) => {
                let headers: BTreeMap<_, _> =
                    object(&json["headers"]).iter().map(|(k, v)| (lower(k), strings(v))).collect();
                assert!(!headers.contains_key("set-cookie"), "v2 carries cookies in `cookies` only: {json}");
                Answer { status, headers, set_cookies: strings(cookies), body, v1: false }
            }
            None => {
                assert_eq!(json["headers"], serde_json::json!({}), "v1 headers all go in multiValueHeaders");
                let mut headers: BTreeMap<_, _> =
                    object(&json["multiValueHeaders"]).iter().map(|(k, v)| (lower(k), strings(v))).collect();
                let set_cookies = headers.remove("set-cookie").unwrap_or_default();
                Answer { status, headers, set_cookies, body, v1: true }
            }
        }
    }

    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.first()).map(String::as_str)
    }

    /// The `Set-Cookie` value for cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.set_cookies.iter().find(|c| c.starts_with(&format!("{name}="))).map(String::as_str)
    }
}
