//! The listing function: the front page, category pages, author pages,
//! #TrendingNews, the Atom feeds, the sitemap and robots.txt.
//!
//! [`Listing`] is the function's [`Handler`]: the request edge
//! (`broadsheet::edge`) opens every request, and [`handle`] is that edge, so
//! the Lambda (`main.rs`), the local server (`broadsheet serve`) and the tests
//! all run exactly this code.

use broadsheet::domain::cursor::CursorScope;
use broadsheet::domain::{
    AUTHOR_PAGE_SIZE, ArticleSummary, Author, Category, FEED_SIZE, LISTING_PAGE_SIZE, ListingPosition, Slug,
    TRENDING_SIZE, TrendingArticle,
};
pub use broadsheet::edge::handle;
use broadsheet::edge::{App, Exchange, Handler, Reply};
use broadsheet::http::response::{FEED_CACHE, LISTING_CACHE};
use broadsheet::http::{AppError, Query};
use broadsheet::routes::ListingRoute;
use broadsheet::store::{ArticleLister, AuthorPage, AuthorReader, Sessions, TrendingReader};
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
        kind: Section,
        articles: Vec<ArticleSummary>,
        after: Option<String>,
        older: Option<String>,
    },
    Trending(Vec<TrendingArticle>),
    Feed(Section, Vec<ArticleSummary>),
    Sitemap(Vec<ArticleSummary>),
    Robots,
}

/// Whose stories a listing or feed shows: the owned form of [`ListingKind`].
#[derive(Debug)]
pub enum Section {
    Front,
    Category(Category),
    Author(Author),
}

impl Section {
    fn kind(&self) -> ListingKind<'_> {
        match self {
            Section::Front => ListingKind::Front,
            Section::Category(c) => ListingKind::Category(*c),
            Section::Author(a) => ListingKind::Author(a),
        }
    }

    fn scope(&self) -> CursorScope<'_> {
        match self {
            Section::Front => CursorScope::Front,
            Section::Category(c) => CursorScope::Category(*c),
            Section::Author(a) => CursorScope::Author(&a.slug),
        }
    }
}

/// What every store behind the listing function must do.
pub trait ListingStore: ArticleLister + AuthorReader + TrendingReader + Sessions {}
impl<T: ArticleLister + AuthorReader + TrendingReader + Sessions> ListingStore for T {}

impl<S: ListingStore> Handler<S> for Listing {
    type Route = ListingRoute;
    type Loaded = Loaded;

    async fn load(app: &ListingApp<S>, route: &ListingRoute, req: &Request) -> Result<Loaded, AppError> {
        let store = &app.store;
        Ok(match route {
            ListingRoute::Front => listing(store, Section::Front, req).await?,
            ListingRoute::Category(c) => listing(store, Section::Category(*c), req).await?,
            ListingRoute::Author(a) => author(store, a, req).await?,
            ListingRoute::AuthorFeed(a) => author_feed(store, a).await?,
            // One GetItem: the ranking the aggregator wrote (docs/edge.md).
            ListingRoute::Trending => Loaded::Trending(store.trending(TRENDING_SIZE).await?),
            ListingRoute::FrontFeed => feed(store, Section::Front).await?,
            ListingRoute::CategoryFeed(c) => feed(store, Section::Category(*c)).await?,
            ListingRoute::Sitemap => Loaded::Sitemap(sitemap_articles(store).await?),
            ListingRoute::Robots => Loaded::Robots,
        })
    }

    async fn respond(app: &ListingApp<S>, _: ListingRoute, loaded: Loaded, ex: &Exchange<'_>) -> Reply {
        let (site, r) = (&app.site, &ex.r);
        Ok(match loaded {
            Loaded::Listing { kind, articles, after, older } => {
                let html = views::listing_page(
                    site,
                    r.viewer,
                    kind.kind(),
                    &articles,
                    older.as_deref(),
                    after.as_deref(),
                );
                r.html(StatusCode::OK, html, LISTING_CACHE)
            }
            Loaded::Trending(items) => {
                r.html(StatusCode::OK, views::trending_page(site, r.viewer, &items), LISTING_CACHE)
            }
            Loaded::Feed(kind, items) => {
                let xml = views::atom_feed(site, kind.kind(), &items);
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

/// The `after` cursor of the query string, as sent and as a position in `section`.
fn cursor(req: &Request, section: &Section) -> Result<(Option<String>, Option<ListingPosition>), AppError> {
    let after = Query::of(req)?.get("after").map(str::to_owned);
    let position = after.as_deref().map(|c| ListingPosition::from_cursor(section.scope(), c)).transpose();
    let position = position.map_err(|_| AppError::BadRequest("invalid pagination cursor"))?;
    Ok((after, position))
}

/// One page of a listing, from the `after` cursor of the query string.
async fn listing<S: ArticleLister>(store: &S, section: Section, req: &Request) -> Result<Loaded, AppError> {
    let (after, position) = cursor(req, &section)?;
    let page = store
        .list_articles(category(&section), position.as_ref(), LISTING_PAGE_SIZE, OffsetDateTime::now_utc())
        .await?;
    // A cursor past the end is a stale link, not an error: the page says "No stories yet".
    let older = page.next.as_ref().map(|p| p.to_cursor(section.scope()));
    Ok(Loaded::Listing { kind: section, articles: page.items, after, older })
}

/// One page of an author's stories. An author is someone with an author
/// file or a published story: anyone else is `404`, like a category that
/// does not exist. The cursor is checked against the address before the
/// store is asked (it names the author, not the name the page will show).
async fn author<S: AuthorReader>(store: &S, slug: &Slug, req: &Request) -> Result<Loaded, AppError> {
    let placeholder = Section::Author(Author { slug: slug.clone(), name: String::new(), bio: None });
    let (after, position) = cursor(req, &placeholder)?;
    let page =
        store.author_page(slug, position.as_ref(), AUTHOR_PAGE_SIZE, OffsetDateTime::now_utc()).await?;
    let section = Section::Author(known_author(slug, &page)?);
    let older = page.articles.next.as_ref().map(|p| p.to_cursor(section.scope()));
    Ok(Loaded::Listing { kind: section, articles: page.articles.items, after, older })
}

async fn author_feed<S: AuthorReader>(store: &S, slug: &Slug) -> Result<Loaded, AppError> {
    let page = store.author_page(slug, None, FEED_SIZE, OffsetDateTime::now_utc()).await?;
    Ok(Loaded::Feed(Section::Author(known_author(slug, &page)?), page.articles.items))
}

/// Who the page is about: the author file, else the byline of the newest
/// story on the page; `404` with neither.
fn known_author(slug: &Slug, page: &AuthorPage) -> Result<Author, AppError> {
    if let Some(author) = &page.author {
        return Ok(author.clone());
    }
    let newest = page.articles.items.first().ok_or(AppError::NotFound)?;
    Ok(Author { slug: slug.clone(), name: newest.author.clone(), bio: None })
}

async fn feed<S: ArticleLister>(store: &S, section: Section) -> Result<Loaded, AppError> {
    let articles =
        store.list_articles(category(&section), None, FEED_SIZE, OffsetDateTime::now_utc()).await?;
    Ok(Loaded::Feed(section, articles.items))
}

fn category(section: &Section) -> Option<Category> {
    match section {
        Section::Category(c) => Some(*c),
        Section::Front | Section::Author(_) => None,
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
