//! The listing function: the front page, category pages, #TrendingNews, the
//! Atom feeds, the sitemap and robots.txt.
//!
//! [`handle`] is a plain async function over its dependencies, so the Lambda
//! (`main.rs`), the local server (`broadsheet serve`) and the tests all run
//! exactly this code.

use broadsheet::config::Site;
use broadsheet::domain::cursor::CursorScope;
use broadsheet::domain::{
    ArticleSummary, Category, FEED_SIZE, LISTING_PAGE_SIZE, ListingPosition, TRENDING_SIZE, TrendingArticle,
};
use broadsheet::http::form::{check_body_size, session_of, viewer_of};
use broadsheet::http::response::{FEED_CACHE, PAGE_CACHE};
use broadsheet::http::{AppError, Query, RequestInfo, Responder, decode_component, route_path};
use broadsheet::routes::{Function, Resolution, match_pattern, resolve_in};
use broadsheet::store::{ArticleLister, Sessions, TrendingReader};
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

/// What the store returned for a page, before it is rendered for a viewer.
enum Loaded {
    Listing { kind: ListingKind, articles: Vec<ArticleSummary>, older: Option<String> },
    Trending(Vec<TrendingArticle>),
    Feed(ListingKind, Vec<ArticleSummary>),
    Sitemap(Vec<ArticleSummary>),
    Robots,
}

/// Serves one request. Never fails: every error becomes its response here.
///
/// HTML pages look the reader's session up *concurrently* with the page's own
/// read, so a logged-in view costs no extra round trip on the critical path.
pub async fn handle<S>(app: &Listing<S>, req: Request) -> Response<Body>
where
    S: ArticleLister + TrendingReader + Sessions,
{
    let info = RequestInfo::of(&req);
    let routed = check_body_size(&req).and_then(|()| route(req.method().as_str(), route_path(&req)));
    let query = routed.and_then(|page| Ok((page, Query::of(&req)?)));
    let (page, query) = match query {
        Ok(ok) => ok,
        Err(err) => return Responder { site: &app.site, info: &info, viewer: &Viewer::Anonymous }.error(err),
    };
    let personal = matches!(page, Page::Listing(_) | Page::Trending);
    let session = async {
        if personal { session_of(&app.store, &req).await.map_err(AppError::from) } else { Ok(None) }
    };
    let (session, loaded) = tokio::join!(session, load(app, page, &query));
    let viewer = match &session {
        Ok(s) => viewer_of(s.as_ref()),
        Err(_) => Viewer::Anonymous,
    };
    let r = Responder { site: &app.site, info: &info, viewer: &viewer };
    match session.and(loaded) {
        Ok(loaded) => render(app, &r, loaded, query.get("after")),
        Err(err) => r.error(err),
    }
}

async fn load<S>(app: &Listing<S>, page: Page, query: &Query) -> Result<Loaded, AppError>
where
    S: ArticleLister + TrendingReader,
{
    Ok(match page {
        Page::Listing(kind) => {
            let after = query.get("after");
            let position = after.map(|c| ListingPosition::from_cursor(scope(kind), c)).transpose();
            let position = position.map_err(|_| AppError::BadRequest("invalid pagination cursor"))?;
            let page = app.store.list_articles(category(kind), position.as_ref(), LISTING_PAGE_SIZE).await?;
            // A cursor past the end is a stale link, not an error: the page says "No stories yet".
            let older = page.next.as_ref().map(|p| p.to_cursor(scope(kind)));
            Loaded::Listing { kind, articles: page.items, older }
        }
        Page::Trending => {
            Loaded::Trending(app.store.trending(OffsetDateTime::now_utc(), TRENDING_SIZE).await?)
        }
        Page::Feed(kind) => {
            Loaded::Feed(kind, app.store.list_articles(category(kind), None, FEED_SIZE).await?.items)
        }
        Page::Sitemap => Loaded::Sitemap(sitemap_articles(&app.store).await?),
        Page::Robots => Loaded::Robots,
    })
}

fn render<S>(app: &Listing<S>, r: &Responder<'_>, loaded: Loaded, after: Option<&str>) -> Response<Body> {
    match loaded {
        Loaded::Listing { kind, articles, older } => {
            let html = views::listing_page(&app.site, r.viewer, kind, &articles, older.as_deref(), after);
            r.html(StatusCode::OK, html, PAGE_CACHE)
        }
        Loaded::Trending(items) => {
            r.html(StatusCode::OK, views::trending_page(&app.site, r.viewer, &items), PAGE_CACHE)
        }
        Loaded::Feed(kind, items) => {
            let xml = views::atom_feed(&app.site, kind, &items);
            r.body(StatusCode::OK, "application/atom+xml; charset=utf-8", xml, FEED_CACHE)
        }
        Loaded::Sitemap(items) => {
            let xml = views::sitemap(&app.site, &items);
            r.body(StatusCode::OK, "application/xml; charset=utf-8", xml, FEED_CACHE)
        }
        Loaded::Robots => {
            r.body(StatusCode::OK, "text/plain; charset=utf-8", views::robots_txt(&app.site), FEED_CACHE)
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
