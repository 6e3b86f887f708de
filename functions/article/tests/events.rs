//! The article function fed real API Gateway events from `infra/events/`:
//! HTTP API (v2) events straight to the handler, and every other shape of
//! HTTP event Lambda can deliver — REST API (v1, stage `prod`), a function
//! URL, `sam local start-api` — through `broadsheet::startup::invoke`, the
//! path a deployed function takes. The fixtures carry the reader's session
//! in each shape's own way: v1's `Cookie` header (`; `-separated, next to
//! another cookie), the v2 `cookies` array.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::domain::NewArticle;
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{ArticleWriter, TrendingReader};
use broadsheet_article::{ArticleApp, handle};
use broadsheet_testkit::content::{
    FIXTURE_ORIGIN, FIXTURE_SESSION as SESSION, FIXTURE_SLUG as SLUG, article, comment, fixture_store, site,
    slug,
};
use broadsheet_testkit::events::{self, Answer, SHAPES, Shape, request, text};
use time::OffsetDateTime;
use time::macros::datetime;

/// The fixtures' article (with a title that must be escaped) and `comments`
/// comments a minute apart, on a site at the fixtures' origin.
async fn app_with_comments(comments: usize) -> ArticleApp<MemoryStore> {
    let store = MemoryStore::new();
    let story = NewArticle { title: "Tidal <turbines> power a fishing town".into(), ..article(SLUG) };
    store.put_article(&story, time::OffsetDateTime::now_utc()).await.unwrap();
    for i in 0..comments {
        let at = datetime!(2026-11-21 00:00 UTC) + time::Duration::minutes(i as i64);
        store
            .seed_comment(&slug(SLUG), comment(&format!("reader{i}"), &format!("Comment number {i}"), at))
            .await
            .unwrap();
    }
    ArticleApp::new(store, site(FIXTURE_ORIGIN))
}

/// The fixtures' article and reader's session, on a site at `origin`.
async fn app(origin: &str) -> ArticleApp<MemoryStore> {
    ArticleApp::new(fixture_store().await, site(origin))
}

/// [`events::invoke`], then the read count the page detached.
async fn invoke(app: &ArticleApp<MemoryStore>, json: &str) -> Answer {
    let answer = events::invoke(app, json).await;
    app.handler.flush_reads().await;
    answer
}

/// The page `app` renders for fixture `file`, checking its status.
async fn page(app: &ArticleApp<MemoryStore>, file: &str, status: u16) -> String {
    let resp = handle(app, request(file)).await;
    assert_eq!(resp.status(), status, "{file}");
    text(&resp)
}

#[tokio::test]
async fn article_event_renders_and_counts_the_read() {
    let app = app_with_comments(2).await;
    let body = page(&app, "article.json", 200).await;
    assert!(body.contains("Tidal &lt;turbines&gt; power a fishing town"), "title escaped");
    assert!(body.contains("Comments (2)"));
    assert!(body.find("Comment number 0").unwrap() < body.find("Comment number 1").unwrap(), "oldest first");
    assert!(body.contains("You need to login to leave a comment."));
    app.handler.flush_reads().await;
    let trending = app.store.trending(OffsetDateTime::now_utc(), 10).await.unwrap();
    assert_eq!(trending.len(), 1);
    assert_eq!(trending[0].reads, 1);
}

#[tokio::test]
async fn later_comment_pages_follow_the_cursor() {
    let app = app_with_comments(55).await;
    let body = page(&app, "article.json", 200).await;
    assert!(body.contains("Comment number 49") && !body.contains("Comment number 50"));
    let cursor =
        body.split("comments_after=").nth(1).unwrap().split(['"', '#', '&']).next().unwrap().to_owned();
    let mut req = request("article.json");
    *req.uri_mut() = format!("/articles/{SLUG}?comments_after={cursor}").parse().unwrap();
    let body = text(&handle(&app, req).await);
    assert!(body.contains("Comment number 50") && body.contains("Comment number 54"));
    assert!(!body.contains("Comment number 49"));
}

#[tokio::test]
async fn unknown_article_event_is_a_404_page() {
    let app = app_with_comments(0).await;
    let body = page(&app, "article-unknown.json", 404).await;
    assert!(body.contains("Page not found") && body.contains("<nav"));
}

#[tokio::test]
async fn a_logged_in_readers_article_in_every_shape() {
    for shape in SHAPES {
        let app = app(shape.origin()).await;
        let answer = shape.answer(&app, "article", 200).await;
        app.handler.flush_reads().await;
        // The slug came from the path; the session from the shape's cookies.
        assert!(answer.body.contains("<h1>Otters return to the Vell</h1>"), "{shape:?}");
        assert!(answer.body.contains("Fixture Reader"), "{shape:?}: greeted by name");
        assert!(answer.body.contains("name=\"body\""), "{shape:?}: the comment form");
        assert!(!answer.body.contains("You need to login"), "{shape:?}");
        assert_eq!(answer.header("cache-control"), Some("private, no-store"), "{shape:?}");
    }
}

#[tokio::test]
async fn an_anonymous_readers_article_is_cacheable_in_every_shape() {
    for shape in SHAPES {
        let app = app(shape.origin()).await;
        // The same event without the session cookie.
        let json = shape.fixture("article").replace(&format!("__Host-bs_session={SESSION}"), "other=1");
        let answer = invoke(&app, &json).await;
        assert_eq!(answer.status, 200, "{shape:?}");
        assert!(answer.body.contains("You need to login to leave a comment."), "{shape:?}");
        assert_eq!(
            answer.header("cache-control"),
            Some(broadsheet::http::response::ARTICLE_CACHE.header().as_str()),
            "{shape:?}"
        );
        assert!(answer.header("etag").is_some(), "{shape:?}");
    }
}

#[tokio::test]
async fn a_malformed_event_is_a_client_error_not_a_panic() {
    let app = app(FIXTURE_ORIGIN).await;
    let mut json: serde_json::Value = serde_json::from_str(&Shape::FunctionUrl.fixture("article")).unwrap();
    json["headers"]["host"] = "not a host".into();
    let answer = invoke(&app, &json.to_string()).await;
    assert_eq!(answer.status, 400);
    assert!(!answer.v1);
    assert_eq!(invoke(&app, &Shape::FunctionUrl.fixture("article")).await.status, 200, "still serving");
}

/// `HEAD /articles/{slug}` (the template's HEAD twin of the GET route): the
/// page's status and headers, no body.
#[tokio::test]
async fn head_event_is_the_page_without_a_body() {
    let app = app_with_comments(1).await;
    let head = invoke(&app, &events::fixture("article-head.json")).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "{}", head.body);
    assert_eq!(head.header("content-type"), Some("text/html; charset=utf-8"));
}
