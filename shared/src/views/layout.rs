//! The page shell every HTML page shares.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::{PageMeta, category_path, stylesheet};
use crate::config::Site;
use crate::domain::Category;
use crate::domain::search::MAX_QUERY_CHARS;
use crate::viewer::Viewer;

/// Wraps `main` in the site's one layout: head metadata, skip link, masthead
/// with the section navigation and account area, and footer.
///
/// `head_extra` is appended to `<head>` (OpenGraph, JSON-LD, a category feed,
/// `noindex`). The navigation marks the section whose path `meta.canonical_path`
/// is with `aria-current="page"`, so callers need not say it twice.
pub fn layout(site: &Site, viewer: &Viewer, meta: &PageMeta<'_>, head_extra: Markup, main: Markup) -> Markup {
    let title = if meta.title.is_empty() {
        format!("{} — independent news", site.name)
    } else {
        format!("{} — {}", meta.title, site.name)
    };
    // The section is the path without its query: page 2 of Sports is still Sports.
    let section = meta.canonical_path.split(['?', '#']).next().unwrap_or_default();
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                meta name="description" content=(meta.description);
                @if !meta.canonical_path.is_empty() {
                    link rel="canonical" href=(site.origin.url(meta.canonical_path));
                }
                link rel="alternate" type="application/atom+xml" title=(site.name)
                    href=(site.origin.url("/feed.xml"));
                (head_extra)
                // Our own constant stylesheet; its hash is in the CSP (see css.rs).
                style { (PreEscaped(stylesheet())) }
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header {
                    div.bar {
                        a.brand href="/" { (site.name) }
                        (search_box())
                        (account(viewer))
                    }
                    nav aria-label="Sections" {
                        ul {
                            (nav_item("/trending", "#TrendingNews", section))
                            @for c in Category::ALL {
                                (nav_item(&category_path(c), c.label(), section))
                            }
                        }
                    }
                }
                // Focusable by script and fragment only (not by Tab), so that
                // following the skip link moves keyboard focus into the content
                // instead of leaving it on the link.
                main #main tabindex="-1" { (main) }
                footer {
                    ul {
                        li { "© " (site.name) }
                        li { a href="/feed.xml" { "Atom feed" } }
                        li { a href="/sitemap.xml" { "Sitemap" } }
                    }
                }
            }
        }
    }
}

/// The site search: a plain GET form, so it works without scripts.
fn search_box() -> Markup {
    html! {
        form role="search" aria-label="Site" method="get" action="/search" {
            label { "Search " input type="search" name="q" maxlength=(MAX_QUERY_CHARS); }
            " "
            button type="submit" { "Go" }
        }
    }
}

fn nav_item(href: &str, label: &str, section: &str) -> Markup {
    let current = (href == section).then_some("page");
    html! { li { a href=(href) aria-current=[current] { (label) } } }
}

/// Log-in and sign-up links, or who is signed in and a log-out button (a POST
/// form, because logging out changes state and must carry the CSRF token).
fn account(viewer: &Viewer) -> Markup {
    html! {
        div.account {
            @match viewer.reader() {
                None => {
                    a href="/login" { "Log-in" }
                    " · "
                    a href="/signup" { "Sign-up" }
                }
                Some(reader) => {
                    "Signed in as " strong { (reader.display_name) } " "
                    form method="post" action="/logout" {
                        input type="hidden" name="csrf_token" value=(reader.csrf_token.as_str());
                        button type="submit" { "Log out" }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::test_support::*;

    fn page(viewer: &Viewer, path: &str) -> String {
        let meta = PageMeta { title: "T <b>&", description: "D \"<x>\"", canonical_path: path };
        layout(&site(), viewer, &meta, html! {}, html! { p { "hello" } }).into_string()
    }

    #[test]
    fn shell_has_the_required_head_and_landmarks() {
        let html = page(&Viewer::Anonymous, "/category/sports?after=abc");
        assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"));
        assert!(html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
        assert!(html.contains("<title>T &lt;b&gt;&amp; — Broadsheet</title>"));
        assert!(html.contains(r#"<meta name="description" content="D &quot;&lt;x&gt;&quot;">"#));
        assert!(
            html.contains(r#"<link rel="canonical" href="https://news.example/category/sports?after=abc">"#)
        );
        assert!(html.contains(r#"type="application/atom+xml""#));
        assert!(html.contains(&format!("<style>{}</style>", stylesheet())));
        assert!(html.contains(r#"<main id="main" tabindex="-1"><p>hello</p></main>"#));
        assert!(html.contains("<footer>"));
        assert!(html.contains(r#"<a class="brand" href="/">Broadsheet</a>"#));
        assert!(html.contains(r#"<form role="search" aria-label="Site" method="get" action="/search"><label>Search <input type="search" name="q" maxlength="200"></label> <button type="submit">Go</button></form>"#));
        // The skip link is the first focusable element.
        let first_link = html.find("<a ").unwrap();
        assert_eq!(&html[first_link..first_link + 40], r##"<a class="skip" href="#main">Skip to con"##);
    }

    #[test]
    fn nav_lists_trending_and_twelve_sections_and_marks_the_current_one() {
        let html = page(&Viewer::Anonymous, "/category/sports?after=abc");
        assert!(html.contains(r#"<nav aria-label="Sections">"#));
        assert!(html.contains(r#"<a href="/trending">#TrendingNews</a>"#));
        for c in Category::ALL {
            assert!(html.contains(&format!(r#"href="/category/{}""#, c.slug())), "{c}");
        }
        assert!(html.contains(r#"<a href="/category/news-analysis">News Analysis</a>"#));
        assert!(html.contains(r#"<a href="/category/sports" aria-current="page">Sports</a>"#));
        assert_eq!(html.matches("aria-current=\"page\"").count(), 1);
        let trending = page(&Viewer::Anonymous, "/trending");
        assert!(trending.contains(r#"<a href="/trending" aria-current="page">#TrendingNews</a>"#));
        assert_eq!(page(&Viewer::Anonymous, "/articles/x").matches("aria-current=\"page\"").count(), 0);
    }

    #[test]
    fn account_area_for_anonymous_and_reader() {
        let anon = page(&Viewer::Anonymous, "/");
        assert!(anon.contains(r#"<a href="/login">Log-in</a>"#));
        assert!(anon.contains(r#"<a href="/signup">Sign-up</a>"#));
        assert!(!anon.contains("/logout"));

        let html = page(&reader_viewer("alice"), "/");
        assert!(html.contains("Signed in as <strong>&lt;Alice&gt; &amp; &quot;co&quot;</strong>"));
        assert!(html.contains(r#"<form method="post" action="/logout">"#));
        assert!(html.contains(&format!(r#"<input type="hidden" name="csrf_token" value="{CSRF}">"#)));
        assert!(html.contains(r#"<button type="submit">Log out</button>"#));
        assert!(!html.contains(r#"href="/login""#));
    }

    #[test]
    fn front_page_title_and_no_canonical_without_a_path() {
        let meta = PageMeta { title: "", description: "d", canonical_path: "" };
        let html = layout(&site(), &Viewer::Anonymous, &meta, html! {}, html! {}).into_string();
        assert!(html.contains("<title>Broadsheet — independent news</title>"));
        assert!(!html.contains("rel=\"canonical\""));
    }
}
