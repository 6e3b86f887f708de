//! Articles as the site shows them.

use time::OffsetDateTime;

use super::{Category, Slug};

/// HTML that came out of the sanitiser when the article was imported
/// (`crate::markdown::render`). It is the only HTML a view may emit unescaped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SanitizedHtml(String);

impl SanitizedHtml {
    /// Wraps HTML that has been sanitised: called by the Markdown renderer, and
    /// by the stores when they load what the renderer wrote at import time.
    pub fn from_sanitized(html: String) -> Self {
        SanitizedHtml(html)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a listing card shows, and what listings, feeds and the sitemap read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleSummary {
    pub slug: Slug,
    pub title: String,
    pub category: Category,
    pub author: String,
    pub published_at: OffsetDateTime,
    pub summary: String,
    pub comment_count: u64,
}

/// A whole article: its summary fields plus the rendered body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub summary: ArticleSummary,
    pub body_html: SanitizedHtml,
}

impl Article {
    pub fn slug(&self) -> &Slug {
        &self.summary.slug
    }
}

/// An article as it is written by `broadsheet import`: everything but the
/// comment count, which only the comment path changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArticle {
    pub slug: Slug,
    pub title: String,
    pub category: Category,
    pub author: String,
    pub published_at: OffsetDateTime,
    pub summary: String,
    pub body_html: SanitizedHtml,
}

/// An article's place in a newest-first listing: the listing sort key.
///
/// Ties on `published_at` are broken by slug, so every article has exactly one
/// place and pagination never repeats or skips one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ListingPosition {
    pub published_at: OffsetDateTime,
    pub slug: Slug,
}

impl ArticleSummary {
    pub fn position(&self) -> ListingPosition {
        ListingPosition { published_at: self.published_at, slug: self.slug.clone() }
    }
}

/// One row of #TrendingNews: an article and how often it was read in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendingArticle {
    pub article: ArticleSummary,
    pub reads: u64,
}
