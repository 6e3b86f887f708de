//! The domain: what the site is about, independent of HTTP and storage.
//!
//! Every type here is parsed at the edge (`parse`, `from_slug`) so that code
//! further in never handles an unchecked string.

mod article;
mod category;
mod comment;
pub mod cursor;
pub mod moderation;
mod page;
pub mod search;
mod slug;
mod standfirst;
pub mod timefmt;

pub use article::{
    Article, ArticleSummary, Correction, ListingPosition, NewArticle, SanitizedHtml, TrendingArticle,
    WORDS_PER_MINUTE,
};
pub use category::{Category, UnknownCategory};
pub use comment::{Comment, CommentId, CommentRef, Removal, is_web_url, web_links};
pub use page::Page;
pub use slug::{MAX_SLUG_LEN, Slug, SlugError};

/// Articles on one listing page (front page, category pages).
pub const LISTING_PAGE_SIZE: usize = 20;
/// Entries in an Atom feed.
pub const FEED_SIZE: usize = 20;
/// Comments on one page of an article.
pub const COMMENTS_PAGE_SIZE: usize = 50;
/// Articles on #TrendingNews.
pub const TRENDING_SIZE: usize = 20;
/// How far back #TrendingNews looks.
pub const TRENDING_WINDOW_HOURS: i64 = 48;
