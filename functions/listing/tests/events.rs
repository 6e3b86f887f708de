//! The listing function fed real API Gateway events from `infra/events/`:
//! HTTP API (v2) events straight to the handler, and every other shape of
//! HTTP event Lambda can deliver — REST API (v1, stage `prod`), a function
//! URL, `sam local start-api` — through `broadsheet::startup::invoke`, the
//! path a deployed function takes: the event guard, `lambda_http`'s
//! conversion, the edge, the handler, and the response serialised for the
//! event's origin.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::domain::{Category, NewArticle};
use broadsheet::store::ArticleWriter;
use broadsheet::store::memory::MemoryStore;
use broadsheet_listing::{ListingApp, handle};
use broadsheet_testkit::content::{FIXTURE_ORIGIN, article, site};
use broadsheet_testkit::events::{SHAPES, Shape, invoke, request, text};
use time::macros::datetime;

/// The "Older stories" cursor of the technology page over [`app`]'s 25
/// articles, as baked into the `listing-category.*.json` fixtures.
const PAGE_TWO: &str = "MTc5MzUzODAwMDAwMDAwMDAwMHx0ZWNoLXN0b3J5LTXAFo3HBLm8lQ";

/// A site at `origin` with `n` technology stories an hour apart.
async fn app_with(origin: &str, n: usize) -> ListingApp<MemoryStore> {
    let store = MemoryStore::new();
    for i in 0..n {
        let story = NewArticle {
            title: format!("Tech story {i}"),
            category: Category::Technology,
            author: "Ada Reporter".into(),
            published_at: datetime!(2026-11-01 08:00 UTC) + time::Duration::hours(i as i64),
            summary: format!("Summary {i}"),
            ..article(&format!("tech-story-{i}"))
        };
        store.put_article(&story, time::OffsetDateTime::now_utc()).await.unwrap();
    }
    ListingApp::new(store, site(origin))
}

async fn app(origin: &str) -> ListingApp<MemoryStore> {
    app_with(origin, 25).await
}

