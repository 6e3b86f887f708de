//! The listing function: the front page, category pages, #TrendingNews, the
//! Atom feeds, the sitemap and robots.txt.
//!
//! [`Listing`] is the function's [`Handler`]: the request edge
//! (`broadsheet::edge`) opens every request, and [`handle`] is that edge, so
//! the Lambda (`main.rs`), the local server (`broadsheet serve`) and the tests
//! all run exactly this code.

use broadsheet::domain::cursor::CursorScope;
use broadsheet::domain::{
    ArticleSummary, Category, FEED_SIZE, LISTING_PAGE_SIZE, ListingPosition, TRENDING_SIZE, TrendingArticle,
};
pub use broadsheet::edge::handle;
use broadsheet::edge::{App, Exchange, Handler, Reply};
use broadsheet::http::response::{FEED_CACHE, PAGE_CACHE};
use broadsheet::http::{AppError, Query};
use broadsheet::routes::ListingRoute;
use broadsheet::store::{ArticleLister, Sessions, TrendingReader};
use broadsheet::views::{self, ListingKind};
use lambda_http::Request;
use lambda_http::http::StatusCode;
use time::OffsetDateTime;

/// Most articles the sitemap lists (newest first); the sitemap protocol allows
/// 50,000, but reading more than this on one request is not worth its latency.
pub const SITEMAP_MAX: usize = 1000;
const SITEMAP_QUERY_PAGE: usize = 250;

/// The listing function's handler; it keeps nothing of its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct Listing;

/// The listing function: site, store and [`Listing`].
pub type ListingApp<S> = App<S, Listing>;

/// What the store returned for a route, before it is rendered for a viewer.
#[derive(Debug)]
pub enum Loaded {
    /// A page of stories; `after` is the cursor it was asked for, `older` the next page's.
    Listing {
        kind: ListingKind,
        articles: Vec<ArticleSummary>,
        after: Option<String>,
        older: Option<String>,
    },
    Trending(Vec<TrendingArticle>),
    Feed(ListingKind, Vec<ArticleSummary>),
    Sitemap(Vec<ArticleSummary>),
    Robots,
}

/// What every store behind the listing function must do.
pub trait ListingStore: ArticleLister + TrendingReader + Sessions {}
impl<T: ArticleLister + TrendingReader + Sessions> ListingStore for T {}

impl<S: ListingStore> Handler<S> for Listing {
    type Route = ListingRoute;
    type Loaded = Loaded;

    async fn load(app: &ListingApp<S>, route: &ListingRoute, req: &Request) -> Result<Loaded, AppError> {
        let store = &app.store;
        Ok(match *route {
            ListingRoute::Front => listing(store, ListingKind::Front, req).await?,
            ListingRoute::Category(c) => listing(store, ListingKind::Category(c), req).await?,
            // One GetItem: the ranking the aggregator wrote (docs/edge.md).
            ListingRoute::Trending => Loaded::Trending(store.trending(TRENDING_SIZE).await?),
            ListingRoute::FrontFeed => feed(store, ListingKind::Front).await?,
            ListingRoute::CategoryFeed(c) => feed(store, ListingKind::Category(c)).await?,
            ListingRoute::Sitemap => Loaded::Sitemap(sitemap_articles(store).await?),
            ListingRoute::Robots => Loaded::Robots,
        })
    }

    async fn respond(app: &ListingApp<S>, _: ListingRoute, loaded: Loaded, ex: &Exchange<'_>) -> Reply {
        let (site, r) = (&app.site, &ex.r);
        Ok(match loaded {
            Loaded::Listing { kind, articles, after, older } => {
                let html =
                    views::listing_page(site, r.viewer, kind, &articles, older.as_deref(), after.as_deref());
                r.html(StatusCode::OK, html, PAGE_CACHE)
            }
            Loaded::Trending(items) => {
                r.html(StatusCode::OK, views::trending_page(site, r.viewer, &items), PAGE_CACHE)
            }
            Loaded::Feed(kind, items) => {
                let xml = views::atom_feed(site, kind, &items);
                r.body(StatusCode::OK, "application/atom+xml; charset=utf-8", xml, FEED_CACHE)
            }
            Loaded::Sitemap(items) => {
                let xml = views::sitemap(site, &items);
                r.body(StatusCode::OK, "application/xml; charset=utf-8", xml, FEED_CACHE)
            }
            Loaded::Robots => {
                r.body(StatusCode::OK, "text/plain; charset=utf-8", views::robots_txt(site), FEED_CACHE)
            }
        })
    }
}

/// One page of a listing, from the `after` cursor of the query string.
async fn listing<S: ArticleLister>(store: &S, kind: ListingKind, req: &Request) -> Result<Loaded, AppError> {
    let after = Query::of(req)?.get("after").map(str::to_owned);
    let position = after.as_deref().map(|c| ListingPosition::from_cursor(scope(kind), c)).transpose();
    let position = position.map_err(|_| AppError::BadRequest("invalid pagination cursor"))?;
    let page = store
        .list_articles(category(kind), position.as_ref(), LISTING_PAGE_SIZE, OffsetDateTime::now_utc())
        .await?;
    // A cursor past the end is a stale link, not an error: the page says "No stories yet".
    let older = page.next.as_ref().map(|p| p.to_cursor(scope(kind)));
    Ok(Loaded::Listing { kind, articles: page.items, after, older })
}

async fn feed<S: ArticleLister>(store: &S, kind: ListingKind) -> Result<Loaded, AppError> {
    let articles = store.list_articles(category(kind), None, FEED_SIZE, OffsetDateTime::now_utc()).await?;
    Ok(Loaded::Feed(kind, articles.items))
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
    // One time for every query, so the pages join up.
    let now = OffsetDateTime::now_utc();
    while out.len() < SITEMAP_MAX {
        let want = SITEMAP_QUERY_PAGE.min(SITEMAP_MAX - out.len());
        let page = store.list_articles(None, after.as_ref(), want, now).await?;
        out.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    Ok(out)
}
