//! The read beacon's tally: reads counted in this environment's memory and
//! flushed as ONE new item ([`ReadBatch`]) at most every [`FLUSH_EVERY`].
//!
//! However many readers arrive, an environment writes at most one item per
//! interval, and never the same item twice (`docs/edge.md#counting-reads`).
//! What is lost when Lambda freezes an environment and never thaws it is
//! what it counted since its last flush: at most [`FLUSH_EVERY`] of that
//! environment's reads, because a request that finds the last flush older
//! than that flushes everything before it answers.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use broadsheet::domain::Slug;
use broadsheet::store::{ReadBatch, ReadCounter};
use time::OffsetDateTime;

/// The longest reads wait in memory before they are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(2);

/// How long a flush may take before it is abandoned (its reads are kept for
/// the next one): a backstop above the DynamoDB client's own 4 s operation
/// timeout, and well under the aggregator's 10 s settling time, so a flush
/// never lands behind a watermark.
pub const FLUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Distinct articles one environment holds between flushes, at most: a
/// flood of made-up slugs cannot grow its memory, or a batch past
/// DynamoDB's 400 KB item limit (a slug is at most 100 bytes).
pub const MAX_PENDING_ARTICLES: usize = 2_000;

/// The reads counted since the last flush.
#[derive(Debug)]
pub struct ReadTally {
    flush_every: Duration,
    pending: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    reads: BTreeMap<Slug, u64>,
    last_flush: Option<Instant>,
    /// Reads not counted since the last flush: their article would have been
    /// one too many. Logged once per flush, not once per read.
    dropped: u64,
}

impl Default for ReadTally {
    fn default() -> Self {
        ReadTally::new(FLUSH_EVERY)
    }
}

impl ReadTally {
    /// A tally that flushes at most every `flush_every` (`ZERO`: every read,
    /// for tests that want each read written at once).
    pub fn new(flush_every: Duration) -> Self {
        ReadTally { flush_every, pending: Mutex::new(Pending::default()) }
    }

    fn pending(&self) -> std::sync::MutexGuard<'_, Pending> {
        // Counts of reads stay consistent whatever panicked while the lock was held.
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts one read of `slug` at `now`, and returns the reads to flush
    /// if the last flush is [`FLUSH_EVERY`] old (or there was none).
    pub fn count(&self, slug: &Slug, now: Instant) -> Option<BTreeMap<Slug, u64>> {
        let mut p = self.pending();
        if p.reads.len() < MAX_PENDING_ARTICLES || p.reads.contains_key(slug) {
            *p.reads.entry(slug.clone()).or_insert(0) += 1;
        } else {
            p.dropped += 1;
        }
        let due = p.last_flush.is_none_or(|last| now.duration_since(last) >= self.flush_every);
        if due { Some(self.take(&mut p, now)) } else { None }
    }

    /// Everything counted so far, to flush now (tests, the local server).
    pub fn drain(&self, now: Instant) -> BTreeMap<Slug, u64> {
        let mut p = self.pending();
        self.take(&mut p, now)
    }

    fn take(&self, p: &mut Pending, now: Instant) -> BTreeMap<Slug, u64> {
        p.last_flush = Some(now);
        if p.dropped > 0 {
            tracing::warn!(
                dropped = p.dropped,
                "reads of more than {MAX_PENDING_ARTICLES} distinct articles since the last flush; the rest were not counted"
            );
            p.dropped = 0;
        }
        std::mem::take(&mut p.reads)
    }

    /// Puts back reads whose flush failed, to go with the next one.
    pub fn restore(&self, reads: BTreeMap<Slug, u64>) {
        let mut p = self.pending();
        for (slug, n) in reads {
            if p.reads.len() < MAX_PENDING_ARTICLES || p.reads.contains_key(&slug) {
                *p.reads.entry(slug).or_insert(0) += n;
            }
        }
    }

    /// Writes `reads` as one batch flushed at `at`; on failure or timeout
    /// they are kept for the next flush (logged, never the reader's problem).
    pub async fn flush<S: ReadCounter>(&self, store: &S, reads: BTreeMap<Slug, u64>, at: OffsetDateTime) {
        if reads.is_empty() {
            return;
        }
        let batch = ReadBatch::new(at, reads);
        match tokio::time::timeout(FLUSH_TIMEOUT, store.add_reads(&batch)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(reads = batch.total(), error = %e, "could not flush counted reads; kept for the next flush");
                self.restore(batch.reads);
            }
            Err(_) => {
                tracing::warn!(
                    reads = batch.total(),
                    "flushing counted reads timed out; kept for the next flush"
                );
                self.restore(batch.reads);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    #[test]
    fn the_first_read_flushes_then_at_most_every_interval() {
        let tally = ReadTally::new(Duration::from_secs(5));
        let t0 = Instant::now();
        assert_eq!(tally.count(&slug("a"), t0), Some(BTreeMap::from([(slug("a"), 1)])));
        for i in 1..=4 {
            assert_eq!(tally.count(&slug("a"), t0 + Duration::from_secs(i)), None);
        }
        assert_eq!(tally.count(&slug("b"), t0 + Duration::from_millis(4_999)), None);
        let flushed = tally.count(&slug("a"), t0 + Duration::from_secs(5)).unwrap();
        assert_eq!(flushed, BTreeMap::from([(slug("a"), 5), (slug("b"), 1)]));
        assert!(tally.drain(t0).is_empty());
    }

    #[test]
    fn distinct_articles_are_capped_and_failed_flushes_come_back() {
        let tally = ReadTally::new(Duration::from_secs(3600));
        let t0 = Instant::now();
        tally.count(&slug("first"), t0);
        for i in 0..MAX_PENDING_ARTICLES + 10 {
            tally.count(&slug(&format!("s{i}")), t0);
        }
        let reads = tally.drain(t0);
        assert_eq!(reads.len(), MAX_PENDING_ARTICLES);
        tally.restore(reads.clone());
        tally.restore(BTreeMap::from([(slug("s0"), 2)]));
        let again = tally.drain(t0);
        assert_eq!(again.len(), MAX_PENDING_ARTICLES);
        assert_eq!(again[&slug("s0")], 3);
    }
}