#[tokio::test]
async fn front_page_event() {
    let app = app_with(FIXTURE_ORIGIN, 3).await;
    let resp = handle(&app, request("listing-front.json")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    let body = text(&resp);
    assert!(body.contains("Tech story 2") && body.contains("Tech story 0"));
    // Newest first.
    assert!(body.find("Tech story 2").unwrap() < body.find("Tech story 0").unwrap());
    // Links come from the configured origin, not the event's Host header.
    assert!(body.contains("https://news.example.com/"));
    assert!(!body.contains("execute-api"));
}

#[tokio::test]
async fn category_event_paginates() {
    let app = app_with(FIXTURE_ORIGIN, 25).await;
    let resp = handle(&app, request("listing-category.json")).await;
    assert_eq!(resp.status(), 200);
    let body = text(&resp);
    assert_eq!(body.matches("<h2><a href=\"/articles/tech-story-").count(), 20);
    assert!(body.contains("Older stories"));
}

#[tokio::test]
async fn forged_cursor_event_is_a_400() {
    let app = app_with(FIXTURE_ORIGIN, 1).await;
    let resp = handle(&app, request("listing-category-bad-cursor.json")).await;
    assert_eq!(resp.status(), 400);
    assert!(text(&resp).contains("Bad request"));
}

#[tokio::test]
async fn trending_and_feed_events() {
    let app = app_with(FIXTURE_ORIGIN, 2).await;
    let resp = handle(&app, request("listing-trending.json")).await;
    assert_eq!(resp.status(), 200);
    let resp = handle(&app, request("listing-feed.json")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
    assert!(text(&resp).contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
}

#[tokio::test]
async fn the_fixtures_cursor_is_the_one_page_one_links_to() {
    let app = app(FIXTURE_ORIGIN).await;
    let page_one = invoke(&app, &Shape::HttpApi.fixture("listing-category")).await;
    assert_eq!(page_one.status, 200);
    assert!(
        page_one.body.contains(&format!("?after={PAGE_TWO}\"")),
        "the cursor format changed: regenerate the fixtures"
    );
}

#[tokio::test]
async fn category_page_two_in_every_shape() {
    for shape in SHAPES {
        let app = app(shape.origin()).await;
        let answer = shape.answer(&app, "listing-category", 200).await;
        assert_eq!(answer.header("content-type"), Some("text/html; charset=utf-8"), "{shape:?}");
        // The path parameter (category) and the query string (cursor) both arrived:
        // page two of technology holds the five oldest stories.
        for i in 0..5 {
            assert!(answer.body.contains(&format!("Tech story {i}<")), "{shape:?}: story {i}");
        }
        assert!(!answer.body.contains("Tech story 5<"), "{shape:?}");
        assert!(answer.set_cookies.is_empty(), "{shape:?}");
    }
}

/// For a REST API event `lambda_http` puts the stage in the URI unless
/// `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set; the handler routes either way.
#[tokio::test]
async fn the_rest_api_stage_never_reaches_the_router() {
    let app = app(FIXTURE_ORIGIN).await;
    let req = lambda_http::request::from_str(&Shape::Rest.fixture("listing-category")).unwrap();
    assert_eq!(req.uri().path(), "/prod/category/technology", "lambda_http's default");
    assert_eq!(handle(&app, req).await.status(), 200);

    // What lambda_http builds with the variable set: no stage in the path.
    let mut req = lambda_http::request::from_str(&Shape::Rest.fixture("listing-category")).unwrap();
    *req.uri_mut() = format!("/category/technology?after={PAGE_TWO}").parse().unwrap();
    assert_eq!(handle(&app, req).await.status(), 200);
}

#[tokio::test]
async fn a_malformed_event_is_a_client_error_not_a_panic() {
    let app = app(FIXTURE_ORIGIN).await;
    let mut json: serde_json::Value = serde_json::from_str(&Shape::Rest.fixture("listing-category")).unwrap();
    json["body"] = "%%% not base64 %%%".into();
    json["isBase64Encoded"] = true.into();
    let answer = invoke(&app, &json.to_string()).await;
    assert_eq!(answer.status, 400);
    assert!(
        answer.body.contains("Bad request") && answer.body.contains("<nav"),
        "an error page in the layout"
    );
    // The same function still serves the next event.
    assert_eq!(invoke(&app, &Shape::Rest.fixture("listing-category")).await.status, 200);
}

/// What API Gateway's `$default` route sends here (template.yaml): every
/// request no other route matches. The answer is the site's own page, in its
/// layout — `404` for a path the site does not have, `405` with the path's
/// `Allow` for a path it has with another method (even one another function
/// owns) — as `broadsheet serve` answers, never API Gateway's bare JSON.
/// The same from a function URL, which sends every request to one function.
#[tokio::test]
async fn the_default_route_gets_the_sites_own_404_and_405() {
    let app = app_with(FIXTURE_ORIGIN, 1).await;
    for shape in [Shape::HttpApi, Shape::FunctionUrl] {
        let missing = shape.answer(&app, "default-unknown-path", 404).await;
        assert_eq!(missing.header("content-type"), Some("text/html; charset=utf-8"), "{shape:?}");
        assert!(missing.body.contains("Page not found"), "{shape:?}: {}", missing.body);
        assert!(missing.body.contains("#TrendingNews"), "{shape:?}: in the site's layout");
        let refused = shape.answer(&app, "default-wrong-method", 405).await;
        assert_eq!(refused.header("allow"), Some("GET"), "{shape:?}");
        assert_eq!(refused.header("content-type"), Some("text/html; charset=utf-8"), "{shape:?}");
        assert!(refused.body.contains("#TrendingNews"), "{shape:?}: in the site's layout");
    }
}

/// `HEAD /` (the template's HEAD twin of `GET /`): the page's status and
/// headers, no body — as `broadsheet serve` answers it.
#[tokio::test]
async fn head_is_get_without_a_body() {
    let app = app_with(FIXTURE_ORIGIN, 3).await;
    let get = Shape::HttpApi.answer(&app, "listing-front", 200).await;
    let head = Shape::HttpApi.answer(&app, "listing-front-head", 200).await;
    assert!(head.body.is_empty(), "{}", head.body);
    for name in ["content-type", "cache-control", "etag", "content-security-policy"] {
        assert_eq!(head.header(name), get.header(name), "{name}");
    }
}
