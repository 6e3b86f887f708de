//! Author pages: the author item (`PK = AUTHOR#{slug}`, `SK = PROFILE`,
//! from the author's file) and the author index `GSI3` (`GSI3PK =
//! AUTHOR#{slug}`, the listing sort key), which every published article whose
//! byline has an address carries.

use super::items;
use super::{DynamoStore, ListingIndex, unavailable};
use crate::domain::{ListingPosition, NewAuthor, Slug};
use crate::store::{AuthorPage, AuthorReader, PutOutcome, StoreError};

impl AuthorReader for DynamoStore {
    async fn author_page(
        &self,
        author: &Slug,
        after: Option<&ListingPosition>,
        limit: usize,
        now: time::OffsetDateTime,
    ) -> Result<AuthorPage, StoreError> {
        // Sent together: the page costs one round trip.
        let profile =
            self.client.get_item().table_name(&self.table).set_key(Some(items::author_key(author))).send();
        let (profile, articles) =
            tokio::join!(profile, self.listing_query(ListingIndex::author(author), after, limit, now));
        let author = match profile.map_err(unavailable)?.item {
            Some(item) => Some(items::author_from_item(&item)?.author),
            None => None,
        };
        Ok(AuthorPage { author, articles: articles? })
    }
}

impl DynamoStore {
    /// `put_author`: a consistent read, then one `PutItem` only if the file
    /// changed.
    pub(crate) async fn write_author(&self, author: &NewAuthor) -> Result<PutOutcome, StoreError> {
        let current = self.get_consistent(items::author_key(&author.author.slug)).await?;
        let outcome = match current.as_ref().map(items::author_from_item) {
            Some(Ok(stored)) if stored == *author => return Ok(PutOutcome::Unchanged),
            Some(_) => PutOutcome::Updated,
            None => PutOutcome::Created,
        };
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(items::author_item(author)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(outcome)
    }
}
