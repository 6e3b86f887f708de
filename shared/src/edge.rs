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
//!    becomes a response — when storage is unavailable, the page is the
//!    function's form again with what the reader typed, if it has one
//!    ([`Handler::unavailable_form`]);
//! 6. a deadline: a request still unanswered after [`REQUEST_DEADLINE`] is
//!    answered `503` (as storage being unavailable) instead of running into
//!    Lambda's own timeout;
//! 7. one log line per request: request id, function, route pattern (never
//!    the concrete path, query, cookies or body), status and duration.
//!
//! A function is an [`App`] (site, store, and its own [`Handler`] state) and
//! implements [`Handler`]: its read and its response, each a `match` over its
//! own route enum.

use std::future::Future;
use std::time::{Duration, Instant};

use lambda_http::{Body, Request, Response};
use maud::Markup;
use time::OffsetDateTime;

use crate::auth::session::SESSION_COOKIE;
use crate::auth::{SessionToken, cookie_value};
use crate::config::ORIGIN_SECRET_HEADER;
use crate::config::Site;
use crate::http::client::ViaCdn;
use crate::http::form::{check_body_size, require_session_csrf, site_form};
use crate::http::response::keep_cookies_private;
use crate::http::{AppError, Query, RequestInfo, Responder, route_path};
use crate::routes::{FunctionRoute, Matched, RouteSpec, resolve};
use crate::store::{Session, Sessions, StoreError};
use crate::viewer::Viewer;

/// The longest any request runs before it is answered `503` + `Retry-After`
/// in the site's layout. Every DynamoDB operation gives up after
/// [`OPERATION_TIMEOUT`](crate::store::dynamo::OPERATION_TIMEOUT) (4 s), so
/// a page, whose reads are one round of concurrent operations, answers
/// within that; this bounds the writes, which make two or three operations
/// in a row, and leaves 2 s of the functions' 10 s Lambda timeout (and far
/// more of API Gateway's 29–30 s) to answer in the site's own words rather
/// than with a bare gateway error. docs/site.md, "Bad input and faults".
pub const REQUEST_DEADLINE: Duration = Duration::from_secs(8);

/// What a handler answers: the response, or the error the edge turns into one.
pub type Reply = Result<Response<Body>, AppError>;

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
    type Route: FunctionRoute + Clone + Send + Sync;
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
    ) -> impl Future<Output = Reply> + Send;

    /// The page to answer with when storage is unavailable (the SDK gave up,
    /// or the request ran past [`REQUEST_DEADLINE`]), instead of the plain
    /// `503` page: for a form, the form again, holding what the reader typed
    /// (read back from the request), so that nothing they wrote is lost.
    /// The status, `Retry-After` and log line stay the error's
    /// ([`Responder::error_with_form`]). The viewer is whoever the session
    /// named, or anonymous if it could not be looked up. The default, `None`,
    /// answers the error page.
    fn unavailable_form(app: &App<S, Self>, route: &Self::Route, ex: &Exchange<'_>) -> Option<Markup> {
        let _ = (app, route, ex);
        None
    }
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
    /// The body of a logged-in reader's form, once it has passed the checks
    /// every such POST must: sent from the site itself (`403`), a strictly
    /// decoded form (`400`/`413`), carrying the session's CSRF token,
    /// compared in constant time (`403`). Nothing is read or written before.
    pub fn reader_form(&self, session: &Session) -> Result<Query, AppError> {
        let form = site_form(self.req, self.r.site)?;
        require_session_csrf(session, &form)?;
        Ok(form)
    }

    /// The session a write needs. Without one the reader is sent to log in
    /// and brought back to `return_to` afterwards (`303`), nothing changed.
    pub fn session_or_login(&self, return_to: &str) -> Result<&'a Session, AppError> {
        self.session.ok_or_else(|| AppError::LoginRequired { return_to: return_to.to_owned() })
    }
}

/// Serves one request to `app`: resolves it against the whole route table,
/// as `broadsheet serve` does, then [`serve`]s it. Never fails: every error
/// is its response.
///
/// The whole table, because a function may be sent requests it does not
/// own: the listing function owns API Gateway's `$default` route, so an
/// unknown path is its `404`, and a known path with another method
/// (`POST /articles/x`) its `405` with that path's `Allow` — the answers the
/// local server gives. A route another function owns is not this one's to
/// serve (API Gateway never sends one here): `404`.
pub async fn handle<S, H>(app: &App<S, H>, req: Request) -> Response<Body>
where
    S: Sessions + Sync,
    H: Handler<S>,
{
    let routed = resolve(req.method().as_str(), route_path(&req));
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
    let mut req = req;
    let info = RequestInfo::of(&req);
    let route = RouteField(routed.as_ref().ok().map(|m| m.spec));
    let mut resp = match &app.site.origin_secret {
        // Behind the CDN, only the CDN may call: anyone else is bypassing the
        // edge cache and its limits (docs/security.md, "Only the CDN").
        Some(secret) if !secret.matches(req.headers().get(ORIGIN_SECRET_HEADER).map(|v| v.as_bytes())) => {
            let anonymous = Responder { site: &app.site, info: &info, viewer: &Viewer::Anonymous };
            anonymous.error(AppError::Forbidden("This address serves only the site's content network."))
        }
        secret => {
            if secret.is_some() {
                req.extensions_mut().insert(ViaCdn);
            }
            open(app, &req, &info, routed).await
        }
    };
    keep_cookies_private(&mut resp);
    tracing::info!(
        request_id = %info.request_id,
        function = <H::Route as FunctionRoute>::FUNCTION.package(),
        %route,
        status = resp.status().as_u16(),
        duration_ms = started.elapsed().as_secs_f64() * 1000.0,
        "request"
    );
    resp
}

