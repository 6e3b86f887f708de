//! The comment function fed every shape of HTTP event Lambda can deliver —
//! API Gateway REST API (v1, stage `prod`), a function URL, `sam local
//! start-api` — through `broadsheet::startup::invoke`, the path a deployed
//! function takes: form bodies base64-encoded (v1, function URL) or plain
//! (`sam local`), the session in a `Cookie` header or the `cookies` array,
//! one and two path parameters.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

#[path = "../../shapes_support.rs"]
mod support;

use broadsheet::auth::{DisplayName, SessionToken, Username};
use broadsheet::config::{Site, SiteOrigin};
use broadsheet::domain::{Category, Comment, CommentId, NewArticle, SanitizedHtml, Slug};
use broadsheet::routes::Function;
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{ArticleReader, ArticleWriter, Session, Sessions};
use broadsheet_comment::{CommentApp, handle};
use support::{Answer, SHAPES, Shape, event};
use time::OffsetDateTime;
use time::macros::datetime;

const SLUG: &str = "vell-river-otters-return-after-thirty-year-absence";
const SESSION: &str = "Yx7Qv2Lm9Nc4Rt6Bp1Kd8Wz3Hs5Gf0Ja2Ue7Io9Ty4E";
const SESSION_CSRF: &str = "Pq4Wr7Ty2Ui9Op3As6Df1Gh8Jk5Lz0Xc2Vb7Nm4Qw1E";
/// The comment the `comment-delete.*.json` fixtures delete.
const COMMENT_ID: &str = "01JDQ3G9W8K2M5N7P4R6T8V0XY";

async fn app(origin: &str) -> CommentApp<MemoryStore> {
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
    CommentApp { store, site: Site::new(SiteOrigin::parse(origin).unwrap()) }
}

async fn invoke(app: &CommentApp<MemoryStore>, json: &str) -> Answer {
    let handler = |req| handle(app, req);
    Answer::of(broadsheet::startup::invoke(Function::Comment, &app.site, &handler, event(json)).await)
}

async fn comments(app: &CommentApp<MemoryStore>) -> Vec<Comment> {
    let page = app.store.article_page(&Slug::parse(SLUG).unwrap(), None, 50).await.unwrap().unwrap();
    assert_eq!(page.comments.items.len() as u64, page.article.summary.comment_count);
    page.comments.items
}

#[tokio::test]
async fn a_comment_posts_in_every_shape() {
    for shape in SHAPES {
        let app = app(shape.origin()).await;
        let answer = invoke(&app, &shape.fixture("comment-post")).await;
        assert_eq!(answer.status, 303, "{shape:?}: {}", answer.body);
        assert_eq!(answer.v1, shape.is_v1(), "{shape:?}");
        let location = answer.header("location").unwrap();
        assert!(location.starts_with(&format!("/articles/{SLUG}#comment-")), "{shape:?}: {location}");
        let stored = comments(&app).await;
        assert_eq!(stored.len(), 1, "{shape:?}");
        assert_eq!(stored[0].body, "Lovely to hear.\nWell done, Vell valley!", "{shape:?}: the form decoded");
        assert_eq!(stored[0].author, "fixture_reader", "{shape:?}");
    }
}

#[tokio::test]
async fn a_comment_deletes_in_every_shape() {
    for shape in SHAPES {
        let app = app(shape.origin()).await;
        let comment = Comment {
            id: CommentId::parse(COMMENT_ID).unwrap(),
            author: "fixture_reader".into(),
            author_name: "Fixture Reader".into(),
            body: "To be deleted.".into(),
            created_at: datetime!(2026-11-21 00:00 UTC),
        };
        app.store.seed_comment(&Slug::parse(SLUG).unwrap(), comment).await.unwrap();
        let answer = invoke(&app, &shape.fixture("comment-delete")).await;
        // Both path parameters (slug and id) reached the handler.
        assert_eq!(answer.status, 303, "{shape:?}: {}", answer.body);
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
        let answer = invoke(&app, &shape.fixture("comment-post")).await;
        assert_eq!(answer.status, 403, "{shape:?}");
        assert!(comments(&app).await.is_empty(), "{shape:?}");
    }
}

#[tokio::test]
async fn a_malformed_event_is_a_client_error_not_a_panic() {
    let app = app("https://news.example.com").await;
    let mut json: serde_json::Value =
        serde_json::from_str(&Shape::FunctionUrl.fixture("comment-post")).unwrap();
    json["body"] = "Y3NyZl90b2tlbj1Q==x".into();
    let answer = invoke(&app, &json.to_string()).await;
    assert_eq!(answer.status, 400);
    assert!(comments(&app).await.is_empty());
    assert_eq!(invoke(&app, &Shape::FunctionUrl.fixture("comment-post")).await.status, 303, "still serving");
}
