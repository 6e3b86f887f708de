//! The login function: sign up, log in, log out (docs/security.md).
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
pub use broadsheet::edge::handle;
use broadsheet::edge::{Exchange, Handler};
use broadsheet::http::AppError;
use broadsheet::routes::LoginRoute;
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

impl<S: LoginStore> Handler for LoginApp<S> {
    type Route = LoginRoute;
    type Store = S;
    type Loaded = LoginRoute;

    fn site(&self) -> &Site {
        &self.site
    }

    fn store(&self) -> &S {
        &self.store
    }

    /// Every route needs it: the forms redirect a logged-in reader, logout
    /// ends the session.
    fn needs_session(_: &LoginRoute) -> bool {
        true
    }

    async fn load(&self, route: LoginRoute, _: &Request) -> Result<LoginRoute, AppError> {
        Ok(route)
    }

    async fn respond(&self, route: LoginRoute, ex: &Exchange<'_>) -> Result<Response<Body>, AppError> {
        let (req, r) = (ex.req, &ex.r);
        match route {
            LoginRoute::LoginForm => flows::show_login(self, req, r),
            LoginRoute::LogIn => flows::login(self, req, r).await,
            LoginRoute::SignupForm => flows::show_signup(self, req, r),
            LoginRoute::SignUp => flows::signup(self, req, r).await,
            LoginRoute::LogOut => flows::logout(self, req, r, ex.session).await,
        }
    }
}
