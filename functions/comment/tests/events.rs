//! The comment handler fed with real API Gateway HTTP API (v2) events from
//! `infra/events/`, with form bodies plain and base64-encoded (as some
//! emulators send them) and the session in the v2 `cookies` array.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::auth::{DisplayName, SessionToken, Username};
use broadsheet::config::{Site, SiteOrigin};
use broadsheet::domain::{Category, NewArticle, SanitizedHtml, Slug};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{ArticleReader, ArticleWriter, Session, Sessions};
use broadsheet_comment::{CommentApp, handle};
use time::OffsetDateTime;
use time::macros::datetime;

const SLUG: &str = "vell-river-otters-return-after-thirty-year-absence";
const SESSION: &str = "Yx7Qv2Lm9Nc4Rt6Bp1Kd8Wz3Hs5Gf0Ja2Ue7Io9Ty4E";
const SESSION_CSRF: &str = "Pq4Wr7Ty2Ui9Op3As6Df1Gh8Jk5Lz0Xc2Vb7Nm4Qw1E";

fn event(name: &str) -> lambda_http::Request {
    let path = format!("{}/../../infra/events/{name}", env!("CARGO_MANIFEST_DIR"));
    lambda_http::request::from_str(&std::fs::read_to_string(path).unwrap()).expect("valid API Gateway event")
}

async fn app() -> CommentApp<MemoryStore> {
    let store = MemoryStore::new();
    store
        .put_article(&NewArticle {
            slug: Slug::parse(SLUG).unwrap(),
            title: "Otters return".into(),
            category: Category::Environment,
            author: "Ines Calloway".into(),
            published_at: datetime!(2026-11-20 08:30 UTC),
            summary: "A summary.".into(),
            body_html: SanitizedHtml::from_sanitized("<p>Body.</p>".into()),
        })
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    store
        .create_session(&Session {
            token_hash: SessionToken::parse(SESSION).unwrap().hash(),
            username: Username::parse("fixture_reader").unwrap(),
            display_name: DisplayName::parse("Fixture Reader").unwrap(),
            csrf_token: SESSION_CSRF.to_owned(),
            created_at: now,
            expires_at: now + time::Duration::days(1),
        })
        .await
        .unwrap();
    CommentApp { store, site: Site::new(SiteOrigin::parse("https://news.example.com").unwrap()) }
}

async fn comment_count(app: &CommentApp<MemoryStore>) -> u64 {
    let page = app.store.article_page(&Slug::parse(SLUG).unwrap(), None, 50).await.unwrap().unwrap();
    assert_eq!(page.comments.items.len() as u64, page.article.summary.comment_count);
    page.article.summary.comment_count
}

#[tokio::test]
async fn plain_and_base64_bodies_post_one_comment_each() {
    for fixture in ["comment-post.json", "comment-post-base64.json"] {
        let app = app().await;
        let resp = handle(&app, event(fixture)).await;
        assert_eq!(resp.status(), 303, "{fixture}");
        let location = resp.headers()["location"].to_str().unwrap();
        assert!(location.starts_with(&format!("/articles/{SLUG}#comment-")), "{location}");
        assert_eq!(comment_count(&app).await, 1);
        let page = app.store.article_page(&Slug::parse(SLUG).unwrap(), None, 50).await.unwrap().unwrap();
        assert_eq!(page.comments.items[0].body, "Lovely to hear.\nWell done, Vell valley!");
        // The same event again (a double submit: same idempotency key) stores nothing new.
        let again = handle(&app, event(fixture)).await;
        assert_eq!(again.status(), 303);
        assert_eq!(again.headers()["location"], location);
        assert_eq!(comment_count(&app).await, 1);
    }
}

#[tokio::test]
async fn anonymous_post_goes_to_login_and_stores_nothing() {
    let app = app().await;
    let resp = handle(&app, event("comment-post-anonymous.json")).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], format!("/login?return_to=%2Farticles%2F{SLUG}%23comments"));
    assert_eq!(comment_count(&app).await, 0);
}
