//! One article: metadata for crawlers and link previews, the story, the share
//! block, its comments and the comment form.

use maud::{Markup, PreEscaped, html};
use serde_json::json;

use super::comments::{comments_section, leave_comment};
use super::share::share_block;
use super::{
    PageMeta, article_path, author_path, byline, category_path, datetime_attr, layout, reading_time,
};
use crate::config::Site;
use crate::domain::{Article, ArticleSummary, Comment, timefmt};
use crate::viewer::Viewer;

/// What the comment form shows: what the reader typed and why it was refused
/// (on a `422`), and the key that makes a double submit create one comment.
#[derive(Debug, Clone, Copy)]
pub struct CommentForm<'a> {
    /// The text to prefill the textarea with (empty on a fresh page).
    pub body: &'a str,
    /// Why the last submission was refused, shown next to the field.
    pub error: Option<&'a str>,
    /// Sent back with the form so a double submit is recognised as one.
    pub idempotency_key: &'a str,
    /// The comment a reply answers (`TOP` or `TOP-REPLY`), kept when a
    /// refused reply is re-shown.
    pub parent: Option<&'a str>,
}

/// Everything the article page shows.
#[derive(Debug, Clone, Copy)]
pub struct ArticleView<'a> {
    pub article: &'a Article,
    /// This page of comments, oldest first.
    pub comments: &'a [Comment],
    /// Some → "More comments" link `?comments_after={cursor}#comments`.
    pub next_comments_cursor: Option<&'a str>,
    /// Set when this is a later page of comments (the current cursor).
    pub comments_after: Option<&'a str>,
    /// Used only when the viewer is a logged-in reader.
    pub form: CommentForm<'a>,
    /// A short confirmation shown above the comments ("Thanks for your report").
    pub notice: Option<&'a str>,
    /// The time the page is rendered at (whether an Edit link is still due).
    pub now: time::OffsetDateTime,
    /// "More in {Category}": up to four other recent stories of its section.
    pub read_next: &'a [ArticleSummary],
}

/// The article page.
///
/// Its canonical URL is the article's own, also on later pages of comments:
/// the story is the page's content, and share links must name one URL.
pub fn article_page(site: &Site, viewer: &Viewer, view: &ArticleView<'_>) -> Markup {
    let a = &view.article.summary;
    let path = article_path(&a.slug);
    let url = site.origin.url(&path);
    let meta = PageMeta { title: &a.title, description: &a.summary, canonical_path: &path };
    let main = html! {
        article.story {
            h1 { (a.title) }
            p.meta {
                (byline(a)) " · "
                time datetime=(datetime_attr(a.published_at)) { (timefmt::human(a.published_at)) }
                @if let Some(updated) = a.updated_at {
                    " · Updated "
                    time datetime=(datetime_attr(updated)) { (timefmt::human(updated)) }
                }
                " · " a href=(category_path(a.category)) { (a.category.label()) }
                @if let Some(minutes) = a.reading_minutes() { " · " (reading_time(minutes)) }
            }
            @if let Some(correction) = &view.article.correction {
                // Above the story, so a reader who was misled sees it first.
                aside.correction aria-labelledby="correction-heading" {
                    h2 #correction-heading { "Correction" }
                    p {
                        time datetime=(datetime_attr(correction.at)) { (timefmt::human(correction.at)) }
                        ": " (correction.text)
                    }
                }
            }
            @if let Some(standfirst) = view.article.standfirst() {
                p.summary { (standfirst) }
            }
            // The one place unescaped HTML is allowed: it came out of the sanitiser at import.
            div.body { (PreEscaped(view.article.body_html.as_str())) }
            // The read beacon: counts this view for #TrendingNews even when
            // the page itself came from the edge cache (docs/edge.md).
            img.beacon src=(read_beacon_path(&path)) alt="" width="1" height="1";
        }
        (share_block(a, &url))
        (read_next(a, view.read_next))
        (comments_section(viewer, view))
        (leave_comment(viewer, view))
    };
    layout(site, viewer, &meta, head_extra(site, view.article, &url), main)
}

