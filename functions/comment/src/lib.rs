//! The comment function: what readers do with comments — post, reply,
//! delete, edit, report (docs/site.md, docs/security.md, docs/moderation.md).
//!
//! Every request needs a session (else `303` to the login page with a
//! `return_to` back to the comments), a same-site origin and the session's
//! CSRF token. A post is validated (1–5,000 characters and 16 KiB after
//! trimming), rate-limited (5 a minute per reader), held for review when it
//! carries more than two links or a held word, refused for a suspended
//! account, and written in one transaction with the article's comment count
//! and the form's one-time idempotency key, so a double submit stores one
//! comment. Whenever a post cannot be taken, the reader's text comes back in
//! a form: nothing a reader wrote is lost.
//!
//! * [`posting`] — posting comments and replies, and every way a post is
//!   re-shown;
//! * [`editing`] — the author's edit form and edits within 15 minutes;
//! * [`reporting`] — readers' reports.

mod editing;
mod posting;
mod reporting;

use broadsheet::auth::HeldWords;
pub use broadsheet::edge::handle;
use broadsheet::edge::{App, Exchange, Handler, Reply};
use broadsheet::http::AppError;
use broadsheet::routes::CommentRoute;
use broadsheet::store::{ArticleReader, CommentWriter, DeleteOutcome, Reports, Sessions};
use lambda_http::Request;
use maud::Markup;

/// The comment function's handler: the held-words list it checks posts
/// against (built in from `shared/held-words.txt`).
#[derive(Debug, Clone)]
pub struct Comments {
    held_words: HeldWords,
}

impl Default for Comments {
    fn default() -> Self {
        Comments { held_words: HeldWords::built_in() }
    }
}

/// The comment function: site, store and [`Comments`].
pub type CommentApp<S> = App<S, Comments>;

/// What every store behind the comment function must do.
pub trait CommentStore: ArticleReader + CommentWriter + Reports + Sessions {}
impl<T: ArticleReader + CommentWriter + Reports + Sessions> CommentStore for T {}

type Result<T> = std::result::Result<T, AppError>;

impl<S: CommentStore> Handler<S> for Comments {
    type Route = CommentRoute;
    /// For a post: whether the article takes comments (read concurrently
    /// with the session); nothing for the other routes.
    type Loaded = Option<bool>;

    async fn load(app: &CommentApp<S>, route: &CommentRoute, _: &Request) -> Result<Option<bool>> {
        match route {
            CommentRoute::Post(slug) => {
                Ok(Some(app.store.open_for_comments(slug, time::OffsetDateTime::now_utc()).await?))
            }
            _ => Ok(None),
        }
    }

    /// Anonymous readers are sent to log in and back to the comments.
    async fn respond(
        app: &CommentApp<S>,
        route: CommentRoute,
        open: Option<bool>,
        ex: &Exchange<'_>,
    ) -> Reply {
        match route {
            CommentRoute::Post(slug) => posting::post(app, ex, &slug, open.unwrap_or(true)).await,
            CommentRoute::Delete(slug, at) => {
                let session = ex.session_or_login(&format!("/articles/{slug}#comments"))?;
                ex.reader_form(session)?;
                // Only its author may delete a comment; the form carries nothing but its token.
                match app.store.delete_comment(&slug, at, &session.username).await? {
                    DeleteOutcome::Deleted => {
                        tracing::info!(request_id = %ex.r.info.request_id, %slug, comment = %at, "comment deleted");
                        Ok(ex.r.see_other(&format!("/articles/{slug}#comments")))
                    }
                    DeleteOutcome::NotFound => Err(AppError::NotFound),
                    DeleteOutcome::NotAuthor => {
                        Err(AppError::Forbidden("You can only delete your own comments."))
                    }
                }
            }
            CommentRoute::EditForm(slug, at) => editing::form(app, ex, &slug, at).await,
            CommentRoute::Edit(slug, at) => editing::edit(app, ex, &slug, at).await,
            CommentRoute::Report(slug, at) => reporting::report(app, ex, &slug, at).await,
        }
    }

    /// A post that storage could not take is answered `503` + `Retry-After`
    /// with the form again (see [`posting::unavailable_form`]).
    fn unavailable_form(app: &CommentApp<S>, route: &CommentRoute, ex: &Exchange<'_>) -> Option<Markup> {
        match route {
            CommentRoute::Post(slug) => posting::unavailable_form(app, slug, ex),
            _ => None,
        }
    }
}
