//! `broadsheet serve`: the whole site on one local HTTP server.
//!
//! Every route of [`broadsheet::routes::ROUTES`] (the same table the tests
//! check against `template.yaml`) is dispatched to the very handler the Lambda
//! runs, with the request converted to the `lambda_http::Request` a Lambda
//! would receive. Nothing here knows about pages.
//!
//! The server is meant to stay up through a long run whatever its clients do
//! ([`ServeLimits`]; `infra/tests/serve_limits.rs` attacks it):
//!
//! * at most [`MAX_CONNECTIONS`] connections at once; past that it accepts
//!   nothing until one ends, so a flood cannot exhaust its file descriptors;
//! * a failed `accept()` (`EMFILE`, `ENFILE`, `ECONNABORTED` …) is logged and
//!   retried after a short back-off, never the end of the server;
//! * a request head must arrive within [`HEADER_READ_TIMEOUT`] (which also
//!   bounds an idle keep-alive connection) and its body within
//!   [`BODY_READ_TIMEOUT`], so a client dribbling bytes is cut off;
//! * a body is buffered up to the site's 64 KiB limit plus one byte, never
//!   more: anything bigger gets the site's `413` page.

use std::convert::Infallible;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use broadsheet::config::Site;
use broadsheet::edge;
use broadsheet::http::{AppError, MAX_BODY_BYTES, route_path};
use broadsheet::routes::{Function, resolve};
use broadsheet::store::ArticleWriter;
use broadsheet::store::{Refresh, StoreError, TrendingAggregator};
use broadsheet_article::{ArticleApp, ArticleStore};
use broadsheet_comment::{CommentApp, CommentStore};
use broadsheet_index::{LiveIndex, REFRESH_INTERVAL};
use broadsheet_listing::{ListingApp, ListingStore};
use broadsheet_login::{LoginApp, LoginStore};
use broadsheet_moderation::{ModerationApp, ModerationStore};
use broadsheet_search::SearchApp;
use http::{HeaderValue, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::{TokioIo, TokioTimer};
use lambda_http::RequestExt;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Connections served at once. Past it the server stops accepting until one
/// ends: new connections wait in the kernel's listen backlog (beyond that the
/// kernel drops their SYNs and clients retry) rather than being accepted and
/// closed, which would spend a descriptor on each and answer nobody. The
/// server never holds more sockets than this, well inside the common
/// 1,024 open-file limit. A browser opens six connections per host; the
/// `wrk` benchmark opens 32.
pub const MAX_CONNECTIONS: usize = 256;

/// How long a connection has to deliver a complete request head. hyper
/// starts this clock whenever it waits for a head, at connect and again
/// after every response, so it is also how long an idle keep-alive
/// connection is kept open. Any real client sends its head in one go.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How long a request's body may take to arrive, once its head has: past
/// it the answer is a bare `408` and the connection is closed. The site
/// takes at most 64 KiB, a fraction of a second on any real link.
pub const BODY_READ_TIMEOUT: Duration = Duration::from_secs(15);

/// The most of a body the server keeps: the site's limit plus one byte, so a
/// body just over the limit still reaches the function and gets its `413`
/// from the function's own check, as on Lambda; a bigger body gets the same
/// `413` page from here without being buffered.
const MAX_BODY_READ: usize = MAX_BODY_BYTES + 1;

/// How much of an oversized body is read and thrown away before the `413`.
/// A connection closed with request bytes unread is reset by the kernel,
/// and a client reset before it reads the answer never sees the `413` page;
/// so a form a little over the limit is read to its end (in chunks, never
/// kept), while a body declared bigger than this is refused unread.
const MAX_BODY_DISCARD: usize = 1024 * 1024;

/// hyper's per-connection read buffer, which also bounds a request head
/// (`431` beyond). hyper's default (about 400 KiB) times
/// [`MAX_CONNECTIONS`] would be 100 MB of headers; browsers send a few KiB.
const MAX_BUF_SIZE: usize = 64 * 1024;

/// The pause after a failed `accept()`: doubled for each failure in a row
/// up to [`ACCEPT_BACKOFF_MAX`], back to this after a success. Descriptors
/// free up as connections end, usually within milliseconds; the ceiling
/// keeps a lasting failure to one log line a second.
const ACCEPT_BACKOFF_MIN: Duration = Duration::from_millis(10);
const ACCEPT_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// What the local server allows a client; [`Default`] is what
/// `broadsheet serve` runs with (the constants above). Tests shorten the
/// timeouts and lower the cap to watch them act.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServeLimits {
    /// [`MAX_CONNECTIONS`].
    pub max_connections: usize,
    /// [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// [`BODY_READ_TIMEOUT`].
    pub body_read_timeout: Duration,
}

