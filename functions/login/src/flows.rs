//! The sign-up, login and logout flows.

use broadsheet::auth::csrf::{CSRF_COOKIE, CSRF_FIELD};
use broadsheet::auth::limits::{SIGNUP_WINDOW, SIGNUPS_PER_ADDRESS};
use broadsheet::auth::session::SESSION_TTL;
use broadsheet::auth::{
    CsrfToken, DisplayName, Password, SessionToken, Username, Window, clear_csrf_cookie,
    clear_session_cookie, cookie_value, csrf_cookie, dummy_hash, hash_password_off_thread, safe_return_to,
    session_cookie, verify_password_off_thread,
};
use broadsheet::edge::{Exchange, Reply};
use broadsheet::http::client::client_address;
use broadsheet::http::form::{require_form_csrf, site_form};
use broadsheet::http::response::{append_cookie, set_retry_after};
use broadsheet::http::{AppError, Cache, Query, Responder};
use broadsheet::store::{Session, User};
use broadsheet::views::{AuthForm, login_page, signup_page};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use time::OffsetDateTime;

use crate::{LoginApp, LoginStore, throttle};

/// The one message for every failed login: it must not reveal whether the
/// username exists.
pub const LOGIN_FAILED: &str = "Incorrect username or password.";
/// The message next to the username when sign-up loses the race for a name.
pub const USERNAME_TAKEN: &str = "That username is taken. Please choose another.";

type Result<T> = std::result::Result<T, AppError>;

/// The CSRF token for a form page: the browser's existing `__Host-bs_csrf` cookie if
/// it has a valid one (so two open tabs both work), else a new one with the
/// `Set-Cookie` that installs it.
fn form_token(req: &Request) -> (CsrfToken, Option<String>) {
    match cookie_value(req.headers(), CSRF_COOKIE).and_then(CsrfToken::parse) {
        Some(token) => (token, None),
        None => {
            let token = CsrfToken::generate();
            let cookie = csrf_cookie(&token);
            (token, Some(cookie))
        }
    }
}

/// `GET /login` and `GET /signup`: `page` with a fresh form, or straight on
/// to `return_to` for a reader who is already logged in.
pub fn show(app: &LoginApp<impl LoginStore>, ex: &Exchange<'_>, page: FormPage) -> Reply {
    let (req, r) = (ex.req, &ex.r);
    let return_to = safe_return_to(Query::of(req)?.get("return_to"));
    if r.viewer.reader().is_some() {
        return Ok(r.see_other(&return_to));
    }
    let (token, cookie) = form_token(req);
    let form = AuthForm { csrf_token: token.as_str(), return_to: &return_to, ..AuthForm::default() };
    // The page carries a CSRF token: never cache it.
    let mut resp = r.html(StatusCode::OK, page(&app.site, r.viewer, &form), Cache::NoStore);
    if let Some(cookie) = cookie {
        append_cookie(&mut resp, &cookie);
    }
    Ok(resp)
}

