//! The comments on an article and the form to leave one.

use linkify::{LinkFinder, LinkKind};
use maud::{Markup, html};

use super::{ArticleView, CommentForm, PageMeta, article_path, datetime_attr, encode, layout};
use crate::config::Site;
use crate::domain::{Comment, Slug, timefmt};
use crate::viewer::Viewer;

/// "Comments (N)": the list (oldest first), its pagination, and delete
/// buttons on the viewer's own comments.
pub(super) fn comments_section(viewer: &Viewer, view: &ArticleView<'_>) -> Markup {
    let path = article_path(view.article.slug());
    let me = viewer.reader();
    html! {
        section #comments aria-labelledby="comments-heading" {
            h2 #comments-heading { "Comments (" (view.article.summary.comment_count) ")" }
            @if view.comments_after.is_some() {
                p { "Later comments. " a href={ (path) "#comments" } { "Back to the first comments" } }
            }
            @if view.comments.is_empty() {
                p { (if view.comments_after.is_some() { "No more comments." } else { "No comments yet." }) }
            } @else {
                ol.comments {
                    @for c in view.comments {
                        li id={ "comment-" (c.id) } {
                            p.meta id={ "comment-" (c.id) "-by" } {
                                strong { (c.author_name) } " · "
                                time datetime=(datetime_attr(c.created_at)) { (timefmt::human(c.created_at)) }
                            }
                            p { (comment_text(&c.body)) }
                            @if let Some(reader) = me.filter(|r| r.username == c.author) {
                                (delete_form(&path, c, reader.csrf_token.as_str()))
                            }
                        }
                    }
                }
            }
            @if let Some(cursor) = view.next_comments_cursor {
                nav.pages aria-label="More comments" {
                    a href={ (path) "?comments_after=" (encode(cursor)) "#comments" } rel="next" { "More comments" }
                }
            }
        }
    }
}

fn delete_form(path: &str, c: &Comment, csrf_token: &str) -> Markup {
    html! {
        form.del method="post" action={ (path) "/comments/" (c.id) "/delete" } {
            input type="hidden" name="csrf_token" value=(csrf_token);
            // Says which comment to a screen reader, which hears many "Delete" buttons.
            button type="submit" aria-describedby={ "comment-" (c.id) "-by" } { "Delete" }
        }
    }
}

/// A comment's plain text: escaped by maud, line breaks kept as `<br>` (so
/// they survive without CSS), and http(s) URLs made into links that pass no
/// ranking (`nofollow ugc`) and no window handle (`noopener`).
fn comment_text(body: &str) -> Markup {
    let mut finder = LinkFinder::new();
    finder.kinds(&[LinkKind::Url]);
    html! {
        @for (i, line) in body.split('\n').enumerate() {
            @if i > 0 { br; }
            @for span in finder.spans(line.strip_suffix('\r').unwrap_or(line)) {
                @if span.kind().is_some() && is_web_url(span.as_str()) {
                    a href=(span.as_str()) rel="nofollow ugc noopener" { (span.as_str()) }
                } @else {
                    (span.as_str())
                }
            }
        }
    }
}

/// Only http(s) links: linkify also finds `javascript://…`, `data://…` and the like.
fn is_web_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// "Leave a comment": the form for a reader, a log-in prompt for anyone else.
pub(super) fn leave_comment(viewer: &Viewer, view: &ArticleView<'_>) -> Markup {
    let path = article_path(view.article.slug());
    let form = &view.form;
    html! {
        section.leave aria-labelledby="leave-heading" {
            h2 #leave-heading { "Leave a comment" }
            @match viewer.reader() {
                Some(reader) => {
                    (comment_form(&path, reader.csrf_token.as_str(), form))
                }
                None => {
                    p {
                        "You need to login to leave a comment. "
                        a href={ "/login?return_to=" (encode(&path)) "%23comments" } { "Log-in" }
                    }
                }
            }
        }
    }
}

