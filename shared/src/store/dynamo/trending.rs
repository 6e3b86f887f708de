//! #TrendingNews on DynamoDB: the parts of the aggregation
//! (`store::trending`) on the table's items.
//!
//! * read batches: `PK = READS#{shard}`, `SK = {batch ULID}`, `reads` (a map
//!   slug → reads), one `PutItem` each, expiring after two days;
//! * watermarks: `PK = TRENDING`, `SK = WATERMARK#{shard}`, `after`;
//! * hourly rows: `PK = TRENDING#{hour}`, `SK = ARTICLE#{slug}`, `ADD reads`;
//! * the ranking: `PK = TRENDING`, `SK = RANKING`, `articles` (a list of
//!   summaries with their reads), read by the listing function with one `GetItem`.
//!
//! The window arithmetic and the ranking below are also what
//! [`MemoryStore`](crate::store::memory::MemoryStore) uses, so both stores
//! give the same answer by construction.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::items;
use super::{DynamoStore, applied, query_limit, unavailable};
use crate::domain::{ArticleSummary, Slug, TRENDING_WINDOW_HOURS, TrendingArticle};
use crate::store::trending::{Batches, TrendingParts};
use crate::store::{ReadBatch, ReadCounter, Refresh, StoreError, TrendingAggregator, TrendingReader};

/// The hour buckets (hours since the epoch, UTC) that make up the window
/// ending with `now`'s hour: that hour and the 47 before it.
pub(crate) fn window(now: OffsetDateTime) -> RangeInclusive<i64> {
    let last = items::hour_index(now);
    (last - (TRENDING_WINDOW_HOURS - 1))..=last
}

/// The bucket a read at `at` counts in.
pub(crate) fn bucket(at: OffsetDateTime) -> i64 {
    items::hour_index(at)
}

/// Adds up hourly rows `(hour, article as of that hour, reads)` into the
/// ranking: most reads first, then newest published, then slug descending
/// (the listing order), at most `limit`. The summary shown is the one from
/// the newest bucket, i.e. the freshest title and comment count.
pub(crate) fn rank(
    rows: impl IntoIterator<Item = (i64, ArticleSummary, u64)>,
    limit: usize,
) -> Vec<TrendingArticle> {
    let mut tally: HashMap<Slug, (i64, TrendingArticle)> = HashMap::new();
    for (hour, article, reads) in rows {
        match tally.get_mut(&article.slug) {
            Some((newest, entry)) => {
                entry.reads = entry.reads.saturating_add(reads);
                if hour > *newest {
                    *newest = hour;
                    entry.article = article;
                }
            }
            None => {
                tally.insert(article.slug.clone(), (hour, TrendingArticle { article, reads }));
            }
        }
    }
    let mut ranked: Vec<TrendingArticle> = tally.into_values().map(|(_, entry)| entry).collect();
    ranked.sort_by(|a, b| {
        b.reads
            .cmp(&a.reads)
            .then_with(|| b.article.published_at.cmp(&a.article.published_at))
            .then_with(|| b.article.slug.cmp(&a.article.slug))
    });
    ranked.truncate(limit);
    ranked
}

impl ReadCounter for DynamoStore {
    async fn add_reads(&self, batch: &ReadBatch) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(items::read_batch_item(batch)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

impl TrendingAggregator for DynamoStore {
    async fn refresh_trending(&self, now: OffsetDateTime) -> Result<Refresh, StoreError> {
        crate::store::trending::refresh(self, now).await
    }
}

impl TrendingParts for DynamoStore {
    async fn watermark(&self, shard: u8) -> Result<Option<String>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(items::watermark_key(shard)))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        out.item().map(items::watermark_from_item).transpose()
    }

