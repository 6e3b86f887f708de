//! The comments on an article and the form to leave one.

use linkify::{LinkFinder, LinkKind};
use maud::{Markup, html};

use super::{ArticleView, article_path, datetime_attr, encode};
use crate::domain::{Comment, timefmt};
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
    let described_by = if form.error.is_some() { "comment-hint comment-error" } else { "comment-hint" };
    html! {
        section.leave aria-labelledby="leave-heading" {
            h2 #leave-heading { "Leave a comment" }
            @match viewer.reader() {
                Some(reader) => {
                    form method="post" action={ (path) "/comments" } {
                        input type="hidden" name="csrf_token" value=(reader.csrf_token.as_str());
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

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &str) -> String {
        comment_text(body).into_string()
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
