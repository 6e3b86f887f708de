//! Ranking: BM25 × a mild recency factor, and only the stories a page needs.
//!
//! A story's score is its BM25 score (title ×3, summary ×2, body ×1)
//! multiplied by `1 + 0.2 × 0.5^(age / 90 days)`: a story published today
//! gains at most 20 % over an old one, so recency breaks near-ties but never
//! outranks a much better match. Stories dated after `now` (scheduled) are
//! skipped.
//!
//! **Why a collector of our own.** Tantivy's `TopDocs::tweak_score` (the
//! first version) scores every matching story, and a common word matches
//! thousands. [`Ranked`] gives the engine a floor instead: once it holds a
//! page of stories, a story whose BM25 score is below the page's lowest
//! final score ÷ 1.2 cannot get onto the page whatever its age, and the
//! engine skips whole blocks of postings below that floor (block-max WAND).
//! The page it returns is the same as scoring every story would give.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::ColumnValues;
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// The fast field holding a story's publication time (Unix seconds).
pub(crate) const PUBLISHED_AT: &str = "published_at";

/// The recency bonus: at most this fraction of the score, halving every
/// [`RECENCY_HALF_LIFE_DAYS`].
const RECENCY_WEIGHT: f64 = 0.2;
const RECENCY_HALF_LIFE_DAYS: f64 = 90.0;
/// The most [`recency`] can multiply a score by.
const MOST_RECENCY: Score = (1.0 + RECENCY_WEIGHT) as Score;

/// The recency factor for a story `age_seconds` old (a scheduled story
/// cannot be younger than 0).
pub(crate) fn recency(age_seconds: i64) -> Score {
    let days = age_seconds.max(0) as f64 / 86_400.0;
    (1.0 + RECENCY_WEIGHT * 0.5f64.powf(days / RECENCY_HALF_LIFE_DAYS)) as Score
}

/// Collects the `wanted` best stories published by `now`, best first; ties
/// go to the story indexed first.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ranked {
    pub now: i64,
    pub wanted: usize,
}

/// A story and its final score, ordered worst first for the heap.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate {
    score: Score,
    address: DocAddress,
}

impl Eq for Candidate {}

impl Ord for Candidate {
    /// Better is a higher score, then an earlier address.
    fn cmp(&self, other: &Self) -> Ordering {
        self.score.total_cmp(&other.score).then_with(|| other.address.cmp(&self.address))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// One segment's best stories so far.
pub(crate) struct RankedSegment {
    segment: SegmentOrdinal,
    published: Arc<dyn ColumnValues<i64>>,
    now: i64,
    wanted: usize,
    /// The best `wanted`, worst on top.
    best: BinaryHeap<Reverse<Candidate>>,
}

impl RankedSegment {
    fn offer(&mut self, doc: DocId, bm25: Score) {
        let at = self.published.get_val(doc);
        if at > self.now {
            return;
        }
        let candidate =
            Candidate { score: bm25 * recency(self.now - at), address: DocAddress::new(self.segment, doc) };
        if self.best.len() < self.wanted {
            self.best.push(Reverse(candidate));
        } else if let Some(mut worst) = self.best.peek_mut()
            && candidate > worst.0
        {
            *worst = Reverse(candidate);
        }
    }

    /// The BM25 score a story must beat to have a chance at the page.
    fn floor(&self) -> Score {
        match self.best.peek() {
            Some(worst) if self.best.len() >= self.wanted => worst.0.score / MOST_RECENCY,
            _ => Score::MIN,
        }
    }
}

impl SegmentCollector for RankedSegment {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.offer(doc, score);
    }

    fn harvest(self) -> Self::Fruit {
        best_first(self.best.into_iter().map(|c| c.0))
    }
}

fn best_first(candidates: impl IntoIterator<Item = Candidate>) -> Vec<(Score, DocAddress)> {
    let mut all: Vec<Candidate> = candidates.into_iter().collect();
    all.sort_unstable_by(|a, b| b.cmp(a));
    all.into_iter().map(|c| (c.score, c.address)).collect()
}

impl Collector for Ranked {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = RankedSegment;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<RankedSegment> {
        // A story without a time (none is indexed so) counts as not yet published.
        let published = reader.fast_fields().i64(PUBLISHED_AT)?.first_or_default_col(i64::MAX);
        Ok(RankedSegment {
            segment,
            published,
            now: self.now,
            wanted: self.wanted,
            best: BinaryHeap::with_capacity(self.wanted + 1),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, segments: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let all = segments.into_iter().flatten().map(|(score, address)| Candidate { score, address });
        let mut best = best_first(all);
        best.truncate(self.wanted);
        Ok(best)
    }

    /// As tantivy's `TopDocs` does, but with [`RankedSegment::floor`] as
    /// the threshold the engine prunes with.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Fruit> {
        let mut collector = self.for_segment(segment, reader)?;
        let alive = reader.alive_bitset();
        weight.for_each_pruning(Score::MIN, reader, &mut |doc, bm25| {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                collector.offer(doc, bm25);
            }
            collector.floor()
        })?;
        Ok(collector.harvest())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recency_is_mild_and_fades() {
        assert!((recency(0) - 1.2).abs() < 1e-6);
        assert!((recency(-5) - 1.2).abs() < 1e-6, "scheduled stories get no more");
        assert!((recency(90 * 86_400) - 1.1).abs() < 1e-6);
        assert!(recency(3650 * 86_400) < 1.0001);
        assert!((MOST_RECENCY - recency(0)).abs() < 1e-6, "the floor divides by the largest factor");
    }

    #[test]
    fn better_is_higher_then_earlier() {
        let at = |score, doc| Candidate { score, address: DocAddress::new(0, doc) };
        assert!(at(2.0, 9) > at(1.0, 1));
        assert!(at(1.0, 1) > at(1.0, 2));
        assert_eq!(
            best_first([at(1.0, 2), at(3.0, 5), at(1.0, 1)]),
            [(3.0, DocAddress::new(0, 5)), (1.0, DocAddress::new(0, 1)), (1.0, DocAddress::new(0, 2))]
        );
    }
}
