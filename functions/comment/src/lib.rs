//! The comment function: post and delete comments (docs/site.md, docs/security.md).
//!
//! Every request needs a session (else `303` to the login page with a
//! `return_to` back to the comments), a same-site origin and the session's
//! CSRF token. A post is validated (1–5,000 characters after trimming),
//! rate-limited (5 a minute per reader), and written in one transaction with
//! the article's comment count and the form's one-time idempotency key, so a
//! double submit stores one comment. A rejected post re-shows the article
//! with the reader's text in the form; a post storage could not take (`503`)
//! re-shows the form alone, text and key kept: nothing a reader wrote is lost.

use broadsheet::auth::csrf::CSRF_FIELD;
use broadsheet::auth::idempotency::IDEMPOTENCY_FIELD;
use broadsheet::auth::limits::{COMMENT_WINDOW, COMMENTS_PER_READER};
use broadsheet::auth::{CommentBody, IdempotencyKey, Window};
use broadsheet::domain::{COMMENTS_PAGE_SIZE, Comment, CommentId, Slug};
pub use broadsheet::edge::handle;
use broadsheet::edge::{App, Exchange, Handler, Reply};
use broadsheet::http::form::site_form;
use broadsheet::http::response::set_retry_after;
use broadsheet::http::{AppError, Cache, Query, Responder};
use broadsheet::routes::CommentRoute;
use broadsheet::store::{
    Allowance, ArticleReader, CommentWriter, DeleteOutcome, PostOutcome, Session, Sessions,
};
use broadsheet::views::{self, ArticleView, CommentForm};
use lambda_http::Request;
use lambda_http::http::StatusCode;
use maud::Markup;
use time::OffsetDateTime;

/// The comment function's handler; it keeps nothing of its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct Comments;

/// The comment function: site, store and [`Comments`].
pub type CommentApp<S> = App<S, Comments>;

/// What every store behind the comment function must do.
pub trait CommentStore: ArticleReader + CommentWriter + Sessions {}
impl<T: ArticleReader + CommentWriter + Sessions> CommentStore for T {}

type Result<T> = std::result::Result<T, AppError>;

impl<S: CommentStore> Handler<S> for Comments {
    type Route = CommentRoute;
    type Loaded = ();

    async fn load(_: &CommentApp<S>, _: &CommentRoute, _: &Request) -> Result<()> {
        Ok(())
    }

    /// Anonymous readers are sent to log in and back to the comments.
    async fn respond(app: &CommentApp<S>, route: CommentRoute, (): (), ex: &Exchange<'_>) -> Reply {
        let slug = match &route {
            CommentRoute::Post(slug) | CommentRoute::Delete(slug, _) => slug,
        };
        let session = ex.session_or_login(&format!("/articles/{slug}#comments"))?;
        let form = ex.reader_form(session)?;
        let r = &ex.r;
        match route {
            CommentRoute::Post(slug) => Posting { app, r, slug: &slug }.post(session, &form).await,
            // Only its author may delete a comment; the form carries nothing but its token.
            CommentRoute::Delete(slug, id) => {
                match app.store.delete_comment(&slug, id, &session.username).await? {
                    DeleteOutcome::Deleted => {
                        tracing::info!(request_id = %r.info.request_id, %slug, comment = %id, "comment deleted");
                        Ok(r.see_other(&format!("/articles/{slug}#comments")))
                    }
                    DeleteOutcome::NotFound => Err(AppError::NotFound),
                    DeleteOutcome::NotAuthor => {
                        Err(AppError::Forbidden("You can only delete your own comments."))
                    }
                }
            }
        }
    }

