//! Posting a comment or a reply, and every way a refused post comes back to
//! the reader with their text.

use broadsheet::auth::csrf::CSRF_FIELD;
use broadsheet::auth::idempotency::IDEMPOTENCY_FIELD;
use broadsheet::auth::limits::{COMMENT_WINDOW, COMMENTS_PER_READER};
use broadsheet::auth::session::SESSION_COOKIE;
use broadsheet::auth::{CommentBody, IdempotencyKey, Window, cookie_value, tokens_match};
use broadsheet::domain::{COMMENTS_PAGE_SIZE, Comment, CommentRef, Slug};
use broadsheet::edge::{Exchange, Reply};
use broadsheet::http::form::site_form;
use broadsheet::http::response::set_retry_after;
use broadsheet::http::{AppError, Cache, Query};
use broadsheet::store::{Allowance, PostOutcome, Session};
use broadsheet::views::{self, ArticleView, CommentForm, KeptForm};
use lambda_http::http::StatusCode;
use maud::Markup;
use time::OffsetDateTime;

use crate::{CommentApp, CommentStore};

/// `POST /articles/{slug}/comments`: a comment, or a reply with `parent`;
/// `open`: whether the article takes comments (read with the session).
pub(crate) async fn post<S: CommentStore>(
    app: &CommentApp<S>,
    ex: &Exchange<'_>,
    slug: &Slug,
    open: bool,
) -> Reply {
    let return_to = format!("/articles/{slug}#comments");
    let form = site_form(ex.req, &app.site)?;
    let posting = Posting { app, ex, slug, form: &form };
    let Some(session) = ex.session else {
        // A session cookie that no longer names a session: it ended while
        // the reader was writing. Keep their text; no cookie at all is a
        // visitor who never logged in, sent to log in as before.
        if cookie_value(ex.req.headers(), SESSION_COOKIE).is_some() && form.get("body").is_some() {
            return posting.kept_form(StatusCode::FORBIDDEN, KeptForm::LoggedOut, "", posting.key_or_new());
        }
        return Err(AppError::LoginRequired { return_to });
    };
    if !tokens_match(session.csrf_token.as_str(), form.get(CSRF_FIELD).unwrap_or("")) {
        // Same-site (checked above) but shown to another session: the reader
        // logged in again since. Give the form back with this session's token.
        return posting.kept_form(
            StatusCode::FORBIDDEN,
            KeptForm::StaleForm,
            session.csrf_token.as_str(),
            posting.key_or_new(),
        );
    }
    if !open {
        // Withdrawn while the reader wrote, scheduled, or never there: the
        // text back to keep, and nothing written.
        return posting.kept_form(
            StatusCode::NOT_FOUND,
            KeptForm::Closed,
            session.csrf_token.as_str(),
            posting.key_or_new(),
        );
    }
    posting.post(session).await
}

/// A post to one article: what posting and re-showing a refused form need.
struct Posting<'a, S> {
    app: &'a CommentApp<S>,
    ex: &'a Exchange<'a>,
    slug: &'a Slug,
    form: &'a Query,
}

/// Why a post was refused, as the re-shown article tells it.
struct Refusal {
    status: StatusCode,
    message: String,
    retry_after: Option<u64>,
}