    async fn pending(
        &self,
        shard: u8,
        after: Option<&str>,
        upto: &str,
        max: usize,
    ) -> Result<Batches, StoreError> {
        let mut batches = Vec::new();
        let mut start = None;
        // A batch is at most a few tens of KB: a page holds many; follow the
        // pages up to `max` batches.
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :upto")
                .expression_attribute_names("#pk", items::PK)
                .expression_attribute_names("#sk", items::SK)
                .expression_attribute_values(":pk", AttributeValue::S(items::reads_pk(shard)))
                // `BETWEEN` is inclusive: the watermark itself is skipped below.
                .expression_attribute_values(":from", AttributeValue::S(after.unwrap_or("0").to_owned()))
                .expression_attribute_values(":upto", AttributeValue::S(upto.to_owned()))
                .limit(query_limit(max.saturating_sub(batches.len()).saturating_add(1)))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for item in out.items() {
                let (id, reads) = items::read_batch_from_item(item)?;
                if Some(id.as_str()) != after && batches.len() < max {
                    batches.push((id, reads));
                }
            }
            start = out.last_evaluated_key().cloned();
            if start.is_none() || batches.len() >= max {
                return Ok(batches);
            }
        }
    }

    async fn claim(&self, shard: u8, old: Option<&str>, new: &str) -> Result<bool, StoreError> {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::watermark_key(shard)))
            .update_expression("SET #after = :new")
            .expression_attribute_names("#after", items::WATERMARK_ATTR)
            .expression_attribute_values(":new", AttributeValue::S(new.to_owned()));
        let request = match old {
            Some(old) => request
                .condition_expression("#after = :old")
                .expression_attribute_values(":old", AttributeValue::S(old.to_owned())),
            None => request.condition_expression("attribute_not_exists(#after)"),
        };
        applied(request.send().await)
    }

    async fn add_to_hour(&self, hour: i64, slug: &Slug, reads: u64) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key(items::PK, AttributeValue::S(items::trending_pk(hour)))
            .key(items::SK, AttributeValue::S(items::article_pk(slug)))
            .update_expression("SET #slug = :slug, #exp = :exp ADD #reads :n")
            .expression_attribute_names("#slug", items::SLUG_ATTR)
            .expression_attribute_names("#exp", items::EXPIRES_AT)
            .expression_attribute_names("#reads", items::READS_ATTR)
            .expression_attribute_values(":slug", AttributeValue::S(slug.to_string()))
            .expression_attribute_values(":exp", items::n(items::trending_expires_at(hour)))
            .expression_attribute_values(":n", items::n(reads))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn hour_rows(&self, hour: i64) -> Result<Vec<(Slug, u64)>, StoreError> {
        // ONE page (≤ 1 MB, thousands of rows): an hour with more distinct
        // articles read than that counts the first page's (documented).
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_values(":pk", AttributeValue::S(items::trending_pk(hour)))
            .send()
            .await
            .map_err(unavailable)?;
        let mut rows = Vec::new();
        for item in out.items() {
            if !items::is_withdrawn(item)? {
                rows.push(items::trending_row_from_item(item)?);
            }
        }
        Ok(rows)
    }

    async fn article_summary(&self, slug: &Slug) -> Result<Option<(ArticleSummary, bool)>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(items::article_key(slug)))
            .send()
            .await
            .map_err(unavailable)?;
        out.item().map(|item| Ok((items::summary_from_item(item)?, items::is_withdrawn(item)?))).transpose()
    }

    async fn put_ranking(&self, ranking: &[TrendingArticle], at: OffsetDateTime) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(items::ranking_item(ranking, at)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

impl TrendingReader for DynamoStore {
    async fn trending(&self, limit: usize) -> Result<Vec<TrendingArticle>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(items::ranking_key()))
            .send()
            .await
            .map_err(unavailable)?;
        let mut ranking = out.item().map(items::ranking_from_item).transpose()?.unwrap_or_default();
        ranking.truncate(limit);
        Ok(ranking)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::domain::Category;

    fn summary(slug: &str, title: &str, published_at: OffsetDateTime) -> ArticleSummary {
        ArticleSummary {
            slug: Slug::parse(slug).unwrap(),
            title: title.into(),
            category: Category::Science,
            author: "A".into(),
            published_at,
            summary: String::new(),
            comment_count: 0,
            words: 300,
            updated_at: None,
        }
    }

    #[test]
    fn window_is_48_hours_ending_with_nows_hour() {
        let w = window(datetime!(2026-11-26 18:30 UTC));
        assert_eq!(w.clone().count(), 48);
        assert_eq!(*w.end(), bucket(datetime!(2026-11-26 18:00 UTC)));
        assert_eq!(*w.start(), bucket(datetime!(2026-11-24 19:59:59 UTC)));
        assert!(!w.contains(&bucket(datetime!(2026-11-24 18:59:59 UTC))));
    }

    #[test]
    fn rank_sums_orders_and_uses_newest_summary() {
        let t = datetime!(2026-11-20 00:00 UTC);
        let older = datetime!(2026-11-19 00:00 UTC);
        let rows = vec![
            (10, summary("a", "old title", t), 2),
            (12, summary("a", "new title", t), 1),
            (11, summary("a", "middle title", t), 1),
            (10, summary("b", "b", older), 4),
            (10, summary("c", "c", t), 4),
            (10, summary("d", "d", t), 4),
            (10, summary("e", "e", t), 1),
        ];
        let ranked = rank(rows, 4);
        let got: Vec<(&str, u64)> = ranked.iter().map(|r| (r.article.slug.as_str(), r.reads)).collect();
        assert_eq!(got, [("d", 4), ("c", 4), ("a", 4), ("b", 4)]);
        assert_eq!(ranked[2].article.title, "new title");
    }
}
