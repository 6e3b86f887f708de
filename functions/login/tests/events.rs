//! The login function fed real API Gateway events from `infra/events/`:
//! HTTP API (v2) events straight to the handler (cookies in the v2 `cookies`
//! array or in a `cookie` header joined without spaces, form bodies plain or
//! base64-encoded), and every other shape of HTTP event Lambda can deliver —
//! REST API (v1, stage `prod`), a function URL, `sam local start-api` —
//! through `broadsheet::startup::invoke`, the path a deployed function takes,
//! malformed events included.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::auth::{SessionToken, Username};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{Sessions, Users};
use broadsheet_login::{LoginApp, handle};
use broadsheet_testkit::content::{FIXTURE_ORIGIN, FIXTURE_SESSION, fixture_session, site};
use broadsheet_testkit::events::{SHAPES, Shape, invoke, request};
use lambda_http::Response;
use lambda_http::request::LambdaRequest;
use serde_json::Value;
use time::OffsetDateTime;

const RETURN_TO: &str = "/articles/vell-river-otters-return-after-thirty-year-absence#comments";
/// The double-submit token in the sign-up fixtures' cookie and form.
const CSRF: &str = "kq3H8Zr2m1C0xT6yV4bN9pL5wS7dE2fA1gJ8hK3uQ0o";

fn app(origin: &str) -> LoginApp<MemoryStore> {
    LoginApp::new(MemoryStore::new(), site(origin))
}

