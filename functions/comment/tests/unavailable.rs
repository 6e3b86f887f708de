//! The comment function when storage fails: a post the store cannot take,
//! and a request that runs past the edge's deadline, are answered `503` +
//! `Retry-After` with the comment form again — the reader's text, the CSRF
//! token and the one-time key kept — and store nothing. (Against the real
//! DynamoDB client and each DynamoDB fault: `tests/tests/faults.rs`.)

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::auth::{IdempotencyKey, TokenHash, Username};
use broadsheet::domain::{Comment, CommentId, Slug};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{
    Allowance, ArticleReader, ArticleWithComments, ArticleWriter, CommentWriter, DeleteOutcome, PostOutcome,
    Session, Sessions, StoreError,
};
use broadsheet_comment::{CommentApp, handle};
use broadsheet_testkit::content::{
    FIXTURE_ORIGIN, FIXTURE_SESSION_CSRF, FIXTURE_SLUG as SLUG, article, fixture_session, site, slug,
};
use broadsheet_testkit::events::{request, text};
use time::OffsetDateTime;

/// What the fixture's form sends (`infra/events/comment-post.json`).
const KEY: &str = "Zm9yLWZpeHR1cmUtdGVzdA";

/// How the store fails.
#[derive(Debug, Clone, Copy)]
enum Failure {
    /// Every comment write: DynamoDB gave up after the SDK's retries.
    Writes,
    /// Session lookups never answer: only the edge's deadline ends the request.
    SessionsHang,
}

/// The memory store, failing as told.
#[derive(Debug, Clone)]
struct Failing {
    inner: MemoryStore,
    failure: Failure,
}

fn unavailable() -> StoreError {
    StoreError::Unavailable(Box::new(std::io::Error::other("injected")))
}

impl ArticleReader for Failing {
    async fn article_page(
        &self,
        slug: &Slug,
        comments_after: Option<CommentId>,
        limit: usize,
    ) -> Result<Option<ArticleWithComments>, StoreError> {
        self.inner.article_page(slug, comments_after, limit).await
    }
}

impl CommentWriter for Failing {
    async fn post_comment(
        &self,
        article: &Slug,
        comment: &Comment,
        key: &IdempotencyKey,
        allowance: &Allowance,
    ) -> Result<PostOutcome, StoreError> {
        match self.failure {
            Failure::Writes => Err(unavailable()),
            Failure::SessionsHang => self.inner.post_comment(article, comment, key, allowance).await,
        }
    }

    async fn delete_comment(
        &self,
        article: &Slug,
        id: CommentId,
        author: &Username,
    ) -> Result<DeleteOutcome, StoreError> {
        match self.failure {
            Failure::Writes => Err(unavailable()),
            Failure::SessionsHang => self.inner.delete_comment(article, id, author).await,
        }
    }
}

impl Sessions for Failing {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        self.inner.create_session(session).await
    }

    async fn find_session(
        &self,
        token_hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<Session>, StoreError> {
        match self.failure {
            Failure::Writes => self.inner.find_session(token_hash, now).await,
            Failure::SessionsHang => std::future::pending().await,
        }
    }

    async fn delete_session(&self, token_hash: &TokenHash) -> Result<(), StoreError> {
        self.inner.delete_session(token_hash).await
    }
}

async fn app(failure: Failure) -> CommentApp<Failing> {
    let inner = MemoryStore::new();
    inner.put_article(&article(SLUG)).await.unwrap();
    fixture_session(&inner).await;
    CommentApp::new(Failing { inner, failure }, site(FIXTURE_ORIGIN))
}

/// `503` + `Retry-After`, the form alone with the fixture's text, token and
/// key, and no comment stored.
async fn assert_form_kept(app: &CommentApp<Failing>, resp: lambda_http::Response<lambda_http::Body>) {
    assert_eq!(resp.status(), 503);
    assert_eq!(resp.headers()["retry-after"], "5");
    assert_eq!(resp.headers()["cache-control"], "private, no-store");
    let body = text(resp.body());
    assert!(body.contains(r#"<nav aria-label="Sections">"#), "in the layout: {body}");
    assert!(body.contains("We could not save your comment yet"), "{body}");
    assert!(body.contains(&format!(r#"<form method="post" action="/articles/{SLUG}/comments">"#)), "{body}");
    assert!(
        body.contains("Lovely to hear.\nWell done, Vell valley!</textarea>"),
        "the text as typed: {body}"
    );
    assert!(body.contains(&format!(r#"name="idempotency_key" value="{KEY}""#)), "the same key: {body}");
    assert!(body.contains(&format!(r#"name="csrf_token" value="{FIXTURE_SESSION_CSRF}""#)), "{body}");
    let page = app.store.inner.article_page(&slug(SLUG), None, 50).await.unwrap().unwrap();
    assert!(page.comments.items.is_empty());
    assert_eq!(page.article.summary.comment_count, 0);
}

#[tokio::test]
async fn a_post_storage_cannot_take_keeps_the_text_and_key() {
    let app = app(Failure::Writes).await;
    let resp = handle(&app, request("comment-post.json")).await;
    assert_form_kept(&app, resp).await;
}

/// Takes the deadline's 8 s of real time.
#[tokio::test]
async fn a_request_past_the_deadline_is_answered_503_with_the_form() {
    let app = app(Failure::SessionsHang).await;
    let started = std::time::Instant::now();
    let resp = handle(&app, request("comment-post.json")).await;
    let took = started.elapsed();
    let deadline = broadsheet::edge::REQUEST_DEADLINE;
    assert!(took >= deadline, "answered after {took:?}, before the deadline");
    assert!(took < deadline * 2, "answered after {took:?}: the deadline is {deadline:?}");
    assert_form_kept(&app, resp).await;
}
