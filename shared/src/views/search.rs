//! The search page: the form, a page of results with the engine's matches
//! marked, or "No stories match" with ways to broaden the search.

use maud::{Markup, html};

use super::{PageMeta, article_path, category_path, datetime_attr, encode, layout};
use crate::config::Site;
use crate::domain::search::{Highlighted, MAX_QUERY_CHARS, SearchQuery, SearchResults};
use crate::domain::timefmt;
use crate::viewer::Viewer;

/// What the search page shows.
#[derive(Debug, Clone, Copy)]
pub struct SearchView<'a> {
    /// The reader's query; `None` shows the form alone.
    pub query: Option<&'a SearchQuery>,
    pub results: &'a SearchResults,
    /// Results before this page (0 on the first).
    pub offset: usize,
    /// The next page's cursor, if there are more results.
    pub next: Option<&'a str>,
}

/// `GET /search`. Never indexed by crawlers (`noindex`): result pages are
/// endless variations of the site's own pages.
pub fn search_page(site: &Site, viewer: &Viewer, view: SearchView<'_>) -> Markup {
    let q = view.query.map(SearchQuery::as_str);
    let title = match q {
        Some(q) => format!("Search: {q}"),
        None => "Search".to_owned(),
    };
    let description = format!("Search every story on {}.", site.name);
    let canonical = if q.is_some() { "" } else { "/search" };
    let meta = PageMeta { title: &title, description: &description, canonical_path: canonical };
    let results = view.results;
    let main = html! {
        h1 { "Search" }
        form.find method="get" action="/search" {
            label for="q" { "Words to find" }
            p.hint #q-hint { "Put words in double quotes to find them together, as a phrase." }
            input #q type="search" name="q" value=[q] maxlength=(MAX_QUERY_CHARS) aria-describedby="q-hint";
            " "
            button type="submit" { "Search" }
        }
        @if let Some(q) = q {
            @if results.hits.is_empty() {
                p role="status" { "No stories match “" (q) "”" @if view.offset > 0 { " beyond this point" } "." }
                h2 { "Broaden your search" }
                ul {
                    li { "Check the spelling, or try another word for the same thing." }
                    li { "Use fewer words: every word must appear in a story." }
                    li { "Take the double quotes away to find the words apart as well as together." }
                    li { "Browse the " a href="/" { "latest stories" } " or " a href="/trending" { "#TrendingNews" } "." }
                }
            } @else {
                p role="status" {
                    (count(results.total)) " match “" (q) "”"
                    @if view.offset > 0 {
                        " · results " (view.offset + 1) "–" (view.offset + results.hits.len())
                    }
                }
                ol.cards {
                    @for hit in &results.hits {
                        li {
                            article.card {
                                h2 { a href=(article_path(&hit.slug)) { (hit.title) } }
                                p.meta {
                                    a href=(category_path(hit.category)) { (hit.category.label()) }
                                    " · By " (hit.author) " · "
                                    time datetime=(datetime_attr(hit.published_at)) { (timefmt::human(hit.published_at)) }
                                }
                                p { (snippet(&hit.snippet)) }
                            }
                        }
                    }
                }
            }
            @if view.next.is_some() || view.offset > 0 {
                nav.pages aria-label="More results" {
                    ul {
                        @if let Some(next) = view.next {
                            li { a href={ "/search?q=" (encode(q)) "&after=" (encode(next)) } rel="next" { "More results" } }
                        }
                        @if view.offset > 0 {
                            li { a href={ "/search?q=" (encode(q)) } { "First results" } }
                        }
                    }
                }
            }
        }
    };
    layout(site, viewer, &meta, html! { meta name="robots" content="noindex"; }, main)
}

/// "1 story", "12 stories".
fn count(n: usize) -> String {
    if n == 1 { "1 story".to_owned() } else { format!("{n} stories") }
}

/// The snippet as text, the engine's matches in `<mark>`: every piece is
/// escaped text; no HTML from the index reaches the page.
fn snippet(h: &Highlighted) -> Markup {
    html! {
        @for (piece, marked) in h.pieces() {
            @if marked { mark { (piece) } } @else { (piece) }
        }
        @if !h.text().is_empty() { "…" }
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::domain::search::SearchHit;
    use crate::domain::{Category, Slug};
    use crate::views::test_support::*;

    fn hit(title: &str, text: &str, marks: Vec<std::ops::Range<usize>>) -> SearchHit {
        SearchHit {
            slug: Slug::parse("night-ferry").unwrap(),
            title: title.to_owned(),
            category: Category::NewsAnalysis,
            author: "Mara <Quill>".to_owned(),
            published_at: datetime!(2026-11-26 09:00 UTC),
            snippet: Highlighted::new(text.to_owned(), marks),
        }
    }

    fn page(q: Option<&str>, results: &SearchResults, offset: usize, next: Option<&str>) -> String {
        let query = q.map(|q| SearchQuery::parse(q).unwrap().unwrap());
        let view = SearchView { query: query.as_ref(), results, offset, next };
        search_page(&site(), &Viewer::Anonymous, view).into_string()
    }

    #[test]
    fn the_empty_query_shows_the_form() {
        let html = page(None, &SearchResults::default(), 0, None);
        assert!(html.contains(r#"<label for="q">Words to find</label>"#));
        assert!(html.contains(r#"<input id="q" type="search" name="q" maxlength="200""#));
        assert!(!html.contains("role=\"status\""));
        assert!(html.contains(r#"<link rel="canonical" href="https://news.example/search">"#));
        assert!(html.contains(r#"<meta name="robots" content="noindex">"#));
    }

    #[test]
    fn results_mark_matches_as_escaped_text() {
        let results = SearchResults {
            hits: vec![hit(HOSTILE, "<b>ferry</b> & the harbour", vec![3..8, 19..26])],
            total: 21,
        };
        let html = page(Some(HOSTILE), &results, 0, Some("CUR+SOR"));
        assert_escaped(&html);
        assert!(
            html.contains("&lt;b&gt;<mark>ferry</mark>&lt;/b&gt; &amp; the <mark>harbour</mark>…"),
            "{html}"
        );
        assert!(html.contains("21 stories match “&lt;script&gt;"));
        assert!(html.contains(r#"<a href="/articles/night-ferry">&lt;script&gt;"#));
        assert!(html.contains("By Mara &lt;Quill&gt;"));
        assert!(html.contains(r#"<a href="/category/news-analysis">News Analysis</a>"#));
        assert!(html.contains(r#"rel="next">More results</a>"#));
        assert!(html.contains("&amp;after=CUR%2BSOR"), "the cursor is encoded");
        assert!(!html.contains("First results"));
        assert!(!html.contains(r#"rel="canonical""#));
    }

    #[test]
    fn later_pages_link_back_and_say_where_they_are() {
        let results =
            SearchResults { hits: vec![hit("Ferry", "ferry", std::iter::once(0..5).collect())], total: 21 };
        let html = page(Some("ferry"), &results, 20, None);
        assert!(html.contains("21 stories match “ferry” · results 21–21"));
        assert!(html.contains(r#"<a href="/search?q=ferry">First results</a>"#));
        assert!(!html.contains(r#"rel="next""#));
    }

    #[test]
    fn no_match_suggests_how_to_broaden() {
        let html = page(Some("\"zzz qqq\""), &SearchResults::default(), 0, None);
        assert!(html.contains("No stories match “&quot;zzz qqq&quot;”."));
        assert!(html.contains("<h2>Broaden your search</h2>"));
        assert!(html.contains(r#"value="&quot;zzz qqq&quot;""#), "the query is kept in the box");
    }
}
