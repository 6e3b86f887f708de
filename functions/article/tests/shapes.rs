//! The article function fed every shape of HTTP event Lambda can deliver —
//! API Gateway REST API (v1, stage `prod`), a function URL, `sam local
//! start-api` — through `broadsheet::startup::invoke`, the path a deployed
//! function takes. The fixtures carry the reader's session in each shape's
//! own way: v1's `Cookie` header (`; `-separated, next to another cookie),
//! the v2 `cookies` array.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

#[path = "../../shapes_support.rs"]
mod support;

use broadsheet::auth::{DisplayName, SessionToken, Username};
use broadsheet::config::{Site, SiteOrigin};
use broadsheet::domain::{Category, NewArticle, SanitizedHtml, Slug};
use broadsheet::routes::Function;
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{ArticleWriter, Session, Sessions};
use broadsheet_article::{ArticleApp, handle};
use support::{Answer, SHAPES, Shape, event};
use time::OffsetDateTime;
use time::macros::datetime;

const SLUG: &str = "vell-river-otters-return-after-thirty-year-absence";
/// The session token in the fixtures' cookies.
const SESSION: &str = "Yx7Qv2Lm9Nc4Rt6Bp1Kd8Wz3Hs5Gf0Ja2Ue7Io9Ty4E";

async fn app(origin: &str) -> ArticleApp<MemoryStore> {
    let store = MemoryStore::new();
    store
        .put_article(&NewArticle {
            slug: Slug::parse(SLUG).unwrap(),
            title: "Otters return to the Vell".into(),
            category: Category::Environment,
            author: "Ines Calloway".into(),
            published_at: datetime!(2026-11-20 08:30 UTC),
            summary: "A summary.".into(),
            body_html: SanitizedHtml::from_sanitized("<p>The body.</p>".into()),
        })
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    store
        .create_session(&Session {
            token_hash: SessionToken::parse(SESSION).unwrap().hash(),
            username: Username::parse("fixture_reader").unwrap(),
            display_name: DisplayName::parse("Fixture Reader").unwrap(),
            csrf_token: "Pq4Wr7Ty2Ui9Op3As6Df1Gh8Jk5Lz0Xc2Vb7Nm4Qw1E".to_owned(),
            created_at: now,
            expires_at: now + time::Duration::days(1),
        })
        .await
        .unwrap();
    ArticleApp::new(store, Site::new(SiteOrigin::parse(origin).unwrap()))
}

async fn invoke(app: &ArticleApp<MemoryStore>, json: &str) -> Answer {
    let handler = |req| handle(app, req);
    let answer =
        Answer::of(broadsheet::startup::invoke(Function::Article, &app.site, &handler, event(json)).await);
    app.flush_reads().await;
    answer
}

#[tokio::test]
async fn a_logged_in_readers_article_in_every_shape() {
    for shape in SHAPES {
        let app = app(shape.origin()).await;
        let answer = invoke(&app, &shape.fixture("article")).await;
        assert_eq!(answer.status, 200, "{shape:?}: {}", answer.body);
        assert_eq!(answer.v1, shape.is_v1(), "{shape:?}");
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
        let json = shape.fixture("article").replace(&format!("bs_session={SESSION}"), "other=1");
        let answer = invoke(&app, &json).await;
        assert_eq!(answer.status, 200, "{shape:?}");
        assert!(answer.body.contains("You need to login to leave a comment."), "{shape:?}");
        assert_eq!(answer.header("cache-control"), Some("public, max-age=60"), "{shape:?}");
        assert!(answer.header("etag").is_some(), "{shape:?}");
    }
}

#[tokio::test]
async fn a_malformed_event_is_a_client_error_not_a_panic() {
    let app = app("https://news.example.com").await;
    let mut json: serde_json::Value = serde_json::from_str(&Shape::FunctionUrl.fixture("article")).unwrap();
    json["headers"]["host"] = "not a host".into();
    let answer = invoke(&app, &json.to_string()).await;
    assert_eq!(answer.status, 400);
    assert!(!answer.v1);
    assert_eq!(invoke(&app, &Shape::FunctionUrl.fixture("article")).await.status, 200, "still serving");
}
