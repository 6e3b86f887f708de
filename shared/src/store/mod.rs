//! Storage: one trait per capability, two implementations.
//!
//! A function holds only the capabilities it uses (the listing function an
//! [`ArticleLister`] and a [`TrendingReader`], the article function an
//! [`ArticleReader`] and a [`ReadCounter`], …) and `template.yaml` grants it
//! only the DynamoDB actions behind those.
//!
//! * [`dynamo::DynamoStore`] — the single DynamoDB table (see `docs/table-design.md`).
//! * [`memory::MemoryStore`] — in-process, same semantics; the local default
//!   and the fast unit-test store.
//!
//! Both pass the same contract suite (`tests/tests/store_contract.rs`).

use std::future::Future;

use time::OffsetDateTime;

use crate::auth::{CsrfToken, DisplayName, IdempotencyKey, PasswordHash, TokenHash, Username, Window};
use crate::domain::{
    Article, ArticleSummary, Category, Comment, CommentId, ListingPosition, NewArticle, Page, Slug,
    TrendingArticle,
};

pub mod dynamo;
pub mod memory;

/// Errors every store can report. Handlers map them to HTTP in one place
/// (`crate::http::AppError`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The backend failed after the SDK's retries (throttling, network, 5xx).
    /// Answered with `503` and `Retry-After`.
    #[error("storage is unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// An item in the table does not map to a domain value: a bug or manual edit.
    #[error("stored item is malformed: {0}")]
    Corrupt(String),
}

/// An article plus one page of its comments, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleWithComments {
    pub article: Article,
    pub comments: Page<Comment, CommentId>,
}

/// What `put_article` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    Created,
    Updated,
    Unchanged,
}

/// Reads one article page.
pub trait ArticleReader: Send + Sync {
    /// The article and the page of its comments that starts after
    /// `comments_after` (the first page when `None`), at most `limit` comments.
    ///
    /// On DynamoDB the first page is ONE `Query` (the article item sorts
    /// before its comments in the same partition); later pages are a
    /// `GetItem` and a `Query` issued concurrently.
    fn article_page(
        &self,
        slug: &Slug,
        comments_after: Option<CommentId>,
        limit: usize,
    ) -> impl Future<Output = Result<Option<ArticleWithComments>, StoreError>> + Send;
}

/// Reads newest-first listings.
pub trait ArticleLister: Send + Sync {
    /// Articles newest first (ties: slug descending), all categories when
    /// `category` is `None`, strictly after `after`, at most `limit`.
    /// `next` is set only when more articles exist.
    fn list_articles(
        &self,
        category: Option<Category>,
        after: Option<&ListingPosition>,
        limit: usize,
    ) -> impl Future<Output = Result<Page<ArticleSummary, ListingPosition>, StoreError>> + Send;
}

/// Writes articles (the importer).
pub trait ArticleWriter: Send + Sync {
    /// Creates the article, or replaces its content keeping its comment
    /// count. Idempotent: writing the same article again is `Unchanged`.
    fn put_article(
        &self,
        article: &NewArticle,
    ) -> impl Future<Output = Result<PutOutcome, StoreError>> + Send;

