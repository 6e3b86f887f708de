//! Atom feeds (RFC 4287) of the newest articles, site-wide or per section.

use maud::{PreEscaped, html};

use super::{ListingKind, article_path, xml_safe};
use crate::config::Site;
use crate::domain::{ArticleSummary, timefmt};

/// The XML declaration every document we serve as XML starts with.
pub(super) const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n";

/// The whole Atom document for `articles` (the caller passes the newest
/// [`crate::domain::FEED_SIZE`]). An entry's `updated` is its article's last
/// update (else its publication), and the feed's is the latest of those, so
/// the feed changes exactly when a story is added or corrected; an empty feed says
/// 1970 rather than "now" so that it stays byte-for-byte cacheable.
///
/// Built with maud, which escapes text and attributes; elements get explicit
/// close tags (`{}`) because maud writes void elements HTML-style.
pub fn atom_feed(site: &Site, kind: ListingKind<'_>, articles: &[ArticleSummary]) -> String {
    let updated = articles
        .iter()
        .map(ArticleSummary::modified_at)
        .max()
        .map_or_else(|| "1970-01-01T00:00:00Z".to_owned(), timefmt::rfc3339);
    let title = match kind {
        ListingKind::Front => site.name.to_owned(),
        ListingKind::Category(c) => format!("{} — {}", c.label(), site.name),
        ListingKind::Author(a) => format!("{} — {}", a.name, site.name),
    };
    let alternate = site.origin.url(&kind.path());
    let doc = html! {
        feed xmlns="http://www.w3.org/2005/Atom" {
            id { (alternate) }
            title { (xml_safe(&title)) }
            updated { (updated) }
            link rel="self" type="application/atom+xml" href=(site.origin.url(&kind.feed_path())) {}
            link rel="alternate" type="text/html" href=(alternate) {}
            @for a in articles {
                @let url = site.origin.url(&article_path(&a.slug));
                @let published = timefmt::rfc3339(a.published_at);
                entry {
                    id { (url) }
                    title type="text" { (xml_safe(&a.title)) }
                    link rel="alternate" type="text/html" href=(url) {}
                    published { (published) }
                    updated { (timefmt::rfc3339(a.modified_at())) }
                    author { name { (xml_safe(&a.author)) } }
                    category term=(a.category.slug()) label=(a.category.label()) {}
                    summary type="text" { (xml_safe(&a.summary)) }
                }
            }
        }
    };
    let PreEscaped(body) = doc;
    format!("{XML_DECLARATION}{body}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Category;
    use crate::views::test_support::*;

    const ATOM: &str = "http://www.w3.org/2005/Atom";

    #[test]
    fn feed_is_well_formed_atom_with_escaped_text() {
        let mut second = summary("second", 0);
        second.published_at = at(1_790_000_000 - 3600);
        second.title.push_str("\u{1}\u{FFFF} bell");
        let xml = atom_feed(&site(), ListingKind::Front, &[summary("first", 0), second]);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed"));
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let feed = doc.root_element();
        assert_eq!(feed.tag_name().namespace(), Some(ATOM));
        let child = |n: roxmltree::Node<'_, '_>, name: &str| {
            n.children().find(|c| c.has_tag_name((ATOM, name))).unwrap().text().unwrap_or("").to_owned()
        };
        assert_eq!(child(feed, "id"), "https://news.example/");
        assert_eq!(child(feed, "updated"), "2026-09-21T14:13:20Z");
        let links: Vec<_> = feed.children().filter(|c| c.has_tag_name((ATOM, "link"))).collect();
        assert_eq!(links[0].attribute("href"), Some("https://news.example/feed.xml"));
        assert_eq!(links[0].attribute("rel"), Some("self"));
        let entries: Vec<_> = feed.children().filter(|c| c.has_tag_name((ATOM, "entry"))).collect();
        assert_eq!(entries.len(), 2);
        assert_eq!(child(entries[0], "id"), "https://news.example/articles/first");
        assert_eq!(child(entries[0], "title"), format!("Title {HOSTILE}"));
        assert_eq!(child(entries[0], "summary"), format!("Summary {HOSTILE}"));
        assert_eq!(child(entries[1], "published"), "2026-09-21T13:13:20Z");
        assert!(child(entries[1], "title").ends_with("</title> bell"));
        let author = entries[0].children().find(|c| c.has_tag_name((ATOM, "author"))).unwrap();
        assert_eq!(child(author, "name"), format!("Author {HOSTILE}"));
        let cat = entries[0].children().find(|c| c.has_tag_name((ATOM, "category"))).unwrap();
        assert_eq!(cat.attribute("term"), Some("news-analysis"));
    }

    #[test]
    fn empty_category_feed() {
        let xml = atom_feed(&site(), ListingKind::Category(Category::Sports), &[]);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let feed = doc.root_element();
        assert!(xml.contains("<updated>1970-01-01T00:00:00Z</updated>"));
        assert!(xml.contains(r#"href="https://news.example/category/sports/feed.xml""#));
        assert!(xml.contains("<title>Sports — Broadsheet</title>"));
        assert_eq!(feed.children().filter(|c| c.has_tag_name((ATOM, "entry"))).count(), 0);
    }

    #[test]
    fn an_update_moves_the_entry_and_the_feed_but_not_the_publication() {
        let mut corrected = summary("corrected", 0);
        corrected.updated_at = Some(at(1_790_086_400));
        let xml = atom_feed(&site(), ListingKind::Front, &[summary("plain", 0), corrected]);
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let entries: Vec<_> = doc.descendants().filter(|n| n.has_tag_name((ATOM, "entry"))).collect();
        let text = |n: roxmltree::Node<'_, '_>, name: &str| {
            n.children().find(|c| c.has_tag_name((ATOM, name))).and_then(|c| c.text()).unwrap().to_owned()
        };
        assert_eq!(text(entries[0], "updated"), "2026-09-21T14:13:20Z");
        assert_eq!(text(entries[1], "published"), "2026-09-21T14:13:20Z");
        assert_eq!(text(entries[1], "updated"), "2026-09-22T14:13:20Z");
        assert_eq!(text(doc.root_element(), "updated"), "2026-09-22T14:13:20Z", "the latest change");
    }
}
