//! The moderation capability: reports, removals, approvals, standing, and
//! the queue and log moderators read (docs/moderation.md).
//!
//! Every action is one transaction that also checks the actor's standing on
//! their account item (a moderator's role, a reporter's suspension) and
//! writes the action's moderation-log entry, so a revoked moderator cannot
//! act a moment later and no action goes unrecorded.

use std::future::Future;

use time::OffsetDateTime;

use super::StoreError;
use crate::auth::Username;
use crate::domain::moderation::{Actor, LogEntry, QueueEntry, ReportReason, UserChange};
use crate::domain::{CommentRef, Slug};

/// What reporting a comment did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportOutcome {
    Reported,
    /// This reader reported it before: accepted, nothing changed.
    AlreadyReported,
    /// Readers cannot report their own comments: nothing changed.
    OwnComment,
    /// No such comment (or it was removed, or is held and not theirs to see).
    NotFound,
    /// The reporter's account is suspended: nothing changed.
    Suspended,
}

/// What a moderation action did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModerationOutcome {
    Done,
    /// Nothing to act on: the comment is gone (another moderator was
    /// first), not in the queue, or the account does not exist.
    NotFound,
    /// The actor's account does not hold the moderator role: nothing changed.
    NotModerator,
}

/// Readers' reports (the comment function).
pub trait Reports: Send + Sync {
    /// Records `reporter`'s report of a comment and puts the comment in the
    /// queue (or adds the report to its entry), in one transaction.
    fn report_comment(
        &self,
        article: &Slug,
        comment: CommentRef,
        reporter: &Username,
        reason: ReportReason,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<ReportOutcome, StoreError>> + Send;
}

/// Moderators' actions and pages (the moderation function and the CLI).
pub trait Moderation: Send + Sync {
    /// Removes a comment: its text leaves every view, the count drops (when
    /// it was counted), its queue entry goes and a log entry is written, in
    /// one transaction. One with replies is kept as "removed by a moderator".
    fn remove_comment(
        &self,
        article: &Slug,
        comment: CommentRef,
        moderator: &Username,
        reason: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<ModerationOutcome, StoreError>> + Send;

    /// Publishes a held comment (counting it) or dismisses a comment's
    /// reports; either way its queue entry goes and a log entry is written.
    fn approve_comment(
        &self,
        article: &Slug,
        comment: CommentRef,
        moderator: &Username,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<ModerationOutcome, StoreError>> + Send;

    /// Changes an account's role or suspension, with its log entry. An
    /// [`Actor::Moderator`] must hold the role (checked in the transaction);
    /// the operator's command line needs no account.
    fn change_user(
        &self,
        user: &Username,
        change: UserChange,
        actor: &Actor,
        reason: &str,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<ModerationOutcome, StoreError>> + Send;

    /// Whether the account holds the moderator role now (DynamoDB: one
    /// `GetItem` projecting that one attribute, so the function that asks
    /// never reads a password hash).
    fn is_moderator(&self, user: &Username) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Held and reported comments, oldest first, at most `limit`.
    fn moderation_queue(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<QueueEntry>, StoreError>> + Send;

    /// The latest log entries, newest first, at most `limit`.
    fn moderation_log(&self, limit: usize) -> impl Future<Output = Result<Vec<LogEntry>, StoreError>> + Send;
}
