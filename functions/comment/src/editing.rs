//! An author's edits: the form (`GET …/edit`) and the edit (`POST …/edit`),
//! for 15 minutes after posting, with the same rules as posting.

use broadsheet::auth::CommentBody;
use broadsheet::domain::moderation::EDIT_WINDOW;
use broadsheet::domain::{Comment, CommentRef, Slug};
use broadsheet::edge::{Exchange, Reply};
use broadsheet::http::{AppError, Cache};
use broadsheet::store::{EditOutcome, Session};
use broadsheet::views;
use lambda_http::http::StatusCode;
use time::OffsetDateTime;

use crate::{CommentApp, CommentStore, Result};

const NOT_YOURS: &str = "You can only edit your own comments.";
const TOO_LATE: &str = "A comment can be edited for 15 minutes after it is posted, and this one no longer can. \
     You can still delete it and post a new one.";
const SUSPENDED: &str =
    "Your account is suspended: you can read and log in, but not edit. Your text is kept below.";
const HELD_EDIT: &str = "An edit cannot add more than two links or a held word. \
     Post it as a new comment instead: a moderator will review it.";

fn edit_path(slug: &Slug, at: CommentRef) -> String {
    format!("/articles/{slug}/comments/{at}/edit")
}

/// The reader's own comment, and whether its edit window has passed
/// (`404` if there is none, `403` if it is someone else's).
async fn own_comment<S: CommentStore>(
    app: &CommentApp<S>,
    session: &Session,
    slug: &Slug,
    at: CommentRef,
    now: OffsetDateTime,
) -> Result<(Comment, bool)> {
    let comment =
        app.store.find_comment(slug, at).await?.filter(|c| c.removed.is_none()).ok_or(AppError::NotFound)?;
    if comment.author != session.username {
        return Err(AppError::Forbidden(NOT_YOURS));
    }
    let too_late = !comment.edit_window_open(now, EDIT_WINDOW);
    Ok((comment, too_late))
}

/// `GET …/edit`: the form with the comment's text.
pub(crate) async fn form<S: CommentStore>(
    app: &CommentApp<S>,
    ex: &Exchange<'_>,
    slug: &Slug,
    at: CommentRef,
) -> Reply {
    let session = ex.session_or_login(&edit_path(slug, at))?;
    match own_comment(app, session, slug, at, OffsetDateTime::now_utc()).await? {
        (_, true) => Err(AppError::Forbidden(TOO_LATE)),
        (c, false) => {
            let page = views::edit_comment_page(&app.site, ex.r.viewer, slug, &c, &c.body, None);
            Ok(ex.r.html(StatusCode::OK, page, Cache::NoStore))
        }
    }
}

/// `POST …/edit`: replaces the text, or re-shows the form with it and why
/// not. The store reads the comment and decides (one `GetItem`, one
/// transaction); the comment is read again only to re-show a refused edit.
pub(crate) async fn edit<S: CommentStore>(
    app: &CommentApp<S>,
    ex: &Exchange<'_>,
    slug: &Slug,
    at: CommentRef,
) -> Reply {
    let session = ex.session_or_login(&edit_path(slug, at))?;
    let form = ex.reader_form(session)?;
    let now = OffsetDateTime::now_utc();
    let raw = form.get("body").unwrap_or("");
    let (status, message) = match CommentBody::parse(raw) {
        Err(e) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        Ok(body) if app.handler.held_words.hold_reason(body.as_str()).is_some() => {
            (StatusCode::UNPROCESSABLE_ENTITY, HELD_EDIT.to_owned())
        }
        Ok(body) => {
            match app.store.edit_comment(slug, at, &session.username, body.as_str(), now, EDIT_WINDOW).await?
            {
                EditOutcome::Edited => {
                    tracing::info!(request_id = %ex.r.info.request_id, %slug, comment = %at, "comment edited");
                    return Ok(ex.r.see_other(&format!("/articles/{slug}#comment-{at}")));
                }
                EditOutcome::NotFound => return Err(AppError::NotFound),
                EditOutcome::NotAuthor => return Err(AppError::Forbidden(NOT_YOURS)),
                EditOutcome::TooLate => (StatusCode::FORBIDDEN, TOO_LATE.to_owned()),
                EditOutcome::Suspended => (StatusCode::FORBIDDEN, SUSPENDED.to_owned()),
            }
        }
    };
    let (comment, _) = own_comment(app, session, slug, at, now).await?;
    reshow(app, ex, slug, &comment, raw, status, &message)
}

/// The edit form again, holding what the reader typed and why it was refused.
fn reshow<S>(
    app: &CommentApp<S>,
    ex: &Exchange<'_>,
    slug: &Slug,
    comment: &Comment,
    body: &str,
    status: StatusCode,
    message: &str,
) -> Reply {
    let page = views::edit_comment_page(&app.site, ex.r.viewer, slug, comment, body, Some(message));
    Ok(ex.r.html(status, page, Cache::NoStore))
}
