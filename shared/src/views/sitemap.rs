//! `sitemap.xml` and `robots.txt`, for crawlers.

use maud::{PreEscaped, html};

use super::feed::XML_DECLARATION;
use super::{article_path, author_path, category_path};
use crate::config::Site;
use crate::domain::{ArticleSummary, Category, timefmt};

/// The sitemap: the front page, #TrendingNews, the twelve sections, every
/// article in `articles` (with its last update, else its publication, as
/// `lastmod`) and the page of every author of those (with their latest
/// story's). URLs are built from the configured origin and slugs, and
/// escaped by maud anyway.
pub fn sitemap(site: &Site, articles: &[ArticleSummary]) -> String {
    let mut authors = std::collections::BTreeMap::new();
    for a in articles {
        if let Some(slug) = a.author_slug() {
            let latest = authors.entry(slug).or_insert(a.modified_at());
            *latest = (*latest).max(a.modified_at());
        }
    }
    let doc = html! {
        urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" {
            url { loc { (site.origin.url("/")) } }
            url { loc { (site.origin.url("/trending")) } }
            @for c in Category::ALL {
                url { loc { (site.origin.url(&category_path(c))) } }
            }
            @for a in articles {
                url {
                    loc { (site.origin.url(&article_path(&a.slug))) }
                    lastmod { (timefmt::rfc3339(a.modified_at())) }
                }
            }
            @for (slug, latest) in &authors {
                url {
                    loc { (site.origin.url(&author_path(slug))) }
                    lastmod { (timefmt::rfc3339(*latest)) }
                }
            }
        }
    };
    let PreEscaped(body) = doc;
    format!("{XML_DECLARATION}{body}")
}

/// Allows every crawler everything and points it at the sitemap.
pub fn robots_txt(site: &Site) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: {}\n", site.origin.url("/sitemap.xml"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::test_support::*;

    #[test]
    fn sitemap_lists_home_trending_sections_and_articles() {
        let xml = sitemap(&site(), &[summary("one", 0), summary("two", 0)]);
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset"));
        let doc = roxmltree::Document::parse(&xml).unwrap();
        let ns = "http://www.sitemaps.org/schemas/sitemap/0.9";
        assert_eq!(doc.root_element().tag_name().namespace(), Some(ns));
        let locs: Vec<_> =
            doc.descendants().filter(|n| n.has_tag_name((ns, "loc"))).filter_map(|n| n.text()).collect();
        // Home, trending, twelve sections, two articles, and their one author.
        assert_eq!(locs.len(), 2 + 12 + 2 + 1);
        assert_eq!(&locs[..2], ["https://news.example/", "https://news.example/trending"]);
        assert!(locs.contains(&"https://news.example/category/world-news"));
        assert_eq!(locs[15], "https://news.example/articles/two");
        let lastmods = doc.descendants().filter(|n| n.has_tag_name((ns, "lastmod"))).count();
        assert_eq!(lastmods, 3);
        assert!(
            locs[16].starts_with("https://news.example/authors/author-script-alert-x-script"),
            "{}",
            locs[16]
        );
        assert!(xml.contains("<lastmod>2026-09-21T14:13:20Z</lastmod>"));
    }

    #[test]
    fn an_updated_article_is_modified_when_it_was_updated() {
        let mut one = summary("one", 0);
        one.updated_at = Some(at(1_790_086_400));
        let xml = sitemap(&site(), &[one]);
        assert!(xml.contains("<lastmod>2026-09-22T14:13:20Z</lastmod>"), "{xml}");
    }

    #[test]
    fn robots_allows_all_and_names_the_sitemap() {
        assert_eq!(
            robots_txt(&site()),
            "User-agent: *\nAllow: /\n\nSitemap: https://news.example/sitemap.xml\n"
        );
    }
}
