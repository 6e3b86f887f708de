//! The search function fed real API Gateway events from `infra/events/`:
//! the HTTP API (v2) events through `broadsheet::startup::invoke`, the path
//! a deployed function takes, and the REST API (v1) shape, whose query
//! arrives decoded in `queryStringParameters`.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::sync::Arc;
use std::time::Duration;

use broadsheet::domain::SanitizedHtml;
use broadsheet::store::dynamo::Region;
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{ArticleReader, ArticleWriter};
use broadsheet_index::{IndexBucket, LiveIndex, SearchIndex};
use broadsheet_search::{SearchApp, app};
use broadsheet_testkit::content::{FIXTURE_ORIGIN, FIXTURE_SLUG, fixture_store, site};
use broadsheet_testkit::events::Shape;

/// The fixtures' store (the otters story), searched by an index built from it.
async fn search_app(origin: &str) -> SearchApp<MemoryStore> {
    let store = fixture_store().await;
    let slug = broadsheet::domain::Slug::parse(FIXTURE_SLUG).unwrap();
    let mut article = store.article_page(&slug, None, 1).await.unwrap().unwrap().article;
    article.body_html = SanitizedHtml::from_sanitized("<p>After thirty years the otters return.</p>".into());
    let index = SearchIndex::build([&article]).unwrap();
    app(store, site(origin), Arc::new(LiveIndex::fixed(index)))
}

#[tokio::test]
async fn a_search_event_finds_the_story_with_marks() {
    let app = search_app(FIXTURE_ORIGIN).await;
    let answer = Shape::HttpApi.answer(&app, "search", 200).await;
    assert!(answer.body.contains(&format!(r#"href="/articles/{FIXTURE_SLUG}""#)), "{}", answer.body);
    assert!(answer.body.contains("<mark>otters</mark> <mark>return</mark>"), "{}", answer.body);
    assert!(answer.body.contains("1 story match “otters return”"));
    assert_eq!(answer.headers["cache-control"], [broadsheet::http::response::LISTING_CACHE.header()]);
}

#[tokio::test]
async fn the_rest_api_shape_searches_too() {
    let app = search_app(Shape::Rest.origin()).await;
    let answer = Shape::Rest.answer(&app, "search", 200).await;
    assert!(answer.v1);
    assert!(answer.body.contains("<mark>otters</mark>"), "{}", answer.body);
}

#[tokio::test]
async fn hostile_and_overlong_queries() {
    let app = search_app(FIXTURE_ORIGIN).await;
    let hostile = Shape::HttpApi.answer(&app, "search-hostile", 200).await;
    // `title:(otters* AND "` is the words title, otters and and: all must match.
    assert!(hostile.body.contains("No stories match “title:(otters* AND &quot;”."), "{}", hostile.body);
    let long = Shape::HttpApi.answer(&app, "search-too-long", 400).await;
    assert!(long.body.contains("at most 200 characters"), "{}", long.body);
}

#[tokio::test]
async fn no_index_is_a_503_not_an_empty_page() {
    // A bucket nobody answers for: the cold-start load fails, and is logged.
    let bucket =
        IndexBucket::connect(Region::new("us-east-1"), Some("http://127.0.0.1:9"), "nothing-here").await;
    let live = LiveIndex::from_bucket(bucket, Duration::from_secs(3600)).await;
    let store = fixture_store().await;
    store.has_articles().await.unwrap();
    let app = app(store, site(FIXTURE_ORIGIN), Arc::new(live));
    let answer = Shape::HttpApi.answer(&app, "search", 503).await;
    assert!(answer.headers.contains_key("retry-after"));
}
