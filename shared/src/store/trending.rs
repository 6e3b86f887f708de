//! #TrendingNews: counting reads that survives the edge cache and the crowd
//! (the design, its costs and its bounds: `docs/edge.md#counting-reads`).
//!
//! 1. The read beacon (`GET /articles/{slug}/read`, never cached) adds each
//!    read to its environment's tally, and flushes the tally at most every
//!    few seconds as ONE new item, a [`ReadBatch`]
//!    (`PK = READS#{shard}`, `SK = {batch ULID}`): no item is ever written
//!    twice, and a shard's partition takes 1/[`READ_SHARDS`] of the flushes.
//! 2. Once a minute [`refresh`] (the aggregator function; `broadsheet serve`
//!    runs it in the background) claims every shard's batches up to
//!    [`SETTLE`] ago by moving the shard's watermark with one conditional
//!    update, adds them into the hourly rows (`TRENDING#{hour}` /
//!    `ARTICLE#{slug}`, `ADD reads`) at most [`FOLD_WRITES_PER_SECOND`] a
//!    second, ranks the 48-hour window and writes the ranking as ONE item.
//! 3. The listing function reads that item ([`TrendingReader`](super::TrendingReader)):
//!    one `GetItem` per view of #TrendingNews.
//!
//! The steps are written once, here, over [`TrendingParts`]; each store
//! supplies the parts, so both give the same answer by construction.

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::time::Duration;

use time::OffsetDateTime;
use ulid::Ulid;

use super::StoreError;
use super::dynamo::{rank_trending, trending_bucket, trending_window};
use crate::domain::{ArticleSummary, Slug, TRENDING_SIZE, TrendingArticle};

/// Partitions the read batches are spread over (`READS#00` … `READS#15`).
/// Each takes 1/16 of the flushes: with every one of 1,000 environments
/// flushing every 2 s, 31 writes a second.
pub const READ_SHARDS: u8 = 16;

/// How old a batch must be before it is folded. A flush that started
/// earlier has landed or been abandoned by then (the client's operation
/// timeout is 4 s), so a watermark never passes a batch still in flight.
pub const SETTLE: Duration = Duration::from_secs(10);

/// Writes the aggregator sends to the hourly rows per second, at most: the
/// hour's partition never takes more, however many articles were read.
pub const FOLD_WRITES_PER_SECOND: usize = 100;

/// Batches one run folds per shard, at most; the rest wait for the next run.
pub const MAX_BATCHES_PER_SHARD: usize = 5_000;

/// A run that leaves a batch older than this unfolded is *behind*: the
/// aggregator reports it as a failure, which is what the alarm watches.
pub const BEHIND_AFTER: Duration = Duration::from_secs(5 * 60);

/// Articles fetched to rank: twice the page, so that withdrawn, scheduled
/// or unknown slugs among the most-read still leave a full page.
const CANDIDATES: usize = 2 * TRENDING_SIZE;

/// Reads counted by one environment since its last flush: one new item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadBatch {
    id: Ulid,
    /// Reads per article.
    pub reads: BTreeMap<Slug, u64>,
}

impl ReadBatch {
    /// A batch flushed at `at` (its id's time, which decides its hour).
    pub fn new(at: OffsetDateTime, reads: BTreeMap<Slug, u64>) -> ReadBatch {
        let ms = u64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
        ReadBatch { id: Ulid::from_parts(ms, rand::random()), reads }
    }

    /// Its sort key: a ULID, so batches sort by the time they were flushed.
    pub fn id(&self) -> String {
        self.id.to_string()
    }

    /// When it was flushed.
    pub fn at(&self) -> OffsetDateTime {
        ulid_time(self.id)
    }

    /// Its shard: from the id's random bits, so flushes spread evenly.
    pub fn shard(&self) -> u8 {
        u8::try_from(self.id.random() % u128::from(READ_SHARDS)).unwrap_or(0)
    }

    /// Reads in the batch.
    pub fn total(&self) -> u64 {
        self.reads.values().fold(0, |a, b| a.saturating_add(*b))
    }
}

fn ulid_time(id: Ulid) -> OffsetDateTime {
    let nanos = i128::from(id.timestamp_ms()) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// The greatest batch id flushed at or before `t`.
fn last_id_at(t: OffsetDateTime) -> String {
    let ms = u64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0);
    Ulid::from_parts(ms, u128::MAX).to_string()
}

