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
use broadsheet::store::{ArticleWriter, TrendingAggregator, TrendingReader};
use broadsheet_article::{ArticleApp, handle};
use broadsheet_testkit::content::{
    FIXTURE_ORIGIN, FIXTURE_SESSION as SESSION, FIXTURE_SLUG as SLUG, article, comment, fixture_store, site,
    slug,
};
use broadsheet_testkit::events::{self, SHAPES, Shape, request, text};
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

/// The page `app` renders for fixture `file`, checking its status.
async fn page(app: &ArticleApp<MemoryStore>, file: &str, status: u16) -> String {
    let resp = handle(app, request(file)).await;
    assert_eq!(resp.status(), status, "{file}");
    text(&resp)
}

#[tokio::test]
async fn article_event_renders_with_its_read_beacon() {
    let app = app_with_comments(2).await;
    let body = page(&app, "article.json", 200).await;
    assert!(body.contains("Tidal &lt;turbines&gt; power a fishing town"), "title escaped");
    assert!(body.contains("Comments (2)"));
    assert!(body.find("Comment number 0").unwrap() < body.find("Comment number 1").unwrap(), "oldest first");
    assert!(body.contains("You need to login to leave a comment."));
    assert!(body.contains(&format!(r#"<img class="beacon" src="/articles/{SLUG}/read" alt="""#)), "beacon");
    // The page itself counts nothing: the beacon does, cached page or not.
    app.handler.flush_reads(&app.store).await;
    assert!(app.store.trending_writes_per_item().is_empty());
}

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";

/// The beacon of the fixtures' article, as `user_agent` asks for it.
fn beacon(method: &str, user_agent: Option<&str>, query: &str) -> lambda_http::Request {
    let mut req = request("article.json");
    *req.uri_mut() = format!("/articles/{SLUG}/read{query}").parse().unwrap();
    *req.method_mut() = method.parse().unwrap();
    req.headers_mut().remove("user-agent");
    if let Some(ua) = user_agent {
        req.headers_mut().insert("user-agent", ua.parse().unwrap());
    }
    req
}

#[tokio::test]
async fn the_beacon_counts_readers_not_crawlers_and_is_never_cached() {
    let app = ArticleApp {
        handler: broadsheet_article::Article::with_flush_every(std::time::Duration::from_secs(3600)),
        ..app_with_comments(0).await
    };
    for query in ["", "?x=1", "?cache-bust=12345"] {
        let resp = handle(&app, beacon("GET", Some(FIREFOX), query)).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-type"], "image/gif");
        assert_eq!(resp.headers()["cache-control"], "private, no-store");
        assert!(resp.headers().get("etag").is_none(), "no ETag, so never a 304");
        assert_eq!(resp.body().as_ref().len(), 43);
    }
    let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    for (method, ua) in [("GET", Some(googlebot)), ("GET", None), ("HEAD", Some(FIREFOX))] {
        let resp = handle(&app, beacon(method, ua, "")).await;
        assert_eq!(resp.status(), 200, "{method} {ua:?}: the pixel all the same");
    }
    // An unknown slug is counted (the beacon reads nothing) and never ranked;
    // a malformed one is a 404.
    let mut req = beacon("GET", Some(FIREFOX), "");
    *req.uri_mut() = "/articles/Not_A_Slug/read".parse().unwrap();
    assert_eq!(handle(&app, req).await.status(), 404);

    // The first read flushed at once; the other two wait for the next flush.
    app.handler.flush_reads(&app.store).await;
    let now = OffsetDateTime::now_utc() + broadsheet::store::trending::SETTLE;
    let done = app.store.refresh_trending(now).await.unwrap();
    assert_eq!((done.batches, done.reads), (2, 3), "three readers, no crawler, no HEAD");
    let trending = app.store.trending(10).await.unwrap();
    assert_eq!(trending.len(), 1);
    assert_eq!(trending[0].reads, 3);
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
        let answer = events::invoke(&app, &json).await;
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
    let answer = events::invoke(&app, &json.to_string()).await;
    assert_eq!(answer.status, 400);
    assert!(!answer.v1);
    assert_eq!(
        events::invoke(&app, &Shape::FunctionUrl.fixture("article")).await.status,
        200,
        "still serving"
    );
}

/// `HEAD /articles/{slug}` (the template's HEAD twin of the GET route): the
/// page's status and headers, no body.
#[tokio::test]
async fn head_event_is_the_page_without_a_body() {
    let app = app_with_comments(1).await;
    let head = events::invoke(&app, &events::fixture("article-head.json")).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty(), "{}", head.body);
    assert_eq!(head.header("content-type"), Some("text/html; charset=utf-8"));
}
