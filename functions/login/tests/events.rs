//! The login handler fed with real API Gateway HTTP API (v2) events from
//! `infra/events/`: cookies in the v2 `cookies` array or in a `cookie` header
//! joined without spaces, form bodies plain or base64-encoded.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::auth::{CsrfToken, DisplayName, SessionToken, Username};
use broadsheet::config::{Site, SiteOrigin};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{Session, Sessions};
use broadsheet_login::{LoginApp, handle};
use lambda_http::Response;
use time::OffsetDateTime;

/// The session token and its CSRF token baked into `login-logout.json`.
const SESSION: &str = "Yx7Qv2Lm9Nc4Rt6Bp1Kd8Wz3Hs5Gf0Ja2Ue7Io9Ty4E";
const SESSION_CSRF: &str = "Pq4Wr7Ty2Ui9Op3As6Df1Gh8Jk5Lz0Xc2Vb7Nm4Qw1E";

fn event(name: &str) -> lambda_http::Request {
    let path = format!("{}/../../infra/events/{name}", env!("CARGO_MANIFEST_DIR"));
    lambda_http::request::from_str(&std::fs::read_to_string(path).unwrap()).expect("valid API Gateway event")
}

fn app() -> LoginApp<MemoryStore> {
    LoginApp::new(MemoryStore::new(), Site::new(SiteOrigin::parse("https://news.example.com").unwrap()))
}

fn set_cookies(resp: &Response<lambda_http::Body>) -> Vec<String> {
    resp.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn signup_form_sets_a_csrf_cookie_and_is_not_cached() {
    let resp = handle(&app(), event("login-signup-form.json")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
    let cookies = set_cookies(&resp);
    assert!(cookies.iter().any(|c| c.starts_with("bs_csrf=") && c.contains("HttpOnly")), "{cookies:?}");
}

#[tokio::test]
async fn signup_posts_in_every_event_shape_log_the_reader_in() {
    for fixture in
        ["login-signup-post.json", "login-signup-post-base64.json", "login-signup-post-cookie-header.json"]
    {
        let app = app();
        let resp = handle(&app, event(fixture)).await;
        assert_eq!(resp.status(), 303, "{fixture}");
        assert_eq!(
            resp.headers()["location"],
            "/articles/vell-river-otters-return-after-thirty-year-absence#comments",
            "{fixture}"
        );
        let cookies = set_cookies(&resp);
        let session = cookies.iter().find(|c| c.starts_with("bs_session=")).expect("session cookie");
        for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(session.contains(attr), "{fixture}: {session}");
        }
        // The account exists: logging in with the same event store works.
        let login = handle(&app, event("login-post.json")).await;
        assert_eq!(login.status(), 303, "{fixture}: login after sign-up");
    }
}

#[tokio::test]
async fn logout_event_deletes_the_session() {
    let app = app();
    let token = SessionToken::parse(SESSION).unwrap();
    let now = OffsetDateTime::now_utc();
    let session = Session {
        token_hash: token.hash(),
        username: Username::parse("fixture_reader").unwrap(),
        display_name: DisplayName::parse("Fixture Reader").unwrap(),
        csrf_token: CsrfToken::parse(SESSION_CSRF).unwrap().as_str().to_owned(),
        created_at: now,
        expires_at: now + time::Duration::days(1),
    };
    app.store.create_session(&session).await.unwrap();
    let resp = handle(&app, event("login-logout.json")).await;
    assert_eq!(resp.status(), 303);
    assert!(set_cookies(&resp).iter().any(|c| c.starts_with("bs_session=") && c.contains("Max-Age=0")));
    assert_eq!(app.store.find_session(&token.hash(), now).await.unwrap(), None);
}