    /// Whether the table holds any article (used to seed an empty table).
    fn has_articles(&self) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Counts reads for #TrendingNews.
pub trait ReadCounter: Send + Sync {
    /// Adds one read of `article` at `at` to that hour's bucket.
    fn record_read(
        &self,
        article: &ArticleSummary,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Reads #TrendingNews.
pub trait TrendingReader: Send + Sync {
    /// The most-read articles of the [`TRENDING_WINDOW_HOURS`](crate::domain::TRENDING_WINDOW_HOURS)
    /// hourly buckets ending with `now`'s hour, most reads first, ties newest first,
    /// at most `limit`.
    fn trending(
        &self,
        now: OffsetDateTime,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<TrendingArticle>, StoreError>> + Send;
}

/// A reader's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: Username,
    pub display_name: DisplayName,
    pub password_hash: PasswordHash,
    pub created_at: OffsetDateTime,
}

/// Accounts (the login function).
pub trait Users: Send + Sync {
    /// Creates the account unless its (canonical, lowercase) username exists:
    /// `Ok(false)` when taken. On DynamoDB a conditional `PutItem`
    /// (`attribute_not_exists(PK)`), so of two concurrent sign-ups for one
    /// name exactly one wins.
    fn create_user(&self, user: &User) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The account, if it exists (one `GetItem`).
    fn find_user(&self, username: &Username)
    -> impl Future<Output = Result<Option<User>, StoreError>> + Send;
}

/// A logged-in session as stored: only the token's hash, never the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: TokenHash,
    pub username: Username,
    /// Copied from the account so a page needs no second read to greet the reader.
    pub display_name: DisplayName,
    /// The CSRF token of this session's forms.
    pub csrf_token: CsrfToken,
    pub created_at: OffsetDateTime,
    /// After this the session is gone, whether or not DynamoDB's TTL has
    /// deleted the item yet (TTL deletion lags by up to days).
    pub expires_at: OffsetDateTime,
}

/// Sessions (created and deleted by the login function, read by every page).
pub trait Sessions: Send + Sync {
    fn create_session(&self, session: &Session) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The session if it exists and `now < expires_at` (one `GetItem`).
    fn find_session(
        &self,
        token_hash: &TokenHash,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send;

    /// Deletes the session; deleting a missing one is not an error.
    fn delete_session(&self, token_hash: &TokenHash) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Fixed-window event counters for throttling (failed logins, comments).
///
/// Keys are opaque strings chosen by the caller, e.g. `login-user#alice`,
/// `login-addr#198.51.100.7`, `comment#alice`; counters expire with
/// [`Window::expires_at`] (DynamoDB TTL).
pub trait RateLimiter: Send + Sync {
    /// Events recorded for `key` in `window` (one `GetItem`).
    fn count(&self, key: &str, window: &Window) -> impl Future<Output = Result<u32, StoreError>> + Send;

    /// Records one event only while fewer than `limit` are recorded:
    /// `Ok(true)` when recorded, `Ok(false)` when the limit is reached (one
    /// conditional `UpdateItem`, so concurrent callers cannot overshoot).
    fn try_record(
        &self,
        key: &str,
        window: &Window,
        limit: u32,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Gives back one event [`RateLimiter::try_record`] recorded, for an
    /// attempt reserved before its outcome was known that turned out not to
    /// count (a login that succeeded). Never takes a count below zero (one
    /// conditional `UpdateItem`).
    fn release(&self, key: &str, window: &Window) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What posting a comment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostOutcome {
    Created(CommentId),
    /// The same reader used this idempotency key on this article before (a
    /// double submit): nothing was written, no allowance was used; this is the
    /// comment the first submit created.
    Duplicate(CommentId),
    NoSuchArticle,
    /// The reader's [`Allowance`] for the window is used up: nothing was written.
    RateLimited,
}

/// A per-reader posting allowance, checked and consumed *inside* the posting
/// transaction: a post that is refused for any reason (duplicate, unknown
/// article, conflict) uses none of it, and concurrent posts cannot overshoot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    /// The counter's key, e.g. `comment#alice` (see [`RateLimiter`]).
    pub key: String,
    pub window: Window,
    /// Events allowed in the window.
    pub limit: u32,
}

/// What deleting a comment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    NotFound,
    /// The comment exists but belongs to someone else: nothing changed.
    NotAuthor,
}

/// Writes comments (the comment function).
pub trait CommentWriter: Send + Sync {
    /// Adds `comment` to the article and increments its comment count, in one
    /// transaction, together with a record of `key` (scoped to the comment's
    /// author and the article) so that a second submit of the same form
    /// stores nothing, and one event of `allowance` (DynamoDB: one
    /// `TransactWriteItems` of the idempotency item, the comment, the
    /// article's `ADD comment_count 1` and the rate counter's conditional
    /// `ADD n 1`). When several conditions fail, the outcome is decided in
    /// that order: `Duplicate`, `NoSuchArticle`, `RateLimited`.
    fn post_comment(
        &self,
        article: &Slug,
        comment: &Comment,
        key: &IdempotencyKey,
        allowance: &Allowance,
    ) -> impl Future<Output = Result<PostOutcome, StoreError>> + Send;

    /// Deletes the comment if `author` wrote it, decrementing the count in the
    /// same transaction.
    fn delete_comment(
        &self,
        article: &Slug,
        id: CommentId,
        author: &Username,
    ) -> impl Future<Output = Result<DeleteOutcome, StoreError>> + Send;
}
