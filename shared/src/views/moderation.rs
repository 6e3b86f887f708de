//! The moderators' pages: the queue of held and reported comments, and the
//! log of what moderators did.

use maud::{Markup, html};

use super::comments::remove_form;
use super::{PageMeta, article_path, datetime_attr, layout};
use crate::config::Site;
use crate::domain::moderation::{LogEntry, LogTarget, QueueEntry};
use crate::domain::timefmt;
use crate::viewer::Viewer;

/// `GET /moderation`: held and reported comments, oldest first, each with
/// Approve, Remove and Suspend author.
pub fn moderation_queue_page(
    site: &Site,
    viewer: &Viewer,
    entries: &[QueueEntry],
    notice: Option<&str>,
) -> Markup {
    let csrf = viewer.reader().map_or("", |r| r.csrf_token.as_str());
    let meta = PageMeta {
        title: "Moderation queue",
        description: "Comments waiting for a moderator",
        canonical_path: "",
    };
    let main = html! {
        h1 { "Moderation queue" }
        p { "Held and reported comments, oldest first. " a href="/moderation/log" { "Moderation log" } }
        @if let Some(notice) = notice {
            p.notice role="status" { (notice) }
        }
        @if entries.is_empty() {
            p { "Nothing is waiting for review." }
        } @else {
            ol.comments.queue {
                @for e in entries {
                    @let c = &e.comment;
                    @let at = c.address();
                    @let article = article_path(&e.article);
                    @let heading = format!("queued-{at}");
                    li {
                        article aria-labelledby=(heading) {
                            h2 id=(heading) {
                                (c.author_name) " " span.handle { "@" (c.author) } " on "
                                a href={ (article) "#comment-" (at) } { (e.article) }
                            }
                            p.meta {
                                time datetime=(datetime_attr(c.created_at)) { (timefmt::human(c.created_at)) }
                                @if c.held { " · " strong.held { "Held for review" } }
                                @if e.reports > 0 {
                                    " · " strong {
                                        "Reported " (e.reports) (if e.reports == 1 { " time" } else { " times" })
                                    }
                                    @if !e.reasons.is_empty() {
                                        ": "
                                        @for (i, r) in e.reasons.iter().enumerate() {
                                            @if i > 0 { ", " }
                                            (r.label())
                                        }
                                    }
                                }
                            }
                            blockquote { p { (c.body) } }
                            div.controls {
                                form method="post" action={ "/moderation/comments/" (e.article) "/" (at) "/approve" } {
                                    input type="hidden" name="csrf_token" value=(csrf);
                                    button type="submit" aria-describedby=(heading) {
                                        (if c.held { "Approve and publish" } else { "Dismiss reports" })
                                    }
                                }
                                details.remove {
                                    summary aria-describedby=(heading) { "Remove" }
                                    (remove_form(&format!("{article}/comments/{at}"), csrf, &at.to_string(), "/moderation"))
                                }
                                details.suspend {
                                    summary aria-describedby=(heading) { "Suspend author" }
                                    form method="post" action={ "/moderation/users/" (c.author) "/suspend" } {
                                        input type="hidden" name="csrf_token" value=(csrf);
                                        label for={ "suspend-" (at) "-days" } { "Days (leave empty for until further notice)" }
                                        input id={ "suspend-" (at) "-days" } type="number" name="days" min="1" max="3650" inputmode="numeric";
                                        label for={ "suspend-" (at) "-reason" } { "Reason" }
                                        input id={ "suspend-" (at) "-reason" } type="text" name="reason" maxlength="500";
                                        button type="submit" { "Suspend @" (c.author) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    layout(site, viewer, &meta, html! { meta name="robots" content="noindex"; }, main)
}

/// `GET /moderation/log`: the latest actions, newest first.
pub fn moderation_log_page(site: &Site, viewer: &Viewer, entries: &[LogEntry]) -> Markup {
    let meta = PageMeta { title: "Moderation log", description: "What moderators did", canonical_path: "" };
    let main = html! {
        h1 { "Moderation log" }
        p { a href="/moderation" { "Back to the queue" } }
        @if entries.is_empty() {
            p { "No moderation actions yet." }
        } @else {
            table.log {
                caption { "The latest moderation actions, newest first" }
                thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "What" } th scope="col" { "On" } th scope="col" { "Reason" } } }
                tbody {
                    @for e in entries {
                        tr {
                            td { time datetime=(datetime_attr(e.at)) { (timefmt::human(e.at)) } }
                            td { (e.actor) }
                            td { (e.action.as_str()) }
                            td {
                                @match &e.target {
                                    LogTarget::Comment { article, id, author } => {
                                        "comment " code { (id) } " by @" (author) " on "
                                        a href=(article_path(article)) { (article) }
                                    }
                                    LogTarget::User(user) => { "@" (user) }
                                }
                            }
                            td { (e.reason) }
                        }
                    }
                }
            }
        }
    };
    layout(site, viewer, &meta, html! { meta name="robots" content="noindex"; }, main)
}
