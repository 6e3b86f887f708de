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
