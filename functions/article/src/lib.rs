//! The article function: one article with a page of its comments, the share
//! block, "More in {Category}" and the comment form or login prompt.
//!
//! It also counts the read for #TrendingNews. Counting is best-effort by
//! design: it runs as a detached task after the page is ready, so a slow or
//! failing counter can never slow or fail the page. On Lambda a task still
//! running when the response is returned finishes when the environment next
//! thaws, or is lost with it — an accepted, documented imprecision.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use broadsheet::auth::IdempotencyKey;
use broadsheet::domain::{ArticleSummary, COMMENTS_PAGE_SIZE, CommentId, CommentRef, ReadNext};
pub use broadsheet::edge::handle;
use broadsheet::edge::{App, Exchange, Handler, Reply};
use broadsheet::http::response::ARTICLE_CACHE;
use broadsheet::http::{AppError, Query};
use broadsheet::routes::ArticleRoute;
use broadsheet::store::{ArticleReader, ArticleWithComments, ReadCounter, ReadNextReader, Sessions};
use broadsheet::views::{self, ArticleView, CommentForm};
use lambda_http::Request;
use lambda_http::http::StatusCode;
use time::OffsetDateTime;
use tokio::task::JoinSet;

/// How long a read count may take before it is abandoned.
const COUNT_TIMEOUT: Duration = Duration::from_secs(2);

/// The article function's handler: it keeps the read counts still in flight.
#[derive(Debug, Clone, Default)]
pub struct Article {
    counting: Arc<Mutex<JoinSet<()>>>,
}

/// The article function: site, store and [`Article`].
pub type ArticleApp<S> = App<S, Article>;

impl Article {
    /// Waits for read counts still in flight (tests and graceful shutdown).
    pub async fn flush_reads(&self) {
        let mut set = match self.counting.lock() {
            Ok(mut guard) => std::mem::take(&mut *guard),
            Err(_) => return,
        };
        while set.join_next().await.is_some() {}
    }

    fn count_read<S: ReadCounter + Clone + 'static>(&self, store: &S, article: ArticleSummary) {
        let store = store.clone();
        let task = async move {
            let slug = article.slug.clone();
            match tokio::time::timeout(COUNT_TIMEOUT, store.record_read(&article, OffsetDateTime::now_utc()))
                .await
            {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(%slug, error = %e, "could not count a read"),
                Err(_) => tracing::warn!(%slug, "counting a read timed out"),
            }
        };
        if let Ok(mut set) = self.counting.lock() {
            // Reap finished counts so the set stays small in a long-lived process.
            while set.try_join_next().is_some() {}
            set.spawn(task);
        }
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

/// What every store behind the article function must do (cloned into the
/// detached task that counts a read).
pub trait ArticleStore: ArticleReader + ReadNextReader + ReadCounter + Sessions + Clone + 'static {}
impl<T: ArticleReader + ReadNextReader + ReadCounter + Sessions + Clone + 'static> ArticleStore for T {}

impl<S: ArticleStore> Handler<S> for Article {
    type Route = ArticleRoute;
    type Loaded = Loaded;

    /// The article, a page of its comments and what to read next: one round
    /// trip (the reads are sent together), concurrent with the session lookup.
    async fn load(app: &ArticleApp<S>, route: &ArticleRoute, req: &Request) -> Result<Loaded, AppError> {
        let ArticleRoute::Show(slug) = route;
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
        let ArticleRoute::Show(slug) = route;
        let Loaded { comments_after, reported, page, read_next } = loaded;
        let now = OffsetDateTime::now_utc();
        // A scheduled article does not exist for readers until its time:
        // the same 404 as a slug nobody wrote, so its URL gives nothing away.
        let page = page.filter(|p| p.article.summary.is_published_at(now)).ok_or(AppError::NotFound)?;
        // Withdrawn on purpose: `410` in the site's layout, comments kept but not shown.
        if page.article.unpublished {
            return Err(AppError::Gone);
        }
        if !ex.r.info.is_head() {
            app.handler.count_read(&app.store, page.article.summary.clone());
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
