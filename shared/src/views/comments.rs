//! The comments on an article and the forms to leave, reply to, edit,
//! report and remove one.

use linkify::{LinkFinder, LinkKind};
use maud::{Markup, html};
use time::OffsetDateTime;

use super::{ArticleView, CommentForm, PageMeta, article_path, datetime_attr, encode, layout};
use crate::auth::IdempotencyKey;
use crate::config::Site;
use crate::domain::moderation::{EDIT_WINDOW, ReportReason};
use crate::domain::{Comment, Removal, Slug, is_web_url, timefmt};
use crate::viewer::{Reader, Viewer};

/// "Comments (N)": the threads (oldest first, replies under their comment),
/// their pagination, and each comment's controls for this viewer.
pub(super) fn comments_section(viewer: &Viewer, view: &ArticleView<'_>) -> Markup {
    let path = article_path(view.article.slug());
    let me = viewer.reader();
    // Held comments are shown to their author and to moderators only.
    let visible = |c: &&Comment| !c.held || me.is_some_and(|r| r.moderator || r.username == c.author);
    let tops: Vec<&Comment> = view.comments.iter().filter(|c| c.parent.is_none()).filter(visible).collect();
    html! {
        section #comments aria-labelledby="comments-heading" {
            h2 #comments-heading { "Comments (" (view.article.summary.comment_count) ")" }
            @if let Some(notice) = view.notice {
                p.notice role="status" { (notice) }
            }
            @if view.comments_after.is_some() {
                p { "Later comments. " a href={ (path) "#comments" } { "Back to the first comments" } }
            }
            @if tops.is_empty() {
                p { (if view.comments_after.is_some() { "No more comments." } else { "No comments yet." }) }
            } @else {
                ol.comments {
                    @for c in tops {
                        @let replies: Vec<&Comment> = view.comments.iter().filter(|r| r.parent == Some(c.id)).filter(visible).collect();
                        li id={ "comment-" (c.address()) } {
                            (comment_body(&path, me, c, view.now))
                            @if !replies.is_empty() {
                                ol.replies aria-label={ "Replies to " (c.author_name) } {
                                    @for r in replies {
                                        li id={ "comment-" (r.address()) } { (comment_body(&path, me, r, view.now)) }
                                    }
                                }
                            }
                            @if let Some(reader) = me.filter(|_| c.removed.is_none() && !c.held) {
                                (reply_form(&path, reader, c))
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

/// One comment: who and when, its text (or what stands in for it once
/// removed), and the viewer's controls.
fn comment_body(path: &str, me: Option<&Reader>, c: &Comment, now: OffsetDateTime) -> Markup {
    let at = c.address();
    let by = format!("comment-{at}-by");
    html! {
        @if let Some(removal) = c.removed {
            p.removed id=(by) {
                (match removal {
                    Removal::ByModerator => "Comment removed by a moderator.",
                    Removal::ByAuthor => "Comment deleted by its author.",
                })
            }
        } @else {
            p.meta id=(by) {
                strong { (c.author_name) } " " span.handle { "@" (c.author) } " · "
                time datetime=(datetime_attr(c.created_at)) { (timefmt::human(c.created_at)) }
                @if let Some(edited) = c.edited_at {
                    " · " span title={ "Edited " (timefmt::human(edited)) } { "edited" }
                }
                @if c.held {
                    " · " strong.held { "Awaiting review" }
                }
            }
            p { (comment_text(&c.body)) }
            @if let Some(reader) = me {
                (controls(path, reader, c, now))
            }
        }
    }
}

/// The buttons a logged-in viewer gets on a comment: their own comment's
/// Edit (while its window lasts) and Delete, another's Report, and a
/// moderator's Remove on every comment.
fn controls(path: &str, reader: &Reader, c: &Comment, now: OffsetDateTime) -> Markup {
    let at = c.address();
    let by = format!("comment-{at}-by");
    let action = format!("{path}/comments/{at}");
    let csrf = reader.csrf_token.as_str();
    let own = reader.username == c.author;
    html! {
        div.controls {
            @if own && c.edit_window_open(now, EDIT_WINDOW) {
                a.edit href={ (action) "/edit" } aria-describedby=(by) { "Edit" }
            }
            @if own {
                form.del method="post" action={ (action) "/delete" } {
                    input type="hidden" name="csrf_token" value=(csrf);
                    // Says which comment to a screen reader, which hears many "Delete" buttons.
                    button type="submit" aria-describedby=(by) { "Delete" }
                }
            }
            @if !own && c.is_public() {
                details.report {
                    summary aria-describedby=(by) { "Report" }
                    form method="post" action={ (action) "/report" } {
                        input type="hidden" name="csrf_token" value=(csrf);
                        label for={ "report-" (at) } { "Why should a moderator look at it?" }
                        select id={ "report-" (at) } name="reason" {
                            @for r in ReportReason::ALL {
                                option value=(r.as_str()) { (r.label()) }
                            }
                        }
                        button type="submit" { "Send report" }
                    }
                }
            }
            @if reader.moderator {
                details.remove {
                    summary aria-describedby=(by) { "Remove" }
                    (remove_form(&action, csrf, &at.to_string(), path))
                }
            }
        }
    }
}

/// A moderator's Remove form for the comment at `action`; `back` is where
/// the moderator lands afterwards.
pub(super) fn remove_form(action: &str, csrf: &str, at: &str, back: &str) -> Markup {
    html! {
        form method="post" action={ (action) "/remove" } {
            input type="hidden" name="csrf_token" value=(csrf);
            input type="hidden" name="return_to" value=(back);
            label for={ "remove-" (at) "-reason" } { "Reason (kept in the moderation log)" }
            input id={ "remove-" (at) "-reason" } type="text" name="reason" required maxlength="500";
            button type="submit" { "Remove comment" }
        }
    }
}

/// The Reply form under a top-level comment, folded into a `<details>` so
/// the page stays short and it works without JavaScript.
fn reply_form(path: &str, reader: &Reader, parent: &Comment) -> Markup {
    let at = parent.address();
    let key = IdempotencyKey::generate();
    html! {
        details.reply {
            summary aria-describedby={ "comment-" (at) "-by" } { "Reply" }
            form method="post" action={ (path) "/comments" } {
                input type="hidden" name="csrf_token" value=(reader.csrf_token.as_str());
                input type="hidden" name="idempotency_key" value=(key.as_str());
                input type="hidden" name="parent" value=(at);
                label for={ "reply-" (at) } { "Your reply" }
                textarea id={ "reply-" (at) } name="body" rows="4" required maxlength="5000" {}
                p { button type="submit" { "Post reply" } }
            }
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
/// text, key, parent (for a reply) and message (if any) kept.
fn comment_form(path: &str, csrf_token: &str, form: &CommentForm<'_>) -> Markup {
    let described_by = if form.error.is_some() { "comment-hint comment-error" } else { "comment-hint" };
    html! {
        form #comment-form method="post" action={ (path) "/comments" } {
            input type="hidden" name="csrf_token" value=(csrf_token);
            input type="hidden" name="idempotency_key" value=(form.idempotency_key);
            @if let Some(parent) = form.parent {
                input type="hidden" name="parent" value=(parent);
            }
            label for="comment-body" { (if form.parent.is_some() { "Your reply" } else { "Your comment" }) }
            p.hint #comment-hint {
                "Plain text, up to 5,000 characters. Links become clickable; "
                "a comment with more than two waits for a moderator."
            }
            @if let Some(error) = form.error {
                p.error #comment-error role="alert" { (error) }
            }
            textarea #comment-body name="body" rows="6" required maxlength="5000"
                aria-describedby=(described_by)
                aria-invalid=[form.error.map(|_| "true")] { (form.body) }
            p { button type="submit" { (if form.parent.is_some() { "Post reply" } else { "Post comment" }) } }
        }
    }
}

/// Why a comment form is shown on a page of its own, and what it says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeptForm {
    /// Storage could not be reached (`503`): nothing was posted.
    Unsaved,
    /// The reader's session ended before the post (`401`): log in, come back, post.
    LoggedOut,
    /// The form's token is not this session's (`403`): the reader logged in
    /// again since it was shown; the form now carries the current token.
    StaleForm,
    /// The form's one-time key already posted a different text (`409`).
    KeyReused,
    /// The reader's account is suspended (`403`).
    Suspended,
    /// The story is not open for comments (`404`): withdrawn since the page
    /// was shown, or never published (a crafted post), which the page does
    /// not tell apart, as the article page does not.
    Closed,
}

/// A comment form on a page of its own, holding the reader's text (and
/// reply parent) whenever a post could not be taken: nothing a reader
/// typed is lost. The article is not shown (it may be what failed).
pub fn comment_form_page(
    site: &Site,
    viewer: &Viewer,
    slug: &Slug,
    why: KeptForm,
    csrf_token: &str,
    form: &CommentForm<'_>,
) -> Markup {
    let path = article_path(slug);
    let return_to = format!("{path}#comments");
    let (heading, message): (&str, String) = match why {
        KeptForm::Unsaved => (
            "We could not save your comment yet",
            "We are having trouble reaching our storage, so your comment is not posted. \
             It is below as you wrote it: post it again in a few seconds."
                .into(),
        ),
        KeptForm::LoggedOut => (
            "Log in to post your comment",
            "Your session ended before your comment was posted. It is below as you wrote it: \
             log in (the link opens a new tab), then come back to this page and post it."
                .into(),
        ),
        KeptForm::StaleForm => (
            "Check your comment and post it again",
            "This form was shown before you last logged in, so it was not accepted. \
             Your comment is below as you wrote it; posting it now will work."
                .into(),
        ),
        KeptForm::KeyReused => (
            "This form was already used",
            "This form already posted a different comment, so this text was not posted. \
             It is below as you wrote it: post it again from this page to add it as a new comment."
                .into(),
        ),
        KeptForm::Closed => (
            "Comments are closed on this story",
            "This story is not open for comments: it may have been withdrawn. Your comment was not \
             posted; it is below so you can keep a copy."
                .into(),
        ),
        KeptForm::Suspended => (
            "Your account is suspended",
            "A moderator has suspended your account. You can still read and log in, but not post, \
             reply, edit or report. Your text is below so you can keep a copy."
                .into(),
        ),
    };
    let meta = PageMeta { title: heading, description: heading, canonical_path: "" };
    let main = html! {
        section.leave aria-labelledby="kept-form-heading" {
            h1 #kept-form-heading { (heading) }
            p.error role="alert" { (message) }
            @if why == KeptForm::LoggedOut {
                p { a href={ "/login?return_to=" (encode(&return_to)) } target="_blank" { "Log in (new tab)" } }
            }
            (comment_form(&path, csrf_token, form))
            p { a href=(return_to) { "Back to the article" } }
        }
    };
    layout(site, viewer, &meta, html! { meta name="robots" content="noindex"; }, main)
}

/// The page a comment post answers when storage could not be reached (a
/// `503`): the comment form alone, holding the reader's text, the form's
/// CSRF token and its one-time key. Posting it again is safe: the key makes
/// a post that did reach the table land on the stored comment instead of
/// storing it twice.
pub fn comment_unsaved_page(
    site: &Site,
    viewer: &Viewer,
    slug: &Slug,
    csrf_token: &str,
    form: &CommentForm<'_>,
) -> Markup {
    comment_form_page(site, viewer, slug, KeptForm::Unsaved, csrf_token, form)
}

/// The page where an author edits their comment (`GET …/edit`, and the
/// re-shown form when an edit is refused).
pub fn edit_comment_page(
    site: &Site,
    viewer: &Viewer,
    slug: &Slug,
    comment: &Comment,
    body: &str,
    error: Option<&str>,
) -> Markup {
    let path = article_path(slug);
    let at = comment.address();
    let meta = PageMeta { title: "Edit your comment", description: "Edit your comment", canonical_path: "" };
    let csrf = viewer.reader().map_or("", |r| r.csrf_token.as_str());
    let described_by = if error.is_some() { "edit-hint edit-error" } else { "edit-hint" };
    let main = html! {
        section.leave aria-labelledby="edit-heading" {
            h1 #edit-heading { "Edit your comment" }
            form method="post" action={ (path) "/comments/" (at) "/edit" } {
                input type="hidden" name="csrf_token" value=(csrf);
                label for="edit-body" { "Your comment" }
                p.hint #edit-hint {
                    "You can edit a comment for 15 minutes after posting it, until "
                    time datetime=(datetime_attr(comment.created_at + EDIT_WINDOW)) {
                        (timefmt::human(comment.created_at + EDIT_WINDOW))
                    }
                    ". It will show as edited."
                }
                @if let Some(error) = error {
                    p.error #edit-error role="alert" { (error) }
                }
                textarea #edit-body name="body" rows="6" required maxlength="5000"
                    aria-describedby=(described_by) aria-invalid=[error.map(|_| "true")] { (body) }
                p { button type="submit" { "Save changes" } }
            }
            p { a href={ (path) "#comment-" (at) } { "Back to the article" } }
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
        let form = CommentForm {
            body: HOSTILE,
            error: None,
            idempotency_key: "01J00000000000000000000000",
            parent: None,
        };
        let html = comment_unsaved_page(&site(), &reader_viewer("ann"), &slug, "tok\"", &form).into_string();
        assert_escaped(&html);
        assert!(html.contains(r#"<nav aria-label="Sections">"#), "in the layout");
        assert!(html.contains("<h1 id=\"kept-form-heading\">We could not save your comment yet</h1>"));
        assert!(
            html.contains(r#"<form id="comment-form" method="post" action="/articles/a-story/comments">"#)
        );
        assert!(html.contains(r#"name="csrf_token" value="tok&quot;""#));
        assert!(html.contains(r#"name="idempotency_key" value="01J00000000000000000000000""#));
        assert!(html.contains(r#"<meta name="robots" content="noindex">"#));
        assert!(!html.contains(r#"rel="canonical""#));
    }

    /// A thread as the store returns it: a comment removed by a moderator
    /// (kept for its reply), a reply, a held comment and a plain one.
    fn thread() -> Vec<Comment> {
        use crate::views::test_support::comment;
        let top = Comment {
            removed: Some(Removal::ByModerator),
            body: String::new(),
            replies: 1,
            ..comment("ann", "", 1_790_000_000)
        };
        let reply = Comment { parent: Some(top.id), ..comment("bob", "a reply", 1_790_000_100) };
        let held = Comment { held: true, ..comment("carl", "held text", 1_790_000_200) };
        let plain = comment("dora", "plain text", 1_790_000_300);
        vec![top, reply, held, plain]
    }

    fn render(viewer: &Viewer) -> String {
        use crate::views::test_support::*;
        let (article, comments) = (article("a-story", 2), thread());
        let view = ArticleView {
            article: &article,
            comments: &comments,
            next_comments_cursor: None,
            comments_after: None,
            form: CommentForm { body: "", error: None, idempotency_key: "k", parent: None },
            notice: None,
            now: at(1_790_000_400),
            read_next: &[],
        };
        comments_section(viewer, &view).into_string()
    }

    #[test]
    fn held_comments_show_only_to_their_author_and_moderators() {
        use crate::views::test_support::reader_viewer;
        let anonymous = render(&Viewer::Anonymous);
        assert!(!anonymous.contains("held text") && !anonymous.contains("Awaiting review"));
        assert!(!render(&reader_viewer("bob")).contains("held text"));
        let author = render(&reader_viewer("carl"));
        assert!(author.contains("held text") && author.contains("Awaiting review"));
        let Viewer::Reader(mut moderator) = reader_viewer("mona") else { unreachable!() };
        moderator.moderator = true;
        let html = render(&Viewer::Reader(moderator));
        assert!(html.contains("held text"));
        // A Remove control on every comment still standing (not the placeholder).
        assert_eq!(html.matches(">Remove</summary>").count(), 3);
    }

    #[test]
    fn a_removed_comment_with_replies_reads_as_a_placeholder() {
        let html = render(&Viewer::Anonymous);
        assert!(html.contains("Comment removed by a moderator."));
        assert!(html.contains(r#"<ol class="replies""#) && html.contains("a reply"));
        assert!(html.contains("@bob"), "handles beside names");
        assert!(!html.contains("<form"), "no controls for anonymous readers");
    }

    #[test]
    fn readers_get_report_on_others_and_delete_and_edit_on_their_own() {
        use crate::views::test_support::reader_viewer;
        let html = render(&reader_viewer("dora"));
        // dora's own comment: Delete (and Edit, still in its window); others: Report.
        assert_eq!(html.matches("/delete\"").count(), 1);
        assert_eq!(html.matches("/edit\"").count(), 1);
        assert_eq!(html.matches(">Report</summary>").count(), 1, "bob's reply (carl's is held)");
        assert_eq!(html.matches(">Remove</summary>").count(), 0);
        // Reply forms under top-level comments that can take one: dora's only
        // (ann's is removed, carl's held).
        assert_eq!(html.matches(">Reply</summary>").count(), 1);
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
