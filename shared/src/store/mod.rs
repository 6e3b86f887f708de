//! Storage: one trait per capability, two implementations.
//!
//! A function holds only the capabilities it uses (the listing function an
//! [`ArticleLister`] and a [`TrendingReader`], the article function an
//! [`ArticleReader`] and a [`ReadCounter`], the aggregator a
//! [`TrendingAggregator`], …) and `template.yaml` grants it
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
    Article, ArticleSummary, Author, Category, Comment, CommentId, CommentRef, ListingPosition, NewArticle,
    NewAuthor, Page, ReadNext, Slug, TrendingArticle,
};

pub mod dynamo;
pub mod memory;
mod moderation;
pub mod trending;

pub use moderation::{Moderation, ModerationOutcome, ReportOutcome, Reports};
pub use trending::{ReadBatch, Refresh};

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

/// A short fingerprint of a comment's text, kept with a form's idempotency
/// record to tell a resubmit of the same text from a reused form with new text.
pub(crate) fn body_fingerprint(body: &str) -> u64 {
    xxhash_rust::xxh3::xxh3_64(body.as_bytes())
}

/// Up to `limit` top-level comments, each with its replies (which follow it
/// in thread order), and whether another top-level comment follows: pages
/// count top-level comments, so a thread is never split across pages.
pub(crate) fn take_threads(comments: impl Iterator<Item = Comment>, limit: usize) -> (Vec<Comment>, bool) {
    let mut page = Vec::new();
    let mut tops = 0;
    for c in comments {
        if c.parent.is_none() {
            if tops == limit {
                return (page, true);
            }
            tops += 1;
        } else if tops == 0 {
            // A reply with no parent before it on this page: never written
            // by this code (a parent with replies is kept), so not shown.
            continue;
        }
        page.push(c);
    }
    (page, false)
}

/// A batch of article writes that stopped: the first `written` were stored.
#[derive(Debug, thiserror::Error)]
#[error("storing article {written} of the batch failed")]
pub struct BatchFailure {
    pub written: usize,
    #[source]
    pub source: StoreError,
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
    /// `category` is `None`, strictly after `after`, at most `limit`, and
    /// only those published by `now`: a scheduled article (`published_at`
    /// in the future) appears by itself when its time comes. `next` is set
    /// only when more articles exist.
    ///
    /// On DynamoDB one `Query` whose key condition bounds the sort key (which
    /// begins with the fixed-width publication time) by `now`: scheduled
    /// articles are never read, so they cost nothing and never shorten a page.
    fn list_articles(
        &self,
        category: Option<Category>,
        after: Option<&ListingPosition>,
        limit: usize,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Page<ArticleSummary, ListingPosition>, StoreError>> + Send;
}

/// One page of an author's stories, and what the author's file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorPage {
    /// From the author's file; `None` without one (the page then names the
    /// author as their newest story's byline does).
    pub author: Option<Author>,
    pub articles: Page<ArticleSummary, ListingPosition>,
}

