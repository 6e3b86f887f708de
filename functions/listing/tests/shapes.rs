//! The listing function fed every shape of HTTP event Lambda can deliver —
//! API Gateway REST API (v1, stage `prod`), a function URL, `sam local
//! start-api` — through `broadsheet::startup::invoke`, the path a deployed
//! function takes: the event guard, `lambda_http`'s conversion, the handler,
//! and the response serialised for the event's origin.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

#[path = "../../shapes_support.rs"]
mod support;

use broadsheet::config::{Site, SiteOrigin};
use broadsheet::domain::{Category, NewArticle, SanitizedHtml, Slug};
use broadsheet::routes::Function;
use broadsheet::store::ArticleWriter;
use broadsheet::store::memory::MemoryStore;
use broadsheet_listing::{Listing, handle};
use support::{Answer, SHAPES, Shape, event};
use time::macros::datetime;

/// The "Older stories" cursor of the technology page over [`app`]'s 25
/// articles, as baked into the `listing-category.*.json` fixtures.
const PAGE_TWO: &str = "MTc5MzUzODAwMDAwMDAwMDAwMHx0ZWNoLXN0b3J5LTXAFo3HBLm8lQ";

async fn app(origin: &str) -> Listing<MemoryStore> {
    let store = MemoryStore::new();
    for i in 0..25 {
        let article = NewArticle {
            slug: Slug::parse(&format!("tech-story-{i}")).unwrap(),
            title: format!("Tech story {i}"),
            category: Category::Technology,
            author: "Ada Reporter".into(),
            published_at: datetime!(2026-11-01 08:00 UTC) + time::Duration::hours(i),
            summary: format!("Summary {i}"),
            body_html: SanitizedHtml::from_sanitized("<p>Body</p>".into()),
        };
        store.put_article(&article).await.unwrap();
    }
    Listing { store, site: Site::new(SiteOrigin::parse(origin).unwrap()) }
}

async fn invoke(app: &Listing<MemoryStore>, json: &str) -> Answer {
    let handler = |req| handle(app, req);
    Answer::of(broadsheet::startup::invoke(Function::Listing, &app.site, &handler, event(json)).await)
}

#[tokio::test]
async fn the_fixtures_cursor_is_the_one_page_one_links_to() {
    let app = app("https://news.example.com").await;
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
        let answer = invoke(&app, &shape.fixture("listing-category")).await;
        assert_eq!(answer.status, 200, "{shape:?}: {}", answer.body);
        assert_eq!(answer.v1, shape.is_v1(), "{shape:?}");
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
    let app = app("https://news.example.com").await;
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
    let app = app("https://news.example.com").await;
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