/// "More in World News": links to other recent stories of the section, after
/// the story and before the conversation. Nothing when there are none.
fn read_next(article: &ArticleSummary, stories: &[ArticleSummary]) -> Markup {
    html! {
        @if !stories.is_empty() {
            nav.read-next aria-labelledby="read-next-heading" {
                h2 #read-next-heading { "More in " (article.category.label()) }
                ul {
                    @for s in stories {
                        li {
                            a href=(article_path(&s.slug)) { (s.title) }
                            " "
                            span.meta {
                                time datetime=(datetime_attr(s.published_at)) { (timefmt::human(s.published_at)) }
                                @if let Some(minutes) = s.reading_minutes() { " · " (reading_time(minutes)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The read beacon of the article at `article_path` (`GET /articles/{slug}/read`).
pub fn read_beacon_path(article_path: &str) -> String {
    format!("{article_path}/read")
}

/// OpenGraph, Twitter card and schema.org `NewsArticle` for link previews and search.
fn head_extra(site: &Site, article: &Article, url: &str) -> Markup {
    let a = &article.summary;
    let published = timefmt::rfc3339(a.published_at);
    let modified = a.updated_at.map(timefmt::rfc3339);
    let mut ld = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": a.title,
        "description": a.summary,
        "datePublished": published,
        "author": { "@type": "Person", "name": a.author },
        "articleSection": a.category.label(),
        "mainEntityOfPage": { "@type": "WebPage", "@id": url },
        "url": url,
        "publisher": { "@type": "Organization", "name": site.name, "url": site.origin.url("/") },
    });
    if let Some(modified) = &modified {
        ld["dateModified"] = json!(modified);
    }
    if let Some(author) = a.author_slug() {
        ld["author"]["url"] = json!(site.origin.url(&author_path(&author)));
    }
    html! {
        meta property="og:type" content="article";
        meta property="og:title" content=(a.title);
        meta property="og:description" content=(a.summary);
        meta property="og:url" content=(url);
        meta property="og:site_name" content=(site.name);
        meta property="article:published_time" content=(published);
        @if let Some(modified) = &modified {
            meta property="article:modified_time" content=(modified);
        }
        meta property="article:section" content=(a.category.label());
        meta name="twitter:card" content="summary";
        meta name="twitter:title" content=(a.title);
        meta name="twitter:description" content=(a.summary);
        // Safe unescaped: `script_safe_json` leaves no `<`, `>` or `&` in the
        // text, so it cannot close this element or open a comment, whatever
        // a title or author contains.
        script type="application/ld+json" { (PreEscaped(script_safe_json(&ld))) }
    }
}

/// Serialises JSON for a `<script>` element. `<`, `>` and `&` can only occur
/// inside JSON strings, where `\u003c`, `\u003e` and `\u0026` mean the same
/// characters, so the data is unchanged and the HTML parser never sees them.
fn script_safe_json(value: &serde_json::Value) -> String {
    let json = value.to_string();
    let mut out = String::with_capacity(json.len() + 16);
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Comment, SanitizedHtml};
    use crate::views::test_support::*;

    fn view<'a>(article: &'a Article, comments: &'a [Comment], error: Option<&'a str>) -> ArticleView<'a> {
        ArticleView {
            article,
            comments,
            next_comments_cursor: None,
            comments_after: None,
            form: CommentForm {
                body: "draft </textarea><script>x</script>",
                error,
                idempotency_key: "idem\"1",
                parent: None,
            },
            notice: None,
            now: time::OffsetDateTime::now_utc(),
            read_next: &[],
        }
    }

    fn render(viewer: &Viewer, v: &ArticleView<'_>) -> String {
        article_page(&site(), viewer, v).into_string()
    }

    #[test]
    fn story_head_and_byline() {
        let art = article("rust-on-lambda", 2);
        let html = render(&Viewer::Anonymous, &view(&art, &[], None));
        assert_escaped(&html);
        assert!(html.contains("<h1>Title &lt;script&gt;"));
        assert!(
            html.contains(
                r#"By <a href="/authors/author-script-alert-x-script-q-title">Author &lt;script&gt;"#
            )
        );
        assert!(html.contains(r#"<time datetime="2026-09-21T14:13:20Z">"#));
        assert!(html.contains(r#"<a href="/category/news-analysis">News Analysis</a>"#));
        assert!(html.contains(r#"<div class="body"><p>Body <em>sanitised</em></p></div>"#));
        assert!(
            html.contains(r#"<link rel="canonical" href="https://news.example/articles/rust-on-lambda">"#)
        );
        for tag in [
            r#"<meta property="og:type" content="article">"#,
            r#"<meta property="og:title" content="Title &lt;script&gt;"#,
            r#"<meta property="og:url" content="https://news.example/articles/rust-on-lambda">"#,
            r#"<meta property="og:site_name" content="Broadsheet">"#,
            r#"<meta property="article:published_time" content="2026-09-21T14:13:20Z">"#,
            r#"<meta property="article:section" content="News Analysis">"#,
            r#"<meta name="twitter:card" content="summary">"#,
        ] {
            assert!(html.contains(tag), "{tag}");
        }
        assert!(html.contains("Share This Post On"));
        assert!(html.contains(r#"<h2 id="comments-heading">Comments (2)</h2>"#));
        assert!(html.contains("No comments yet."));
    }

    #[test]
    fn standfirst_only_when_the_body_does_not_begin_with_it() {
        let mut art = article("x", 0);
        let html = render(&Viewer::Anonymous, &view(&art, &[], None));
        assert!(
            html.contains(r#"<p class="summary">Summary &lt;script&gt;"#),
            "a summary of its own is shown"
        );

        // The default summary is the first paragraph: shown once, in the body.
        art.summary.summary = "The tide came in early.".to_owned();
        art.body_html = SanitizedHtml::from_sanitized(
            "<p>The <em>tide</em> came in early.</p><p>Then it went out.</p>".to_owned(),
        );
        let html = render(&Viewer::Anonymous, &view(&art, &[], None));
        assert!(!html.contains(r#"class="summary""#), "{html}");
        let story = &html[html.find(r#"<article class="story">"#).unwrap()..html.find("</article>").unwrap()];
        assert_eq!(story.matches("came in early.").count(), 1, "the body's paragraph only: {story}");
        assert!(html.contains(r#"<meta name="description" content="The tide came in early.">"#));
    }

    #[test]
    fn an_update_and_a_correction_are_shown_and_dated() {
        let mut art = article("x", 0);
        let html = render(&Viewer::Anonymous, &view(&art, &[], None));
        assert!(!html.contains("Updated") && !html.contains("dateModified"));
        assert!(!html.contains(r#"class="correction""#));
        assert!(!html.contains("article:modified_time"));

        art.summary.updated_at = Some(at(1_790_086_400));
        art.correction =
            Some(crate::domain::Correction { text: "It was <Tuesday>.".into(), at: at(1_790_086_400) });
        let html = render(&Viewer::Anonymous, &view(&art, &[], None));
        assert_escaped(&html);
        assert!(html.contains(
            r#"21 September 2026, 14:13 UTC</time> · Updated <time datetime="2026-09-22T14:13:20Z">22 September 2026, 14:13 UTC</time> · <a href="/category/news-analysis">"#
        ), "{html}");
        assert!(html.contains(
            r#"<aside class="correction" aria-labelledby="correction-heading"><h2 id="correction-heading">Correction</h2><p><time datetime="2026-09-22T14:13:20Z">22 September 2026, 14:13 UTC</time>: It was &lt;Tuesday&gt;.</p></aside>"#
        ), "{html}");
        assert!(html.contains(r#"<meta property="article:modified_time" content="2026-09-22T14:13:20Z">"#));
        assert!(html.contains(r#""dateModified":"2026-09-22T14:13:20Z""#));
        assert!(html.contains(r#""datePublished":"2026-09-21T14:13:20Z""#));
    }

    #[test]
    fn reading_time_beside_the_byline() {
        let mut art = article("x", 0);
        let html = render(&Viewer::Anonymous, &view(&art, &[], None));
        assert!(html.contains(r#"News Analysis</a> · 3 min read</p>"#), "450 words");
        art.summary.words = 0;
        let html = render(&Viewer::Anonymous, &view(&art, &[], None));
        assert!(!html.contains("min read"), "uncounted: no reading time");
    }

    #[test]
    fn json_ld_cannot_close_its_script_and_round_trips() {
        let mut art = article("x", 0);
        art.summary.title = "</script><script>alert(1)</script><!-- & ".to_owned();
        let html = render(&Viewer::Anonymous, &view(&art, &[], None));
        let open = r#"<script type="application/ld+json">"#;
        let start = html.find(open).unwrap() + open.len();
        let end = start + html[start..].find("</script>").unwrap();
        let json = &html[start..end];
        assert!(!json.contains(['<', '>', '&']));
        assert_eq!(html.matches("<script").count(), 1, "only the JSON-LD script element");
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["@type"], "NewsArticle");
        assert_eq!(v["headline"], art.summary.title);
        assert_eq!(v["author"]["@type"], "Person");
        assert_eq!(v["publisher"]["@type"], "Organization");
        assert_eq!(v["articleSection"], "News Analysis");
        assert_eq!(v["datePublished"], "2026-09-21T14:13:20Z");
        assert_eq!(v["mainEntityOfPage"]["@id"], "https://news.example/articles/x");
    }

    #[test]
    fn anonymous_viewer_gets_the_login_prompt() {
        let art = article("rust-on-lambda", 0);
        let html = render(&Viewer::Anonymous, &view(&art, &[], None));
        assert!(html.contains(r#"<h2 id="leave-heading">Leave a comment</h2>"#));
        assert!(html.contains(
            r#"You need to login to leave a comment. <a href="/login?return_to=%2Farticles%2Frust-on-lambda%23comments">Log-in</a>"#
        ));
        assert!(!html.contains("<textarea"));
        assert!(!html.contains("idempotency_key"));
    }

    #[test]
    fn reader_gets_the_form_with_error_and_draft() {
        let art = article("rust-on-lambda", 0);
        let html = render(&reader_viewer("alice"), &view(&art, &[], Some("Too <long>")));
        assert!(!html.contains("You need to login"));
        assert!(html.contains(
            r#"<form id="comment-form" method="post" action="/articles/rust-on-lambda/comments">"#
        ));
        assert!(html.contains(r#"<label for="comment-body">Your comment</label>"#));
        assert!(html.contains(&format!(r#"<input type="hidden" name="csrf_token" value="{CSRF}">"#)));
        assert!(html.contains(r#"<input type="hidden" name="idempotency_key" value="idem&quot;1">"#));
        assert!(html.contains(r#"<p class="error" id="comment-error" role="alert">Too &lt;long&gt;</p>"#));
        assert!(html.contains(
            r#"<textarea id="comment-body" name="body" rows="6" required maxlength="5000" aria-describedby="comment-hint comment-error" aria-invalid="true">draft &lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;</textarea>"#
        ));
        assert!(html.contains(r#"<button type="submit">Post comment</button>"#));

        let ok = render(&reader_viewer("alice"), &view(&art, &[], None));
        assert!(!ok.contains("role=\"alert\"") && !ok.contains("aria-invalid"));
    }

    #[test]
    fn comments_oldest_first_with_delete_only_on_own() {
        let art = article("story", 12);
        let comments = [
            comment("alice", "first\nsecond line https://example.com/x", 1_790_000_100),
            comment("bob", "<script>alert(1)</script> javascript:alert(1)", 1_790_000_200),
        ];
        let mut v = view(&art, &comments, None);
        v.next_comments_cursor = Some("cur/+=");
        let html = render(&reader_viewer("alice"), &v);
        assert_escaped(&html);
        assert!(html.contains(r#"<section id="comments" aria-labelledby="comments-heading">"#));
        assert!(html.contains("Comments (12)"));
        let (a, b) = (comments[0].id, comments[1].id);
        let (pa, pb) = (
            html.find(&format!("id=\"comment-{a}\"")).unwrap(),
            html.find(&format!("id=\"comment-{b}\"")).unwrap(),
        );
        assert!(pa < pb, "rendered in the given (oldest-first) order");
        assert!(html.contains(
            "first<br>second line <a href=\"https://example.com/x\" rel=\"nofollow ugc noopener\">"
        ));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; javascript:alert(1)"));
        assert!(html.contains(r#"<time datetime="2026-09-21T14:15:00Z">"#));
        assert_eq!(html.matches(">Delete</button>").count(), 1);
        assert!(html.contains(&format!(
            r#"<form class="del" method="post" action="/articles/story/comments/{a}/delete">"#
        )));
        assert!(!html.contains(&format!("/comments/{b}/delete")));
        assert!(html.contains(
            r##"<a href="/articles/story?comments_after=cur%2F%2B%3D#comments" rel="next">More comments</a>"##
        ));

        let anon = render(&Viewer::Anonymous, &v);
        assert!(!anon.contains("Delete"));
    }

    #[test]
    fn later_comment_pages_link_back() {
        let art = article("story", 60);
        let mut v = view(&art, &[], None);
        v.comments_after = Some("c");
        let html = render(&Viewer::Anonymous, &v);
        assert!(html.contains(r##"<a href="/articles/story#comments">Back to the first comments</a>"##));
        assert!(html.contains(r#"<link rel="canonical" href="https://news.example/articles/story">"#));
    }
}
