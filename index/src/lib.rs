//! # broadsheet-index — site search on tantivy
//!
//! The search engine behind `GET /search`: BM25 over the title, summary and
//! body (in that order of weight), English stemming, phrases in double
//! quotes, a mild preference for recent stories, and snippets highlighted by
//! the engine. Only the search function and the operator's tools depend on
//! this crate, so tantivy and the S3 client stay out of the other functions.
//!
//! ## Layout
//!
//! * [`engine`] — [`SearchIndex`]: building it from articles, querying it,
//!   packing it into one archive and back.
//! * `analyzer` — how text becomes terms (and the stem cache and snippet
//!   analyzer that keep snippets cheap).
//! * `ranking` — BM25 × recency, collected so the engine can skip what
//!   cannot make the page.
//! * `bundle` — the archive, and the read-only directory that serves an
//!   index from it without copying.
//! * [`query`] — what a reader's text means to the engine (words and
//!   "phrases"; every other character separates words).
//! * [`bucket`] — [`IndexBucket`]: the published index as one S3 object.
//! * [`live`] — [`LiveIndex`]: the index a function serves from, refreshed
//!   from the bucket at most once a minute.

mod analyzer;
pub mod bucket;
mod bundle;
pub mod engine;
pub mod live;
pub mod query;
mod ranking;

pub use bucket::{BucketError, INDEX_KEY, IndexBucket};
pub use engine::{IndexError, SearchIndex};
pub use live::{ArticleSource, LiveIndex, REFRESH_INTERVAL};