impl Default for ServeLimits {
    fn default() -> Self {
        ServeLimits {
            max_connections: MAX_CONNECTIONS,
            header_read_timeout: HEADER_READ_TIMEOUT,
            body_read_timeout: BODY_READ_TIMEOUT,
        }
    }
}

/// Every function's handler state, sharing one store.
#[derive(Debug)]
pub struct Apps<S> {
    pub site: Site,
    pub listing: ListingApp<S>,
    pub article: ArticleApp<S>,
    pub login: LoginApp<S>,
    pub comment: CommentApp<S>,
    pub moderation: ModerationApp<S>,
    pub search: SearchApp<S>,
}

/// What every store behind the local server must be able to do: what each
/// of the functions needs, together.
pub trait SiteStore:
    ListingStore
    + ArticleStore
    + LoginStore
    + CommentStore
    + ModerationStore
    + TrendingAggregator
    + ArticleWriter
    + Clone
    + 'static
{
}
impl<
    T: ListingStore
        + ArticleStore
        + LoginStore
        + CommentStore
        + ModerationStore
        + TrendingAggregator
        + ArticleWriter
        + Clone
        + 'static,
> SiteStore for T
{
}

impl<S: SiteStore> Apps<S> {
    pub fn new(store: S, site: Site) -> Self {
        Apps {
            listing: ListingApp::new(store.clone(), site.clone()),
            article: ArticleApp::new(store.clone(), site.clone()),
            login: LoginApp::new(store.clone(), site.clone()),
            comment: CommentApp::new(store.clone(), site.clone()),
            moderation: ModerationApp::new(store.clone(), site.clone()),
            // No bucket locally: the index is built from the store itself.
            search: broadsheet_search::app(
                store.clone(),
                site.clone(),
                Arc::new(LiveIndex::from_store(store, REFRESH_INTERVAL)),
            ),
            site,
        }
    }
}

/// How often `broadsheet serve` refreshes #TrendingNews by default: the
/// deployed aggregator's schedule.
pub const TRENDING_EVERY: Duration = Duration::from_secs(60);

/// What the deployed site does in two places, done here in one: writes the
/// reads the article function has counted (on Lambda each environment
/// flushes its own every few seconds), then runs the aggregator at `now`
/// (on Lambda, the scheduled function).
pub async fn refresh_trending<S: SiteStore>(
    apps: &Apps<S>,
    now: OffsetDateTime,
) -> Result<Refresh, StoreError> {
    apps.article.handler.flush_reads(&apps.article.store).await;
    apps.article.store.refresh_trending(now).await
}

/// [`refresh_trending`] every `every`, for as long as the task runs: the
/// local server's stand-in for the aggregator's schedule. A failed run is
/// logged and the next one tries again, as on Lambda.
pub async fn aggregate_trending<S: SiteStore>(apps: Arc<Apps<S>>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match refresh_trending(&apps, OffsetDateTime::now_utc()).await {
            Ok(done) => {
                tracing::debug!(batches = done.batches, reads = done.reads, "#TrendingNews refreshed")
            }
            Err(e) => tracing::warn!(error = %e, "refreshing #TrendingNews failed"),
        }
    }
}

