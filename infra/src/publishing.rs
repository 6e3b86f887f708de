//! `broadsheet unpublish SLUG` and `broadsheet republish SLUG`: withdraw a
//! story (its page answers `410 Gone`; it leaves every listing, feed, the
//! sitemap and #TrendingNews; its comments are kept, not shown) or put it
//! back, without touching its file. The status lasts until the command is
//! reversed or the file's own `status:` line changes (docs/site.md).

use broadsheet::domain::Slug;
use broadsheet::store::{ArticleWriter, StoreError, TrendingAggregator};
use clap::Args;
use time::OffsetDateTime;

use crate::cli::{DynamoArgs, IndexArgs};

#[derive(Debug, Args)]
pub struct SlugArgs {
    /// The article's slug (the last part of its URL).
    #[arg(value_parser = parse_slug)]
    pub slug: Slug,
    #[command(flatten)]
    pub dynamo: DynamoArgs,
    #[command(flatten)]
    pub index: IndexArgs,
}

fn parse_slug(s: &str) -> Result<Slug, String> {
    Slug::parse(s).map_err(|e| e.to_string())
}

/// Why a status change did nothing.
#[derive(Debug, thiserror::Error)]
pub enum PublishingError {
    /// No article has this slug (exit status 1).
    #[error("no article has the slug `{0}`")]
    NoSuchArticle(Slug),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

/// Publishes (`published = true`) or withdraws the article, and says what
/// happened. A change refreshes #TrendingNews at once (the ranking is one
/// precomputed item; the aggregator would otherwise take up to a minute).
pub async fn set_published<S: ArticleWriter + TrendingAggregator>(
    store: &S,
    slug: &Slug,
    published: bool,
) -> Result<String, PublishingError> {
    let verb = if published { "republished" } else { "unpublished" };
    let now = OffsetDateTime::now_utc();
    match store.set_published(slug, published, now).await? {
        None => Err(PublishingError::NoSuchArticle(slug.clone())),
        Some(true) => {
            store.refresh_trending(now).await?;
            Ok(format!("{slug}: {verb}"))
        }
        Some(false) => Ok(format!(
            "{slug}: already {}; nothing changed",
            if published { "published" } else { "unpublished" }
        )),
    }
}

#[cfg(test)]
mod tests {
    use broadsheet::domain::{NewArticle, SanitizedHtml};
    use broadsheet::store::memory::MemoryStore;
    use broadsheet::store::{ArticleReader, ArticleWriter};
    use time::macros::datetime;

    use super::*;

    #[tokio::test]
    async fn withdraws_and_restores_and_says_so() {
        let store = MemoryStore::new();
        let slug = Slug::parse("tide").unwrap();
        let article = NewArticle {
            slug: slug.clone(),
            title: "Tide".into(),
            category: broadsheet::domain::Category::Science,
            author: "A".into(),
            published_at: datetime!(2026-01-01 00:00 UTC),
            summary: "S".into(),
            body_html: SanitizedHtml::from_sanitized("<p>B</p>".into()),
            words: 1,
            correction: None,
            source: "tide.md".into(),
            unpublished: false,
        };
        store.put_article(&article, datetime!(2026-01-01 00:00 UTC)).await.unwrap();
        assert_eq!(set_published(&store, &slug, false).await.unwrap(), "tide: unpublished");
        assert_eq!(
            set_published(&store, &slug, false).await.unwrap(),
            "tide: already unpublished; nothing changed"
        );
        assert!(store.article_page(&slug, None, 1).await.unwrap().unwrap().article.unpublished);
        assert_eq!(set_published(&store, &slug, true).await.unwrap(), "tide: republished");
        let missing = Slug::parse("nope").unwrap();
        let e = set_published(&store, &missing, true).await.unwrap_err();
        assert_eq!(e.to_string(), "no article has the slug `nope`");
    }
}
