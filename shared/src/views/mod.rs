//! HTML pages, feeds and crawler files, rendered with maud.
//!
//! Every page goes through one [`layout`], so the navigation, account area,
//! skip link and inline stylesheet are written once. maud escapes every
//! interpolated string; the only unescaped output is
//!
//! * the article body, which the sanitiser produced at import time
//!   ([`crate::domain::SanitizedHtml`]),
//! * the site's own stylesheet (a compile-time constant, see [`stylesheet`]),
//! * the article's JSON-LD, whose `<`, `>` and `&` are escaped as JSON
//!   `\u` sequences so it cannot close its `<script>` element.
//!
//! ## Layout
//!
//! * `layout` — the page shell shared by every HTML page.
//! * `listing` — front page, category pages and #TrendingNews (cards).
//! * `article` — one article: head metadata, body, then `share` and `comments`
//!   (which also has the page a comment post answers when storage is down).
//! * `auth` — the login and sign-up forms.
//! * `moderation` — the moderators' queue and log.
//! * `search` — the search form and a page of results.
//! * `errors` — error pages in the site layout.
//! * `feed`, `sitemap` — Atom feeds, `sitemap.xml`, `robots.txt` (XML built with
//!   maud too, so text is escaped the same way).
//! * `css` — the stylesheet and its CSP hash.

mod article;
mod auth;
mod comments;
mod css;
mod errors;
mod feed;
mod layout;
mod listing;
mod moderation;
mod search;
mod share;
mod sitemap;

use percent_encoding::PercentEncode;

use maud::{Markup, html};

use crate::domain::{ArticleSummary, Author, Category, Slug};

pub use article::{ArticleView, CommentForm, article_page, read_beacon_path};
pub use auth::{AuthForm, login_page, signup_page};
pub use comments::{KeptForm, comment_form_page, comment_unsaved_page, edit_comment_page};
pub use css::{style_csp_source, stylesheet};
pub use errors::error_page;
pub use feed::atom_feed;
pub use layout::layout;
pub use listing::{listing_page, trending_page};
pub use moderation::{moderation_log_page, moderation_queue_page};
pub use search::{SearchView, search_page};
pub use sitemap::{robots_txt, sitemap};

/// What the layout needs to know about a page besides its content.
#[derive(Debug, Clone, Copy)]
pub struct PageMeta<'a> {
    /// The page's own title, without the site name (the layout appends it).
    /// Empty for the front page, whose title is the site's tagline.
    pub title: &'a str,
    /// The `<meta name="description">` text.
    pub description: &'a str,
    /// The local path (with its query, if part of the page's identity) that
    /// `<link rel="canonical">` points to. Empty for pages that have no
    /// canonical URL (error pages), which then get no canonical link.
    pub canonical_path: &'a str,
}

/// Which newest-first listing a page or feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingKind<'a> {
    /// The front page: every category.
    Front,
    /// One section of the paper.
    Category(Category),
    /// One author's stories.
    Author(&'a Author),
}

impl ListingKind<'_> {
    /// The listing's local path: `/`, `/category/{slug}` or `/authors/{slug}`.
    pub fn path(self) -> String {
        match self {
            ListingKind::Front => "/".to_owned(),
            ListingKind::Category(c) => category_path(c),
            ListingKind::Author(a) => author_path(&a.slug),
        }
    }

    /// The local path of the listing's Atom feed.
    pub fn feed_path(self) -> String {
        match self {
            ListingKind::Front => "/feed.xml".to_owned(),
            ListingKind::Category(c) => format!("/category/{}/feed.xml", c.slug()),
            ListingKind::Author(a) => format!("{}/feed.xml", author_path(&a.slug)),
        }
    }
}

/// Percent-encodes `s` as one URL component (query value, mailto field).
fn encode(s: &str) -> PercentEncode<'_> {
    crate::http::request::encode_component(s)
}

/// `/articles/{slug}`: a [`Slug`] is URL-safe by construction.
fn article_path(slug: &Slug) -> String {
    format!("/articles/{slug}")
}

/// `/authors/{slug}`: a [`Slug`] is URL-safe by construction.
fn author_path(author: &Slug) -> String {
    format!("/authors/{author}")
}

/// "By Jane Doe", the name linking to the author's page when the byline has
/// an address (see [`crate::domain::author_slug`]).
fn byline(a: &ArticleSummary) -> Markup {
    html! {
        "By "
        @match a.author_slug() {
            Some(slug) => a href=(author_path(&slug)) { (a.author) },
            None => (a.author),
        }
    }
}

