//! Builders for what tests put in a store: articles, comments, sessions.
//!
//! Each builder returns a complete, valid value; a test changes what it
//! cares about with struct update syntax:
//! `NewArticle { category: Category::Sports, ..article("a-slug") }`.

use broadsheet::auth::{CsrfToken, DisplayName, SessionToken, Username, session_cookie};
use broadsheet::config::{Site, SiteOrigin};
use broadsheet::domain::{Category, Comment, CommentId, NewArticle, SanitizedHtml, Slug};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{ArticleWriter, Session, Sessions};
use time::OffsetDateTime;
use time::macros::datetime;

/// The origin the `infra/events/` fixtures send as `Origin`, so their POSTs
/// pass the same-site check of a site built with [`site`].
pub const FIXTURE_ORIGIN: &str = "https://news.example.com";
/// The article the fixtures ask for: a sample article, so that `cargo lambda
/// invoke` with the fixtures works against the seeded sample content too.
pub const FIXTURE_SLUG: &str = "vell-river-otters-return-after-thirty-year-absence";
/// The session token in the fixtures' cookies.
pub const FIXTURE_SESSION: &str = "Yx7Qv2Lm9Nc4Rt6Bp1Kd8Wz3Hs5Gf0Ja2Ue7Io9Ty4E";
/// The CSRF token of that session, which the fixtures' forms post.
pub const FIXTURE_SESSION_CSRF: &str = "Pq4Wr7Ty2Ui9Op3As6Df1Gh8Jk5Lz0Xc2Vb7Nm4Qw1E";
/// The reader that session belongs to.
pub const FIXTURE_READER: &str = "fixture_reader";

/// A site served at `origin`.
///
/// # Panics
/// If `origin` is not a valid origin.
pub fn site(origin: &str) -> Site {
    Site::new(SiteOrigin::parse(origin).unwrap_or_else(|e| panic!("{origin:?}: {e}")))
}

/// Parses a slug a test names.
///
/// # Panics
/// If `s` is not a slug (a typo in the test).
pub fn slug(s: &str) -> Slug {
    Slug::parse(s).unwrap_or_else(|e| panic!("{s:?} is not a slug: {e}"))
}

/// Parses a username a test names.
///
/// # Panics
/// If `s` is not a valid username.
pub fn username(s: &str) -> Username {
    Username::parse(s).unwrap_or_else(|e| panic!("{s:?} is not a username: {e}"))
}

/// An environment story published 2026-11-20 08:30 UTC, with a one-line
/// summary and a one-paragraph body.
pub fn article(slug_text: &str) -> NewArticle {
    NewArticle {
        slug: slug(slug_text),
        title: "Otters return to the Vell".into(),
        category: Category::Environment,
        author: "Ines Calloway".into(),
        published_at: datetime!(2026-11-20 08:30 UTC),
        summary: "A summary.".into(),
        body_html: SanitizedHtml::from_sanitized("<p>The body.</p>".into()),
        words: 2,
        correction: None,
        source: format!("{slug_text}.md"),
        unpublished: false,
    }
}

/// A memory store holding what the `infra/events/` fixtures name: the
/// article [`FIXTURE_SLUG`] (as [`article`] builds it) and the session of
/// [`fixture_session`].
///
/// # Panics
/// If the store fails.
pub async fn fixture_store() -> MemoryStore {
    let store = MemoryStore::new();
    store
        .put_article(&article(FIXTURE_SLUG), time::OffsetDateTime::now_utc())
        .await
        .expect("the store keeps the article");
    fixture_session(&store).await;
    store
}

/// A comment by `author` (display name "Reader {author}") written at `at`.
pub fn comment(author: &str, body: &str, at: OffsetDateTime) -> Comment {
    Comment {
        id: CommentId::new_at(at),
        author: username(author),
        author_name: format!("Reader {author}"),
        body: body.to_owned(),
        created_at: at,
        parent: None,
        edited_at: None,
        held: false,
        removed: None,
        replies: 0,
    }
}

/// A logged-in reader: what their browser sends back.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// `{session cookie}=…`, for a `Cookie` header or an event's `cookies`.
    pub cookie: String,
    /// The session's CSRF token, for the forms' `csrf_token` field.
    pub csrf: String,
    pub username: Username,
}

/// Creates a session for `username` directly in `store` (what a successful
/// login stores), bypassing the login form and its Argon2id hash.
///
/// # Panics
/// If `username` or `display_name` is invalid, or the store fails.
pub async fn log_in<S: Sessions>(store: &S, username: &str, display_name: &str) -> LoggedIn {
    store_session(store, &SessionToken::generate(), &CsrfToken::generate(), username, display_name, false)
        .await
}

/// As [`log_in`], for a session that was started while the account held the
/// moderator role (the role itself is on the account: grant it too).
///
/// # Panics
/// If `username` or `display_name` is invalid, or the store fails.
pub async fn log_in_moderator<S: Sessions>(store: &S, username: &str, display_name: &str) -> LoggedIn {
    store_session(store, &SessionToken::generate(), &CsrfToken::generate(), username, display_name, true)
        .await
}

/// Creates the session the fixtures' cookies carry ([`FIXTURE_SESSION`],
/// [`FIXTURE_SESSION_CSRF`], reader [`FIXTURE_READER`], "Fixture Reader").
///
/// # Panics
/// If the store fails.
pub async fn fixture_session<S: Sessions>(store: &S) -> LoggedIn {
    let token = SessionToken::parse(FIXTURE_SESSION).expect("a valid session token");
    let csrf = CsrfToken::parse(FIXTURE_SESSION_CSRF).expect("a valid CSRF token");
    store_session(store, &token, &csrf, FIXTURE_READER, "Fixture Reader", false).await
}

async fn store_session<S: Sessions>(
    store: &S,
    token: &SessionToken,
    csrf: &CsrfToken,
    username_text: &str,
    display_name: &str,
    moderator: bool,
) -> LoggedIn {
    let now = OffsetDateTime::now_utc();
    let session = Session {
        token_hash: token.hash(),
        username: username(username_text),
        display_name: DisplayName::parse(display_name).expect("a valid display name"),
        csrf_token: csrf.clone(),
        moderator,
        created_at: now,
        expires_at: now + time::Duration::days(1),
    };
    store.create_session(&session).await.expect("the store keeps the session");
    let set_cookie = session_cookie(token);
    let cookie = set_cookie.split(';').next().unwrap_or_default().to_owned();
    LoggedIn { cookie, csrf: csrf.as_str().to_owned(), username: session.username }
}
