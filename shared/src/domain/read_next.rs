//! "More in {Category}": what an article offers to read next.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::{ArticleSummary, Category, READ_NEXT_SIZE};

/// The newest stories of every section, as the stores keep them for the
/// article page (on DynamoDB one small item, read concurrently with the
/// article because the page does not know the article's section until it
/// has read it). Each section's list is newest first and may hold stories
/// scheduled for later, which [`ReadNext::for_article`] leaves out until
/// their time.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadNext {
    pub by_category: HashMap<Category, Vec<ArticleSummary>>,
}

/// How many published stories of a section the list keeps: enough for
/// [`READ_NEXT_SIZE`] others when the article itself is among them.
pub const READ_NEXT_KEPT: usize = READ_NEXT_SIZE + 1;

/// At most this many scheduled stories per section ride along, so the list
/// stays one small item however far ahead the newsroom plans.
pub const READ_NEXT_SCHEDULED: usize = 10;

impl ReadNext {
    /// Up to [`READ_NEXT_SIZE`] other stories of `article`'s section
    /// published by `now`, newest first.
    pub fn for_article(&self, article: &ArticleSummary, now: OffsetDateTime) -> Vec<ArticleSummary> {
        let Some(list) = self.by_category.get(&article.category) else { return Vec::new() };
        let mut out: Vec<ArticleSummary> =
            list.iter().filter(|a| a.slug != article.slug && a.is_published_at(now)).cloned().collect();
        out.sort_by_key(|a| std::cmp::Reverse(a.position()));
        out.truncate(READ_NEXT_SIZE);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Slug;

    fn story(slug: &str, hours: i64) -> ArticleSummary {
        ArticleSummary {
            slug: Slug::parse(slug).unwrap(),
            title: slug.to_owned(),
            category: Category::Sports,
            author: "A".into(),
            published_at: OffsetDateTime::UNIX_EPOCH + time::Duration::hours(hours),
            summary: String::new(),
            comment_count: 0,
            words: 0,
            updated_at: None,
        }
    }

    #[test]
    fn others_of_the_section_newest_first_published_only() {
        let now = OffsetDateTime::UNIX_EPOCH + time::Duration::hours(100);
        let list = vec![story("later", 200), story("e", 50), story("d", 40), story("c", 30), story("b", 20)];
        let next = ReadNext { by_category: HashMap::from([(Category::Sports, list)]) };
        let slugs = |v: Vec<ArticleSummary>| v.into_iter().map(|a| a.slug.to_string()).collect::<Vec<_>>();
        assert_eq!(slugs(next.for_article(&story("d", 40), now)), ["e", "c", "b"]);
        assert_eq!(slugs(next.for_article(&story("x", 1), now)), ["e", "d", "c", "b"]);
        let later = now + time::Duration::hours(150);
        assert_eq!(slugs(next.for_article(&story("x", 1), later)), ["later", "e", "d", "c"]);
        let mut elsewhere = story("x", 1);
        elsewhere.category = Category::Health;
        assert!(next.for_article(&elsewhere, now).is_empty());
    }
}
