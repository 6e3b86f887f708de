//! The domain: what the site is about, independent of HTTP and storage.
//!
//! Every type here is parsed at the edge (`parse`, `from_slug`) so that code
//! further in never handles an unchecked string.

mod article;
mod author;
mod category;
mod comment;
pub mod cursor;
pub mod moderation;
mod page;
mod read_next;
pub mod search;
mod slug;
mod standfirst;
pub mod timefmt;

pub use article::{
    Article, ArticleSummary, Correction, ListingPosition, NewArticle, SanitizedHtml, TrendingArticle,
    WORDS_PER_MINUTE,
};
pub use author::{Author, NewAuthor, author_slug};
pub use category::{Category, UnknownCategory};
pub use comment::{Comment, CommentId, CommentRef, Removal, is_web_url, web_links};
pub use page::Page;
pub use read_next::{READ_NEXT_KEPT, READ_NEXT_SCHEDULED, ReadNext};
pub use slug::{MAX_SLUG_LEN, Slug, SlugError};

/// Articles on one listing page (front page, category pages).
pub const LISTING_PAGE_SIZE: usize = 20;
/// Stories on one author page.
pub const AUTHOR_PAGE_SIZE: usize = 20;
/// Stories under an article's "More in {Category}".
pub const READ_NEXT_SIZE: usize = 4;
/// Entries in an Atom feed.
pub const FEED_SIZE: usize = 20;
/// Comments on one page of an article.
pub const COMMENTS_PAGE_SIZE: usize = 50;
/// Articles on #TrendingNews.
pub const TRENDING_SIZE: usize = 20;
/// How far back #TrendingNews looks.
pub const TRENDING_WINDOW_HOURS: i64 = 48;
