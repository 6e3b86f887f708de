//! The search function: `GET /search`, the form and pages of results.
//!
//! [`Search`] is the function's [`Handler`]; it holds the [`LiveIndex`] the
//! engine answers from (loaded from S3 on Lambda, built in memory by
//! `broadsheet serve`). The route is personal, like every listing page: the
//! edge looks the reader's session up concurrently with the search, so the
//! header greets a logged-in reader (docs/iam.md: the function reads
//! session items and the index object, nothing else).

use std::sync::Arc;

use broadsheet::config::Site;
use broadsheet::domain::search::{SEARCH_PAGE_SIZE, SearchPosition, SearchQuery, SearchResults};
pub use broadsheet::edge::handle;
use broadsheet::edge::{App, Exchange, Handler, Reply};
use broadsheet::http::response::LISTING_CACHE;
use broadsheet::http::{AppError, Query};
use broadsheet::routes::SearchRoute;
use broadsheet::store::{Sessions, StoreError};
use broadsheet::views::{self, SearchView};
use broadsheet_index::LiveIndex;
use lambda_http::Request;
use lambda_http::http::StatusCode;
use time::OffsetDateTime;

/// The search function's handler: the index it answers from.
#[derive(Debug, Clone)]
pub struct Search {
    pub index: Arc<LiveIndex>,
}

/// The search function: site, store (sessions only) and [`Search`].
pub type SearchApp<S> = App<S, Search>;

/// Builds the function's app around `index`.
pub fn app<S>(store: S, site: Site, index: Arc<LiveIndex>) -> SearchApp<S> {
    App { site, store, handler: Search { index } }
}

/// What a search found, before it is rendered for a viewer.
#[derive(Debug)]
pub struct Found {
    query: Option<SearchQuery>,
    results: SearchResults,
    offset: usize,
    next: Option<String>,
}

/// No index could be loaded (yet): searches answer `503`.
#[derive(Debug, thiserror::Error)]
#[error("the search index is not loaded")]
struct NoIndex;

impl<S: Sessions> Handler<S> for Search {
    type Route = SearchRoute;
    type Loaded = Found;

    async fn load(app: &SearchApp<S>, route: &SearchRoute, req: &Request) -> Result<Found, AppError> {
        let SearchRoute::Results = route;
        let params = Query::of(req)?;
        let query = SearchQuery::parse(params.get("q").unwrap_or_default())
            .map_err(|_| AppError::BadRequest("a search can be at most 200 characters"))?;
        let Some(query) = query else {
            return Ok(Found { query: None, results: SearchResults::default(), offset: 0, next: None });
        };
        let now = OffsetDateTime::now_utc();
        let at = match params.get("after") {
            None => SearchPosition { offset: 0, as_of: now },
            Some(c) => SearchPosition::from_cursor(&query, c, now)
                .map_err(|_| AppError::BadRequest("invalid pagination cursor"))?,
        };
        let index = app.handler.index.index().await;
        let index = index.ok_or_else(|| AppError::Unavailable(StoreError::Unavailable(Box::new(NoIndex))))?;
        let results = index
            .search(query.as_str(), at.offset, SEARCH_PAGE_SIZE, at.as_of)
            .map_err(|e| AppError::Unavailable(StoreError::Unavailable(Box::new(e))))?;
        let shown = at.offset + results.hits.len();
        let next = (results.hits.len() == SEARCH_PAGE_SIZE
            && shown < results.total
            && shown <= broadsheet::domain::search::MAX_SEARCH_OFFSET)
            .then(|| SearchPosition { offset: shown, as_of: at.as_of }.to_cursor(&query));
        Ok(Found { query: Some(query), results, offset: at.offset, next })
    }

    async fn respond(app: &SearchApp<S>, _: SearchRoute, found: Found, ex: &Exchange<'_>) -> Reply {
        let view = SearchView {
            query: found.query.as_ref(),
            results: &found.results,
            offset: found.offset,
            next: found.next.as_deref(),
        };
        Ok(ex.r.html(StatusCode::OK, views::search_page(&app.site, ex.r.viewer, view), LISTING_CACHE))
    }
}

/// The search function's own start-up, after `broadsheet::startup::function_init`:
/// reads `BROADSHEET_INDEX_BUCKET` (and `AWS_ENDPOINT_URL`, for a local S3) (exit 1 with a clear log line if it is
/// missing) and loads the published index from it.
pub async fn index_init(region: broadsheet::store::dynamo::Region) -> Arc<LiveIndex> {
    let Some(bucket) = std::env::var("BROADSHEET_INDEX_BUCKET").ok().filter(|b| !b.is_empty()) else {
        tracing::error!("environment variable BROADSHEET_INDEX_BUCKET is not set; exiting");
        std::process::exit(1);
    };
    // Set only for local runs (`cargo lambda watch` against moto), which need path-style addressing.
    let endpoint = std::env::var("AWS_ENDPOINT_URL").ok().filter(|e| !e.is_empty());
    let bucket = broadsheet_index::IndexBucket::connect(region, endpoint.as_deref(), &bucket).await;
    Arc::new(LiveIndex::from_bucket(bucket, broadsheet_index::REFRESH_INTERVAL).await)
}
