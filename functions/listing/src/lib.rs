//! The listing function: the front page, category pages, #TrendingNews, the
//! Atom feeds, the sitemap and robots.txt.
//!
//! [`handle`] is a plain async function over its dependencies, so the Lambda
//! (`main.rs`), the local server (`broadsheet serve`) and the tests all run
//! exactly this code.

use broadsheet::config::Site;
use broadsheet::domain::cursor::CursorScope;
use broadsheet::domain::{
    ArticleSummary, Category, FEED_SIZE, LISTING_PAGE_SIZE, ListingPosition, TRENDING_SIZE,
};
use broadsheet::http::response::{FEED_CACHE, PAGE_CACHE};
use broadsheet::http::{AppError, Query, RequestInfo, Responder, decode_component};
use broadsheet::routes::{Function, Resolution, match_pattern, resolve_in};
use broadsheet::store::{ArticleLister, TrendingReader};
use broadsheet::viewer::Viewer;
use broadsheet::views::{self, ListingKind};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use time::OffsetDateTime;

/// Most articles the sitemap lists (newest first); the sitemap protocol allows
/// 50,000, but reading more than this on one request is not worth its latency.
pub const SITEMAP_MAX: usize = 1000;
const SITEMAP_QUERY_PAGE: usize = 250;

/// The listing function's dependencies, built once per process.
#[derive(Debug, Clone)]
pub struct Listing<S> {
    pub store: S,
    pub site: Site,
}

/// What a request to this function asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    Listing(ListingKind),
    Trending,
    Feed(ListingKind),
    Sitemap,
    Robots,
}

/// Serves one request. Never fails: every error becomes its response here.
pub async fn handle<S>(app: &Listing<S>, req: Request) -> Response<Body>
where
    S: ArticleLister + TrendingReader,
{
    let info = RequestInfo::of(&req);
    let viewer = Viewer::Anonymous;
    let responder = Responder { site: &app.site, info: &info, viewer: &viewer };
    match serve(app, &req, &responder).await {
        Ok(resp) => resp,
        Err(err) => responder.error(err),
    }
}

async fn serve<S>(app: &Listing<S>, req: &Request, r: &Responder<'_>) -> Result<Response<Body>, AppError>
where
    S: ArticleLister + TrendingReader,
{
    let page = route(req.method().as_str(), req.uri().path())?;
    let query = Query::of(req)?;
    match page {
        Page::Listing(kind) => {
            let after = query.get("after");
            let position = after.map(|c| ListingPosition::from_cursor(scope(kind), c)).transpose();
            let position = position.map_err(|_| AppError::BadRequest("invalid pagination cursor"))?;
            let page = app.store.list_articles(category(kind), position.as_ref(), LISTING_PAGE_SIZE).await?;
            // A cursor past the end is a stale link, not an error: the page says "No stories yet".
            let older = page.next.as_ref().map(|p| p.to_cursor(scope(kind)));
            let html = views::listing_page(&app.site, r.viewer, kind, &page.items, older.as_deref(), after);
            Ok(r.html(StatusCode::OK, html, PAGE_CACHE))
        }
        Page::Trending => {
            let items = app.store.trending(OffsetDateTime::now_utc(), TRENDING_SIZE).await?;
            Ok(r.html(StatusCode::OK, views::trending_page(&app.site, r.viewer, &items), PAGE_CACHE))
        }
        Page::Feed(kind) => {
            let page = app.store.list_articles(category(kind), None, FEED_SIZE).await?;
            let xml = views::atom_feed(&app.site, kind, &page.items);
            Ok(r.body(StatusCode::OK, "application/atom+xml; charset=utf-8", xml, FEED_CACHE))
        }
        Page::Sitemap => {
            let articles = sitemap_articles(&app.store).await?;
            let xml = views::sitemap(&app.site, &articles);
            Ok(r.body(StatusCode::OK, "application/xml; charset=utf-8", xml, FEED_CACHE))
        }
        Page::Robots => {
            let txt = views::robots_txt(&app.site);
            Ok(r.body(StatusCode::OK, "text/plain; charset=utf-8", txt, FEED_CACHE))
        }
    }
}

/// Maps method and path to a [`Page`]: `404` for unknown paths and category
/// slugs, `405` with `Allow` for a known path with another method.
fn route(method: &str, path: &str) -> Result<Page, AppError> {
    let route = match resolve_in(Function::Listing, method, path) {
        Resolution::Found(route) => route,
        Resolution::MethodNotAllowed(allow) => return Err(AppError::MethodNotAllowed { allow }),
        Resolution::NotFound => return Err(AppError::NotFound),
    };
    let captured = match_pattern(route.pattern, path).unwrap_or_default();
    let category = || -> Result<Category, AppError> {
        let raw = captured.first().copied().unwrap_or_default();
        Category::from_slug(&decode_component(raw, false)?).ok_or(AppError::NotFound)
    };
    Ok(match route.pattern {
        "/" => Page::Listing(ListingKind::Front),
        "/category/{slug}" => Page::Listing(ListingKind::Category(category()?)),
        "/trending" => Page::Trending,
        "/feed.xml" => Page::Feed(ListingKind::Front),
        "/category/{slug}/feed.xml" => Page::Feed(ListingKind::Category(category()?)),
        "/sitemap.xml" => Page::Sitemap,
        "/robots.txt" => Page::Robots,
        _ => return Err(AppError::NotFound),
    })
}

fn category(kind: ListingKind) -> Option<Category> {
    match kind {
        ListingKind::Front => None,
        ListingKind::Category(c) => Some(c),
    }
}

fn scope(kind: ListingKind) -> CursorScope<'static> {
    match kind {
        ListingKind::Front => CursorScope::Front,
        ListingKind::Category(c) => CursorScope::Category(c),
    }
}

/// The newest [`SITEMAP_MAX`] articles, in a bounded number of queries.
async fn sitemap_articles<S: ArticleLister>(store: &S) -> Result<Vec<ArticleSummary>, AppError> {
    let mut out = Vec::new();
    let mut after: Option<ListingPosition> = None;
    while out.len() < SITEMAP_MAX {
        let want = SITEMAP_QUERY_PAGE.min(SITEMAP_MAX - out.len());
        let page = store.list_articles(None, after.as_ref(), want).await?;
        out.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_map_to_pages() {
        assert!(matches!(route("GET", "/"), Ok(Page::Listing(ListingKind::Front))));
        assert!(matches!(route("HEAD", "/"), Ok(Page::Listing(ListingKind::Front))));
        assert!(matches!(
            route("GET", "/category/news-analysis"),
            Ok(Page::Listing(ListingKind::Category(Category::NewsAnalysis)))
        ));
        assert!(matches!(
            route("GET", "/category/sp%6Frts/feed.xml"),
            Ok(Page::Feed(ListingKind::Category(Category::Sports)))
        ));
        assert!(matches!(route("GET", "/trending"), Ok(Page::Trending)));
        assert!(matches!(route("GET", "/sitemap.xml"), Ok(Page::Sitemap)));
        assert!(matches!(route("GET", "/robots.txt"), Ok(Page::Robots)));
    }

    #[test]
    fn bad_routes_are_client_errors() {
        assert!(matches!(route("GET", "/category/weather"), Err(AppError::NotFound)));
        assert!(matches!(route("GET", "/category/%zz"), Err(AppError::BadRequest(_))));
        assert!(matches!(route("GET", "/articles/x"), Err(AppError::NotFound)));
        assert!(
            matches!(route("POST", "/"), Err(AppError::MethodNotAllowed { allow }) if allow == vec!["GET"])
        );
    }
}
