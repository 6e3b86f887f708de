//! `broadsheet user …`: an operator grants and revokes the moderator role
//! and suspends readers, from the command line (docs/moderation.md#roles).
//! Each change is logged in the moderation log like a moderator's.

use broadsheet::auth::Username;
use broadsheet::domain::moderation::{Actor, Role, UserChange};
use broadsheet::store::{Moderation, ModerationOutcome, StoreError};
use clap::{Args, Subcommand};
use time::{Duration, OffsetDateTime};

use crate::cli::DynamoArgs;

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Grant a role (`moderator`) to a reader.
    Grant(RoleArgs),
    /// Take a role (`moderator`) away from a reader.
    Revoke(RoleArgs),
    /// Suspend a reader: they can read and log in, not post, reply, edit or report.
    Suspend(SuspendArgs),
    /// Lift a reader's suspension.
    Unsuspend(UserArgs),
}

#[derive(Debug, Args)]
pub struct UserArgs {
    /// The reader's username.
    pub username: String,
    #[command(flatten)]
    pub dynamo: DynamoArgs,
}

#[derive(Debug, Args)]
pub struct RoleArgs {
    /// The reader's username.
    pub username: String,
    /// The role: `moderator`.
    #[arg(value_parser = parse_role)]
    pub role: Role,
    #[command(flatten)]
    pub dynamo: DynamoArgs,
}

#[derive(Debug, Args)]
pub struct SuspendArgs {
    /// The reader's username.
    pub username: String,
    /// For this many days (1–3650); until further notice when left out.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=3650))]
    pub days: Option<i64>,
    /// Why (kept in the moderation log).
    #[arg(long, default_value = "")]
    pub reason: String,
    #[command(flatten)]
    pub dynamo: DynamoArgs,
}

fn parse_role(s: &str) -> Result<Role, String> {
    Role::parse(s).ok_or_else(|| format!("unknown role {s:?}: the only role is `moderator`"))
}

/// Why a user command failed.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    #[error("{0:?} is not a valid username")]
    InvalidUsername(String),
    #[error("no account named {0:?}")]
    UnknownUser(String),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
}

impl UserCommand {
    /// The table the command changes.
    pub fn dynamo(&self) -> &DynamoArgs {
        match self {
            UserCommand::Grant(a) | UserCommand::Revoke(a) => &a.dynamo,
            UserCommand::Suspend(a) => &a.dynamo,
            UserCommand::Unsuspend(a) => &a.dynamo,
        }
    }

    /// Applies the change to `store`, returning what to print.
    pub async fn apply(self, store: &impl Moderation) -> Result<String, UserError> {
        let now = OffsetDateTime::now_utc();
        let (name, change, reason) = match self {
            UserCommand::Grant(a) => (a.username, UserChange::Grant(a.role), String::new()),
            UserCommand::Revoke(a) => (a.username, UserChange::Revoke(a.role), String::new()),
            UserCommand::Suspend(a) => {
                (a.username, UserChange::Suspend(a.days.map(|d| now + Duration::days(d))), a.reason)
            }
            UserCommand::Unsuspend(a) => (a.username, UserChange::Unsuspend, String::new()),
        };
        let user = match Username::parse(&name) {
            Ok(u) => u,
            Err(_) => return Err(UserError::InvalidUsername(name)),
        };
        match store.change_user(&user, change, &Actor::Operator, &reason, now).await? {
            ModerationOutcome::Done => Ok(match change {
                UserChange::Grant(role) => format!("@{user} is now a {role}"),
                UserChange::Revoke(role) => format!("@{user} is no longer a {role}"),
                UserChange::Suspend(Some(until)) => {
                    format!("@{user} is suspended until {}", broadsheet::domain::timefmt::rfc3339(until))
                }
                UserChange::Suspend(None) => format!("@{user} is suspended until further notice"),
                UserChange::Unsuspend => format!("@{user} is no longer suspended"),
            }),
            ModerationOutcome::NotFound | ModerationOutcome::NotModerator => {
                Err(UserError::UnknownUser(name))
            }
        }
    }
}
