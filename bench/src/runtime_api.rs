//! A Lambda Runtime API emulator, for timing cold starts.
//!
//! A Lambda function's process talks to the Lambda service over a small
//! HTTP API on `AWS_LAMBDA_RUNTIME_API`: it polls
//! `GET /2018-06-01/runtime/invocation/next` for an event (its first poll
//! marks the end of its initialisation), and posts the result to
//! `…/invocation/{id}/response` or `…/invocation/{id}/error`, or reports a
//! failed initialisation to `…/runtime/init/error`. This module serves
//! exactly those four routes on `127.0.0.1:0`, one invocation at a time,
//! and records when each happened, so the harness can time
//! process start → first poll (init) and event → response, as the Lambda
//! service bills and reports them.
//!
//! Not emulated: the Extensions and Telemetry APIs (the functions use
//! neither), response streaming, and a second event (the harness kills the
//! process after the first one: a cold start is what is measured).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::Notify;

const PREFIX: &str = "/2018-06-01/runtime/";

/// A running emulator. Dropping it stops the server.
#[derive(Debug)]
pub struct RuntimeApi {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for RuntimeApi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

#[derive(Debug, Default)]
struct Shared {
    state: Mutex<State>,
    changed: Notify,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[derive(Debug, Default)]
struct State {
    /// The event the next `/next` poll gets, with its request id.
    pending: Option<(String, String)>,
    /// The id of the event handed out, and when.
    delivered: Option<(String, Instant)>,
    first_poll: Option<Instant>,
    outcome: Option<Outcome>,
    invocations: u64,
}

/// How an invocation ended, as the function reported it.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// `POST …/invocation/{id}/response`: the body is the function's result
    /// (for `lambda_http`, the API Gateway response as JSON).
    Response { at: Instant, body: String },
    /// `POST …/invocation/{id}/error`.
    InvocationError { at: Instant, body: String },
    /// `POST …/runtime/init/error`: the function could not start.
    InitError { at: Instant, body: String },
}

/// What one cold start took, from the emulator's clock.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The function's first `/next` poll: its initialisation ended here.
    pub first_poll: Instant,
    /// When the event was handed out (the first poll, since it was armed first).
    pub delivered: Instant,
    /// When the function's response arrived.
    pub responded: Instant,
    /// The function's response body.
    pub body: String,
}

/// Why an invocation did not produce a response.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("no response within {0:?}")]
    Timeout(Duration),
    #[error("the function reported an invocation error: {0}")]
    InvocationError(String),
    #[error("the function reported an init error: {0}")]
    InitError(String),
}

impl RuntimeApi {
    /// Binds `127.0.0.1:0` and serves the Runtime API in the background.
    pub async fn start() -> std::io::Result<RuntimeApi> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let server = tokio::spawn(serve(listener, shared.clone()));
        Ok(RuntimeApi { addr, shared, server })
    }

    /// `host:port`, the value of `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> String {
        self.addr.to_string()
    }

    /// Forgets the last invocation and queues `event` (JSON) for the next
    /// `/next` poll. Call before starting the process.
    pub fn arm(&self, event: String) {
        let mut st = self.shared.lock();
        st.invocations += 1;
        let id = format!("bench-{:08}", st.invocations);
        *st = State { pending: Some((id, event)), invocations: st.invocations, ..State::default() };
    }

    /// Waits (at most `timeout`) for the armed event's outcome.
    pub async fn wait(&self, timeout: Duration) -> Result<Invocation, RunError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.changed.notified();
            {
                let st = self.shared.lock();
                match &st.outcome {
                    Some(Outcome::Response { at, body }) => {
                        let delivered = st.delivered.as_ref().map_or(*at, |(_, t)| *t);
                        return Ok(Invocation {
                            first_poll: st.first_poll.unwrap_or(delivered),
                            delivered,
                            responded: *at,
                            body: body.clone(),
                        });
                    }
                    Some(Outcome::InvocationError { body, .. }) => {
                        return Err(RunError::InvocationError(body.clone()));
                    }
                    Some(Outcome::InitError { body, .. }) => return Err(RunError::InitError(body.clone())),
                    None => {}
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return Err(RunError::Timeout(timeout));
            }
        }
    }
}

async fn serve(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else { continue };
        let shared = shared.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let shared = shared.clone();
                async move { Ok::<_, Infallible>(route(&shared, req).await) }
            });
            // A killed function closes its connection mid-poll; that is the normal end.
            let _ =
                hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

async fn route(shared: &Shared, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let arrived = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().strip_prefix(PREFIX).unwrap_or_default().to_owned();
    let segments: Vec<&str> = path.split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("GET", ["invocation", "next"]) => next(shared, arrived).await,
        ("POST", ["invocation", id, kind @ ("response" | "error")]) => {
            let body = read_body(req).await;
            let at = Instant::now();
            let mut st = shared.lock();
            if st.delivered.as_ref().is_none_or(|(delivered, _)| delivered != id) {
                return text(StatusCode::BAD_REQUEST, "unknown request id");
            }
            st.outcome = Some(if *kind == "response" {
                Outcome::Response { at, body }
            } else {
                Outcome::InvocationError { at, body }
            });
            drop(st);
            shared.changed.notify_waiters();
            text(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        ("POST", ["init", "error"]) => {
            let body = read_body(req).await;
            shared.lock().outcome = Some(Outcome::InitError { at: Instant::now(), body });
            shared.changed.notify_waiters();
            text(StatusCode::ACCEPTED, r#"{"status":"OK"}"#)
        }
        _ => text(StatusCode::NOT_FOUND, "not part of the emulated Runtime API"),
    }
}

/// `GET …/invocation/next`: the armed event, or (for the poll after it) an
/// answer that never comes — the harness kills the process meanwhile, as
/// Lambda freezes it.
async fn next(shared: &Shared, arrived: Instant) -> Response<Full<Bytes>> {
    let event = {
        let mut st = shared.lock();
        st.first_poll.get_or_insert(arrived);
        let event = st.pending.take();
        if let Some((id, _)) = &event {
            st.delivered = Some((id.clone(), Instant::now()));
        }
        event
    };
    shared.changed.notify_waiters();
    let Some((id, event)) = event else {
        return std::future::pending().await;
    };
    let deadline_ms = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis() + 10_000;
    let mut resp = Response::new(Full::new(Bytes::from(event)));
    let headers = [
        ("content-type", "application/json".to_owned()),
        ("lambda-runtime-aws-request-id", id),
        ("lambda-runtime-deadline-ms", deadline_ms.to_string()),
        (
            "lambda-runtime-invoked-function-arn",
            "arn:aws:lambda:us-east-1:123456789012:function:bench".to_owned(),
        ),
        (
            "lambda-runtime-trace-id",
            "Root=1-6745f0a1-0123456789abcdef01234567;Parent=0123456789abcdef;Sampled=0".to_owned(),
        ),
    ];
    for (name, value) in headers {
        if let Ok(v) = hyper::header::HeaderValue::from_str(&value) {
            resp.headers_mut().insert(name, v);
        }
    }
    resp
}

async fn read_body(req: Request<Incoming>) -> String {
    match req.into_body().collect().await {
        Ok(collected) => String::from_utf8_lossy(&collected.to_bytes()).into_owned(),
        Err(e) => format!("<body unreadable: {e}>"),
    }
}

fn text(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *resp.status_mut() = status;
    resp
}
