//! The article function: one article with a page of its comments, the share
//! block, "More in {Category}" and the comment form or login prompt; and the
//! read beacon.
//!
//! Reads are counted by the beacon, not by the page: the page is cached at
//! the edge, and a view served from the cache never reaches this function,
//! but the beacon (an image the page loads, `GET /articles/{slug}/read`,
//! never cached) always does. The beacon counts in memory ([`ReadTally`])
//! and flushes one batch every few seconds (docs/edge.md#counting-reads).

use std::sync::Arc;
use std::time::Instant;

use broadsheet::auth::IdempotencyKey;
use broadsheet::domain::{COMMENTS_PAGE_SIZE, CommentId, CommentRef, ReadNext, Slug};
pub use broadsheet::edge::handle;
use broadsheet::edge::{App, Exchange, Handler, Reply};
use broadsheet::http::cdn::is_crawler;
use broadsheet::http::response::ARTICLE_CACHE;
use broadsheet::http::{AppError, Query};
use broadsheet::routes::ArticleRoute;
use broadsheet::store::{ArticleReader, ArticleWithComments, ReadCounter, ReadNextReader, Sessions};
use broadsheet::views::{self, ArticleView, CommentForm};
use lambda_http::Request;
use lambda_http::http::StatusCode;
use lambda_http::http::header::USER_AGENT;
use time::OffsetDateTime;

mod tally;

pub use tally::{FLUSH_EVERY, ReadTally};

/// The beacon's answer: a transparent 1×1 GIF (43 bytes).
const PIXEL: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff,
    0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// The article function's handler: it keeps this environment's read tally.
#[derive(Debug, Clone, Default)]
pub struct Article {
    tally: Arc<ReadTally>,
}

/// The article function: site, store and [`Article`].
pub type ArticleApp<S> = App<S, Article>;

impl Article {
    /// A handler whose tally flushes at most every `flush_every`.
    pub fn with_flush_every(flush_every: std::time::Duration) -> Self {
        Article { tally: Arc::new(ReadTally::new(flush_every)) }
    }

    /// Writes every read counted so far (tests, the local server's
    /// aggregation, graceful shutdown).
    pub async fn flush_reads<S: ReadCounter>(&self, store: &S) {
        let reads = self.tally.drain(Instant::now());
        self.tally.flush(store, reads, OffsetDateTime::now_utc()).await;
    }

    /// The beacon: counts a reader's read of `slug` (not a crawler's, not a
    /// `HEAD`), flushing the tally when it is due. Whatever happens, the
    /// pixel: a reader never sees the counting.
    async fn count_read<S: ReadCounter>(&self, store: &S, slug: &Slug, ex: &Exchange<'_>) -> Reply {
        let user_agent = ex.req.headers().get(USER_AGENT).and_then(|v| v.to_str().ok());
        if !ex.r.info.is_head() && !is_crawler(user_agent) {
            if let Some(reads) = self.tally.count(slug, Instant::now()) {
                self.tally.flush(store, reads, OffsetDateTime::now_utc()).await;
            }
        }
        Ok(ex.r.uncached_image("image/gif", PIXEL))
    }
}

/// The article page as read, before it is rendered for a viewer.
#[derive(Debug)]
pub struct Loaded {
    /// The comments cursor the page was asked for, as the reader sent it.
    comments_after: Option<String>,
    /// `?reported=` named a comment: the reader just reported it.
    reported: bool,
    page: Option<ArticleWithComments>,
    /// Every section's newest stories, read alongside the article.
    read_next: ReadNext,
}

/// The confirmation a reader lands on after reporting a comment.
const REPORTED: &str = "Thank you. A moderator will look at the comment you reported.";

/// What every store behind the article function must do.
pub trait ArticleStore: ArticleReader + ReadNextReader + ReadCounter + Sessions {}
impl<T: ArticleReader + ReadNextReader + ReadCounter + Sessions> ArticleStore for T {}

impl<S: ArticleStore> Handler<S> for Article {
    type Route = ArticleRoute;
    type Loaded = Loaded;

    /// The article, a page of its comments and what to read next: one round
    /// trip (the reads are sent together), concurrent with the session lookup.
    async fn load(app: &ArticleApp<S>, route: &ArticleRoute, req: &Request) -> Result<Loaded, AppError> {
        let slug = match route {
            ArticleRoute::Show(slug) => slug,
            // The beacon reads nothing: it counts whatever valid slug it is
            // given, and the aggregator ranks only articles that exist.
            ArticleRoute::Read(_) => {
                return Ok(Loaded {
                    comments_after: None,
                    reported: false,
                    page: None,
                    read_next: ReadNext::default(),
                });
            }
        };
        let query = Query::of(req)?;
        let comments_after = query.get("comments_after").map(str::to_owned);
        let reported = query.get("reported").and_then(CommentRef::parse).is_some();
        let after = comments_after
            .as_deref()
            .map(|c| CommentId::from_cursor(slug, c))
            .transpose()
            .map_err(|_| AppError::BadRequest("invalid pagination cursor"))?;
        let (page, read_next) =
            tokio::join!(app.store.article_page(slug, after, COMMENTS_PAGE_SIZE), app.store.read_next());
        // "More in" is a courtesy: a failure to read it costs the links, not the story.
        let read_next = read_next.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "could not read the read-next item");
            ReadNext::default()
        });
        Ok(Loaded { comments_after, reported, page: page?, read_next })
    }

    async fn respond(app: &ArticleApp<S>, route: ArticleRoute, loaded: Loaded, ex: &Exchange<'_>) -> Reply {
        let slug = match route {
            ArticleRoute::Show(slug) => slug,
            ArticleRoute::Read(slug) => return app.handler.count_read(&app.store, &slug, ex).await,
        };
        let Loaded { comments_after, reported, page, read_next } = loaded;
        let now = OffsetDateTime::now_utc();
        // A scheduled article does not exist for readers until its time:
        // the same 404 as a slug nobody wrote, so its URL gives nothing away.
        let page = page.filter(|p| p.article.summary.is_published_at(now)).ok_or(AppError::NotFound)?;
        // Withdrawn on purpose: `410` in the site's layout, comments kept but not shown.
        if page.article.unpublished {
            return Err(AppError::Gone);
        }
        let next = page.comments.next.map(|id| id.to_cursor(&slug));
        let read_next = read_next.for_article(&page.article.summary, now);
        // A one-time key per rendered form: submitting it twice stores one comment.
        let key = IdempotencyKey::generate();
        let view = ArticleView {
            article: &page.article,
            comments: &page.comments.items,
            next_comments_cursor: next.as_deref(),
            comments_after: comments_after.as_deref(),
            form: CommentForm { body: "", error: None, idempotency_key: key.as_str(), parent: None },
            notice: reported.then_some(REPORTED),
            now,
            read_next: &read_next,
        };
        Ok(ex.r.html(StatusCode::OK, views::article_page(&app.site, ex.r.viewer, &view), ARTICLE_CACHE))
    }
}
