//! The login function: sign up, log in, log out (docs/security.md).
//!
//! * `GET /login`, `GET /signup` — the forms, each with a fresh or reused
//!   double-submit CSRF token (`__Host-bs_csrf` cookie + hidden field).
//! * `POST /signup` — validates every field, hashes the password with
//!   Argon2id off the executor, creates the account with a conditional write
//!   (one of two racing sign-ups wins), then logs the reader in.
//! * `POST /login` — throttled per (username, client address), per address
//!   and per username across addresses, each attempt reserved before the
//!   password is verified ([`throttle`]); an unknown user is verified against
//!   a dummy hash, so both failures cost the same and read the same.
//! * `POST /logout` — deletes the session server-side and clears the cookie.
//!
//! Every success answers `303 See Other` to the validated `return_to`. A
//! login or sign-up that storage could not take answers `503` with its form
//! again, what the reader typed kept (never the password).

mod flows;
mod throttle;

use broadsheet::auth::csrf::CSRF_FIELD;
use broadsheet::auth::safe_return_to;
pub use broadsheet::edge::handle;
use broadsheet::edge::{App, Exchange, Handler, Reply};
use broadsheet::http::AppError;
use broadsheet::http::form::site_form;
use broadsheet::routes::LoginRoute;
use broadsheet::store::{RateLimiter, Sessions, Users};
use broadsheet::views::{AuthForm, login_page, signup_page};
use lambda_http::Request;
use maud::Markup;

/// The message above a login or sign-up form re-shown because storage could
/// not be reached.
pub const STORAGE_UNAVAILABLE: &str =
    "We are having trouble reaching our storage. Please try again in a few seconds.";

/// The login function's handler; it keeps nothing of its own. Nothing is
/// computed for unknown-user logins either: the dummy hash they are verified
/// against is a constant ([`broadsheet::auth::dummy_hash`]), so the first
/// such login costs what every other does, and start-up pays no Argon2 run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Login;

/// The login function: site, store and [`Login`].
pub type LoginApp<S> = App<S, Login>;

/// What every store behind the login function must do.
pub trait LoginStore: Users + Sessions + RateLimiter {}
impl<T: Users + Sessions + RateLimiter> LoginStore for T {}

impl<S: LoginStore> Handler<S> for Login {
    type Route = LoginRoute;
    type Loaded = ();

    async fn load(_: &LoginApp<S>, _: &LoginRoute, _: &Request) -> Result<(), AppError> {
        Ok(())
    }

    async fn respond(app: &LoginApp<S>, route: LoginRoute, (): (), ex: &Exchange<'_>) -> Reply {
        match route {
            LoginRoute::LoginForm => flows::show(app, ex, login_page),
            LoginRoute::LogIn => flows::login(app, ex).await,
            LoginRoute::SignupForm => flows::show(app, ex, signup_page),
            LoginRoute::SignUp => flows::signup(app, ex).await,
            LoginRoute::LogOut => flows::logout(app, ex).await,
        }
    }

    /// A login or sign-up that storage could not take is answered `503` +
    /// `Retry-After` with its form again: the username (and display name)
    /// as typed, never the password, the same CSRF token (the browser's
    /// `__Host-bs_csrf` cookie is unchanged) and `return_to`, and a sentence
    /// saying to try again.
    fn unavailable_form(app: &LoginApp<S>, route: &LoginRoute, ex: &Exchange<'_>) -> Option<Markup> {
        let (req, viewer) = (ex.req, ex.r.viewer);
        let page = match route {
            LoginRoute::LogIn => login_page,
            LoginRoute::SignUp => signup_page,
            LoginRoute::LoginForm | LoginRoute::SignupForm | LoginRoute::LogOut => return None,
        };
        let form = site_form(req, &app.site).ok()?;
        let return_to = safe_return_to(form.get("return_to"));
        let fields = AuthForm {
            csrf_token: form.get(CSRF_FIELD).unwrap_or(""),
            return_to: &return_to,
            username: form.get("username").unwrap_or("").trim(),
            display_name: form.get("display_name").unwrap_or("").trim(),
            form_error: Some(STORAGE_UNAVAILABLE),
            ..AuthForm::default()
        };
        Some(page(&app.site, viewer, &fields))
    }
}