/// Serves with the default [`ServeLimits`] until the task is dropped.
///
/// It does not return: a failed `accept()` is logged and retried, never
/// returned (the `Result` stays so callers need not change).
pub async fn serve<S: SiteStore>(listener: TcpListener, apps: Arc<Apps<S>>) -> io::Result<()> {
    serve_with(listener, apps, ServeLimits::default()).await
}

/// [`serve`] with the given limits.
pub async fn serve_with<S: SiteStore>(
    listener: TcpListener,
    apps: Arc<Apps<S>>,
    limits: ServeLimits,
) -> io::Result<()> {
    let listener = &listener;
    let never = accept_loop(
        move || listener.accept(),
        limits.max_connections,
        |stream, peer, slot| {
            let apps = apps.clone();
            tokio::spawn(async move {
                serve_connection(stream, peer, apps, limits).await;
                // The connection is over: its slot is free.
                drop(slot);
            });
        },
    )
    .await;
    match never {}
}

/// Accepts connections for ever, handing each to `serve` with a slot (a
/// semaphore permit) to hold until the connection ends; with all
/// `max_connections` slots taken it waits for one before it accepts again.
///
/// A failed accept is never the end. When the failure concerns only the
/// connection being accepted (its peer gave up: `ECONNABORTED`, a reset,
/// `EINTR`) the next is accepted at once; any other (`EMFILE`, `ENFILE`,
/// `ENOBUFS`, `ENOMEM` …: resources that free up as connections end) is
/// logged and retried after a back-off, so a server out of descriptors
/// neither spins nor stops.
async fn accept_loop<C, Fut>(
    mut accept: impl FnMut() -> Fut,
    max_connections: usize,
    mut serve: impl FnMut(C, SocketAddr, OwnedSemaphorePermit),
) -> Infallible
where
    Fut: Future<Output = io::Result<(C, SocketAddr)>>,
{
    let slots = Arc::new(Semaphore::new(max_connections.clamp(1, Semaphore::MAX_PERMITS)));
    let mut backoff = ACCEPT_BACKOFF_MIN;
    loop {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            unreachable!("the semaphore is never closed");
        };
        match accept().await {
            Ok((conn, peer)) => {
                backoff = ACCEPT_BACKOFF_MIN;
                serve(conn, peer, slot);
            }
            Err(e) if peer_gave_up(&e) => {
                tracing::debug!(error = %e, "a connection went away before it was accepted");
            }
            Err(e) => {
                drop(slot);
                tracing::warn!(error = %e, retry_in = ?backoff, "accept failed; retrying");
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(ACCEPT_BACKOFF_MAX);
            }
        }
    }
}

/// An accept error about that one connection, not about the server.
fn peer_gave_up(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted
    )
}

/// Serves one connection's requests (HTTP/1.1, keep-alive) within `limits`.
async fn serve_connection<S: SiteStore>(
    stream: TcpStream,
    peer: SocketAddr,
    apps: Arc<Apps<S>>,
    limits: ServeLimits,
) {
    let svc = hyper::service::service_fn(move |req| {
        let apps = apps.clone();
        async move { Ok::<_, Infallible>(dispatch(&apps, req, peer, limits.body_read_timeout).await) }
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout).max_buf_size(MAX_BUF_SIZE);
    if let Err(e) = http.serve_connection(TokioIo::new(stream), svc).await {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}

/// Binds `127.0.0.1:0` and serves in the background: for tests.
pub async fn spawn<S: SiteStore>(
    apps: Arc<Apps<S>>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        if let Err(e) = serve(listener, apps).await {
            tracing::error!(error = %e, "local server stopped");
        }
    });
    Ok((addr, handle))
}

