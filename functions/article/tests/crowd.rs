//! A story breaks: many readers, many environments, one hot article. The
//! beacon's tallies and the aggregator keep every item's writes to a handful
//! (docs/edge.md#counting-reads: at most 100 a second on any item), and
//! every read served is counted once. Simulated time: the tallies are given
//! the instants, so nothing here waits.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use broadsheet::domain::Slug;
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{ArticleWriter, TrendingAggregator, TrendingReader};
use broadsheet_article::{FLUSH_EVERY, ReadTally};
use broadsheet_testkit::content::article;
use time::OffsetDateTime;

#[tokio::test]
async fn a_crowd_on_one_story_writes_each_item_a_handful_of_times_and_every_read_counts() {
    const ENVIRONMENTS: usize = 50;
    const READS_PER_SECOND: usize = 2_000; // 100× a quiet day, on one story
    const SECONDS: u64 = 60;
    let store = MemoryStore::new();
    let hot = article("hot-story");
    let now = OffsetDateTime::now_utc();
    store.put_article(&hot, now - time::Duration::hours(1)).await.unwrap();
    let slug = Slug::parse("hot-story").unwrap();

    let tallies: Vec<ReadTally> = (0..ENVIRONMENTS).map(|_| ReadTally::new(FLUSH_EVERY)).collect();
    let start = Instant::now();
    let began = now - time::Duration::seconds(i64::try_from(SECONDS).unwrap() + 20);
    let mut served = 0u64;
    for second in 0..SECONDS {
        for i in 0..READS_PER_SECOND {
            // Readers spread over the environments, as Lambda spreads requests.
            let env = (i * 7 + usize::try_from(second).unwrap()) % ENVIRONMENTS;
            let offset = Duration::from_secs(second) + Duration::from_micros(u64::try_from(i).unwrap() * 400);
            served += 1;
            if let Some(reads) = tallies[env].count(&slug, start + offset) {
                let at = began + offset;
                tallies[env].flush(&store, reads, at).await;
            }
        }
    }
    // What each environment still holds is flushed by its next request (or,
    // if it never gets one, lost: at most FLUSH_EVERY of its reads).
    let mut pending = 0;
    for tally in &tallies {
        let reads: BTreeMap<Slug, u64> = tally.drain(start);
        pending += reads.values().sum::<u64>();
        tally.flush(&store, reads, began + Duration::from_secs(SECONDS)).await;
    }
    let done = store.refresh_trending(now).await.unwrap();
    let trending = store.trending(10).await.unwrap();
    assert_eq!(trending[0].reads, served, "every read served is counted once");
    assert_eq!(done.reads, served);

    let writes = store.trending_writes_per_item();
    let max = writes.values().copied().max().unwrap();
    let batches = writes.keys().filter(|k| k.starts_with("READS#")).count();
    println!(
        "{served} reads in {SECONDS} s over {ENVIRONMENTS} environments: {batches} batch items \
         (each written once), {} items written in all, at most {max} writes to any item; \
         {pending} reads were still in memory at the end ({:.2} % of those served)",
        writes.len(),
        100.0 * pending as f64 / served as f64,
    );
    assert_eq!(max, 1, "no item is written twice in one aggregation run");
    // One flush per environment per FLUSH_EVERY, plus the final drain.
    let flushes_per_env = SECONDS / FLUSH_EVERY.as_secs() + 2;
    assert!(batches <= ENVIRONMENTS * usize::try_from(flushes_per_env).unwrap(), "{batches}");
}
