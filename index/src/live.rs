//! [`LiveIndex`]: the index a search function answers from.
//!
//! On Lambda, loaded from the bucket at cold start; then, when a request finds the
//! last check older than [`REFRESH_INTERVAL`], that request first asks S3
//! for the archive's `ETag` (one `HeadObject`) and downloads it only if it
//! changed. A failed check or download keeps the index already loaded (and
//! is logged): readers get slightly stale results rather than an error. If
//! no index could be loaded at all, searches answer `503` until one can.
//!
//! `broadsheet serve` has no bucket: its index is built in memory from the
//! store itself ([`LiveIndex::from_store`]) at the first search and rebuilt
//! the same way once the interval has passed, so a story withdrawn with
//! `broadsheet unpublish` against the server's table leaves its results too.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use broadsheet::domain::Article;
use broadsheet::store::{ArticleWriter, StoreError};

use tokio::time::Instant;

use crate::bucket::{BucketError, IndexBucket};
use crate::engine::SearchIndex;

/// How often a warm function asks whether a newer index was published.
pub const REFRESH_INTERVAL: Duration = Duration::from_secs(60);

/// The current index, and where newer ones come from.
#[derive(Debug)]
pub struct LiveIndex {
    current: RwLock<Option<Loaded>>,
    source: Option<Source>,
}

#[derive(Debug, Clone)]
struct Loaded {
    index: Arc<SearchIndex>,
    etag: Option<String>,
}

/// The articles an index is built from, read from a store.
pub type ArticlesFuture<'a> = Pin<Box<dyn Future<Output = Result<Vec<Article>, StoreError>> + Send + 'a>>;

/// A store the local server's index is rebuilt from.
pub trait ArticleSource: Send + Sync {
    fn articles(&self) -> ArticlesFuture<'_>;
}

impl<S: ArticleWriter> ArticleSource for S {
    fn articles(&self) -> ArticlesFuture<'_> {
        Box::pin(self.searchable_articles())
    }
}

enum Origin {
    Bucket(IndexBucket),
    Store(Box<dyn ArticleSource>),
}

impl std::fmt::Debug for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Bucket(b) => write!(f, "Bucket({})", b.name()),
            Origin::Store(_) => f.write_str("Store"),
        }
    }
}

#[derive(Debug)]
struct Source {
    origin: Origin,
    interval: Duration,
    next_check: Mutex<Instant>,
    /// One refresh at a time; others keep serving the current index.
    refreshing: tokio::sync::Mutex<()>,
}

impl LiveIndex {
    /// An index that never changes: `broadsheet serve`, tests, benchmarks.
    pub fn fixed(index: SearchIndex) -> LiveIndex {
        LiveIndex { current: RwLock::new(Some(Loaded { index: Arc::new(index), etag: None })), source: None }
    }

    /// Loads the published index from `bucket`, checking for a newer one
    /// every `interval` afterwards. A failure is logged and retried at the
    /// next search.
    pub async fn from_bucket(bucket: IndexBucket, interval: Duration) -> LiveIndex {
        let source = Source {
            origin: Origin::Bucket(bucket),
            interval,
            next_check: Mutex::new(Instant::now()),
            refreshing: tokio::sync::Mutex::new(()),
        };
        let live = LiveIndex { current: RwLock::new(None), source: Some(source) };
        if let Err(err) = live.refresh().await {
            tracing::error!(error = %err, "could not load the search index");
        }
        live
    }

    /// An index built from `store`'s articles at the first search, and
    /// rebuilt at the first search after every `interval`.
    pub fn from_store(store: impl ArticleSource + 'static, interval: Duration) -> LiveIndex {
        let source = Source {
            origin: Origin::Store(Box::new(store)),
            interval,
            next_check: Mutex::new(Instant::now()),
            refreshing: tokio::sync::Mutex::new(()),
        };
        LiveIndex { current: RwLock::new(None), source: Some(source) }
    }

    /// The index to answer from (refreshed first if a check is due), or
    /// `None` if none could be loaded yet.
    pub async fn index(&self) -> Option<Arc<SearchIndex>> {
        if let Some(source) = &self.source {
            let due = source.next_check.lock().is_ok_and(|next| Instant::now() >= *next);
            if due && let Err(err) = self.refresh().await {
                tracing::warn!(error = %err, "search index not refreshed; serving the one loaded");
            }
        }
        self.loaded().map(|l| l.index)
    }

    fn loaded(&self) -> Option<Loaded> {
        self.current.read().ok().and_then(|c| c.clone())
    }

    /// Checks the bucket now and loads the published index if it changed:
    /// `Ok(true)` when a new index was loaded.
    pub async fn refresh(&self) -> Result<bool, BucketError> {
        let Some(source) = &self.source else { return Ok(false) };
        // With an index loaded, a refresh under way elsewhere is enough;
        // with none, wait for it (the local server's first searches arrive
        // together), then use what it loaded.
        let _one = match source.refreshing.try_lock() {
            Ok(guard) => guard,
            Err(_) if self.loaded().is_some() => return Ok(false),
            Err(_) => {
                let guard = source.refreshing.lock().await;
                if self.loaded().is_some() {
                    return Ok(false);
                }
                guard
            }
        };
        if let Ok(mut next) = source.next_check.lock() {
            *next = Instant::now() + source.interval;
        }
        let started = std::time::Instant::now();
        let loaded = match &source.origin {
            Origin::Bucket(bucket) => {
                let known = self.loaded().and_then(|l| l.etag);
                if known.is_some() && bucket.etag().await? == known {
                    return Ok(false);
                }
                let fetched = bucket.fetch().await?;
                tracing::info!(
                    stories = fetched.index.len(),
                    bytes = fetched.bytes,
                    load_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "search index loaded"
                );
                Loaded { index: Arc::new(fetched.index), etag: Some(fetched.etag) }
            }
            Origin::Store(store) => {
                let articles = store.articles().await.map_err(|e| BucketError::Store(e.to_string()))?;
                let index = SearchIndex::build(&articles)?;
                tracing::debug!(
                    stories = index.len(),
                    build_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "search index built"
                );
                Loaded { index: Arc::new(index), etag: None }
            }
        };
        if let Ok(mut current) = self.current.write() {
            *current = Some(loaded);
        }
        Ok(true)
    }
}
