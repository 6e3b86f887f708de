//! The listing handler fed with real API Gateway HTTP API (v2) events from
//! `infra/events/`, exactly as Lambda would deliver them.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::config::{Site, SiteOrigin};
use broadsheet::domain::{Category, NewArticle, SanitizedHtml, Slug};
use broadsheet::store::ArticleWriter;
use broadsheet::store::memory::MemoryStore;
use broadsheet_listing::{Listing, handle};
use lambda_http::Body;
use time::macros::datetime;

fn event(name: &str) -> lambda_http::Request {
    let path = format!("{}/../../infra/events/{name}", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(&path).expect("fixture exists");
    lambda_http::request::from_str(&json).expect("fixture is a valid API Gateway event")
}

async fn app(technology_articles: usize) -> Listing<MemoryStore> {
    let store = MemoryStore::new();
    for i in 0..technology_articles {
        let article = NewArticle {
            slug: Slug::parse(&format!("tech-story-{i}")).unwrap(),
            title: format!("Tech story {i}"),
            category: Category::Technology,
            author: "Ada Reporter".into(),
            published_at: datetime!(2026-11-01 08:00 UTC) + time::Duration::hours(i as i64),
            summary: format!("Summary {i}"),
            body_html: SanitizedHtml::from_sanitized("<p>Body</p>".into()),
        };
        store.put_article(&article).await.unwrap();
    }
    Listing { store, site: Site::new(SiteOrigin::parse("https://news.example.com").unwrap()) }
}

fn text(body: &Body) -> String {
    match body {
        Body::Text(t) => t.clone(),
        Body::Binary(b) => String::from_utf8(b.clone()).unwrap(),
        _ => String::new(),
    }
}

#[tokio::test]
async fn front_page_event() {
    let app = app(3).await;
    let resp = handle(&app, event("listing-front.json")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "text/html; charset=utf-8");
    let body = text(resp.body());
    assert!(body.contains("Tech story 2") && body.contains("Tech story 0"));
    // Newest first.
    assert!(body.find("Tech story 2").unwrap() < body.find("Tech story 0").unwrap());
    // Links come from the configured origin, not the event's Host header.
    assert!(body.contains("https://news.example.com/"));
    assert!(!body.contains("execute-api"));
}

#[tokio::test]
async fn category_event_paginates() {
    let app = app(25).await;
    let resp = handle(&app, event("listing-category.json")).await;
    assert_eq!(resp.status(), 200);
    let body = text(resp.body());
    assert_eq!(body.matches("<h2><a href=\"/articles/tech-story-").count(), 20);
    assert!(body.contains("Older stories"));
}

#[tokio::test]
async fn forged_cursor_event_is_a_400() {
    let app = app(1).await;
    let resp = handle(&app, event("listing-category-bad-cursor.json")).await;
    assert_eq!(resp.status(), 400);
    assert!(text(resp.body()).contains("Bad request"));
}

#[tokio::test]
async fn trending_and_feed_events() {
    let app = app(2).await;
    let resp = handle(&app, event("listing-trending.json")).await;
    assert_eq!(resp.status(), 200);
    let resp = handle(&app, event("listing-feed.json")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
    assert!(text(resp.body()).contains("<feed xmlns=\"http://www.w3.org/2005/Atom\""));
}
