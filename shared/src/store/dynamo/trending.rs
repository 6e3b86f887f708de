//! #TrendingNews on DynamoDB: hourly read buckets.
//!
//! A read is one `UpdateItem` on `PK=TRENDING#{hour}, SK=ARTICLE#{slug}`
//! (`ADD reads 1`, and the summary fields `SET` so the row can be shown
//! without reading the article). The trending page reads the
//! [`TRENDING_WINDOW_HOURS`] buckets ending with the current hour, one
//! `Query` each, all at once, and adds them up.
//!
//! The window arithmetic and the ranking below are also what
//! [`MemoryStore`](crate::store::memory::MemoryStore) uses, so both stores
//! give the same answer by construction.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::items::{self, Item};
use super::{DynamoStore, unavailable};
use crate::domain::{ArticleSummary, Slug, TRENDING_WINDOW_HOURS, TrendingArticle};
use crate::store::{ReadCounter, StoreError, TrendingReader};

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
    async fn record_read(&self, article: &ArticleSummary, at: OffsetDateTime) -> Result<(), StoreError> {
        let hour = bucket(at);
        let mut request = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(items::PK, AttributeValue::S(items::trending_pk(hour)))
            .key(items::SK, AttributeValue::S(items::article_pk(&article.slug)))
            .expression_attribute_names("#reads", items::READS_ATTR)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_names("#exp", items::EXPIRES_AT)
            .expression_attribute_values(
                ":exp",
                AttributeValue::N(items::trending_expires_at(hour).to_string()),
            );
        let mut sets = vec![String::from("#exp = :exp")];
        for (i, (name, value)) in items::summary_attributes(article).into_iter().enumerate() {
            sets.push(format!("#a{i} = :a{i}"));
            request = request
                .expression_attribute_names(format!("#a{i}"), name)
                .expression_attribute_values(format!(":a{i}"), value);
        }
        request
            .update_expression(format!("SET {} ADD #reads :one", sets.join(", ")))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

impl TrendingReader for DynamoStore {
    async fn trending(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<TrendingArticle>, StoreError> {
        // One Query per bucket, all in flight together: the page waits for
        // the slowest, not the sum. Each is ONE page (≤ 1 MB, a few thousand
        // rows): an hour with more distinct articles read than that counts
        // only the first page's rows, which is documented as approximate.
        let queries = window(now).map(|hour| async move {
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
            let rows: Vec<Item> = out.items().to_vec();
            Ok::<_, StoreError>((hour, rows))
        });
        let buckets = futures::future::try_join_all(queries).await?;
        let mut rows = Vec::new();
        for (hour, items_in_hour) in buckets {
            for item in &items_in_hour {
                if items::is_withdrawn(item)? {
                    continue;
                }
                let (article, reads) = items::trending_row_from_item(item)?;
                rows.push((hour, article, reads));
            }
        }
        Ok(rank(rows, limit))
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