fn set_cookies(resp: &Response<lambda_http::Body>) -> Vec<String> {
    resp.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn signup_form_sets_a_csrf_cookie_and_is_not_cached() {
    let resp = handle(&app(FIXTURE_ORIGIN), request("login-signup-form.json")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
    let cookies = set_cookies(&resp);
    assert!(
        cookies.iter().any(|c| c.starts_with("__Host-bs_csrf=") && c.contains("HttpOnly")),
        "{cookies:?}"
    );
}

#[tokio::test]
async fn signup_posts_in_every_event_shape_log_the_reader_in() {
    for fixture in
        ["login-signup-post.json", "login-signup-post-base64.json", "login-signup-post-cookie-header.json"]
    {
        let app = app(FIXTURE_ORIGIN);
        let resp = handle(&app, request(fixture)).await;
        assert_eq!(resp.status(), 303, "{fixture}");
        assert_eq!(
            resp.headers()["location"],
            "/articles/vell-river-otters-return-after-thirty-year-absence#comments",
            "{fixture}"
        );
        let cookies = set_cookies(&resp);
        let session = cookies.iter().find(|c| c.starts_with("__Host-bs_session=")).expect("session cookie");
        for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
            assert!(session.contains(attr), "{fixture}: {session}");
        }
        // The account exists: logging in with the same event store works.
        let login = handle(&app, request("login-post.json")).await;
        assert_eq!(login.status(), 303, "{fixture}: login after sign-up");
    }
}

#[tokio::test]
async fn logout_event_deletes_the_session() {
    let app = app(FIXTURE_ORIGIN);
    fixture_session(&app.store).await;
    let token = SessionToken::parse(FIXTURE_SESSION).unwrap();
    let now = OffsetDateTime::now_utc();
    let resp = handle(&app, request("login-logout.json")).await;
    assert_eq!(resp.status(), 303);
    assert!(
        set_cookies(&resp).iter().any(|c| c.starts_with("__Host-bs_session=") && c.contains("Max-Age=0"))
    );
    assert_eq!(app.store.find_session(&token.hash(), now).await.unwrap(), None);
}

async fn account_exists(app: &LoginApp<MemoryStore>) -> bool {
    app.store.find_user(&Username::parse("fixture_reader").unwrap()).await.unwrap().is_some()
}

#[tokio::test]
async fn signup_sets_the_session_and_expires_the_csrf_cookie_in_every_shape() {
    for shape in [Shape::HttpApi].into_iter().chain(SHAPES) {
        let app = app(shape.origin());
        let answer = shape.answer(&app, "login-signup-post", 303).await;
        assert_eq!(answer.header("location"), Some(RETURN_TO), "{shape:?}");
        // Two Set-Cookie headers, each where the origin expects them: v2
        // `cookies`, v1 `multiValueHeaders` (checked by `Answer::of`, the
        // format by `Shape::answer`).
        assert_eq!(answer.set_cookies.len(), 2, "{shape:?}: {:?}", answer.set_cookies);
        let session = answer.cookie("__Host-bs_session").unwrap();
        assert!(session.len() > "__Host-bs_session=".len() + 40 && session.contains("HttpOnly"), "{shape:?}");
        let csrf = answer.cookie("__Host-bs_csrf").unwrap();
        assert!(csrf.starts_with("__Host-bs_csrf=;") && csrf.contains("Max-Age=0"), "{shape:?}: {csrf}");
        assert!(account_exists(&app).await, "{shape:?}");
    }
}

#[tokio::test]
async fn the_login_form_keeps_return_to_from_the_query_in_every_shape() {
    for shape in SHAPES {
        let app = app(shape.origin());
        let answer = shape.answer(&app, "login-form", 200).await;
        // v1 delivers the query decoded, v2 raw; both arrive as the same value.
        assert!(
            answer.body.contains(&format!("name=\"return_to\" value=\"{RETURN_TO}\"")),
            "{shape:?}: return_to"
        );
        assert_eq!(answer.set_cookies.len(), 1, "{shape:?}: a fresh double-submit cookie");
        assert!(answer.cookie("__Host-bs_csrf").unwrap().contains("SameSite=Strict"), "{shape:?}");
    }
}

/// The v1 signup fixture as JSON, to break in the ways below.
fn rest_signup() -> Value {
    serde_json::from_str(&Shape::Rest.fixture("login-signup-post")).unwrap()
}

fn http_api_signup() -> Value {
    serde_json::from_str(&Shape::HttpApi.fixture("login-signup-post")).unwrap()
}

/// Whether `lambda_http`'s own conversion of `json` panics.
fn lambda_http_panics_on(json: &str) -> bool {
    std::panic::catch_unwind(|| lambda_http::request::from_str(json)).is_err()
}

#[tokio::test]
async fn events_lambda_http_would_panic_on_get_a_400_and_change_nothing() {
    let app = app(FIXTURE_ORIGIN);
    let mut cases: Vec<(&str, Value)> = Vec::new();

    let mut v = rest_signup();
    v["body"] = "Y3NyZl90b2tlbj1r!!!".into(); // '!' is not base64
    cases.push(("v1 body not base64", v));
    let mut v = http_api_signup();
    v["body"] = "not base64 at all".into();
    v["isBase64Encoded"] = true.into();
    cases.push(("v2 body not base64", v));
    let mut v = rest_signup();
    v["headers"]["Host"] = "bad host".into();
    cases.push(("v1 Host with a space", v));
    let mut v = http_api_signup();
    v["headers"]["x-forwarded-proto"] = "no scheme".into();
    cases.push(("v2 X-Forwarded-Proto that is no scheme", v));
    let mut v = http_api_signup();
    v["rawQueryString"] = "return_to=/a b".into();
    cases.push(("v2 raw query with a space", v));
    let mut v = http_api_signup();
    v["headers"].as_object_mut().unwrap().remove("host");
    v["requestContext"]["domainName"] = "".into();
    v["rawPath"] = ":99999".into();
    cases.push(("v2 no host and a path that is a bad port", v));

    for (what, json) in cases {
        let json = json.to_string();
        assert!(
            lambda_http_panics_on(&json),
            "{what}: lambda_http no longer panics; the guard may be simplified"
        );
        let answer = invoke(&app, &json).await;
        assert_eq!(answer.status, 400, "{what}: {}", answer.body);
        assert!(answer.body.contains("Bad request"), "{what}: an error page");
        assert!(!account_exists(&app).await, "{what}: nothing written");
    }
    // The same process goes on serving.
    assert_eq!(invoke(&app, &Shape::HttpApi.fixture("login-signup-post")).await.status, 303);
}

#[tokio::test]
async fn a_6_mb_body_is_a_413_before_it_is_decoded() {
    let app = app(FIXTURE_ORIGIN);
    let six_mb = 6 * 1024 * 1024;
    let mut v = rest_signup();
    v["body"] = "QUFB".repeat(six_mb / 4).into(); // valid base64 of 4.5 MB
    let mut plain = http_api_signup();
    plain["body"] = format!("csrf_token={CSRF}&username=x&password={}", "a".repeat(six_mb)).into();
    for (what, json) in [("base64", v), ("plain", plain)] {
        let answer = invoke(&app, &json.to_string()).await;
        assert_eq!(answer.status, 413, "{what}");
        assert!(!account_exists(&app).await, "{what}");
    }
}

/// Events that are no HTTP event at all never reach `invoke`: `lambda_runtime`
/// fails to deserialise them into a `LambdaRequest` and reports an
/// invocation error (the handler is not called; the process carries on).
#[test]
fn events_missing_required_fields_are_not_requests() {
    let mut no_method = rest_signup();
    no_method.as_object_mut().unwrap().remove("httpMethod");
    let mut no_context = http_api_signup();
    no_context.as_object_mut().unwrap().remove("requestContext");
    for json in [no_method, no_context, serde_json::json!({}), serde_json::json!({"body": "x"})] {
        assert!(serde_json::from_value::<LambdaRequest>(json.clone()).is_err(), "{json}");
    }
}