/// Reads author pages and feeds.
pub trait AuthorReader: Send + Sync {
    /// The author's file, and their published stories newest first with the
    /// same paging and scheduling rules as [`ArticleLister::list_articles`].
    ///
    /// On DynamoDB a `GetItem` of the author item and one `Query` of the
    /// author index (`GSI3`), sent together: one round trip.
    fn author_page(
        &self,
        author: &Slug,
        after: Option<&ListingPosition>,
        limit: usize,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<AuthorPage, StoreError>> + Send;
}

/// Reads what articles offer to read next ("More in {Category}").
pub trait ReadNextReader: Send + Sync {
    /// Every section's newest stories (see [`ReadNext`]). On DynamoDB one
    /// `GetItem` of one small item, which the article writes keep current.
    fn read_next(&self) -> impl Future<Output = Result<ReadNext, StoreError>> + Send;
}

/// Writes articles (the importer).
pub trait ArticleWriter: Send + Sync {
    /// Creates the article, or replaces its content keeping its comment
    /// count. Idempotent: writing the same content again is `Unchanged` and
    /// writes nothing (`source` aside: an article stored before sources were
    /// recorded takes the importing file's, still `Unchanged`).
    ///
    /// `now` is the import's time. An update records it as `updated_at`; a
    /// correction text the article did not carry before is dated with it
    /// (an unchanged correction keeps its date; a removed one goes).
    fn put_article(
        &self,
        article: &NewArticle,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<PutOutcome, StoreError>> + Send;

    /// Many articles, in order, as [`ArticleWriter::put_article`] writes each
    /// (an import). A store may leave work one write would do for each to
    /// the end of the batch: on DynamoDB each touched section's "More in"
    /// list is rewritten once, not once per article.
    fn put_articles(
        &self,
        articles: &[NewArticle],
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<PutOutcome>, BatchFailure>> + Send {
        async move {
            let mut outcomes = Vec::with_capacity(articles.len());
            for (written, article) in articles.iter().enumerate() {
                match self.put_article(article, now).await {
                    Ok(outcome) => outcomes.push(outcome),
                    Err(source) => return Err(BatchFailure { written, source }),
                }
            }
            Ok(outcomes)
        }
    }

    /// The file the article `slug` was imported from (`NewArticle::source`):
    /// `None` when there is no such article, or it was stored before sources
    /// were recorded. On DynamoDB one consistent `GetItem` of one attribute.
    fn article_source(&self, slug: &Slug) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Withdraws the article (`published = false`: `410 Gone`, out of every
    /// listing, feed, sitemap and #TrendingNews, comments kept) or restores
    /// it. `None`: no such article; `Some(false)`: it already was so, nothing
    /// written; `Some(true)`: changed. On DynamoDB a consistent `GetItem`,
    /// one conditional `UpdateItem`, and one conditional `UpdateItem` per
    /// trending hour, sent together.
    fn set_published(
        &self,
        slug: &Slug,
        published: bool,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<bool>, StoreError>> + Send;

    /// Creates or replaces an author's file (name and bio). Idempotent like
    /// [`ArticleWriter::put_article`]: the same content again is `Unchanged`.
    fn put_author(&self, author: &NewAuthor) -> impl Future<Output = Result<PutOutcome, StoreError>> + Send;

    /// Whether the table holds any article (used to seed an empty table).
    fn has_articles(&self) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Every article that is not withdrawn, scheduled ones included, in no
    /// particular order: what the search index is built from (the index
    /// hides a scheduled story until its time itself). On DynamoDB a
    /// paginated `Scan` of article items, filtered on the server: an
    /// offline rebuild by the operator's tools, never a request's read.
    fn searchable_articles(&self) -> impl Future<Output = Result<Vec<Article>, StoreError>> + Send;
}

/// Counts reads for #TrendingNews (the read beacon; `store::trending`).
pub trait ReadCounter: Send + Sync {
    /// Stores one environment's reads since its last flush as ONE new item
    /// (`PutItem` of `PK = READS#{shard}`, `SK = {batch id}`): no item is
    /// written twice, however many readers arrive.
    fn add_reads(&self, batch: &ReadBatch) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Folds counted reads into #TrendingNews and ranks it (the aggregator,
/// once a minute; `broadsheet serve` in the background; `broadsheet
/// unpublish` at once).
pub trait TrendingAggregator: Send + Sync {
    /// Claims the batches flushed up to [`SETTLE`](trending::SETTLE) before
    /// `now`, adds them into their hours, and writes the ranking of the
    /// [`TRENDING_WINDOW_HOURS`](crate::domain::TRENDING_WINDOW_HOURS)
    /// hours ending with `now`'s as one item: most reads first, ties newest
    /// first, only articles readers can see at `now`.
    fn refresh_trending(
        &self,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Refresh, StoreError>> + Send;
}

/// Reads #TrendingNews.
pub trait TrendingReader: Send + Sync {
    /// The ranking the last [`TrendingAggregator::refresh_trending`] wrote,
    /// at most `limit`: one `GetItem` on DynamoDB.
    fn trending(&self, limit: usize)
    -> impl Future<Output = Result<Vec<TrendingArticle>, StoreError>> + Send;
}

/// A reader's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: Username,
    pub display_name: DisplayName,
    pub password_hash: PasswordHash,
    pub created_at: OffsetDateTime,
    /// Granted the moderator role (`broadsheet user grant`).
    pub moderator: bool,
    /// Suspended until then: may read and log in, not post, reply, edit or report.
    pub suspended_until: Option<OffsetDateTime>,
}

impl User {
    /// A new account with no role and no suspension.
    pub fn new(
        username: Username,
        display_name: DisplayName,
        password_hash: PasswordHash,
        created_at: OffsetDateTime,
    ) -> User {
        User { username, display_name, password_hash, created_at, moderator: false, suspended_until: None }
    }

    /// Whether the account is suspended at `now`.
    pub fn is_suspended(&self, now: OffsetDateTime) -> bool {
        self.suspended_until.is_some_and(|until| now < until)
    }
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
    /// Copied from the account at login, to decide which controls a page
    /// shows. Never trusted for an action: every moderator action checks
    /// the account itself, in its transaction.
    pub moderator: bool,
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
    /// The same reader used this key on this article before for a
    /// *different* text (a form re-used after an edit): nothing was written,
    /// and the reader must be told rather than see their new text dropped.
    KeyReused(CommentId),
    /// No such article, or none open for comments: withdrawn, or scheduled
    /// for later (readers see neither). Nothing was written.
    NoSuchArticle,
    /// A reply to a comment that is gone, removed, held, or itself a reply
    /// the caller did not attach to its top-level comment: nothing was written.
    NoSuchParent,
    /// The author's account is suspended: nothing was written.
    Suspended,
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

/// What deleting or editing a comment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    Deleted,
    NotFound,
    /// The comment exists but belongs to someone else: nothing changed.
    NotAuthor,
}

/// What editing a comment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditOutcome {
    Edited,
    /// No such comment, or a moderator removed it.
    NotFound,
    /// Someone else's comment: nothing changed.
    NotAuthor,
    /// Its edit window has passed: nothing changed.
    TooLate,
    /// The author's account is suspended: nothing changed.
    Suspended,
}

/// The comment `author` may delete, or why not: the decision both stores
/// make on the comment as read, before they write anything.
pub(crate) fn deletable<'a>(
    seen: Option<&'a Comment>,
    author: &Username,
) -> Result<&'a Comment, DeleteOutcome> {
    match seen.filter(|c| c.removed.is_none()) {
        None => Err(DeleteOutcome::NotFound),
        Some(c) if c.author != *author => Err(DeleteOutcome::NotAuthor),
        Some(c) => Ok(c),
    }
}

/// The comment `author` may edit at `now`, or why not (see [`deletable`]).
pub(crate) fn editable<'a>(
    seen: Option<&'a Comment>,
    author: &Username,
    now: OffsetDateTime,
    window: time::Duration,
) -> Result<&'a Comment, EditOutcome> {
    match seen.filter(|c| c.removed.is_none()) {
        None => Err(EditOutcome::NotFound),
        Some(c) if c.author != *author => Err(EditOutcome::NotAuthor),
        Some(c) if !c.edit_window_open(now, window) => Err(EditOutcome::TooLate),
        Some(c) => Ok(c),
    }
}

/// Writes comments (the comment function).
pub trait CommentWriter: Send + Sync {
    /// Whether the article `slug` takes comments at `now`: it exists, is
    /// published by then and is not withdrawn (readers see no other). On
    /// DynamoDB one consistent `GetItem` of the article's listing key. Checked before a post, not inside its transaction: the
    /// transaction could only check it through an attribute the comment
    /// function may then also write (docs/iam.md). A story withdrawn in the
    /// instant between the two takes the comment, kept and never shown.
    fn open_for_comments(
        &self,
        slug: &Slug,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Adds `comment` to the article in one transaction with: a record of
    /// `key` (scoped to the author and the article) so that a second submit
    /// of the same form stores nothing; one event of `allowance`; a check
    /// that the author is not suspended at `comment.created_at`; unless the
    /// comment is held, the article's `ADD comment_count 1`; for a held
    /// comment, its moderation-queue entry; for a reply (`parent` set, the
    /// top-level comment's id), its parent's `ADD replies 1`, on a parent
    /// that exists, is top-level, and is neither removed nor held.
    ///
    /// When several conditions fail, the outcome is decided in this order:
    /// `Duplicate` (or `KeyReused` when the first submit's text differs),
    /// `NoSuchArticle`, `NoSuchParent`, `Suspended`, `RateLimited`.
    fn post_comment(
        &self,
        article: &Slug,
        comment: &Comment,
        key: &IdempotencyKey,
        allowance: &Allowance,
    ) -> impl Future<Output = Result<PostOutcome, StoreError>> + Send;

    /// Deletes the comment if `author` wrote it, with the count (when it was
    /// counted), its parent's reply count and its queue entry, in one
    /// transaction. A top-level comment with replies is kept, without its
    /// text, as deleted by its author, so the thread still reads.
    fn delete_comment(
        &self,
        article: &Slug,
        comment: CommentRef,
        author: &Username,
    ) -> impl Future<Output = Result<DeleteOutcome, StoreError>> + Send;

    /// Replaces the text of `author`'s comment and sets `edited_at = now`,
    /// if it was posted less than `window` before `now`, is not removed, and
    /// the author is not suspended; one conditional transaction.
    fn edit_comment(
        &self,
        article: &Slug,
        comment: CommentRef,
        author: &Username,
        body: &str,
        now: OffsetDateTime,
        window: time::Duration,
    ) -> impl Future<Output = Result<EditOutcome, StoreError>> + Send;

    /// One comment, as its article page would show it (a consistent read).
    fn find_comment(
        &self,
        article: &Slug,
        comment: CommentRef,
    ) -> impl Future<Output = Result<Option<Comment>, StoreError>> + Send;
}