impl<S: CommentStore> Posting<'_, S> {
    fn body(&self) -> &str {
        self.form.get("body").unwrap_or("")
    }

    fn parent_field(&self) -> Option<&str> {
        self.form.get("parent").filter(|p| !p.is_empty())
    }

    /// The form's one-time key, or a fresh one when it has none worth keeping.
    fn key_or_new(&self) -> IdempotencyKey {
        self.form
            .get(IDEMPOTENCY_FIELD)
            .and_then(IdempotencyKey::parse)
            .unwrap_or_else(IdempotencyKey::generate)
    }

    /// The form alone on a page of its own, holding the reader's text.
    fn kept_form(&self, status: StatusCode, why: KeptForm, csrf: &str, key: IdempotencyKey) -> Reply {
        let form = CommentForm {
            body: self.body(),
            error: None,
            idempotency_key: key.as_str(),
            parent: self.parent_field(),
        };
        let page = views::comment_form_page(&self.app.site, self.ex.r.viewer, self.slug, why, csrf, &form);
        Ok(self.ex.r.html(status, page, Cache::NoStore))
    }

    /// Posts the reader's comment from their checked form.
    async fn post(&self, session: &Session) -> Reply {
        let Posting { app, ex, slug, .. } = *self;
        let r = &ex.r;
        let key = self.form.get(IDEMPOTENCY_FIELD).and_then(IdempotencyKey::parse).ok_or(
            AppError::BadRequest("the form is missing its one-time key; reload the page and try again"),
        )?;
        let parent = match self.parent_field() {
            None => None,
            // A reply to a reply attaches to its top-level comment.
            Some(raw) => {
                Some(CommentRef::parse(raw).ok_or(AppError::BadRequest("the reply names no comment"))?.top)
            }
        };
        let body = match CommentBody::parse(self.body()) {
            Ok(b) => b,
            Err(e) => {
                let refusal = Refusal {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message: e.to_string(),
                    retry_after: None,
                };
                return self.reshow(&key, refusal).await;
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
        let held = app.handler.held_words.hold_reason(body.as_str());
        let mut comment = Comment::new(
            session.username.clone(),
            session.display_name.as_str().to_owned(),
            body.into_string(),
            now,
        );
        comment.parent = parent;
        comment.held = held.is_some();
        match app.store.post_comment(slug, &comment, &key, &allowance).await? {
            PostOutcome::Created(id) | PostOutcome::Duplicate(id) => {
                let at = match parent {
                    None => CommentRef::top(id),
                    Some(top) => CommentRef { top, reply: Some(id) },
                };
                tracing::info!(request_id = %r.info.request_id, %slug, comment = %at, held = ?held, "comment posted");
                Ok(r.see_other(&format!("/articles/{slug}#comment-{at}")))
            }
            PostOutcome::KeyReused(_) => {
                // A fresh key: posting from the page adds the text as a new comment.
                self.kept_form(
                    StatusCode::CONFLICT,
                    KeptForm::KeyReused,
                    session.csrf_token.as_str(),
                    IdempotencyKey::generate(),
                )
            }
            PostOutcome::NoSuchArticle => {
                self.kept_form(StatusCode::NOT_FOUND, KeptForm::Closed, session.csrf_token.as_str(), key)
            }
            PostOutcome::NoSuchParent => {
                let message = "The comment you replied to is no longer there. Your text is below: post it as a comment of its own.";
                let refusal = Refusal {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message: message.into(),
                    retry_after: None,
                };
                self.reshow_as_comment(&key, refusal).await
            }
            PostOutcome::Suspended => {
                self.kept_form(StatusCode::FORBIDDEN, KeptForm::Suspended, session.csrf_token.as_str(), key)
            }
            PostOutcome::RateLimited => {
                let secs = allowance.window.retry_after_secs(now);
                let message = format!(
                    "You can post {COMMENTS_PER_READER} comments a minute. Your comment is still here: post it again in {secs} seconds."
                );
                self.reshow(
                    &key,
                    Refusal { status: StatusCode::TOO_MANY_REQUESTS, message, retry_after: Some(secs) },
                )
                .await
            }
        }
    }

    /// Re-shows the article with the reader's text (and reply parent) and the
    /// refusal next to the form. The form keeps the reader's idempotency
    /// key: nothing was stored under it.
    async fn reshow(&self, key: &IdempotencyKey, refusal: Refusal) -> Reply {
        self.reshow_with(key, refusal, self.parent_field()).await
    }

    /// As [`Posting::reshow`], as a top-level comment (its parent is gone).
    async fn reshow_as_comment(&self, key: &IdempotencyKey, refusal: Refusal) -> Reply {
        self.reshow_with(key, refusal, None).await
    }

    async fn reshow_with(&self, key: &IdempotencyKey, refusal: Refusal, parent: Option<&str>) -> Reply {
        let Posting { app, ex, slug, .. } = *self;
        let r = &ex.r;
        let page = app.store.article_page(slug, None, COMMENTS_PAGE_SIZE).await?;
        let now = time::OffsetDateTime::now_utc();
        let page = page.filter(|p| p.article.summary.is_published_at(now)).ok_or(AppError::NotFound)?;
        if page.article.unpublished {
            return Err(AppError::Gone);
        }
        let next = page.comments.next.map(|id| id.to_cursor(slug));
        let view = ArticleView {
            article: &page.article,
            comments: &page.comments.items,
            next_comments_cursor: next.as_deref(),
            comments_after: None,
            form: CommentForm {
                body: self.body(),
                error: Some(&refusal.message),
                idempotency_key: key.as_str(),
                parent,
            },
            notice: None,
            now: OffsetDateTime::now_utc(),
            read_next: &[],
        };
        let mut resp =
            r.html(refusal.status, views::article_page(&app.site, r.viewer, &view), Cache::NoStore);
        if let Some(secs) = refusal.retry_after {
            set_retry_after(&mut resp, secs);
        }
        Ok(resp)
    }
}

/// A post that storage could not take (the SDK gave up, or the request ran
/// out of time; the session lookup included): the form again, the reader's
/// text as typed, the CSRF token and the same one-time key. Posting it again
/// is safe: if this attempt did reach the table after all, the key lands the
/// repost on the stored comment instead of storing it twice.
pub(crate) fn unavailable_form<S>(app: &CommentApp<S>, slug: &Slug, ex: &Exchange<'_>) -> Option<Markup> {
    let (req, viewer) = (ex.req, ex.r.viewer);
    let form = site_form(req, &app.site).ok()?;
    let key = form.get(IDEMPOTENCY_FIELD).and_then(IdempotencyKey::parse)?;
    // The session's token when the session was read (the post checked the
    // form's against it); else the form's own, unverified but only ever
    // sent back to the browser that posted it.
    let csrf = viewer.reader().map_or(form.get(CSRF_FIELD).unwrap_or(""), |r| r.csrf_token.as_str());
    let comment = CommentForm {
        body: form.get("body").unwrap_or(""),
        error: None,
        idempotency_key: key.as_str(),
        parent: form.get("parent").filter(|p| !p.is_empty()),
    };
    Some(views::comment_unsaved_page(&app.site, viewer, slug, csrf, &comment))
}
