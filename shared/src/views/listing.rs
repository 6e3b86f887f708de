//! Front page, category pages, author pages and #TrendingNews: lists of
//! article cards.

use maud::{Markup, html};

use super::{
    ListingKind, PageMeta, article_path, byline, category_path, datetime_attr, encode, layout, reading_time,
};
use crate::config::Site;
use crate::domain::{ArticleSummary, TRENDING_WINDOW_HOURS, TrendingArticle, timefmt};
use crate::viewer::Viewer;

/// A front, category or author page of cards, newest first.
///
/// `older_cursor` adds the "Older stories" link; `after` is the cursor this
/// page was opened with (a later page): the heading says so, and the canonical
/// URL keeps it, because page 2 is a different page from page 1.
pub fn listing_page(
    site: &Site,
    viewer: &Viewer,
    kind: ListingKind<'_>,
    articles: &[ArticleSummary],
    older_cursor: Option<&str>,
    after: Option<&str>,
) -> Markup {
    let path = kind.path();
    let continued = after.is_some();
    let (heading, description) = match (kind, continued) {
        (ListingKind::Front, false) => (
            "Latest stories".to_owned(),
            format!("Independent news from {}: the latest stories from every section.", site.name),
        ),
        (ListingKind::Front, true) => {
            ("Older stories".to_owned(), format!("Older stories from every section of {}.", site.name))
        }
        (ListingKind::Category(c), false) => {
            (c.label().to_owned(), format!("The latest {} stories from {}.", c.label(), site.name))
        }
        (ListingKind::Category(c), true) => (
            format!("{} — older stories", c.label()),
            format!("Older {} stories from {}.", c.label(), site.name),
        ),
        (ListingKind::Author(a), false) => (
            a.name.clone(),
            a.bio.clone().unwrap_or_else(|| format!("Stories by {} for {}.", a.name, site.name)),
        ),
        (ListingKind::Author(a), true) => {
            (format!("{} — older stories", a.name), format!("Older stories by {} for {}.", a.name, site.name))
        }
    };
    let canonical = match after {
        Some(a) => format!("{path}?after={}", encode(a)),
        None => path.clone(),
    };
    // The front page's <title> is the site's tagline; every other page names itself.
    let title = if kind == ListingKind::Front && !continued { "" } else { heading.as_str() };
    let meta = PageMeta { title, description: &description, canonical_path: &canonical };
    let feed_title = match kind {
        ListingKind::Front => None,
        ListingKind::Category(c) => Some(c.label().to_owned()),
        ListingKind::Author(a) => Some(a.name.clone()),
    };
    let head_extra = html! {
        @if let Some(feed_title) = feed_title {
            link rel="alternate" type="application/atom+xml" title={ (site.name) " — " (feed_title) }
                href=(site.origin.url(&kind.feed_path()));
        }
    };
    let main = html! {
        h1 { (heading) }
        @if let (ListingKind::Author(a), false) = (kind, continued) {
            @if let Some(bio) = &a.bio { p.summary { (bio) } }
        }
        @if articles.is_empty() {
            p { "No stories yet." }
        } @else {
            ol.cards {
                @for a in articles { li { (card(a, None)) } }
            }
        }
        @if continued || older_cursor.is_some() {
            nav.pages aria-label="More stories" {
                ul {
                    @if let Some(c) = older_cursor {
                        li { a href={ (path) "?after=" (encode(c)) } rel="next" { "Older stories" } }
                    }
                    @if continued {
                        li { a href=(path) { "Latest stories" } }
                    }
                }
            }
        }
    };
    layout(site, viewer, &meta, head_extra, main)
}

/// #TrendingNews: the most-read articles of the last 48 hours, ranked.
pub fn trending_page(site: &Site, viewer: &Viewer, items: &[TrendingArticle]) -> Markup {
    let description =
        format!("The most-read stories on {} in the last {TRENDING_WINDOW_HOURS} hours.", site.name);
    let meta = PageMeta { title: "#TrendingNews", description: &description, canonical_path: "/trending" };
    let main = html! {
        h1 { "#TrendingNews" }
        p { "The most-read stories of the last " (TRENDING_WINDOW_HOURS) " hours." }
        @if items.is_empty() {
            p { "Nothing is trending right now." }
        } @else {
            ol.cards {
                @for (i, item) in items.iter().enumerate() {
                    li { (card(&item.article, Some((i + 1, item.reads)))) }
                }
            }
        }
    };
    layout(site, viewer, &meta, html! {}, main)
}