/// What one aggregation run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refresh {
    /// Batches folded into the hourly rows.
    pub batches: usize,
    /// Reads they held.
    pub reads: u64,
    /// Articles in the ranking written.
    pub ranked: usize,
    /// When the oldest batch left unfolded was flushed (a shard had more
    /// than [`MAX_BATCHES_PER_SHARD`]); `None` when the run caught up.
    pub oldest_left: Option<OffsetDateTime>,
}

impl Refresh {
    /// Whether the pipeline is behind at `now` ([`BEHIND_AFTER`]).
    pub fn is_behind(&self, now: OffsetDateTime) -> bool {
        self.oldest_left.is_some_and(|t| now - t > BEHIND_AFTER)
    }
}

/// Read batches as the aggregator sees them: id and reads per article, oldest first.
pub(crate) type Batches = Vec<(String, BTreeMap<Slug, u64>)>;

/// The requests [`refresh`] is made of; each store implements them on its
/// own items (the DynamoDB request each stands for is named).
pub(crate) trait TrendingParts: Sync {
    /// The shard's watermark: the last batch id folded (`GetItem`, consistent).
    fn watermark(&self, shard: u8) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// The shard's batches with ids in `(after, upto]`, oldest first, at
    /// most `max` (`Query`).
    fn pending(
        &self,
        shard: u8,
        after: Option<&str>,
        upto: &str,
        max: usize,
    ) -> impl Future<Output = Result<Batches, StoreError>> + Send;

