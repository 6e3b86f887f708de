//! The API Gateway event fixtures in `infra/events/`, as a Lambda gets them.
//!
//! Tests and benchmarks feed the functions the requests a Lambda really
//! gets: the fixtures, parsed by `lambda_http` itself, edited where a test
//! needs another path, cookie or form body ([`Event`]). [`Shape`] names the
//! kinds of HTTP event a function can be sent and [`Answer`] reads back what
//! `broadsheet::startup::invoke` answers, in whichever form the event's
//! origin expects.

use std::collections::BTreeMap;

use broadsheet::edge::{App, Handler};
use broadsheet::store::Sessions;
use lambda_http::request::LambdaRequest;
use lambda_http::{Body, Context, LambdaEvent, Request};
use serde_json::Value;

/// Where the fixtures live in the source tree.
pub const EVENTS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../infra/events");

/// The text of `infra/events/{file}`.
///
/// # Panics
/// If the fixture is missing: a test without its input cannot run.
pub fn fixture(file: &str) -> String {
    let path = format!("{EVENTS_DIR}/{file}");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// The request `lambda_http` makes of fixture `file`, as in a Lambda.
///
/// # Panics
/// If the fixture is missing or `lambda_http` does not accept it.
pub fn request(file: &str) -> Request {
    lambda_http::request::from_str(&fixture(file)).expect("the fixture is a valid API Gateway event")
}

/// The event as `lambda_runtime` hands it over: deserialised the way
/// `lambda_http` does, with an invocation context.
///
/// # Panics
/// If `lambda_http` does not accept `json` as an event.
pub fn lambda_event(json: &str) -> LambdaEvent<LambdaRequest> {
    let payload: LambdaRequest = serde_json::from_str(json).expect("an event lambda_http accepts");
    let mut context = Context::default();
    context.request_id = REQUEST_ID.to_owned();
    LambdaEvent::new(payload, context)
}

/// The Lambda request id [`lambda_event`] gives every event.
pub const REQUEST_ID: &str = "0f8e2a61-4c3b-4d5e-9f7a-1b2c3d4e5f60";

/// What `app` answers to the event `json` through `broadsheet::startup::invoke`,
/// the path a deployed function takes (the event guard, `lambda_http`'s
/// conversion, the edge), read as the event's origin receives it.
///
/// # Panics
/// If `lambda_http` does not accept `json` as an event, or the response is
/// not a well-formed API Gateway response ([`Answer::of`]).
pub async fn invoke<S, H>(app: &App<S, H>, json: &str) -> Answer
where
    S: Sessions + Sync,
    H: Handler<S>,
{
    Answer::of(broadsheet::startup::invoke(app, lambda_event(json)).await)
}

/// A response's body as text, as a browser shows it: decompressed when the
/// response says it is compressed (the fixtures, like browsers, accept
/// gzip and Brotli).
pub fn text(resp: &lambda_http::Response<Body>) -> String {
    let coding = resp.headers().get("content-encoding").and_then(|v| v.to_str().ok());
    match (resp.body(), coding) {
        (Body::Text(t), _) => t.clone(),
        (Body::Binary(b), Some(coding)) => decompress(coding, b),
        (Body::Binary(b), None) => String::from_utf8_lossy(b).into_owned(),
        _ => String::new(),
    }
}

/// One API Gateway v2 event as JSON, ready to be edited and sent.
#[derive(Debug, Clone)]
pub struct Event(Value);

impl Event {
    /// Loads `infra/events/{name}`.
    ///
    /// # Panics
    /// If the fixture is missing or is not JSON.
    pub fn load(name: &str) -> Event {
        Event(serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("{name} is not JSON: {e}")))
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

    /// The same event sent from a page of `origin`: its `Origin` header (and
    /// `Referer`, if it has one) name that site instead of the fixture's.
    pub fn with_origin(mut self, origin: &str) -> Event {
        let headers = &mut self.0["headers"];
        if headers.get("origin").is_some() {
            headers["origin"] = Value::from(origin);
        }
        if let Some(referer) = headers.get("referer").and_then(Value::as_str) {
            let path = referer.splitn(4, '/').nth(3).unwrap_or_default();
            headers["referer"] = Value::from(format!("{origin}/{path}"));
        }
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
        fixture(&format!("{name}{suffix}.json"))
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

    /// What `app` answers to fixture `name` in this shape ([`invoke`]),
    /// checked for what every test of a shape checks first: the answer has
    /// `status` (its body is shown when it has not) and went back in this
    /// shape's own response format (v1 or v2, [`Shape::is_v1`]).
    ///
    /// # Panics
    /// If either check fails, or as [`invoke`] does.
    pub async fn answer<S, H>(self, app: &App<S, H>, name: &str, status: u16) -> Answer
    where
        S: Sessions + Sync,
        H: Handler<S>,
    {
        let answer = invoke(app, &self.fixture(name)).await;
        assert_eq!(answer.status, status, "{self:?} {name}: {}", answer.body);
        assert_eq!(answer.v1, self.is_v1(), "{self:?} {name}: the response format");
        answer
    }
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
        let raw_body = json["body"].as_str().unwrap_or_default().to_owned();
        let lower = |k: &String| k.to_ascii_lowercase();
        let strings = |v: &Value| -> Vec<String> {
            match v {
                Value::Array(items) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
                Value::String(s) => vec![s.clone()],
                _ => Vec::new(),
            }
        };
        let object = |v: &Value| v.as_object().cloned().unwrap_or_default();
        let mut answer = match json.get("cookies") {
            Some(cookies) => {
                let headers: BTreeMap<_, _> =
                    object(&json["headers"]).iter().map(|(k, v)| (lower(k), strings(v))).collect();
                assert!(!headers.contains_key("set-cookie"), "v2 carries cookies in `cookies` only: {json}");
                Answer { status, headers, set_cookies: strings(cookies), body: String::new(), v1: false }
            }
            None => {
                assert_eq!(json["headers"], serde_json::json!({}), "v1 headers all go in multiValueHeaders");
                let mut headers: BTreeMap<_, _> =
                    object(&json["multiValueHeaders"]).iter().map(|(k, v)| (lower(k), strings(v))).collect();
                let set_cookies = headers.remove("set-cookie").unwrap_or_default();
                Answer { status, headers, set_cookies, body: String::new(), v1: true }
            }
        };
        // A compressed page goes back base64-encoded, as API Gateway needs
        // binary bodies; anything else is text.
        let coding = answer.header("content-encoding").map(str::to_owned);
        assert_eq!(json["isBase64Encoded"], coding.is_some(), "only compressed bodies are binary");
        answer.body = match coding.as_deref() {
            None => raw_body,
            Some(_) if raw_body.is_empty() => raw_body, // HEAD
            Some(coding) => {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD.decode(&raw_body).expect("base64 body");
                decompress(coding, &bytes)
            }
        };
        answer
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

/// A compressed body as text (what a browser shows).
fn decompress(coding: &str, bytes: &[u8]) -> String {
    use std::io::Read as _;
    let mut out = Vec::new();
    match coding {
        "br" => brotli::BrotliDecompress(&mut &bytes[..], &mut out).expect("a Brotli body"),
        "gzip" => {
            flate2::read::GzDecoder::new(bytes).read_to_end(&mut out).expect("a gzip body");
        }
        other => panic!("unexpected content-encoding {other}"),
    }
    String::from_utf8(out).expect("a UTF-8 page")
}