async fn dispatch<S: SiteStore>(
    apps: &Apps<S>,
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
    body_read_timeout: Duration,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let context = context(&parts.method, parts.uri.path(), peer);
    let refused = match read_body(body, body_read_timeout).await {
        Ok(bytes) => {
            let body = if bytes.is_empty() {
                lambda_http::Body::Empty
            } else {
                match String::from_utf8(bytes) {
                    Ok(text) => lambda_http::Body::Text(text),
                    Err(e) => lambda_http::Body::Binary(e.into_bytes()),
                }
            };
            let req = lambda_http::Request::from_parts(parts, body).with_request_context(context);
            return into_hyper(route(apps, req).await);
        }
        Err(BodyError::TimedOut) => return request_timeout(),
        Err(BodyError::TooLarge) => AppError::PayloadTooLarge,
        Err(BodyError::Failed) => AppError::BadRequest("the request body could not be read"),
    };
    let req = lambda_http::Request::from_parts(parts, lambda_http::Body::Empty);
    into_hyper(edge::serve(&apps.listing, req.with_request_context(context), Err(refused)).await)
}

/// Why a request body was not read.
#[derive(Debug, PartialEq, Eq)]
enum BodyError {
    /// Over [`MAX_BODY_READ`]: `413`.
    TooLarge,
    /// Not all there within the body timeout: `408`.
    TimedOut,
    /// The connection failed or the framing was broken: `400`.
    Failed,
}

/// Reads a request body within `timeout`: whole if it is at most
/// [`MAX_BODY_READ`] bytes, otherwise [`BodyError::TooLarge`] once it is
/// read and discarded to its end, or past [`MAX_BODY_DISCARD`] more bytes,
/// whichever comes first (a body declared bigger than that is not read at
/// all). Only what is kept is buffered.
async fn read_body<B>(mut body: B, timeout: Duration) -> Result<Vec<u8>, BodyError>
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
{
    const MAX_SEEN: usize = MAX_BODY_READ + MAX_BODY_DISCARD;
    if usize::try_from(body.size_hint().lower()).map_or(true, |declared| declared > MAX_SEEN) {
        return Err(BodyError::TooLarge);
    }
    let read = async move {
        let mut kept = Some(Vec::new());
        let mut seen = 0usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| BodyError::Failed)?;
            let Ok(data) = frame.into_data() else { continue };
            seen = seen.saturating_add(data.len());
            if seen > MAX_SEEN {
                return Err(BodyError::TooLarge);
            }
            match &mut kept {
                Some(buf) if seen <= MAX_BODY_READ => buf.extend_from_slice(&data),
                _ => kept = None,
            }
        }
        kept.ok_or(BodyError::TooLarge)
    };
    tokio::time::timeout(timeout, read).await.unwrap_or(Err(BodyError::TimedOut))
}

/// A bare `408` that closes the connection: the client is too slow or gone,
/// and the rest of its body is not waited for.
fn request_timeout() -> hyper::Response<Full<Bytes>> {
    let mut resp = hyper::Response::new(Full::new(Bytes::new()));
    *resp.status_mut() = StatusCode::REQUEST_TIMEOUT;
    resp.headers_mut().insert(http::header::CONNECTION, HeaderValue::from_static("close"));
    resp
}

/// Resolves the request against every function's routes, once, and hands
/// it to the function that owns it. A path no function owns is answered by
/// the listing function's edge, in the site's layout.
async fn route<S: SiteStore>(
    apps: &Apps<S>,
    req: lambda_http::Request,
) -> lambda_http::Response<lambda_http::Body> {
    let routed = resolve(req.method().as_str(), route_path(&req));
    match routed.as_ref().map(|m| m.spec.function) {
        Ok(Function::Listing) | Err(_) => edge::serve(&apps.listing, req, routed).await,
        Ok(Function::Article) => edge::serve(&apps.article, req, routed).await,
        Ok(Function::Login) => edge::serve(&apps.login, req, routed).await,
        Ok(Function::Comment) => edge::serve(&apps.comment, req, routed).await,
        Ok(Function::Moderation) => edge::serve(&apps.moderation, req, routed).await,
        Ok(Function::Search) => edge::serve(&apps.search, req, routed).await,
    }
}

