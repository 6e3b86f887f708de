//! The login function: sign up, log in, log out (PRODUCT.md §3).
//!
//! * `GET /login`, `GET /signup` — the forms, each with a fresh or reused
//!   double-submit CSRF token (`bs_csrf` cookie + hidden field).
//! * `POST /signup` — validates every field, hashes the password with
//!   Argon2id off the executor, creates the account with a conditional write
//!   (one of two racing sign-ups wins), then logs the reader in.
//! * `POST /login` — throttled per username and per client address; an
//!   unknown user is verified against a dummy hash, so both failures cost the
//!   same and read the same.
//! * `POST /logout` — deletes the session server-side and clears the cookie.
//!
//! Every success answers `303 See Other` to the validated `return_to`.

mod flows;

use broadsheet::config::Site;
use broadsheet::http::form::{check_body_size, session_of, viewer_of};
use broadsheet::http::{AppError, RequestInfo, Responder, route_path};
use broadsheet::routes::{Function, Resolution, resolve_in};
use broadsheet::store::{RateLimiter, Sessions, Users};
use lambda_http::{Body, Request, Response};

/// The login function's dependencies, built once per process.
#[derive(Debug, Clone)]
pub struct LoginApp<S> {
    pub store: S,
    pub site: Site,
}

impl<S> LoginApp<S> {
    /// Builds the app. Nothing is computed for unknown-user logins: the
    /// dummy hash they are verified against is a constant
    /// ([`broadsheet::auth::dummy_hash`]), so the first such login costs what
    /// every other does, and start-up pays no Argon2 run for it.
    pub fn new(store: S, site: Site) -> Self {
        LoginApp { store, site }
    }
}

/// What every store behind the login function must do.
pub trait LoginStore: Users + Sessions + RateLimiter {}
impl<T: Users + Sessions + RateLimiter> LoginStore for T {}

/// Serves one request. Never fails: every error becomes its response here.
pub async fn handle<S: LoginStore>(app: &LoginApp<S>, req: Request) -> Response<Body> {
    let info = RequestInfo::of(&req);
    let session = match check_body_size(&req) {
        Ok(()) => session_of(&app.store, &req).await.map_err(AppError::from),
        Err(e) => Err(e),
    };
    let (session, early_error) = match session {
        Ok(s) => (s, None),
        Err(e) => (None, Some(e)),
    };
    let viewer = viewer_of(session.as_ref());
    let r = Responder { site: &app.site, info: &info, viewer: &viewer };
    if let Some(e) = early_error {
        return r.error(e);
    }
    let result = match resolve_in(Function::Login, req.method().as_str(), route_path(&req)) {
        Resolution::Found(route) => match (route.method, route.pattern) {
            ("GET", "/login") => flows::show_login(app, &req, &r),
            ("POST", "/login") => flows::login(app, &req, &r).await,
            ("GET", "/signup") => flows::show_signup(app, &req, &r),
            ("POST", "/signup") => flows::signup(app, &req, &r).await,
            ("POST", "/logout") => flows::logout(app, &req, &r, session.as_ref()).await,
            _ => Err(AppError::NotFound),
        },
        Resolution::MethodNotAllowed(allow) => Err(AppError::MethodNotAllowed { allow }),
        Resolution::NotFound => Err(AppError::NotFound),
    };
    result.unwrap_or_else(|e| r.error(e))
}
