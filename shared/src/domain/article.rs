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

    /// The text a reader sees, without tags (a space where an element
    /// closed, so paragraphs do not run into each other): what the search
    /// index reads. The HTML came out of the sanitiser, whose serialiser
    /// escapes `<` in text, so every `<` opens a tag.
    pub fn text(&self) -> String {
        super::standfirst::plain_text(&self.0)
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
    /// Words in the body, counted at import (`crate::markdown::word_count`);
    /// 0 for an article stored before words were counted.
    pub words: u32,
    /// When a re-import last changed the article; `None` if it never has.
    pub updated_at: Option<OffsetDateTime>,
}

/// A whole article: its summary fields plus the rendered body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    pub summary: ArticleSummary,
    pub body_html: SanitizedHtml,
    /// The newsroom's correction note, if the article carries one.
    pub correction: Option<Correction>,
    /// Withdrawn (`broadsheet unpublish`, or `status: unpublished`): its page
    /// is `410 Gone`, it is in no listing, feed, sitemap or #TrendingNews, and
    /// its comments are kept but not shown.
    pub unpublished: bool,
}

/// A correction note: what was wrong, and when the note was added (the
/// import that first carried this text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    pub text: String,
    pub at: OffsetDateTime,
}

impl Article {
    pub fn slug(&self) -> &Slug {
        &self.summary.slug
    }

    /// The summary, when it is worth showing above the body: `None` when the
    /// body begins with it (the default summary is the first paragraph), so
    /// the reader never reads the same words twice (see `standfirst.rs`).
    pub fn standfirst(&self) -> Option<&str> {
        let summary = self.summary.summary.as_str();
        (!super::standfirst::body_begins_with(self.body_html.as_str(), summary)).then_some(summary)
    }
}

/// The reading pace a reading time assumes: a common figure for adults
/// reading prose on a screen.
pub const WORDS_PER_MINUTE: u32 = 200;

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
    /// Words in the body (see [`ArticleSummary::words`]).
    pub words: u32,
    /// The front matter's `correction:` text, if any. The store dates it
    /// (see [`Correction`]).
    pub correction: Option<String>,
    /// The file the article was imported from, relative to the imported
    /// directory: an article is its slug, and a slug belongs to one file.
    pub source: String,
    /// The file says `status: unpublished`. The last word wins: a change of
    /// this line sets the article's status, and `broadsheet
    /// unpublish`/`republish` sets it until the line changes again (so
    /// re-importing unchanged files never undoes a command).
    pub unpublished: bool,
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

    /// Whether readers may see the article at `now`: a scheduled article
    /// (published in the future) is nowhere until its time.
    pub fn is_published_at(&self, now: OffsetDateTime) -> bool {
        self.published_at <= now
    }

    /// When the article last changed: its update, else its publication.
    /// Feeds' `<updated>` and the sitemap's `<lastmod>`.
    pub fn modified_at(&self) -> OffsetDateTime {
        self.updated_at.unwrap_or(self.published_at)
    }

    /// Whole minutes to read the body at [`WORDS_PER_MINUTE`], at least 1;
    /// `None` when the words were never counted (nothing is better than "0 min").
    pub fn reading_minutes(&self) -> Option<u32> {
        (self.words > 0).then(|| self.words.div_ceil(WORDS_PER_MINUTE))
    }
}

/// One row of #TrendingNews: an article and how often it was read in the window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendingArticle {
    pub article: ArticleSummary,
    pub reads: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_minutes_round_up_and_unknown_is_none() {
        let mut s = ArticleSummary {
            slug: Slug::parse("a").unwrap(),
            title: "T".into(),
            category: Category::Blog,
            author: "A".into(),
            published_at: OffsetDateTime::UNIX_EPOCH,
            summary: "S".into(),
            comment_count: 0,
            words: 0,
            updated_at: None,
        };
        assert_eq!(s.reading_minutes(), None);
        for (words, minutes) in [(1, 1), (200, 1), (201, 2), (800, 4), (801, 5)] {
            s.words = words;
            assert_eq!(s.reading_minutes(), Some(minutes), "{words} words");
        }
    }
}
