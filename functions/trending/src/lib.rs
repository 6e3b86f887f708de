//! The #TrendingNews aggregator: run once a minute by an EventBridge
//! schedule, it folds the read batches the beacon flushed into the hourly
//! rows and writes the ranking the listing function reads as one item
//! (`broadsheet::store::trending`; docs/edge.md#counting-reads).
//!
//! A run fails (an invocation error, which the `TrendingBehindAlarm`
//! watches) when the table cannot be reached, or when it leaves read
//! batches older than [`BEHIND_AFTER`] unfolded: the pipeline is behind.

use broadsheet::store::trending::BEHIND_AFTER;
use broadsheet::store::{Refresh, StoreError, TrendingAggregator};
use time::OffsetDateTime;

/// Why a run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("could not refresh #TrendingNews")]
    Store(#[from] StoreError),
    #[error(
        "behind: read batches flushed at {oldest_left} are still unfolded (more than {BEHIND_AFTER:?} old)"
    )]
    Behind { oldest_left: OffsetDateTime },
}

/// One run at `now`: what it did, or why it failed (logged either way).
pub async fn run_once<S: TrendingAggregator>(store: &S, now: OffsetDateTime) -> Result<Refresh, RunError> {
    let done = store.refresh_trending(now).await.inspect_err(|e| {
        tracing::error!(error = %broadsheet::http::error::cause_chain(e), "refreshing #TrendingNews failed");
    })?;
    tracing::info!(
        batches = done.batches,
        reads = done.reads,
        ranked = done.ranked,
        "#TrendingNews refreshed"
    );
    match done.oldest_left {
        Some(oldest_left) if done.is_behind(now) => {
            tracing::error!(%oldest_left, "#TrendingNews is behind");
            Err(RunError::Behind { oldest_left })
        }
        _ => Ok(done),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

    use std::collections::BTreeMap;

    use broadsheet::domain::Slug;
    use broadsheet::store::memory::MemoryStore;
    use broadsheet::store::trending::MAX_BATCHES_PER_SHARD;
    use broadsheet::store::{ReadBatch, ReadCounter};
    use time::macros::datetime;

    use super::*;

    #[tokio::test]
    async fn a_run_that_catches_up_succeeds_and_one_left_behind_fails() {
        let now = datetime!(2026-11-26 18:00 UTC);
        let store = MemoryStore::new();
        assert_eq!(run_once(&store, now).await.unwrap(), Refresh::default());

        // More batches than a run folds, flushed ten minutes ago: behind.
        let slug = Slug::parse("a").unwrap();
        let shards = usize::from(broadsheet::store::trending::READ_SHARDS);
        for _ in 0..(MAX_BATCHES_PER_SHARD * shards * 3 / 2) {
            let batch =
                ReadBatch::new(now - time::Duration::minutes(10), BTreeMap::from([(slug.clone(), 1)]));
            store.add_reads(&batch).await.unwrap();
        }
        assert!(matches!(run_once(&store, now).await, Err(RunError::Behind { .. })));
        // The next runs catch up.
        let mut caught_up = false;
        for _ in 0..3 {
            caught_up = run_once(&store, now).await.is_ok_and(|r| r.oldest_left.is_none());
        }
        assert!(caught_up);
    }
}
