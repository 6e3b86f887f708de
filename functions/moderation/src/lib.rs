//! The moderation function: what moderators do — the queue, the log,
//! removing and approving comments, suspending readers (docs/moderation.md).
//!
//! It is a function of its own so that only it holds the grants moderation
//! needs (changing an account's standing, writing the moderation log,
//! emptying the queue), which the reader-facing comment function must not
//! (docs/iam.md).
//!
//! Only moderators see anything here: anyone else — anonymous or logged in —
//! gets the ordinary `404`, for pages and actions alike, so the routes do
//! not announce themselves. Pages check the account's role (the session's
//! copy only decides whether to look); every action checks it again inside
//! its own transaction, with the action's log entry.

use broadsheet::auth::safe_return_to;
use broadsheet::domain::moderation::{Actor, LOG_PAGE_SIZE, QUEUE_PAGE_SIZE, UserChange};
use broadsheet::domain::{CommentRef, Slug};
pub use broadsheet::edge::handle;
use broadsheet::edge::{App, Exchange, Handler, Reply};
use broadsheet::http::{AppError, Cache, Query};
use broadsheet::routes::ModerationRoute;
use broadsheet::store::{Moderation, ModerationOutcome, Session, Sessions};
use broadsheet::views;
use lambda_http::Request;
use lambda_http::http::StatusCode;
use time::{Duration, OffsetDateTime};

/// The moderation function's handler; it keeps nothing of its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct Moderators;

/// The moderation function: site, store and [`Moderators`].
pub type ModerationApp<S> = App<S, Moderators>;

/// What every store behind the moderation function must do.
pub trait ModerationStore: Moderation + Sessions {}
impl<T: Moderation + Sessions> ModerationStore for T {}

type Result<T> = std::result::Result<T, AppError>;

/// Longest suspension a moderator can give in days (ten years); longer is
/// "until further notice" (leave `days` empty).
const MAX_SUSPENSION_DAYS: i64 = 3650;
/// Longest reason kept in the log.
const MAX_REASON_CHARS: usize = 500;

/// What the queue page confirms after an action (`?done=`).
fn notice(done: Option<&str>) -> Option<&'static str> {
    Some(match done? {
        "removed" => "Comment removed.",
        "approved" => "Done: the comment is published, or its reports are dismissed.",
        "suspended" => "Reader suspended.",
        "gone" => "Nothing to do: another moderator got there first.",
        _ => return None,
    })
}

impl<S: ModerationStore> Handler<S> for Moderators {
    type Route = ModerationRoute;
    type Loaded = ();

    async fn load(_: &ModerationApp<S>, _: &ModerationRoute, _: &Request) -> Result<()> {
        Ok(())
    }

