//! "More in {Category}": the read-next item (`PK = SK = READNEXT`).
//!
//! The article page learns an article's section only by reading it, so the
//! section's newest stories cannot be queried alongside it. Instead one
//! small item holds every section's newest stories (link fields only), and
//! the page reads it with a `GetItem` sent together with the article's
//! `Query`: still one round trip. Every write that can change a section's
//! newest stories (an import's `put_article`, unpublish, republish)
//! rewrites that section's list; a scheduled story is kept in the list
//! ahead of its time and shown from its time on, so it appears by itself
//! like everywhere else.

use aws_sdk_dynamodb::types::AttributeValue;

use super::items;
use super::{DynamoStore, ListingIndex, query_limit, s, unavailable};
use crate::domain::{ArticleSummary, Category, READ_NEXT_KEPT, READ_NEXT_SCHEDULED, ReadNext};
use crate::store::{ReadNextReader, StoreError};

impl ReadNextReader for DynamoStore {
    async fn read_next(&self) -> Result<ReadNext, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(items::read_next_key()))
            .send()
            .await
            .map_err(unavailable)?;
        match out.item {
            Some(item) => items::read_next_from_item(&item),
            None => Ok(ReadNext::default()),
        }
    }
}

impl DynamoStore {
    /// Rewrites `category`'s list: its newest [`READ_NEXT_KEPT`] stories
    /// published by `now`, and the next [`READ_NEXT_SCHEDULED`] scheduled
    /// after it. Two `Query`s of `GSI2` and one `UpdateItem`: an operator's
    /// command, never a reader's request.
    pub(crate) async fn refresh_read_next(
        &self,
        category: Category,
        now: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        let published = self.listing_query(ListingIndex::of(Some(category)), None, READ_NEXT_KEPT, now);
        let scheduled = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(items::GSI2)
            .key_condition_expression("#pk = :pk AND #sk > :now")
            .expression_attribute_names("#pk", items::GSI2PK)
            .expression_attribute_names("#sk", items::GSI2SK)
            .expression_attribute_values(":pk", s(items::category_pk(category)))
            .expression_attribute_values(":now", s(items::published_by(now)))
            .limit(query_limit(READ_NEXT_SCHEDULED))
            .send();
        let (published, scheduled) = tokio::join!(published, scheduled);
        let mut stories: Vec<ArticleSummary> = published?.items;
        for item in scheduled.map_err(unavailable)?.items() {
            stories.push(items::summary_from_item(item)?);
        }
        let list = AttributeValue::L(stories.iter().map(items::read_next_entry).collect());
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::read_next_key()))
            .update_expression("SET #category = :list")
            .expression_attribute_names("#category", category.slug())
            .expression_attribute_values(":list", list)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}
