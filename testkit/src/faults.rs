//! A fault-injecting proxy in front of the test DynamoDB server.
//!
//! [`FaultProxy::start`] binds `127.0.0.1:0` and forwards every DynamoDB
//! request (HTTP/1.1, JSON) to the test server given, unchanged. Point a
//! client at [`FaultProxy::endpoint`] (see [`crate::dynamo::client_at`],
//! which is configured as production's client is), and switch what the proxy
//! does at any moment with [`FaultProxy::set`] (every request) or
//! [`FaultProxy::set_for`] (only one operation, named as in the request's
//! `X-Amz-Target`, e.g. `TransactWriteItems`; the others pass through). The
//! faults are what a client meets when DynamoDB is unreachable, slow,
//! throttling or failing, and what a reader meets when the Lambda
//! environment dies after its write: see [`Fault`].
//!
//! The table itself stays real (moto): a test checks what a fault left behind
//! through a client that talks to the test server directly, not through the
//! proxy. [`FaultProxy::requests`] and [`FaultProxy::faulted`] tell a test
//! that the requests it meant to fault did pass through the proxy.
//!
//! For tests only: plain HTTP on loopback, one upstream connection per
//! forwarded request, bodies read whole (DynamoDB requests and answers are
//! small).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONNECTION, CONTENT_TYPE, HeaderValue, TRANSFER_ENCODING};
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// What the proxy does with a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    /// Forwards the request and its answer unchanged.
    #[default]
    PassThrough,
    /// DynamoDB cannot be reached: a new connection is closed as soon as it
    /// is accepted, and a request on a connection already open is closed
    /// unanswered. Nothing is forwarded.
    Unreachable,
    /// DynamoDB is slow: each request is held, unanswered, for this long,
    /// then forwarded and answered. Choose a delay beyond the client's
    /// timeouts (and beyond the test's length, if a write the client gave up
    /// on must not land later: a held request is dropped with the proxy).
    Slow(Duration),
    /// DynamoDB refuses the request with this error. Nothing is forwarded.
    Error(DynamoError),
    /// The write happens, the answer is lost: the request is forwarded and
    /// its answer awaited (so the table has applied it), then the
    /// connection is closed unanswered — what a reader's browser sees when
    /// the Lambda environment dies right after its write.
    CommitThenDrop,
}

/// The errors DynamoDB answers when it is throttling or failing. The SDK
/// retries every one of them before giving up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DynamoError {
    /// `400`: the table's (or a partition's) capacity is exceeded.
    ProvisionedThroughputExceeded,
    /// `400`: the request rate is too high (control plane or account).
    Throttling,
    /// `400`: the account's throughput limit is exceeded.
    RequestLimitExceeded,
    /// `500`.
    InternalServerError,
    /// `503`.
    ServiceUnavailable,
}

impl DynamoError {
    /// Every error, for tests that try each.
    pub const ALL: [DynamoError; 5] = [
        DynamoError::ProvisionedThroughputExceeded,
        DynamoError::Throttling,
        DynamoError::RequestLimitExceeded,
        DynamoError::InternalServerError,
        DynamoError::ServiceUnavailable,
    ];

    /// The HTTP status and the `__type` DynamoDB's JSON error carries (the
    /// SDK reads the error's code from the part after `#`).
    pub fn status_and_type(self) -> (StatusCode, &'static str) {
        match self {
            DynamoError::ProvisionedThroughputExceeded => (
                StatusCode::BAD_REQUEST,
                "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
            ),
            DynamoError::Throttling => {
                (StatusCode::BAD_REQUEST, "com.amazonaws.dynamodb.v20120810#ThrottlingException")
            }
            DynamoError::RequestLimitExceeded => {
                (StatusCode::BAD_REQUEST, "com.amazonaws.dynamodb.v20120810#RequestLimitExceeded")
            }
            DynamoError::InternalServerError => {
                (StatusCode::INTERNAL_SERVER_ERROR, "com.amazonaws.dynamodb.v20120810#InternalServerError")
            }
            DynamoError::ServiceUnavailable => {
                (StatusCode::SERVICE_UNAVAILABLE, "com.amazonaws.dynamodb.v20120810#ServiceUnavailable")
            }
        }
    }

    /// The answer DynamoDB gives: the status and a JSON body with `__type`.
    fn response(self) -> Response<Full<Bytes>> {
        let (status, kind) = self.status_and_type();
        let body = serde_json::json!({ "__type": kind, "message": "injected by the test fault proxy" });
        let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
        *resp.status_mut() = status;
        resp.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/x-amz-json-1.0"));
        resp
    }
}

/// A running proxy; it stops (and drops every request it holds) when
/// dropped.
#[derive(Debug)]
pub struct FaultProxy {
    endpoint: String,
    shared: Arc<Shared>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

#[derive(Debug)]
struct Shared {
    /// `host:port` of the test server.
    upstream: String,
    rule: Mutex<Rule>,
    tally: Mutex<Tally>,
}

/// The fault in force, and the one operation it is limited to, if any.
#[derive(Debug, Default)]
struct Rule {
    fault: Fault,
    only: Option<String>,
}

#[derive(Debug, Default)]
struct Tally {
    /// Requests seen, by operation.
    seen: HashMap<String, usize>,
    /// Requests and connections a fault was applied to.
    faulted: usize,
}

/// The reason a connection is closed without an answer (hyper closes the
/// connection when its service fails).
#[derive(Debug)]
struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("closed by the fault proxy without an answer")
    }
}