/// The request context API Gateway (HTTP API) would attach: the handlers read
/// the client address for throttling from it, never from a header.
fn context(method: &http::Method, path: &str, peer: SocketAddr) -> RequestContext {
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.stage = Some("$default".to_owned());
    ctx.request_id = Some(ulid::Ulid::new().to_string());
    ctx.http.method = method.clone();
    ctx.http.path = Some(path.to_owned());
    ctx.http.protocol = Some("HTTP/1.1".to_owned());
    ctx.http.source_ip = Some(peer.ip().to_string());
    RequestContext::ApiGatewayV2(ctx)
}

fn into_hyper(resp: lambda_http::Response<lambda_http::Body>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = resp.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(t) => Bytes::from(t),
        lambda_http::Body::Binary(b) => Bytes::from(b),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::io;
    use std::net::{Ipv4Addr, SocketAddrV4};
    use std::pin::Pin;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Poll};
    use std::time::Duration;

    use http_body_util::StreamBody;
    use hyper::body::{Body, Frame, SizeHint};
    use tokio::sync::{OwnedSemaphorePermit, mpsc};
    use tokio::time::{Instant, timeout};

    use super::*;

    const PEER: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 40_000));
    /// Longer than anything here waits; with the clock paused it costs nothing.
    const FOREVER: Duration = Duration::from_secs(3600);

    /// `EMFILE` and `ENFILE`: 24 and 23 on Linux, macOS and the BSDs.
    const EMFILE: i32 = 24;
    const ENFILE: i32 = 23;

    /// What one call of a scripted listener's `accept()` gives.
    type Step = io::Result<(u32, SocketAddr)>;
    type Accepting = Pin<Box<dyn Future<Output = Step> + Send>>;
    /// When each `accept()` was called.
    type Calls = Arc<Mutex<Vec<Instant>>>;

    /// A listener that hands out `script` in order, then never answers, and
    /// notes when it was asked.
    fn scripted(script: Vec<Step>) -> (impl FnMut() -> Accepting, Calls) {
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let calls = Calls::default();
        let noted = calls.clone();
        let accept = move || -> Accepting {
            noted.lock().expect("calls").push(Instant::now());
            match script.lock().expect("script").pop_front() {
                Some(step) => Box::pin(async move { step }),
                None => Box::pin(std::future::pending()),
            }
        };
        (accept, calls)
    }

    fn conn(n: u32) -> Step {
        Ok((n, PEER))
    }

    #[tokio::test(start_paused = true)]
    async fn accept_errors_are_retried_after_a_growing_back_off_and_give_their_slot_back() {
        let (accept, calls) = scripted(vec![
            Err(io::Error::from_raw_os_error(EMFILE)),
            Err(io::Error::from_raw_os_error(EMFILE)),
            Err(io::Error::from_raw_os_error(ENFILE)),
            Err(io::ErrorKind::ConnectionAborted.into()),
            conn(1),
            Err(io::Error::from_raw_os_error(EMFILE)),
            conn(2),
        ]);
        let (tx, mut rx) = mpsc::unbounded_channel();
        // One slot: had a failed accept kept its slot, nothing would follow.
        let server = tokio::spawn(async move {
            let _ = accept_loop(accept, 1, move |c, _, permit| {
                drop(permit);
                let _ = tx.send(c);
            })
            .await;
        });
        let mut served = Vec::new();
        for _ in 0..2 {
            served.push(timeout(FOREVER, rx.recv()).await.expect("the loop kept accepting").expect("open"));
        }
        server.abort();
        assert_eq!(served, [1, 2]);
        let calls = calls.lock().expect("calls").clone();
        let gaps: Vec<Duration> = calls.windows(2).take(6).map(|w| w[1] - w[0]).collect();
        // EMFILE, EMFILE, ENFILE: 10, 20, 40 ms; ECONNABORTED (the peer gave
        // up) and a success: at once; after a success the back-off restarts.
        let expected = [10, 20, 40, 0, 0, 10].map(Duration::from_millis);
        for (i, (gap, want)) in gaps.iter().zip(expected).enumerate() {
            assert!(
                *gap >= want && *gap < want + Duration::from_millis(5),
                "gap {i}: {gap:?}, want {want:?}"
            );
        }
        assert_eq!(gaps.len(), 6);
    }

    #[tokio::test(start_paused = true)]
    async fn the_back_off_stops_growing_at_its_ceiling() {
        let script = (0..12).map(|_| Err(io::Error::from_raw_os_error(EMFILE))).chain([conn(1)]).collect();
        let (accept, calls) = scripted(script);
        let (tx, mut rx) = mpsc::unbounded_channel();
        let server = tokio::spawn(async move {
            let _ = accept_loop(accept, 4, move |c, _, _permit| {
                let _ = tx.send(c);
            })
            .await;
        });
        assert_eq!(timeout(FOREVER, rx.recv()).await.expect("accepting resumed"), Some(1));
        server.abort();
        let calls = calls.lock().expect("calls").clone();
        let longest = calls.windows(2).map(|w| w[1] - w[0]).max().expect("several calls");
        assert!(longest >= Duration::from_secs(1) && longest < Duration::from_millis(1005), "{longest:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn past_the_cap_a_connection_waits_for_a_free_slot() {
        let (accept, calls) = scripted(vec![conn(1), conn(2), conn(3)]);
        let (tx, mut rx) = mpsc::unbounded_channel::<(u32, OwnedSemaphorePermit)>();
        let server = tokio::spawn(async move {
            let _ = accept_loop(accept, 2, move |c, _, permit| {
                let _ = tx.send((c, permit));
            })
            .await;
        });
        let (first, first_slot) = timeout(FOREVER, rx.recv()).await.expect("served").expect("open");
        let (second, _second_slot) = timeout(FOREVER, rx.recv()).await.expect("served").expect("open");
        assert_eq!((first, second), (1, 2));
        // Both slots are held: however long we wait, the loop does not accept.
        assert!(timeout(FOREVER, rx.recv()).await.is_err(), "a third connection was accepted past the cap");
        assert_eq!(calls.lock().expect("calls").len(), 2, "accept() was called with no free slot");
        drop(first_slot);
        let (third, _) = timeout(FOREVER, rx.recv()).await.expect("a slot freed").expect("open");
        assert_eq!(third, 3);
        server.abort();
    }

    /// A body of `total` bytes (endless if `None`) in `CHUNK`-byte frames,
    /// declaring `declared` as its exact length, counting what is pulled.
    struct Chunks {
        total: Option<usize>,
        declared: Option<u64>,
        pulled: Arc<AtomicUsize>,
    }

    const CHUNK: usize = 8 * 1024;

    impl Body for Chunks {
        type Data = Bytes;
        type Error = Infallible;

        fn poll_frame(
            self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
            let pulled = self.pulled.load(Ordering::SeqCst);
            let n = match self.total {
                Some(total) => CHUNK.min(total - pulled),
                None => CHUNK,
            };
            if n == 0 {
                return Poll::Ready(None);
            }
            self.pulled.fetch_add(n, Ordering::SeqCst);
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b'a'; n])))))
        }

        fn size_hint(&self) -> SizeHint {
            self.declared.map_or_else(SizeHint::default, SizeHint::with_exact)
        }
    }

    fn body(total: Option<usize>, declared: Option<u64>) -> (Chunks, Arc<AtomicUsize>) {
        let pulled = Arc::new(AtomicUsize::new(0));
        (Chunks { total, declared, pulled: pulled.clone() }, pulled)
    }

    #[tokio::test]
    async fn a_body_up_to_the_site_limit_plus_one_is_handed_on_whole() {
        for len in [0, 1, MAX_BODY_READ] {
            let (b, _) = body(Some(len), None);
            assert_eq!(read_body(b, FOREVER).await.map(|b| b.len()), Ok(len));
        }
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_refused_after_reading_at_most_the_discard_allowance() {
        // A little over: read to its end (so the client is not reset before
        // it can read the 413) but not kept.
        let (b, pulled) = body(Some(70 * 1024), None);
        assert_eq!(read_body(b, FOREVER).await.map(|b| b.len()), Err(BodyError::TooLarge));
        assert_eq!(pulled.load(Ordering::SeqCst), 70 * 1024);
        // Endless: refused once past the allowance.
        let (b, pulled) = body(None, None);
        assert_eq!(read_body(b, FOREVER).await.map(|b| b.len()), Err(BodyError::TooLarge));
        let pulled = pulled.load(Ordering::SeqCst);
        assert!(pulled <= MAX_BODY_READ + MAX_BODY_DISCARD + CHUNK, "read {pulled} bytes");
    }

    #[tokio::test]
    async fn a_body_declared_larger_than_the_allowance_is_refused_unread() {
        let six_mb = 6 * 1024 * 1024;
        let (b, pulled) = body(Some(six_mb), Some(six_mb as u64));
        assert_eq!(read_body(b, FOREVER).await.map(|b| b.len()), Err(BodyError::TooLarge));
        assert_eq!(pulled.load(Ordering::SeqCst), 0);
    }

    /// A body whose client stopped sending: a stream that never yields.
    fn stalled() -> StreamBody<futures::stream::Pending<Result<Frame<Bytes>, Infallible>>> {
        StreamBody::new(futures::stream::pending())
    }

    #[tokio::test(start_paused = true)]
    async fn a_stalled_body_times_out() {
        let started = Instant::now();
        let read = timeout(FOREVER, read_body(stalled(), Duration::from_secs(15))).await;
        assert_eq!(
            read.map(|r| r.map(|b| b.len())),
            Ok(Err(BodyError::TimedOut)),
            "the read was not cut off"
        );
        let waited = started.elapsed();
        assert!(waited >= Duration::from_secs(15) && waited < Duration::from_secs(16), "{waited:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn the_local_server_ranks_trending_by_itself() {
        use broadsheet::config::SiteOrigin;
        use broadsheet::domain::{Category, NewArticle, SanitizedHtml, Slug};
        use broadsheet::store::memory::MemoryStore;
        use broadsheet::store::{ArticleWriter, ReadBatch, ReadCounter, TrendingReader};

        let store = MemoryStore::new();
        let now = OffsetDateTime::now_utc();
        let slug = Slug::parse("local-story").unwrap();
        let article = NewArticle {
            slug: slug.clone(),
            title: "A local story".into(),
            category: Category::Health,
            author: "A".into(),
            published_at: now - time::Duration::days(1),
            summary: String::new(),
            body_html: SanitizedHtml::from_sanitized(String::new()),
            words: 0,
            correction: None,
            source: "local.md".into(),
            unpublished: false,
        };
        store.put_article(&article, now).await.unwrap();
        let batch = ReadBatch::new(now - time::Duration::minutes(1), [(slug, 2)].into_iter().collect());
        store.add_reads(&batch).await.unwrap();
        let apps =
            Arc::new(Apps::new(store.clone(), Site::new(SiteOrigin::parse("http://127.0.0.1:1").unwrap())));
        let task = tokio::spawn(aggregate_trending(apps, Duration::from_millis(10)));
        let mut ranked = Vec::new();
        for _ in 0..200 {
            ranked = store.trending(10).await.unwrap();
            if !ranked.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        task.abort();
        assert_eq!(ranked.len(), 1, "the background task ranked the read");
        assert_eq!(ranked[0].reads, 2);
    }
}
