//! The article handler fed with real API Gateway HTTP API (v2) events from
//! `infra/events/`, exactly as Lambda would deliver them.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::config::{Site, SiteOrigin};
use broadsheet::domain::{Category, Comment, CommentId, NewArticle, SanitizedHtml, Slug};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{ArticleWriter, TrendingReader};
use broadsheet_article::{ArticleApp, handle};
use lambda_http::Body;
use time::OffsetDateTime;
use time::macros::datetime;

/// The slug the article fixtures ask for (a sample article, so that
/// `cargo lambda invoke` with these fixtures works against seeded content too).
const SLUG: &str = "vell-river-otters-return-after-thirty-year-absence";

fn event(name: &str) -> lambda_http::Request {
    let path = format!("{}/../../infra/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(&path).expect("fixture exists");
    lambda_http::request::from_str(&json).expect("fixture is a valid API Gateway event")
}

async fn app(comments: usize) -> ArticleApp<MemoryStore> {
    let store = MemoryStore::new();
    let slug = Slug::parse(SLUG).unwrap();
    let article = NewArticle {
        slug: slug.clone(),
        title: "Tidal <turbines> power a fishing town".into(),
        category: Category::Environment,
        author: "Ines Calloway".into(),
        published_at: datetime!(2026-11-20 08:30 UTC),
        summary: "A summary.".into(),
        body_html: SanitizedHtml::from_sanitized("<p>The body.</p>".into()),
    };
    store.put_article(&article).await.unwrap();
    for i in 0..comments {
        let at = datetime!(2026-11-21 00:00 UTC) + time::Duration::minutes(i as i64);
        let comment = Comment {
            id: CommentId::new_at(at),
            author: format!("reader{i}"),
            author_name: format!("Reader {i}"),
            body: format!("Comment number {i}"),
            created_at: at,
        };
        store.seed_comment(&slug, comment).await.unwrap();
    }
    ArticleApp::new(store, Site::new(SiteOrigin::parse("https://news.example.com").unwrap()))
}

fn text(body: &Body) -> String {
    match body {
        Body::Text(t) => t.clone(),
        Body::Binary(b) => String::from_utf8(b.clone()).unwrap(),
        _ => String::new(),
    }
}

#[tokio::test]
async fn article_event_renders_and_counts_the_read() {
    let app = app(2).await;
    let resp = handle(&app, event("article.json")).await;
    assert_eq!(resp.status(), 200);
    let body = text(resp.body());
    assert!(body.contains("Tidal &lt;turbines&gt; power a fishing town"), "title escaped");
    assert!(body.contains("Comments (2)"));
    assert!(body.find("Comment number 0").unwrap() < body.find("Comment number 1").unwrap(), "oldest first");
    assert!(body.contains("You need to login to leave a comment."));
    app.flush_reads().await;
    let trending = app.store.trending(OffsetDateTime::now_utc(), 10).await.unwrap();
    assert_eq!(trending.len(), 1);
    assert_eq!(trending[0].reads, 1);
}

#[tokio::test]
async fn later_comment_pages_follow_the_cursor() {
    let app = app(55).await;
    let body = text(handle(&app, event("article.json")).await.body());
    assert!(body.contains("Comment number 49") && !body.contains("Comment number 50"));
    let cursor =
        body.split("comments_after=").nth(1).unwrap().split(['"', '#', '&']).next().unwrap().to_owned();
    let mut req = event("article.json");
    *req.uri_mut() = format!("/articles/{SLUG}?comments_after={cursor}").parse().unwrap();
    let body = text(handle(&app, req).await.body());
    assert!(body.contains("Comment number 50") && body.contains("Comment number 54"));
    assert!(!body.contains("Comment number 49"));
}

#[tokio::test]
async fn unknown_article_event_is_a_404_page() {
    let app = app(0).await;
    let resp = handle(&app, event("article-unknown.json")).await;
    assert_eq!(resp.status(), 404);
    let body = text(resp.body());
    assert!(body.contains("Page not found") && body.contains("<nav"));
}