impl std::error::Error for Dropped {}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl FaultProxy {
    /// Starts a proxy on `127.0.0.1:0` forwarding to `upstream` (the test
    /// server's URL, e.g. `http://127.0.0.1:5000`), passing everything
    /// through until told otherwise.
    ///
    /// # Panics
    /// If `upstream` has no host and port, or no loopback port can be bound.
    pub async fn start(upstream: &str) -> FaultProxy {
        let uri: Uri = upstream.parse().unwrap_or_else(|e| panic!("{upstream:?} is not a URL: {e}"));
        let authority = uri.authority().unwrap_or_else(|| panic!("{upstream:?} names no host"));
        let port = authority.port_u16().unwrap_or(80);
        let shared = Arc::new(Shared {
            upstream: format!("{}:{port}", authority.host()),
            rule: Mutex::default(),
            tally: Mutex::default(),
        });
        let listener =
            TcpListener::bind(("127.0.0.1", 0)).await.expect("bind 127.0.0.1:0 for the fault proxy");
        let endpoint = format!("http://{}", listener.local_addr().expect("the proxy's address"));
        let accept = tokio::spawn(accept(listener, shared.clone()));
        FaultProxy { endpoint, shared, accept }
    }

    /// The proxy's URL, for a DynamoDB client's endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Applies `fault` to every request from now on.
    pub fn set(&self, fault: Fault) {
        *lock(&self.shared.rule) = Rule { fault, only: None };
    }

    /// Applies `fault` to requests for `operation` only (the part of
    /// `X-Amz-Target` after the dot, e.g. `TransactWriteItems`); every
    /// other request passes through.
    pub fn set_for(&self, operation: &str, fault: Fault) {
        *lock(&self.shared.rule) = Rule { fault, only: Some(operation.to_owned()) };
    }

    /// Forwards everything again (requests already held stay held).
    pub fn pass_through(&self) {
        self.set(Fault::PassThrough);
    }

    /// How many requests for `operation` reached the proxy so far.
    pub fn requests(&self, operation: &str) -> usize {
        lock(&self.shared.tally).seen.get(operation).copied().unwrap_or(0)
    }

    /// How many requests (and connections) a fault was applied to so far.
    pub fn faulted(&self) -> usize {
        lock(&self.shared.tally).faulted
    }
}

/// Accepts connections until the proxy is dropped; dropping the task drops
/// every connection it serves, with the requests they hold.
async fn accept(listener: TcpListener, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors, or the like: wait, then go on.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        if shared.refuses_connections() {
            lock(&shared.tally).faulted += 1;
            drop(stream);
            continue;
        }
        let shared = shared.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let shared = shared.clone();
                async move { shared.handle(req).await }
            });
            // A connection closed unanswered ends with an error: that is the point.
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

impl Shared {
    fn refuses_connections(&self) -> bool {
        let rule = lock(&self.rule);
        rule.fault == Fault::Unreachable && rule.only.is_none()
    }

    /// The fault for one request for `operation`, counted.
    fn fault_for(&self, operation: &str) -> Fault {
        let fault = {
            let rule = lock(&self.rule);
            if rule.only.as_deref().is_none_or(|only| only == operation) {
                rule.fault
            } else {
                Fault::PassThrough
            }
        };
        let mut tally = lock(&self.tally);
        *tally.seen.entry(operation.to_owned()).or_default() += 1;
        if fault != Fault::PassThrough {
            tally.faulted += 1;
        }
        fault
    }

    async fn handle(&self, req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Dropped> {
        let (parts, body) = req.into_parts();
        let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
        let operation = parts
            .headers
            .get("x-amz-target")
            .and_then(|v| v.to_str().ok())
            .and_then(|target| target.rsplit('.').next())
            .unwrap_or("")
            .to_owned();
        let req = Request::from_parts(parts, Full::new(body));
        match self.fault_for(&operation) {
            Fault::PassThrough => self.forward(req).await,
            Fault::Unreachable => Err(Dropped),
            Fault::Slow(delay) => {
                tokio::time::sleep(delay).await;
                self.forward(req).await
            }
            Fault::Error(error) => Ok(error.response()),
            Fault::CommitThenDrop => {
                self.forward(req).await?;
                Err(Dropped)
            }
        }
    }

    /// Sends `req` to the test server on a new connection and reads its
    /// answer whole. A failure closes the client's connection unanswered.
    async fn forward(&self, req: Request<Full<Bytes>>) -> Result<Response<Full<Bytes>>, Dropped> {
        let stream = TcpStream::connect(&self.upstream).await.map_err(|_| Dropped)?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|_| Dropped)?;
        let connection = tokio::spawn(connection);
        let answer = async {
            let resp = sender.send_request(req).await.map_err(|_| Dropped)?;
            let (mut parts, body) = resp.into_parts();
            let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
            // Framing is the proxy's own business on each side.
            parts.headers.remove(CONNECTION);
            parts.headers.remove(TRANSFER_ENCODING);
            Ok(Response::from_parts(parts, Full::new(body)))
        }
        .await;
        connection.abort();
        answer
    }
}