    /// A post that storage could not take (the SDK gave up, or the request
    /// ran out of time; the session lookup included) is answered `503` +
    /// `Retry-After` with the form again: the reader's text as typed, the
    /// CSRF token and the same one-time key. The article cannot be read
    /// while storage is down, so the form stands alone. Posting it again is
    /// safe: if this attempt did reach the table after all, the key lands
    /// the repost on the stored comment instead of storing it twice.
    fn unavailable_form(app: &CommentApp<S>, route: &CommentRoute, ex: &Exchange<'_>) -> Option<Markup> {
        let (req, viewer) = (ex.req, ex.r.viewer);
        let CommentRoute::Post(slug) = route else { return None };
        let form = site_form(req, &app.site).ok()?;
        let key = form.get(IDEMPOTENCY_FIELD).and_then(IdempotencyKey::parse)?;
        // The session's token when the session was read (the post checked the
        // form's against it); else the form's own, unverified but only ever
        // sent back to the browser that posted it.
        let csrf = viewer.reader().map_or(form.get(CSRF_FIELD).unwrap_or(""), |r| r.csrf_token.as_str());
        let body = form.get("body").unwrap_or("");
        Some(views::comment_unsaved_page(&app.site, viewer, slug, csrf, body, key.as_str()))
    }
}

/// Why a post was refused, as the re-shown form tells it.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    message: String,
    retry_after: Option<u64>,
}

/// A post to one article: what posting and re-showing a refused form need.
struct Posting<'a, S> {
    app: &'a CommentApp<S>,
    r: &'a Responder<'a>,
    slug: &'a Slug,
}

impl<S: CommentStore> Posting<'_, S> {
    /// Posts the reader's comment from their checked form.
    async fn post(&self, session: &Session, form: &Query) -> Reply {
        let Posting { app, r, slug } = *self;
        let key = form.get(IDEMPOTENCY_FIELD).and_then(IdempotencyKey::parse).ok_or(AppError::BadRequest(
            "the form is missing its one-time key; reload the page and try again",
        ))?;
        let raw_body = form.get("body").unwrap_or("");
        let body = match CommentBody::parse(raw_body) {
            Ok(b) => b,
            Err(e) => {
                let refusal = Refusal {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message: e.to_string(),
                    retry_after: None,
                };
                return self.reshow(raw_body, &key, refusal).await;
            }
        };
        let now = OffsetDateTime::now_utc();
        // The allowance is taken inside the posting transaction: a double submit,
        // an unknown article or any other refusal uses none of it.
        let allowance = Allowance {
            key: format!("comment#{}", session.username),
            window: Window::containing(now, COMMENT_WINDOW),
            limit: COMMENTS_PER_READER,
        };
        let comment = Comment {
            id: CommentId::new_at(now),
            author: session.username.clone(),
            author_name: session.display_name.as_str().to_owned(),
            body: body.into_string(),
            created_at: now,
        };
        match app.store.post_comment(slug, &comment, &key, &allowance).await? {
            PostOutcome::Created(id) | PostOutcome::Duplicate(id) => {
                tracing::info!(request_id = %r.info.request_id, %slug, comment = %id, "comment posted");
                Ok(r.see_other(&format!("/articles/{slug}#comment-{id}")))
            }
            PostOutcome::NoSuchArticle => Err(AppError::NotFound),
            PostOutcome::RateLimited => {
                let secs = allowance.window.retry_after_secs(now);
                let message = format!(
                    "You can post {COMMENTS_PER_READER} comments a minute. Your comment is still here: post it again in {secs} seconds."
                );
                let refusal =
                    Refusal { status: StatusCode::TOO_MANY_REQUESTS, message, retry_after: Some(secs) };
                self.reshow(raw_body, &key, refusal).await
            }
        }
    }

    /// Re-shows the article with the reader's text and the refusal next to the
    /// form. The form keeps the reader's idempotency key: nothing was stored under
    /// it, and reposting the same form later still cannot store the comment twice.
    async fn reshow(&self, body: &str, key: &IdempotencyKey, refusal: Refusal) -> Reply {
        let Posting { app, r, slug } = *self;
        let page = app.store.article_page(slug, None, COMMENTS_PAGE_SIZE).await?.ok_or(AppError::NotFound)?;
        let next = page.comments.next.map(|id| id.to_cursor(slug));
        let view = ArticleView {
            article: &page.article,
            comments: &page.comments.items,
            next_comments_cursor: next.as_deref(),
            comments_after: None,
            form: CommentForm { body, error: Some(&refusal.message), idempotency_key: key.as_str() },
        };
        let mut resp =
            r.html(refusal.status, views::article_page(&app.site, r.viewer, &view), Cache::NoStore);
        if let Some(secs) = refusal.retry_after {
            set_retry_after(&mut resp, secs);
        }
        Ok(resp)
    }
}
