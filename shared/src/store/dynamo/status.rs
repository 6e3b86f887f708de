//! Withdrawing and restoring articles (`broadsheet unpublish`/`republish`,
//! and an import whose `status:` line changed).
//!
//! A withdrawn article keeps its item and its comments, loses its four index
//! keys (so the sparse listing indexes drop it: no listing, feed or sitemap
//! query can return it, and none pays to skip it) and carries
//! `unpublished = true`, which the article page reads to answer `410`. Its
//! trending rows of the current window get the same flag, and #TrendingNews
//! skips flagged rows; restoring clears them and puts the keys back.

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::items::{self, Item};
use super::{DynamoStore, applied, trending, unavailable};
use crate::domain::Slug;
use crate::store::StoreError;

/// Gives `request` its update expression: `SET` the clauses in `sets` and
/// each of `set` (names `#a{i}`, values `:a{i}`), then `REMOVE` each of
/// `remove` (names `#r{i}`). `set` or `sets` must not both be empty.
pub(crate) fn with_changes(
    mut request: UpdateItemFluentBuilder,
    mut sets: Vec<String>,
    set: Vec<(&'static str, AttributeValue)>,
    remove: Vec<&'static str>,
) -> UpdateItemFluentBuilder {
    for (i, (name, value)) in set.into_iter().enumerate() {
        sets.push(format!("#a{i} = :a{i}"));
        request = request
            .expression_attribute_names(format!("#a{i}"), name)
            .expression_attribute_values(format!(":a{i}"), value);
    }
    let mut expression = format!("SET {}", sets.join(", "));
    if !remove.is_empty() {
        let names: Vec<String> = (0..remove.len()).map(|i| format!("#r{i}")).collect();
        for (name, attribute) in names.iter().zip(&remove) {
            request = request.expression_attribute_names(name, *attribute);
        }
        expression.push_str(&format!(" REMOVE {}", names.join(", ")));
    }
    request.update_expression(expression)
}

impl DynamoStore {
    /// Withdraws (`unpublished`) or restores a stored article `item`: one
    /// conditional `UpdateItem` of its status and index keys, then its
    /// trending rows.
    pub(crate) async fn apply_status(
        &self,
        item: &Item,
        unpublished: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let article = items::article_from_item(item)?;
        let a = &article.summary;
        let (set, remove) = items::listing_keys(&a.slug, a.published_at, a.category, &a.author, unpublished);
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::article_key(&a.slug)))
            .condition_expression("attribute_exists(PK)");
        with_changes(request, Vec::new(), set, remove).send().await.map_err(unavailable)?;
        self.refresh_read_next(a.category, now).await?;
        self.flag_trending_rows(&a.slug, unpublished, now).await
    }

    /// Flags (or clears) the article's rows in the trending window ending at
    /// `now`: one conditional `UpdateItem` per hour, all sent at once (an
    /// operator's command, not a reader's request); hours it was not read in
    /// have no row, and the condition leaves them so.
    pub(crate) async fn flag_trending_rows(
        &self,
        slug: &Slug,
        unpublished: bool,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let updates = trending::window(now).map(|hour| {
            let request = self
                .client
                .update_item()
                .table_name(&self.table)
                .key(items::PK, AttributeValue::S(items::trending_pk(hour)))
                .key(items::SK, AttributeValue::S(items::article_pk(slug)))
                .condition_expression("attribute_exists(PK)")
                .expression_attribute_names("#u", items::UNPUBLISHED);
            let request = if unpublished {
                request
                    .update_expression("SET #u = :t")
                    .expression_attribute_values(":t", AttributeValue::Bool(true))
            } else {
                request.update_expression("REMOVE #u")
            };
            async move { applied(request.send().await) }
        });
        futures::future::try_join_all(updates).await?;
        Ok(())
    }
}