/// The comment form posting to the article at `path`, with the reader's
/// text, key and message (if any) kept.
fn comment_form(path: &str, csrf_token: &str, form: &CommentForm<'_>) -> Markup {
    let described_by = if form.error.is_some() { "comment-hint comment-error" } else { "comment-hint" };
    html! {
        form method="post" action={ (path) "/comments" } {
            input type="hidden" name="csrf_token" value=(csrf_token);
            input type="hidden" name="idempotency_key" value=(form.idempotency_key);
            label for="comment-body" { "Your comment" }
            p.hint #comment-hint { "Plain text, up to 5,000 characters. Links become clickable." }
            @if let Some(error) = form.error {
                p.error #comment-error role="alert" { (error) }
            }
            textarea #comment-body name="body" rows="6" required maxlength="5000"
                aria-describedby=(described_by)
                aria-invalid=[form.error.map(|_| "true")] { (form.body) }
            p { button type="submit" { "Post comment" } }
        }
    }
}

/// The page a comment post answers when storage could not be reached (a
/// `503`): the article cannot be read either, so instead of the article this
/// is the comment form alone, holding the reader's text, the form's CSRF
/// token and its one-time key, with a sentence saying nothing was posted.
/// Posting it again is safe: the key makes a post that did reach the table
/// land on the stored comment instead of storing it twice.
pub fn comment_unsaved_page(
    site: &Site,
    viewer: &Viewer,
    slug: &Slug,
    csrf_token: &str,
    body: &str,
    idempotency_key: &str,
) -> Markup {
    let path = article_path(slug);
    let meta = PageMeta {
        title: "Your comment is not posted yet",
        description: "We could not reach our storage to save your comment.",
        canonical_path: "",
    };
    let form = CommentForm { body, error: None, idempotency_key };
    let main = html! {
        section.leave aria-labelledby="unsaved-heading" {
            h1 #unsaved-heading { "We could not save your comment yet" }
            p.error role="alert" {
                "We are having trouble reaching our storage, so your comment is not posted. "
                "It is below as you wrote it: post it again in a few seconds."
            }
            (comment_form(&path, csrf_token, &form))
            p { a href={ (path) "#comments" } { "Back to the article" } }
        }
    };
    layout(site, viewer, &meta, html! { meta name="robots" content="noindex"; }, main)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &str) -> String {
        comment_text(body).into_string()
    }

    #[test]
    fn the_unsaved_page_keeps_text_token_and_key_escaped() {
        use crate::views::test_support::*;
        let slug = Slug::parse("a-story").unwrap();
        let html = comment_unsaved_page(
            &site(),
            &reader_viewer("ann"),
            &slug,
            "tok\"",
            HOSTILE,
            "01J00000000000000000000000",
        )
        .into_string();
        assert_escaped(&html);
        assert!(html.contains(r#"<nav aria-label="Sections">"#), "in the layout");
        assert!(html.contains("<h1 id=\"unsaved-heading\">We could not save your comment yet</h1>"));
        assert!(html.contains(r#"<form method="post" action="/articles/a-story/comments">"#));
        assert!(html.contains(r#"name="csrf_token" value="tok&quot;""#));
        assert!(html.contains(r#"name="idempotency_key" value="01J00000000000000000000000""#));
        assert!(html.contains(r#"<meta name="robots" content="noindex">"#));
        assert!(!html.contains(r#"rel="canonical""#));
    }

    #[test]
    fn text_is_escaped_and_keeps_line_breaks() {
        assert_eq!(
            text("a <b> & \"c\"\nline two\r\n\nfour"),
            "a &lt;b&gt; &amp; &quot;c&quot;<br>line two<br><br>four"
        );
    }

    #[test]
    fn web_urls_become_links_and_nothing_else_does() {
        assert_eq!(
            text("see https://example.com/a?b=1&c=<2> now"),
            r#"see <a href="https://example.com/a?b=1&amp;c=" rel="nofollow ugc noopener">https://example.com/a?b=1&amp;c=</a>&lt;2&gt; now"#
        );
        assert!(
            text("HTTP://EXAMPLE.COM")
                .contains(r#"<a href="HTTP://EXAMPLE.COM" rel="nofollow ugc noopener">"#)
        );
        for hostile in [
            "javascript:alert(1)",
            "javascript://%0Aalert(1)",
            "JaVaScRiPt://example.com/%0Aalert(1)",
            "data://text/html,<script>",
            "vbscript://x",
            "www.example.com",
            "mail me: a@example.com",
        ] {
            let html = text(hostile);
            assert!(!html.contains("<a"), "{hostile} became {html}");
            assert!(!html.contains("<script"), "{html}");
        }
        let quote = text(r#"https://example.com/"onmouseover="x"#);
        assert!(!quote.contains(r#""onmouseover"#), "{quote}");
    }
}
