//! The article function: one article with a page of its comments, the share
//! block and the comment form or login prompt.
//!
//! It also counts the read for #TrendingNews. Counting is best-effort by
//! design: it runs as a detached task after the page is ready, so a slow or
//! failing counter can never slow or fail the page. On Lambda a task still
//! running when the response is returned finishes when the environment next
//! thaws, or is lost with it — an accepted, documented imprecision.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use broadsheet::auth::IdempotencyKey;
use broadsheet::config::Site;
use broadsheet::domain::{ArticleSummary, COMMENTS_PAGE_SIZE, CommentId, Slug};
use broadsheet::http::form::{check_body_size, session_of, viewer_of};
use broadsheet::http::response::PAGE_CACHE;
use broadsheet::http::{AppError, Query, RequestInfo, Responder, decode_component, route_path};
use broadsheet::routes::{Function, Resolution, match_pattern, resolve_in};
use broadsheet::store::{ArticleReader, ReadCounter, Sessions};
use broadsheet::viewer::Viewer;
use broadsheet::views::{self, ArticleView, CommentForm};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use time::OffsetDateTime;
use tokio::task::JoinSet;

/// How long a read count may take before it is abandoned.
const COUNT_TIMEOUT: Duration = Duration::from_secs(2);

/// The article function's dependencies, built once per process.
#[derive(Debug, Clone)]
pub struct ArticleApp<S> {
    pub store: S,
    pub site: Site,
    counting: Arc<Mutex<JoinSet<()>>>,
}

impl<S> ArticleApp<S> {
    pub fn new(store: S, site: Site) -> Self {
        ArticleApp { store, site, counting: Arc::default() }
    }
}

impl<S: ReadCounter + Clone + 'static> ArticleApp<S> {
    /// Waits for read counts still in flight (tests and graceful shutdown).
    pub async fn flush_reads(&self) {
        let mut set = match self.counting.lock() {
            Ok(mut guard) => std::mem::take(&mut *guard),
            Err(_) => return,
        };
        while set.join_next().await.is_some() {}
    }

    fn count_read(&self, article: ArticleSummary) {
        let store = self.store.clone();
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

/// Serves one request. Never fails: every error becomes its response here.
///
/// The reader's session is looked up concurrently with the article's read,
/// so a logged-in view adds no round trip on the critical path.
pub async fn handle<S>(app: &ArticleApp<S>, req: Request) -> Response<Body>
where
    S: ArticleReader + ReadCounter + Sessions + Clone + 'static,
{
    let info = RequestInfo::of(&req);
    let request = check_body_size(&req).and_then(|()| parse(&req));
    let (slug, comments_after, after) = match request {
        Ok(ok) => ok,
        Err(err) => return Responder { site: &app.site, info: &info, viewer: &Viewer::Anonymous }.error(err),
    };
    let (session, page) =
        tokio::join!(session_of(&app.store, &req), app.store.article_page(&slug, after, COMMENTS_PAGE_SIZE));
    let viewer = match &session {
        Ok(s) => viewer_of(s.as_ref()),
        Err(_) => Viewer::Anonymous,
    };
    let r = Responder { site: &app.site, info: &info, viewer: &viewer };
    let page = match session.and(page) {
        Ok(Some(page)) => page,
        Ok(None) => return r.error(AppError::NotFound),
        Err(err) => return r.error(err.into()),
    };
    if !info.is_head() {
        app.count_read(page.article.summary.clone());
    }
    let next = page.comments.next.map(|id| id.to_cursor(&slug));
    // A one-time key per rendered form: submitting it twice stores one comment.
    let key = IdempotencyKey::generate();
    let view = ArticleView {
        article: &page.article,
        comments: &page.comments.items,
        next_comments_cursor: next.as_deref(),
        comments_after: comments_after.as_deref(),
        form: CommentForm { body: "", error: None, idempotency_key: key.as_str() },
    };
    r.html(StatusCode::OK, views::article_page(&app.site, r.viewer, &view), PAGE_CACHE)
}

/// The slug, the raw comments cursor and the position it decodes to.
fn parse(req: &Request) -> Result<(Slug, Option<String>, Option<CommentId>), AppError> {
    let slug = route(req.method().as_str(), route_path(req))?;
    let query = Query::of(req)?;
    let raw = query.get("comments_after").map(str::to_owned);
    let after = raw
        .as_deref()
        .map(|c| CommentId::from_cursor(&slug, c))
        .transpose()
        .map_err(|_| AppError::BadRequest("invalid pagination cursor"))?;
    Ok((slug, raw, after))
}

/// `/articles/{slug}` → the slug; a segment that is not a valid slug is a `404`
/// (no such article), a malformed encoding a `400`.
fn route(method: &str, path: &str) -> Result<Slug, AppError> {
    let route = match resolve_in(Function::Article, method, path) {
        Resolution::Found(route) => route,
        Resolution::MethodNotAllowed(allow) => return Err(AppError::MethodNotAllowed { allow }),
        Resolution::NotFound => return Err(AppError::NotFound),
    };
    let raw = match_pattern(route.pattern, path).and_then(|c| c.first().copied()).unwrap_or_default();
    Slug::parse(&decode_component(raw, false)?).map_err(|_| AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("GET", "/articles/a-b").unwrap().as_str(), "a-b");
        assert!(matches!(route("GET", "/articles/A%20B"), Err(AppError::NotFound)));
        assert!(matches!(route("GET", "/articles/%ff"), Err(AppError::BadRequest(_))));
        assert!(matches!(route("GET", "/articles/"), Err(AppError::NotFound)));
        assert!(matches!(route("DELETE", "/articles/x"), Err(AppError::MethodNotAllowed { .. })));
    }
}