/// `/category/{slug}`.
fn category_path(c: Category) -> String {
    format!("/category/{}", c.slug())
}

/// A `<time datetime>` value: RFC 3339 in UTC, to the second. HTML allows at
/// most three digits of a fraction of a second and comments are stamped to
/// the nanosecond; readers are shown minutes anyway.
fn datetime_attr(t: time::OffsetDateTime) -> String {
    crate::domain::timefmt::rfc3339(t.replace_nanosecond(0).unwrap_or(t))
}

/// "4 min read": how long a story takes, on cards and beside the byline.
fn reading_time(minutes: u32) -> String {
    format!("{minutes} min read")
}

/// Characters XML 1.0 cannot carry at all (most C0 controls, U+FFFE/U+FFFF).
/// maud escapes markup characters but passes these through, so feed and
/// sitemap text drops them to stay well-formed whatever was imported.
fn xml_safe(s: &str) -> std::borrow::Cow<'_, str> {
    let ok = |c: char| matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}');
    if s.chars().all(ok) { s.into() } else { s.chars().filter(|&c| ok(c)).collect::<String>().into() }
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use crate::domain::{Article, ArticleSummary, Comment, CommentId, SanitizedHtml};
    use crate::viewer::Viewer;

    fn plain(i: usize) -> ArticleSummary {
        ArticleSummary {
            slug: Slug::parse(&format!("a-fairly-typical-headline-about-the-news-{i}")).unwrap(),
            title: "A fairly typical headline about the news of the day".to_owned(),
            category: Category::ALL[i % 12],
            author: "Jane Correspondent".to_owned(),
            published_at: at(1_790_000_000 - i as i64 * 3600),
            summary: "Two sentences of standfirst that tell a reader what the story is about. \
                      Long enough to be useful, short enough for a card."
                .to_owned(),
            comment_count: i as u64,
            words: 600,
            updated_at: None,
        }
    }

    #[test]
    fn time_elements_carry_whole_seconds() {
        // HTML's `datetime` syntax allows at most three fraction digits.
        let t = at(1_790_000_000).replace_nanosecond(123_456_789).unwrap();
        assert_eq!(datetime_attr(t), "2026-09-21T14:13:20Z");
    }

    /// Page weight budgets (HTML bytes, uncompressed), printed for the
    /// benchmark notes: run with `--nocapture` to see the figures.
    #[test]
    fn page_weights_stay_small() {
        let site = site();
        let cards: Vec<_> = (0..20).map(plain).collect();
        let front = listing_page(&site, &Viewer::Anonymous, ListingKind::Front, &cards, Some("x"), None);
        let front = front.into_string().len();

        let article = Article {
            summary: plain(1),
            body_html: SanitizedHtml::from_sanitized("<p>Paragraph of body text.</p>".repeat(10)),
            correction: None,
            unpublished: false,
        };
        // Ten readers' comments; the viewer wrote one of them (one delete form).
        let comments: Vec<_> = (0..10)
            .map(|i| Comment {
                id: CommentId::new_at(at(1_790_000_000 + i)),
                author: crate::auth::Username::parse(&format!("reader{i}")).unwrap(),
                author_name: format!("Reader Number {i}"),
                body: "A considered comment, with a link https://example.com/x\nand a second line."
                    .to_owned(),
                created_at: at(1_790_000_000 + i),
                parent: None,
                edited_at: None,
                held: false,
                removed: None,
                replies: 0,
            })
            .collect();
        let view = ArticleView {
            article: &article,
            comments: &comments,
            next_comments_cursor: None,
            comments_after: None,
            form: CommentForm {
                body: "",
                error: None,
                idempotency_key: "01J00000000000000000000000",
                parent: None,
            },
            notice: None,
            now: time::OffsetDateTime::now_utc(),
            read_next: &[],
        };
        let page = article_page(&site, &Viewer::Anonymous, &view).into_string().len();
        let reader = article_page(&site, &reader_viewer("reader3"), &view).into_string().len();
        println!(
            "page weight: front page (20 cards) {front} B, article (10 comments) {page} B, \
             as a logged-in reader {reader} B"
        );
        assert!(front < 20 * 1024, "front page {front} B");
        assert!(page < 20 * 1024, "article {page} B");
        // A reader's page carries each comment's Reply and Report forms
        // (no JavaScript): about 1 KB a comment before compression.
        assert!(reader < 32 * 1024, "article for a reader {reader} B");
    }
}
