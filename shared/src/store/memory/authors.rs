//! Author pages and "More in {Category}" in memory: computed from the
//! listing orders on each read, which is what the table's author index and
//! its maintained read-next item hold.

use time::OffsetDateTime;

use super::{MemoryStore, newest_first, take_page};
use crate::domain::{
    ArticleSummary, Category, ListingPosition, NewAuthor, READ_NEXT_KEPT, READ_NEXT_SCHEDULED, ReadNext, Slug,
};
use crate::store::{AuthorPage, AuthorReader, Page, PutOutcome, ReadNextReader, StoreError};

impl AuthorReader for MemoryStore {
    async fn author_page(
        &self,
        author: &Slug,
        after: Option<&ListingPosition>,
        limit: usize,
        now: OffsetDateTime,
    ) -> Result<AuthorPage, StoreError> {
        let inner = self.read();
        let stories = newest_first(&inner.all, after, now)
            .filter_map(|p| inner.articles.get(&p.slug))
            .filter(|a| a.summary.author_slug().as_ref() == Some(author))
            .map(|a| a.summary.clone());
        let (items, more) = take_page(stories, limit);
        let next = if more { items.last().map(ArticleSummary::position) } else { None };
        let profile = inner.authors.get(author).map(|a| a.author.clone());
        Ok(AuthorPage { author: profile, articles: Page { items, next } })
    }
}

impl ReadNextReader for MemoryStore {
    async fn read_next(&self) -> Result<ReadNext, StoreError> {
        let now = OffsetDateTime::now_utc();
        let inner = self.read();
        let mut next = ReadNext::default();
        for category in Category::ALL {
            let Some(index) = inner.by_category.get(&category) else { continue };
            // The table's item: the newest published, then the next scheduled.
            let published = index.iter().rev().filter(|p| p.published_at <= now).take(READ_NEXT_KEPT);
            let scheduled = index.iter().filter(|p| p.published_at > now).take(READ_NEXT_SCHEDULED);
            let stories = published
                .chain(scheduled)
                .filter_map(|p| inner.articles.get(&p.slug))
                .map(|a| a.summary.clone())
                .collect();
            next.by_category.insert(category, stories);
        }
        Ok(next)
    }
}

impl MemoryStore {
    /// `ArticleWriter::put_author`.
    pub(super) fn write_author(&self, author: &NewAuthor) -> PutOutcome {
        let mut inner = self.write();
        let outcome = match inner.authors.get(&author.author.slug) {
            Some(stored) if stored == author => return PutOutcome::Unchanged,
            Some(_) => PutOutcome::Updated,
            None => PutOutcome::Created,
        };
        inner.authors.insert(author.author.slug.clone(), author.clone());
        outcome
    }
}