    /// Moves the watermark from `old` to `new` if it still is `old`
    /// (conditional `UpdateItem`): `false` when another run got there first.
    fn claim(
        &self,
        shard: u8,
        old: Option<&str>,
        new: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Adds `reads` to the article's row of `hour` (`UpdateItem`, `ADD`).
    fn add_to_hour(
        &self,
        hour: i64,
        slug: &Slug,
        reads: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The reads of each article in `hour`, without rows flagged withdrawn (`Query`).
    fn hour_rows(&self, hour: i64) -> impl Future<Output = Result<Vec<(Slug, u64)>, StoreError>> + Send;

    /// The article's summary and whether it is withdrawn (`GetItem`).
    fn article_summary(
        &self,
        slug: &Slug,
    ) -> impl Future<Output = Result<Option<(ArticleSummary, bool)>, StoreError>> + Send;

    /// Replaces the ranking item (`PutItem`).
    fn put_ranking(
        &self,
        ranking: &[TrendingArticle],
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// One aggregation run at `now`: fold what the beacons flushed, rank, write
/// the ranking. Safe to run concurrently with itself: each batch is claimed
/// by exactly one run. A run that fails after claiming loses those batches'
/// reads (at most one run's worth; the failure is logged and alarmed).
pub(crate) async fn refresh<P: TrendingParts>(parts: &P, now: OffsetDateTime) -> Result<Refresh, StoreError> {
    let upto = last_id_at(now - SETTLE);
    let claims = (0..READ_SHARDS).map(|shard| claim_shard(parts, shard, &upto));
    let mut report = Refresh::default();
    let mut by_hour: BTreeMap<(i64, Slug), u64> = BTreeMap::new();
    for claimed in futures::future::try_join_all(claims).await? {
        let Some(Claimed { batches, more }) = claimed else { continue };
        if more {
            let last = batches.last().and_then(|(id, _)| Ulid::from_string(id).ok()).map(ulid_time);
            report.oldest_left = report.oldest_left.min(last).or(last);
        }
        for (id, reads) in batches {
            let hour = Ulid::from_string(&id)
                .map_or_else(|_| trending_bucket(now), |u| trending_bucket(ulid_time(u)));
            report.batches += 1;
            for (slug, n) in reads {
                report.reads = report.reads.saturating_add(n);
                let sum = by_hour.entry((hour, slug)).or_insert(0);
                *sum = sum.saturating_add(n);
            }
        }
    }
    fold(parts, by_hour).await?;
    let ranking = rank(parts, now).await?;
    parts.put_ranking(&ranking, now).await?;
    report.ranked = ranking.len();
    Ok(report)
}

struct Claimed {
    batches: Batches,
    /// The shard had more batches than one run takes.
    more: bool,
}

async fn claim_shard<P: TrendingParts>(
    parts: &P,
    shard: u8,
    upto: &str,
) -> Result<Option<Claimed>, StoreError> {
    let old = parts.watermark(shard).await?;
    if old.as_deref().is_some_and(|old| old >= upto) {
        return Ok(None); // a run with a later `now` has been here
    }
    let mut batches = parts.pending(shard, old.as_deref(), upto, MAX_BATCHES_PER_SHARD + 1).await?;
    let more = batches.len() > MAX_BATCHES_PER_SHARD;
    batches.truncate(MAX_BATCHES_PER_SHARD);
    let Some((last, _)) = batches.last() else { return Ok(None) };
    if !parts.claim(shard, old.as_deref(), last).await? {
        tracing::info!(shard, "another run claimed these read batches");
        return Ok(None);
    }
    Ok(Some(Claimed { batches, more }))
}

/// Adds the claimed reads into their hourly rows, [`FOLD_WRITES_PER_SECOND`]
/// at most: each second's writes are sent together, then the next second's.
async fn fold<P: TrendingParts>(parts: &P, by_hour: BTreeMap<(i64, Slug), u64>) -> Result<(), StoreError> {
    let rows: Vec<((i64, Slug), u64)> = by_hour.into_iter().collect();
    let start = tokio::time::Instant::now();
    for (i, second) in rows.chunks(FOLD_WRITES_PER_SECOND).enumerate() {
        if i > 0 {
            tokio::time::sleep_until(start + Duration::from_secs(u64::try_from(i).unwrap_or(u64::MAX))).await;
        }
        let writes = second.iter().map(|((hour, slug), n)| parts.add_to_hour(*hour, slug, *n));
        futures::future::try_join_all(writes).await?;
    }
    Ok(())
}

/// The window's most-read articles that readers can see at `now`.
async fn rank<P: TrendingParts>(parts: &P, now: OffsetDateTime) -> Result<Vec<TrendingArticle>, StoreError> {
    let hours = futures::future::try_join_all(trending_window(now).map(|hour| parts.hour_rows(hour))).await?;
    let mut totals: HashMap<Slug, u64> = HashMap::new();
    for (slug, n) in hours.into_iter().flatten() {
        let sum = totals.entry(slug).or_insert(0);
        *sum = sum.saturating_add(n);
    }
    let mut candidates: Vec<(Slug, u64)> = totals.into_iter().collect();
    candidates.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(&a.0)));
    // Keep every article tied with the last candidate: the listing order
    // (newest first) decides among them once their summaries are known.
    let cut = candidates.get(CANDIDATES.saturating_sub(1)).map(|c| c.1);
    candidates.retain(|c| cut.is_none_or(|cut| c.1 >= cut));
    let summaries =
        futures::future::try_join_all(candidates.iter().map(|(slug, _)| parts.article_summary(slug))).await?;
    let rows = candidates.into_iter().zip(summaries).filter_map(|((_, reads), found)| match found {
        Some((summary, false)) if summary.is_published_at(now) => Some((0, summary, reads)),
        _ => None,
    });
    Ok(rank_trending(rows, TRENDING_SIZE))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn a_batch_sorts_by_its_time_and_spreads_over_the_shards() {
        let t = datetime!(2026-11-26 18:00 UTC);
        let a = ReadBatch::new(t, BTreeMap::new());
        let b = ReadBatch::new(t + time::Duration::milliseconds(1), BTreeMap::new());
        assert!(a.id() < b.id());
        assert_eq!(a.at(), t);
        assert!(a.id() <= last_id_at(t) && last_id_at(t) < b.id());
        let shards: std::collections::BTreeSet<u8> =
            (0..2000).map(|_| ReadBatch::new(t, BTreeMap::new()).shard()).collect();
        assert_eq!(shards.len(), usize::from(READ_SHARDS));
    }

    #[test]
    fn behind_means_a_batch_older_than_five_minutes_left_over() {
        let now = datetime!(2026-11-26 18:00 UTC);
        assert!(!Refresh::default().is_behind(now));
        let left = |age| Refresh { oldest_left: Some(now - age), ..Refresh::default() };
        assert!(!left(time::Duration::minutes(4)).is_behind(now));
        assert!(left(time::Duration::minutes(6)).is_behind(now));
    }
}
