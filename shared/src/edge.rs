//! The request edge: the one place a request is opened and a response
//! closed, for every function, on Lambda and in `broadsheet serve` alike.
//!
//! [`handle`] (or [`serve`], for a caller that resolved the route itself)
//! does, once, what every request shares:
//!
//! 1. what the response side needs of the request ([`RequestInfo`]);
//! 2. the body limit (`413` beyond 64 KiB, before anything reads the body);
//! 3. the route: method and path matched once, captures parsed into domain
//!    types ([`crate::routes`]); `404`/`405`/`400` decided there;
//! 4. the reader's session, for the routes the table marks personal, looked
//!    up *concurrently* with the handler's own read ([`Handler::load`]), so a
//!    logged-in page view costs no extra round trip; write routes get it
//!    before they act ([`Exchange::session_or_login`]);
//! 5. the [`Responder`] for that viewer, and the one place an [`AppError`]
//!    becomes a response;
//! 6. one log line per request: request id, function, route pattern (never
//!    the concrete path, query, cookies or body), status and duration.
//!
//! A function is an [`App`] (site, store, and its own [`Handler`] state) and
//! implements [`Handler`]: its read and its response, each a `match` over its
//! own route enum.

use std::future::Future;
use std::time::Instant;

use lambda_http::{Body, Request, Response};
use time::OffsetDateTime;

use crate::auth::session::SESSION_COOKIE;
use crate::auth::{SessionToken, cookie_value};
use crate::config::Site;
use crate::http::form::check_body_size;
use crate::http::{AppError, RequestInfo, Responder, route_path};
use crate::routes::{FunctionRoute, Matched, resolve_in};
use crate::store::{Session, Sessions, StoreError};
use crate::viewer::Viewer;

/// One function's state, built once per process: the site, the store, and
/// the function's [`Handler`] with whatever it keeps of its own.
#[derive(Debug, Clone)]
pub struct App<S, H> {
    pub site: Site,
    pub store: S,
    pub handler: H,
}

impl<S, H: Default> App<S, H> {
    pub fn new(store: S, site: Site) -> Self {
        App { site, store, handler: H::default() }
    }
}

/// One function's request handling, as the edge drives it: a `match` over
/// the function's own routes, in two steps.
pub trait Handler<S>: Sized + Sync {
    /// The function's own routes.
    type Route: FunctionRoute + Send + Sync;
    /// What [`Handler::load`] hands to [`Handler::respond`].
    type Loaded: Send;

    /// The route's own read, run concurrently with the session lookup (it
    /// cannot see the session). Write routes, which must see the session
    /// before they touch anything, read nothing here (`Loaded = ()`) and do
    /// their work in [`Handler::respond`].
    fn load(
        app: &App<S, Self>,
        route: &Self::Route,
        req: &Request,
    ) -> impl Future<Output = Result<Self::Loaded, AppError>> + Send;

    /// The response, rendered for the viewer the session names.
    fn respond(
        app: &App<S, Self>,
        route: Self::Route,
        loaded: Self::Loaded,
        ex: &Exchange<'_>,
    ) -> impl Future<Output = Result<Response<Body>, AppError>> + Send;
}

/// One request as the edge opened it: the request, the reader's session if
/// any, and the [`Responder`] that builds responses for that reader.
#[derive(Debug, Clone, Copy)]
pub struct Exchange<'a> {
    pub req: &'a Request,
    pub session: Option<&'a Session>,
    pub r: Responder<'a>,
}

impl<'a> Exchange<'a> {
    /// The session a write needs. Without one the reader is sent to log in
    /// and brought back to `return_to` afterwards (`303`), nothing changed.
    pub fn session_or_login(&self, return_to: &str) -> Result<&'a Session, AppError> {
        self.session.ok_or_else(|| AppError::LoginRequired { return_to: return_to.to_owned() })
    }
}

/// Serves one request to `app`: resolves it against the function's own
/// routes, then [`serve`]s it. Never fails: every error is its response.
pub async fn handle<S, H>(app: &App<S, H>, req: Request) -> Response<Body>
where
    S: Sessions + Sync,
    H: Handler<S>,
{
    let function = <H::Route as FunctionRoute>::FUNCTION;
    let routed = resolve_in(function, req.method().as_str(), route_path(&req));
    serve(app, req, routed).await
}

/// Serves one request whose route is already known (the local server
/// resolves against every function's routes to pick the function), or
/// already refused (an event the Lambda guard rejected).
pub async fn serve<S, H>(app: &App<S, H>, req: Request, routed: Result<Matched, AppError>) -> Response<Body>
where
    S: Sessions + Sync,
    H: Handler<S>,
{
    let started = Instant::now();
    let info = RequestInfo::of(&req);
    let label = routed.as_ref().map_or_else(|_| "-".to_owned(), |m| m.spec.label());
    let resp = open(app, &req, &info, routed).await;
    tracing::info!(
        request_id = %info.request_id,
        function = <H::Route as FunctionRoute>::FUNCTION.package(),
        route = label,
        status = resp.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    resp
}

async fn open<S, H>(
    app: &App<S, H>,
    req: &Request,
    info: &RequestInfo,
    routed: Result<Matched, AppError>,
) -> Response<Body>
where
    S: Sessions + Sync,
    H: Handler<S>,
{
    let anonymous = Responder { site: &app.site, info, viewer: &Viewer::Anonymous };
    let route = check_body_size(req).and(routed).and_then(|m| {
        // The route table only hands a function its own routes; another
        // function's would be a wiring bug, answered as "no such page".
        let personal = m.spec.personal;
        H::Route::from_route(m.route).map(|r| (r, personal)).ok_or(AppError::NotFound)
    });
    let (route, personal) = match route {
        Ok(ok) => ok,
        Err(err) => return anonymous.error(err),
    };
    let session =
        async { if personal { session_of(&app.store, req).await.map_err(AppError::from) } else { Ok(None) } };
    let (session, loaded) = tokio::join!(session, H::load(app, &route, req));
    let session = match session {
        Ok(session) => session,
        Err(err) => return anonymous.error(err),
    };
    let viewer = Viewer::of(session.as_ref());
    let r = Responder { site: &app.site, info, viewer: &viewer };
    let ex = Exchange { req, session: session.as_ref(), r };
    let result = match loaded {
        Ok(loaded) => H::respond(app, route, loaded, &ex).await,
        Err(err) => Err(err),
    };
    result.unwrap_or_else(|err| r.error(err))
}

/// The session named by the request's cookie, if it is valid now. A missing,
/// malformed, unknown or expired cookie is simply "not logged in".
pub async fn session_of<S: Sessions>(store: &S, req: &Request) -> Result<Option<Session>, StoreError> {
    let Some(token) = cookie_value(req.headers(), SESSION_COOKIE).and_then(SessionToken::parse) else {
        return Ok(None);
    };
    store.find_session(&token.hash(), OffsetDateTime::now_utc()).await
}
