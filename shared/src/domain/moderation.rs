//! Moderation: who may act on comments, why a comment was reported, and
//! what the moderation log and queue hold (docs/moderation.md).

use std::fmt;

use time::OffsetDateTime;

use super::{Comment, CommentId, Slug};
use crate::auth::Username;

/// Roles an account can be granted. Only one so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Removes comments, works the queue, suspends readers.
    Moderator,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "moderator" => Some(Role::Moderator),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Moderator => "moderator",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a reader reported a comment (the report form's `reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReportReason {
    Spam,
    Abuse,
    OffTopic,
    Other,
}

impl ReportReason {
    pub const ALL: [ReportReason; 4] =
        [ReportReason::Spam, ReportReason::Abuse, ReportReason::OffTopic, ReportReason::Other];

    /// The form value; an absent or empty field is [`ReportReason::Other`].
    pub fn parse(s: &str) -> Option<ReportReason> {
        ReportReason::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReportReason::Spam => "spam",
            ReportReason::Abuse => "abuse",
            ReportReason::OffTopic => "off-topic",
            ReportReason::Other => "other",
        }
    }

    /// How the form and the queue label it.
    pub fn label(self) -> &'static str {
        match self {
            ReportReason::Spam => "Spam",
            ReportReason::Abuse => "Abuse or harassment",
            ReportReason::OffTopic => "Off-topic",
            ReportReason::Other => "Something else",
        }
    }
}

/// Who took a moderation action: a moderator on the site, or an operator
/// with the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Moderator(Username),
    Operator,
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Actor::Moderator(u) => write!(f, "@{u}"),
            Actor::Operator => f.write_str("operator (command line)"),
        }
    }
}

/// A change to a reader's standing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserChange {
    Grant(Role),
    Revoke(Role),
    /// Until that moment, or for good when `None`.
    Suspend(Option<OffsetDateTime>),
    Unsuspend,
}

/// What a moderation-log entry records as done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogAction {
    Removed,
    Approved,
    DismissedReports,
    Suspended,
    Unsuspended,
    Granted,
    Revoked,
}

impl LogAction {
    pub const ALL: [LogAction; 7] = [
        LogAction::Removed,
        LogAction::Approved,
        LogAction::DismissedReports,
        LogAction::Suspended,
        LogAction::Unsuspended,
        LogAction::Granted,
        LogAction::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LogAction::Removed => "removed comment",
            LogAction::Approved => "approved held comment",
            LogAction::DismissedReports => "dismissed reports",
            LogAction::Suspended => "suspended",
            LogAction::Unsuspended => "lifted suspension",
            LogAction::Granted => "granted moderator",
            LogAction::Revoked => "revoked moderator",
        }
    }

    pub fn parse(s: &str) -> Option<LogAction> {
        LogAction::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn of(change: UserChange) -> LogAction {
        match change {
            UserChange::Grant(_) => LogAction::Granted,
            UserChange::Revoke(_) => LogAction::Revoked,
            UserChange::Suspend(_) => LogAction::Suspended,
            UserChange::Unsuspend => LogAction::Unsuspended,
        }
    }
}

/// What an action was taken on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogTarget {
    Comment { article: Slug, id: CommentId, author: Username },
    User(Username),
}

/// One line of the moderation log, written in the same transaction as the
/// action it records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub at: OffsetDateTime,
    /// [`Actor`]'s text: `@alice` or the operator.
    pub actor: String,
    pub action: LogAction,
    pub target: LogTarget,
    /// The moderator's reason, or detail such as a suspension's end; may be empty.
    pub reason: String,
}

impl LogEntry {
    /// A moderator's action on a comment.
    pub fn on_comment(
        at: OffsetDateTime,
        moderator: &Username,
        action: LogAction,
        article: &Slug,
        comment: &Comment,
        reason: &str,
    ) -> LogEntry {
        LogEntry {
            at,
            actor: Actor::Moderator(moderator.clone()).to_string(),
            action,
            target: LogTarget::Comment {
                article: article.clone(),
                id: comment.id,
                author: comment.author.clone(),
            },
            reason: reason.to_owned(),
        }
    }

    /// A change to a reader's standing, by a moderator or the operator.
    pub fn on_user(
        at: OffsetDateTime,
        actor: &Actor,
        change: UserChange,
        user: &Username,
        reason: &str,
    ) -> LogEntry {
        LogEntry {
            at,
            actor: actor.to_string(),
            action: LogAction::of(change),
            target: LogTarget::User(user.clone()),
            reason: reason.to_owned(),
        }
    }
}

/// A comment waiting for a moderator: held for review, reported, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueEntry {
    pub article: Slug,
    /// The comment as it was when it entered the queue (`held` tells why).
    pub comment: Comment,
    /// Reports received, and the distinct reasons given, in [`ReportReason`] order.
    pub reports: u32,
    pub reasons: Vec<ReportReason>,
}

/// A suspension "until further notice" ends at this instant.
pub const SUSPENDED_FOR_GOOD: OffsetDateTime = time::macros::datetime!(9999-12-31 23:59:59 UTC);

/// Moderation-log entries on `GET /moderation/log`.
pub const LOG_PAGE_SIZE: usize = 100;
/// Comments on `GET /moderation`.
pub const QUEUE_PAGE_SIZE: usize = 100;
/// How long a reader may edit their comment after posting it.
pub const EDIT_WINDOW: time::Duration = time::Duration::minutes(15);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_and_actions_round_trip_and_nothing_else_parses() {
        for r in ReportReason::ALL {
            assert_eq!(ReportReason::parse(r.as_str()), Some(r));
        }
        for a in LogAction::ALL {
            assert_eq!(LogAction::parse(a.as_str()), Some(a));
        }
        for bad in ["", "Spam", "SPAM", "offtopic", "spam ", "moderator"] {
            assert_eq!(ReportReason::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Role::parse("moderator"), Some(Role::Moderator));
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn actors_read_as_handles() {
        assert_eq!(Actor::Moderator(Username::parse("ann").unwrap()).to_string(), "@ann");
        assert_eq!(Actor::Operator.to_string(), "operator (command line)");
    }
}
