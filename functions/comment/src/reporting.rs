//! Readers' reports: once per reader per comment, never of their own.

use broadsheet::domain::moderation::ReportReason;
use broadsheet::domain::{CommentRef, Slug};
use broadsheet::edge::{Exchange, Reply};
use broadsheet::http::AppError;
use broadsheet::store::ReportOutcome;
use time::OffsetDateTime;

use crate::{CommentApp, CommentStore};

/// `POST …/report` (optional field `reason`): the reader lands back on the
/// comment with a confirmation, whether this was their first report of it
/// or not (a second changes nothing).
pub(crate) async fn report<S: CommentStore>(
    app: &CommentApp<S>,
    ex: &Exchange<'_>,
    slug: &Slug,
    at: CommentRef,
) -> Reply {
    let session = ex.session_or_login(&format!("/articles/{slug}#comment-{at}"))?;
    let form = ex.reader_form(session)?;
    let reason = match form.get("reason").filter(|r| !r.is_empty()) {
        None => ReportReason::Other,
        Some(raw) => ReportReason::parse(raw)
            .ok_or(AppError::BadRequest("unknown report reason: choose spam, abuse, off-topic or other"))?,
    };
    let now = OffsetDateTime::now_utc();
    match app.store.report_comment(slug, at, &session.username, reason, now).await? {
        outcome @ (ReportOutcome::Reported | ReportOutcome::AlreadyReported) => {
            tracing::info!(request_id = %ex.r.info.request_id, %slug, comment = %at, ?outcome, reason = reason.as_str(), "comment reported");
            Ok(ex.r.see_other(&format!("/articles/{slug}?reported={at}#comment-{at}")))
        }
        ReportOutcome::OwnComment => Err(AppError::Forbidden("You cannot report your own comment.")),
        ReportOutcome::NotFound => Err(AppError::NotFound),
        ReportOutcome::Suspended => Err(AppError::Forbidden(
            "Your account is suspended: you can read and log in, but not report comments.",
        )),
    }
}