/// One story card; `trend` is the rank and the read count on #TrendingNews.
fn card(a: &ArticleSummary, trend: Option<(usize, u64)>) -> Markup {
    let href = article_path(&a.slug);
    html! {
        article.card {
            @if let Some((rank, _)) = trend {
                p.rank { "#" (rank) }
            }
            h2 { a href=(href) { (a.title) } }
            p.meta {
                a href=(category_path(a.category)) { (a.category.label()) }
                " · " (byline(a)) " · "
                time datetime=(datetime_attr(a.published_at)) { (timefmt::human(a.published_at)) }
                @if let Some(minutes) = a.reading_minutes() { " · " (reading_time(minutes)) }
            }
            p { (a.summary) }
            p.count {
                a href={ (href) "#comments" } { (comment_count(a.comment_count)) }
                @if let Some((_, reads)) = trend {
                    " · " (reads) (if reads == 1 { " read" } else { " reads" })
                    " in the last " (TRENDING_WINDOW_HOURS) " hours"
                }
            }
        }
    }
}

/// "No comments yet", "1 comment", "3 comments".
fn comment_count(n: u64) -> String {
    match n {
        0 => "No comments yet".to_owned(),
        1 => "1 comment".to_owned(),
        n => format!("{n} comments"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Category;
    use crate::views::test_support::*;

    fn front(articles: &[ArticleSummary], older: Option<&str>, after: Option<&str>) -> String {
        listing_page(&site(), &Viewer::Anonymous, ListingKind::Front, articles, older, after).into_string()
    }

    #[test]
    fn cards_show_everything_escaped() {
        let html = front(&[summary("first", 3), summary("second", 1), summary("third", 0)], None, None);
        assert_escaped(&html);
        assert!(html.contains("<title>Broadsheet — independent news</title>"));
        assert!(html.contains(r#"<link rel="canonical" href="https://news.example/">"#));
        assert_eq!(html.matches("<article class=\"card\">").count(), 3);
        assert!(html.contains(
            r#"<h2><a href="/articles/first">Title &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'q' &lt;/title&gt;</a></h2>"#
        ));
        assert!(html.contains(r#"<a href="/category/news-analysis">News Analysis</a>"#));
        assert!(
            html.contains(
                r#"By <a href="/authors/author-script-alert-x-script-q-title">Author &lt;script&gt;"#
            )
        );
        assert!(
            html.contains(r#"<time datetime="2026-09-21T14:13:20Z">21 September 2026, 14:13 UTC</time>"#)
        );
        assert!(html.contains("<p>Summary &lt;script&gt;"));
        assert!(html.contains("21 September 2026, 14:13 UTC</time> · 3 min read</p>"), "reading time");
        assert!(html.contains(">3 comments</a>"));
        assert!(html.contains(">1 comment</a>"));
        assert!(html.contains(">No comments yet</a>"));
        assert!(!html.contains("Older stories"));
    }

    #[test]
    fn older_link_is_percent_encoded_and_later_pages_say_so() {
        let html = front(&[summary("a", 0)], Some("ab-_c=+/"), None);
        assert!(html.contains(r#"<a href="/?after=ab-_c%3D%2B%2F" rel="next">Older stories</a>"#));

        let c = ListingKind::Category(Category::Sports);
        let html =
            listing_page(&site(), &Viewer::Anonymous, c, &[summary("a", 0)], Some("next"), Some("cur<&"))
                .into_string();
        assert!(html.contains("<title>Sports — older stories — Broadsheet</title>"));
        assert!(html.contains("<h1>Sports — older stories</h1>"));
        assert!(html.contains(r#"href="https://news.example/category/sports?after=cur%3C%26""#));
        assert!(html.contains(r#"<a href="/category/sports?after=next" rel="next">Older stories</a>"#));
        assert!(html.contains(r#"<a href="/category/sports">Latest stories</a>"#));
        assert!(html.contains(r#"href="https://news.example/category/sports/feed.xml""#));
        assert!(html.contains(r#"<a href="/category/sports" aria-current="page">Sports</a>"#));
    }

    #[test]
    fn empty_states() {
        assert!(front(&[], None, None).contains("<p>No stories yet.</p>"));
        let html = trending_page(&site(), &Viewer::Anonymous, &[]).into_string();
        assert!(html.contains("<p>Nothing is trending right now.</p>"));
    }

    #[test]
    fn trending_shows_rank_and_reads() {
        let items = [
            TrendingArticle { article: summary("hot", 2), reads: 42 },
            TrendingArticle { article: summary("warm", 0), reads: 1 },
        ];
        let html = trending_page(&site(), &reader_viewer("bob"), &items).into_string();
        assert_escaped(&html);
        assert!(html.contains("<title>#TrendingNews — Broadsheet</title>"));
        assert!(html.contains(r#"<p class="rank">#1</p><h2><a href="/articles/hot">"#));
        assert!(html.contains(r#"<p class="rank">#2</p><h2><a href="/articles/warm">"#));
        assert!(html.contains("42 reads in the last 48 hours"));
        assert!(html.contains("1 read in the last 48 hours"));
        assert!(html.contains(r#"<a href="/trending" aria-current="page">"#));
    }
}