/// The route a log line names (`-` for none), formatted only if a
/// subscriber records the line: a request pays no allocation for it.
struct RouteField(Option<&'static RouteSpec>);

impl std::fmt::Display for RouteField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(spec) => spec.fmt(f),
            None => f.write_str("-"),
        }
    }
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
    let deadline = tokio::time::Instant::now() + REQUEST_DEADLINE;
    let session =
        async { if personal { session_of(&app.store, req).await.map_err(AppError::from) } else { Ok(None) } };
    let opened =
        tokio::time::timeout_at(deadline, async { tokio::join!(session, H::load(app, &route, req)) });
    let (session, loaded) = match opened.await {
        Ok(both) => both,
        Err(_) => return fail(app, &route, req, anonymous, out_of_time()),
    };
    let session = match session {
        Ok(session) => session,
        Err(err) => return fail(app, &route, req, anonymous, err),
    };
    let viewer = Viewer::of(session.as_ref());
    let r = Responder { site: &app.site, info, viewer: &viewer };
    let ex = Exchange { req, session: session.as_ref(), r };
    let result = match loaded {
        Ok(loaded) => tokio::time::timeout_at(deadline, H::respond(app, route.clone(), loaded, &ex))
            .await
            .unwrap_or_else(|_| Err(out_of_time())),
        Err(err) => Err(err),
    };
    result.unwrap_or_else(|err| fail(app, &route, req, r, err))
}

/// `err` as the response: the function's form again if storage is
/// unavailable and the route has one, else the error page.
fn fail<S, H: Handler<S>>(
    app: &App<S, H>,
    route: &H::Route,
    req: &Request,
    r: Responder<'_>,
    err: AppError,
) -> Response<Body> {
    let form = match err {
        // The session, if it was read at all, is in the viewer.
        AppError::Unavailable(_) => H::unavailable_form(app, route, &Exchange { req, session: None, r }),
        _ => None,
    };
    r.error_with_form(err, form)
}

/// A request that ran past [`REQUEST_DEADLINE`]. Only storage can hold a
/// request that long, so it is answered as storage being unavailable.
#[derive(Debug, thiserror::Error)]
#[error("the request ran past its {}-second deadline", REQUEST_DEADLINE.as_secs())]
struct OutOfTime;

fn out_of_time() -> AppError {
    AppError::Unavailable(StoreError::Unavailable(Box::new(OutOfTime)))
}

/// The session named by the request's cookie, if it is valid now. A missing,
/// malformed, unknown or expired cookie is simply "not logged in".
pub async fn session_of<S: Sessions>(store: &S, req: &Request) -> Result<Option<Session>, StoreError> {
    let Some(token) = cookie_value(req.headers(), SESSION_COOKIE).and_then(SessionToken::parse) else {
        return Ok(None);
    };
    store.find_session(&token.hash(), OffsetDateTime::now_utc()).await
}

#[cfg(test)]
mod tests {
    use lambda_http::http::header::RETRY_AFTER;
    use maud::html;

    use super::*;
    use crate::config::SiteOrigin;
    use crate::routes::{ArticleRoute, resolve};
    use crate::store::memory::MemoryStore;

    /// A handler whose read never finishes, and whose route has a form page.
    #[derive(Debug, Default)]
    struct Stuck;

    impl Handler<MemoryStore> for Stuck {
        type Route = ArticleRoute;
        type Loaded = ();

        async fn load(_: &App<MemoryStore, Self>, _: &ArticleRoute, _: &Request) -> Result<(), AppError> {
            std::future::pending().await
        }

        async fn respond(
            _: &App<MemoryStore, Self>,
            _: ArticleRoute,
            (): (),
            _: &Exchange<'_>,
        ) -> Result<Response<Body>, AppError> {
            Err(AppError::NotFound)
        }

        fn unavailable_form(
            _: &App<MemoryStore, Self>,
            _: &ArticleRoute,
            _: &Exchange<'_>,
        ) -> Option<Markup> {
            Some(html! { form { "kept" } })
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_past_the_deadline_is_a_503_with_the_form() {
        let site = Site::new(SiteOrigin::parse("https://news.example").unwrap());
        let app: App<MemoryStore, Stuck> = App::new(MemoryStore::new(), site);
        let req = lambda_http::http::Request::builder().uri("/articles/a-b").body(Body::Empty).unwrap();
        let started = tokio::time::Instant::now();
        let resp = serve(&app, req, resolve("GET", "/articles/a-b")).await;
        assert_eq!(started.elapsed(), REQUEST_DEADLINE, "answered at the deadline, on paused time");
        assert_eq!(resp.status(), 503);
        assert!(resp.headers().contains_key(RETRY_AFTER));
        let body = String::from_utf8_lossy(resp.body().as_ref()).into_owned();
        assert_eq!(body, "<form>kept</form>", "the function's page with the form, not the bare 503 page");
    }
}
