//! The comment function fed real API Gateway events from `infra/events/`:
//! HTTP API (v2) events straight to the handler (form bodies plain and
//! base64-encoded, as some emulators send them; the session in the v2
//! `cookies` array), and every other shape of HTTP event Lambda can deliver
//! — REST API (v1, stage `prod`), a function URL, `sam local start-api` —
//! through `broadsheet::startup::invoke`, the path a deployed function takes:
//! form bodies base64-encoded (v1, function URL) or plain (`sam local`), the
//! session in a `Cookie` header or the `cookies` array, one and two path
//! parameters.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::domain::{Comment, CommentId};
use broadsheet::store::ArticleReader;
use broadsheet::store::memory::MemoryStore;
use broadsheet_comment::{CommentApp, handle};
use broadsheet_testkit::content::{
    FIXTURE_ORIGIN, FIXTURE_READER, FIXTURE_SLUG as SLUG, comment, fixture_store, site, slug, username,
};
use broadsheet_testkit::events::{SHAPES, Shape, invoke, request};
use time::macros::datetime;

/// The comment the `comment-delete.*.json` fixtures delete.
const COMMENT_ID: &str = "01JDQ3G9W8K2M5N7P4R6T8V0XY";

/// The fixtures' article and reader's session, on a site at `origin`.
async fn app(origin: &str) -> CommentApp<MemoryStore> {
    CommentApp::new(fixture_store().await, site(origin))
}

/// The article's comments, checking that its count agrees with them.
async fn comments(app: &CommentApp<MemoryStore>) -> Vec<Comment> {
    let page = app.store.article_page(&slug(SLUG), None, 50).await.unwrap().unwrap();
    assert_eq!(page.comments.items.len() as u64, page.article.summary.comment_count);
    page.comments.items
}

#[tokio::test]
async fn plain_and_base64_bodies_post_one_comment_each() {
    for fixture in ["comment-post.json", "comment-post-base64.json"] {
        let app = app(FIXTURE_ORIGIN).await;
        let resp = handle(&app, request(fixture)).await;
        assert_eq!(resp.status(), 303, "{fixture}");
        let location = resp.headers()["location"].to_str().unwrap();
        assert!(location.starts_with(&format!("/articles/{SLUG}#comment-")), "{location}");
        assert_eq!(comments(&app).await.len(), 1);
        assert_eq!(comments(&app).await[0].body, "Lovely to hear.\nWell done, Vell valley!");
        // The same event again (a double submit: same idempotency key) stores nothing new.
        let again = handle(&app, request(fixture)).await;
        assert_eq!(again.status(), 303);
        assert_eq!(again.headers()["location"], location);
        assert_eq!(comments(&app).await.len(), 1);
    }
}

#[tokio::test]
async fn anonymous_post_goes_to_login_and_stores_nothing() {
    let app = app(FIXTURE_ORIGIN).await;
    let resp = handle(&app, request("comment-post-anonymous.json")).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], format!("/login?return_to=%2Farticles%2F{SLUG}%23comments"));
    assert_eq!(comments(&app).await.len(), 0);
}

#[tokio::test]
async fn a_comment_posts_in_every_shape() {
    for shape in SHAPES {
        let app = app(shape.origin()).await;
        let answer = shape.answer(&app, "comment-post", 303).await;
        let location = answer.header("location").unwrap();
        assert!(location.starts_with(&format!("/articles/{SLUG}#comment-")), "{shape:?}: {location}");
        let stored = comments(&app).await;
        assert_eq!(stored.len(), 1, "{shape:?}");
        assert_eq!(stored[0].body, "Lovely to hear.\nWell done, Vell valley!", "{shape:?}: the form decoded");
        assert_eq!(stored[0].author, username(FIXTURE_READER), "{shape:?}");
    }
}

#[tokio::test]
async fn a_comment_deletes_in_every_shape() {
    for shape in SHAPES {
        let app = app(shape.origin()).await;
        let comment = Comment {
            id: CommentId::parse(COMMENT_ID).unwrap(),
            ..comment(FIXTURE_READER, "To be deleted.", datetime!(2026-11-21 00:00 UTC))
        };
        app.store.seed_comment(&slug(SLUG), comment).await.unwrap();
        // Both path parameters (slug and id) reached the handler.
        let answer = shape.answer(&app, "comment-delete", 303).await;
        assert_eq!(
            answer.header("location"),
            Some(format!("/articles/{SLUG}#comments").as_str()),
            "{shape:?}"
        );
        assert!(comments(&app).await.is_empty(), "{shape:?}");
    }
}

#[tokio::test]
async fn a_form_from_another_origin_is_refused_in_every_shape() {
    for shape in SHAPES {
        // The app serves another origin than the one the fixture's form came from.
        let app = app("https://elsewhere.example.org").await;
        shape.answer(&app, "comment-post", 403).await;
        assert!(comments(&app).await.is_empty(), "{shape:?}");
    }
}

#[tokio::test]
async fn a_malformed_event_is_a_client_error_not_a_panic() {
    let app = app(FIXTURE_ORIGIN).await;
    let mut json: serde_json::Value =
        serde_json::from_str(&Shape::FunctionUrl.fixture("comment-post")).unwrap();
    json["body"] = "Y3NyZl90b2tlbj1Q==x".into();
    let answer = invoke(&app, &json.to_string()).await;
    assert_eq!(answer.status, 400);
    assert!(comments(&app).await.is_empty());
    assert_eq!(invoke(&app, &Shape::FunctionUrl.fixture("comment-post")).await.status, 303, "still serving");
}