/// A view of the login or the sign-up form.
pub type FormPage = fn(&broadsheet::config::Site, &broadsheet::viewer::Viewer, &AuthForm<'_>) -> maud::Markup;

/// The checks every anonymous form POST passes before anything is read or
/// written: same site, a form body, the double-submit CSRF token.
fn checked_form(app: &LoginApp<impl LoginStore>, req: &Request) -> Result<Query> {
    let form = site_form(req, &app.site)?;
    require_form_csrf(req, &form)?;
    Ok(form)
}

/// `POST /login`.
pub async fn login<S: LoginStore>(app: &LoginApp<S>, ex: &Exchange<'_>) -> Reply {
    let (req, r) = (ex.req, &ex.r);
    let form = checked_form(app, req)?;
    let return_to = safe_return_to(form.get("return_to"));
    let raw_username = form.get("username").unwrap_or("").trim();
    let raw_password = form.get("password").unwrap_or("");
    let reshow = |status: StatusCode, form_error: Option<&str>, username_error, password_error| {
        let page = AuthForm {
            csrf_token: form.get(CSRF_FIELD).unwrap_or(""),
            return_to: &return_to,
            username: raw_username,
            form_error,
            username_error,
            password_error,
            ..AuthForm::default()
        };
        r.html(status, login_page(&app.site, r.viewer, &page), Cache::NoStore)
    };
    if raw_username.is_empty() || raw_password.is_empty() {
        let username_error = raw_username.is_empty().then_some("Enter your username.");
        let password_error = raw_password.is_empty().then_some("Enter your password.");
        return Ok(reshow(StatusCode::UNPROCESSABLE_ENTITY, None, username_error, password_error));
    }

    let now = OffsetDateTime::now_utc();
    let username = Username::parse(raw_username).ok();
    let throttle_name =
        username.as_ref().map_or_else(|| throttle::throttle_name(raw_username), |u| u.to_string());
    // The attempt's place in every counter is taken before the password is
    // looked at, concurrently with reading the account.
    let (reserved, user) =
        tokio::join!(throttle::reserve(&app.store, &throttle_name, client_address(req), now), async {
            match &username {
                Some(u) => app.store.find_user(u).await,
                None => Ok(None),
            }
        },);
    let reserved = match reserved? {
        Ok(reserved) => reserved,
        Err(refused) => {
            let secs = refused.retry_after_secs;
            let message =
                format!("Too many failed attempts. Please try again in {} minutes.", secs.div_ceil(60));
            let mut resp = reshow(StatusCode::TOO_MANY_REQUESTS, Some(&message), None, None);
            set_retry_after(&mut resp, secs);
            return Ok(resp);
        }
    };
    let user = match user {
        Ok(user) => user,
        Err(e) => {
            // Nothing was verified: the attempt must not count.
            let _ = reserved.release(&app.store).await;
            return Err(e.into());
        }
    };

    // Unknown users are verified against a dummy hash: the same work, the same answer.
    let hash = user.as_ref().map_or_else(|| dummy_hash().clone(), |u| u.password_hash.clone());
    let verified = verify_password_off_thread(Password::for_login(raw_password.to_owned()), hash).await;
    let Some(user) = user.filter(|_| verified) else {
        // The reservation stands: it is the recorded failure.
        tracing::info!(request_id = %r.info.request_id, "login failed");
        return Ok(reshow(StatusCode::UNPROCESSABLE_ENTITY, Some(LOGIN_FAILED), None, None));
    };
    // A success is not a failure: give the places back, concurrently with
    // starting the session. If that fails the reader is still logged in;
    // the places lapse with their window.
    let (released, response) =
        tokio::join!(reserved.release(&app.store), start_session(app, r, &user, &return_to));
    if let Err(e) = released {
        tracing::warn!(request_id = %r.info.request_id, error = %e, "could not release a login reservation");
    }
    response
}

/// `POST /signup`.
pub async fn signup<S: LoginStore>(app: &LoginApp<S>, ex: &Exchange<'_>) -> Reply {
    let (req, r) = (ex.req, &ex.r);
    let form = checked_form(app, req)?;
    let return_to = safe_return_to(form.get("return_to"));
    let raw_username = form.get("username").unwrap_or("");
    let raw_display = form.get("display_name").unwrap_or("");
    let username = Username::parse(raw_username);
    let display_name = DisplayName::parse(raw_display);
    let password = Password::parse(form.get("password").unwrap_or("").to_owned());
    let reshow = |status: StatusCode,
                  form_error: Option<&str>,
                  username_error: Option<&str>,
                  display_error: Option<&str>,
                  password_error: Option<&str>| {
        let page = AuthForm {
            csrf_token: form.get(CSRF_FIELD).unwrap_or(""),
            return_to: &return_to,
            username: raw_username.trim(),
            display_name: raw_display.trim(),
            form_error,
            username_error,
            display_name_error: display_error,
            password_error,
        };
        r.html(status, signup_page(&app.site, r.viewer, &page), Cache::NoStore)
    };
    let (username, display_name, password) = match (username, display_name, password) {
        (Ok(u), Ok(d), Ok(p)) => (u, d, p),
        (u, d, p) => {
            let (ue, de, pe) = (
                u.err().map(|e| e.to_string()),
                d.err().map(|e| e.to_string()),
                p.err().map(|e| e.to_string()),
            );
            return Ok(reshow(
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                ue.as_deref(),
                de.as_deref(),
                pe.as_deref(),
            ));
        }
    };

    let now = OffsetDateTime::now_utc();
    // Reserved before the hash is computed: racing sign-ups cannot overshoot.
    if let Some(addr) = client_address(req) {
        let window = Window::containing(now, SIGNUP_WINDOW);
        if !app.store.try_record(&format!("signup-addr#{addr}"), &window, SIGNUPS_PER_ADDRESS).await? {
            let secs = window.retry_after_secs(now);
            let message =
                "Too many accounts were created from your network recently. Please try again later.";
            let mut resp = reshow(StatusCode::TOO_MANY_REQUESTS, Some(message), None, None, None);
            set_retry_after(&mut resp, secs);
            return Ok(resp);
        }
    }

    let password_hash =
        hash_password_off_thread(password).await.map_err(|e| AppError::Internal(Box::new(e)))?;
    let user = User::new(username, display_name, password_hash, now);
    if !app.store.create_user(&user).await? {
        return Ok(reshow(StatusCode::CONFLICT, None, Some(USERNAME_TAKEN), None, None));
    }
    tracing::info!(request_id = %r.info.request_id, username = %user.username, "account created");
    start_session(app, r, &user, &return_to).await
}

/// `POST /logout`: the session is deleted on the server, so a replayed cookie
/// is just an anonymous visitor. Without a session there is nothing to change
/// but the browser's cookie, so no token is needed.
pub async fn logout<S: LoginStore>(app: &LoginApp<S>, ex: &Exchange<'_>) -> Reply {
    match ex.session {
        Some(session) => {
            ex.reader_form(session)?;
            app.store.delete_session(&session.token_hash).await?;
        }
        None => {
            site_form(ex.req, &app.site)?;
        }
    }
    let mut resp = ex.r.see_other("/");
    append_cookie(&mut resp, &clear_session_cookie());
    Ok(resp)
}

/// Creates a fresh session (a new token at every login) and redirects.
async fn start_session<S: LoginStore>(
    app: &LoginApp<S>,
    r: &Responder<'_>,
    user: &User,
    return_to: &str,
) -> Result<Response<Body>> {
    let token = SessionToken::generate();
    let now = OffsetDateTime::now_utc();
    let session = Session {
        token_hash: token.hash(),
        username: user.username.clone(),
        display_name: user.display_name.clone(),
        csrf_token: CsrfToken::generate(),
        moderator: user.moderator,
        created_at: now,
        expires_at: now + SESSION_TTL,
    };
    app.store.create_session(&session).await?;
    let mut resp = r.see_other(return_to);
    append_cookie(&mut resp, &session_cookie(&token));
    // The anonymous forms' double-submit token has done its job: from now on
    // the reader's forms carry the session's token.
    append_cookie(&mut resp, &clear_csrf_cookie());
    Ok(resp)
}