    async fn respond(app: &ModerationApp<S>, route: ModerationRoute, (): (), ex: &Exchange<'_>) -> Reply {
        // Not a moderator by the session's copy of the role: the ordinary 404.
        let session = ex.session.filter(|s| s.moderator).ok_or(AppError::NotFound)?;
        let r = &ex.r;
        let now = OffsetDateTime::now_utc();
        let me = &session.username;
        match route {
            ModerationRoute::Queue => {
                let query = Query::of(ex.req)?;
                let (role, queue) =
                    tokio::join!(app.store.is_moderator(me), app.store.moderation_queue(QUEUE_PAGE_SIZE));
                require_moderator(role?)?;
                let page =
                    views::moderation_queue_page(&app.site, r.viewer, &queue?, notice(query.get("done")));
                Ok(r.html(StatusCode::OK, page, Cache::NoStore))
            }
            ModerationRoute::Log => {
                let (role, log) =
                    tokio::join!(app.store.is_moderator(me), app.store.moderation_log(LOG_PAGE_SIZE));
                require_moderator(role?)?;
                Ok(r.html(
                    StatusCode::OK,
                    views::moderation_log_page(&app.site, r.viewer, &log?),
                    Cache::NoStore,
                ))
            }
            ModerationRoute::Remove(slug, at) => remove(app, ex, session, &slug, at, now).await,
            ModerationRoute::Approve(slug, at) => {
                ex.reader_form(session)?;
                let outcome = app.store.approve_comment(&slug, at, me, now).await?;
                log_action(ex, "approve", &slug, at, outcome);
                done(ex, outcome, "/moderation?done=approved")
            }
            ModerationRoute::Suspend(user) => {
                let form = ex.reader_form(session)?;
                if user == *me {
                    return Err(AppError::Forbidden("You cannot suspend your own account."));
                }
                let days = match form.get("days").map(str::trim).filter(|d| !d.is_empty()) {
                    None => None,
                    Some(raw) => Some(
                        raw.parse::<i64>().ok().filter(|d| (1..=MAX_SUSPENSION_DAYS).contains(d)).ok_or(
                            AppError::BadRequest("days must be a whole number from 1 to 3650, or empty"),
                        )?,
                    ),
                };
                let reason = reason(&form, false)?;
                let until = days.map(|d| now + Duration::days(d));
                let detail = match until {
                    Some(t) => format!("{reason} (until {})", broadsheet::domain::timefmt::human(t)),
                    None => format!("{reason} (until further notice)"),
                };
                let change = UserChange::Suspend(until);
                let outcome = app
                    .store
                    .change_user(&user, change, &Actor::Moderator(me.clone()), detail.trim(), now)
                    .await?;
                tracing::info!(request_id = %r.info.request_id, moderator = %me, %user, ?days, ?outcome, "suspend");
                match outcome {
                    ModerationOutcome::Done => Ok(r.see_other("/moderation?done=suspended")),
                    ModerationOutcome::NotFound | ModerationOutcome::NotModerator => Err(AppError::NotFound),
                }
            }
        }
    }
}

/// The account's role, read just now: a revoked moderator gets the `404`.
fn require_moderator(moderator: bool) -> Result<()> {
    if moderator { Ok(()) } else { Err(AppError::NotFound) }
}

/// The form's `reason`, trimmed: required for a removal, at most 500 characters.
fn reason(form: &Query, required: bool) -> Result<String> {
    let reason = form.get("reason").unwrap_or("").trim();
    if required && reason.is_empty() {
        return Err(AppError::BadRequest(
            "give a reason for removing the comment; it is kept in the moderation log",
        ));
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::BadRequest("a reason can be at most 500 characters"));
    }
    Ok(reason.to_owned())
}

/// `POST /articles/{slug}/comments/{id}/remove` (field `reason`): back to
/// where the moderator removed it from (the article or the queue).
async fn remove<S: ModerationStore>(
    app: &ModerationApp<S>,
    ex: &Exchange<'_>,
    session: &Session,
    slug: &Slug,
    at: CommentRef,
    now: OffsetDateTime,
) -> Reply {
    let form = ex.reader_form(session)?;
    let reason = reason(&form, true)?;
    let outcome = app.store.remove_comment(slug, at, &session.username, &reason, now).await?;
    log_action(ex, "remove", slug, at, outcome);
    let back = safe_return_to(form.get("return_to"));
    let back = if back == "/moderation" {
        "/moderation?done=removed".to_owned()
    } else {
        format!("/articles/{slug}#comments")
    };
    match outcome {
        ModerationOutcome::Done => Ok(ex.r.see_other(&back)),
        ModerationOutcome::NotFound => Ok(ex.r.see_other("/moderation?done=gone")),
        ModerationOutcome::NotModerator => Err(AppError::NotFound),
    }
}

fn log_action(ex: &Exchange<'_>, action: &str, slug: &Slug, at: CommentRef, outcome: ModerationOutcome) {
    let moderator = ex.session.map(|s| s.username.as_str()).unwrap_or("");
    tracing::info!(request_id = %ex.r.info.request_id, moderator, action, %slug, comment = %at, ?outcome, "moderation");
}

/// Where an approve lands: the queue with a confirmation, or with "got
/// there first" when there was nothing left to do.
fn done(ex: &Exchange<'_>, outcome: ModerationOutcome, to: &str) -> Reply {
    match outcome {
        ModerationOutcome::Done => Ok(ex.r.see_other(to)),
        ModerationOutcome::NotFound => Ok(ex.r.see_other("/moderation?done=gone")),
        ModerationOutcome::NotModerator => Err(AppError::NotFound),
    }
}
