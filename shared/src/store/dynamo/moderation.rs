//! Moderation on DynamoDB: every action one `TransactWriteItems` that checks
//! the actor's standing on their account item and writes the log entry
//! (`moderation_items.rs` has the keys; docs/moderation.md the rules).
//!
//! * **report** — `ConditionCheck` the reporter is not suspended, `Put` the
//!   report `R#{comment}#{reporter}` (must be new: once per reader),
//!   `ConditionCheck` the comment is still public, `Update` its queue entry
//!   (`ADD reports 1, reasons {reason}`; created if absent).
//! * **remove** — `ConditionCheck` the moderator, the take-down writes of
//!   `comments.rs` (comment, count, parent, queue), `Put` the log entry.
//! * **approve** — `ConditionCheck` the moderator, `Delete` the queue entry
//!   (must exist), for a held comment `REMOVE held` (must be held) and the
//!   count's `ADD 1`, `Put` the log entry.
//! * **change user** — `ConditionCheck` the acting moderator (not for the
//!   operator's CLI), `Update` the account (must exist), `Put` the log entry.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem, Update};
use time::OffsetDateTime;

use super::comments::{MAX_DECISIONS, inconsistent};
use super::items;
use super::moderation_items as mi;
use super::{DynamoStore, query_limit, unavailable};
use crate::auth::Username;
use crate::domain::moderation::{
    Actor, LogAction, LogEntry, QueueEntry, ReportReason, Role, SUSPENDED_FOR_GOOD, UserChange,
};
use crate::domain::{CommentRef, Removal, Slug};
use crate::store::{CommentWriter as _, Moderation, ModerationOutcome, ReportOutcome, Reports, StoreError};

impl DynamoStore {
    fn put_log(&self, entry: &LogEntry) -> Result<TransactWriteItem, StoreError> {
        self.put_new(mi::log_item(entry))
    }
}

impl Reports for DynamoStore {
    async fn report_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        reporter: &Username,
        reason: ReportReason,
        now: OffsetDateTime,
    ) -> Result<ReportOutcome, StoreError> {
        let Some(seen) = self.find_comment(article, at).await?.filter(|c| c.is_public()) else {
            return Ok(ReportOutcome::NotFound);
        };
        if seen.author == *reporter {
            return Ok(ReportOutcome::OwnComment);
        }
        let public = aws_sdk_dynamodb::types::ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(items::comment_key(article, at)))
            .condition_expression(
                "attribute_exists(#pk) AND attribute_not_exists(#removed) AND attribute_not_exists(#held)",
            )
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_names("#removed", items::REMOVED)
            .expression_attribute_names("#held", items::HELD)
            .build()
            .map_err(unavailable)?;
        let mut enqueue = Update::builder()
            .table_name(&self.table)
            .set_key(Some(mi::queue_key(seen.id)))
            .update_expression("SET #slug = :slug, #comment = :comment ADD #reports :one, #reasons :reason")
            .expression_attribute_names("#reports", mi::REPORTS)
            .expression_attribute_names("#reasons", mi::REASONS)
            .expression_attribute_values(":one", mi::one())
            .expression_attribute_values(":reason", AttributeValue::Ss(vec![reason.as_str().to_owned()]));
        for (i, (name, value)) in mi::queue_attributes(article, at).into_iter().enumerate() {
            let placeholder = if i == 0 { "slug" } else { "comment" };
            enqueue = enqueue
                .expression_attribute_names(format!("#{placeholder}"), name)
                .expression_attribute_values(format!(":{placeholder}"), value);
        }
        let transaction = vec![
            self.not_suspended(reporter, now)?,
            self.put_new(mi::report_key(article, at, reporter))?,
            TransactWriteItem::builder().condition_check(public).build(),
            TransactWriteItem::builder().update(enqueue.build().map_err(unavailable)?).build(),
        ];
        Ok(match self.transact(transaction).await? {
            Ok(()) => ReportOutcome::Reported,
            Err(c) if c.failed(2) => ReportOutcome::NotFound,
            Err(c) if c.failed(0) => ReportOutcome::Suspended,
            Err(_) => ReportOutcome::AlreadyReported,
        })
    }
}

impl Moderation for DynamoStore {
    async fn remove_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        moderator: &Username,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<ModerationOutcome, StoreError> {
        for _ in 0..MAX_DECISIONS {
            let Some(seen) = self.find_comment(article, at).await?.filter(|c| c.removed.is_none()) else {
                return Ok(ModerationOutcome::NotFound);
            };
            let entry = LogEntry::on_comment(now, moderator, LogAction::Removed, article, &seen, reason);
            let mut transaction = vec![self.moderator_check(moderator)?];
            transaction.extend(self.take_down(article, &seen, Removal::ByModerator)?);
            transaction.push(self.put_log(&entry)?);
            match self.transact(transaction).await? {
                Ok(()) => return Ok(ModerationOutcome::Done),
                Err(c) if c.failed(0) => return Ok(ModerationOutcome::NotModerator),
                // Changed since read: removed by another moderator, a reply
                // arrived, approved … decide again.
                Err(c) if c.failed(1) => continue,
                Err(_) => return Err(inconsistent(article, &seen)),
            }
        }
        Err(StoreError::Unavailable("the comment kept changing while it was being removed".into()))
    }

    async fn approve_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        moderator: &Username,
        now: OffsetDateTime,
    ) -> Result<ModerationOutcome, StoreError> {
        for _ in 0..MAX_DECISIONS {
            let Some(seen) = self.find_comment(article, at).await? else {
                return Ok(ModerationOutcome::NotFound);
            };
            let dequeue = Delete::builder()
                .table_name(&self.table)
                .set_key(Some(mi::queue_key(seen.id)))
                .condition_expression("attribute_exists(#pk)")
                .expression_attribute_names("#pk", items::PK)
                .build()
                .map_err(unavailable)?;
            let mut transaction =
                vec![self.moderator_check(moderator)?, TransactWriteItem::builder().delete(dequeue).build()];
            let action = if seen.held {
                let publish = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(items::comment_key(article, at)))
                    .update_expression("REMOVE #held")
                    .condition_expression("#held = :yes")
                    .expression_attribute_names("#held", items::HELD)
                    .expression_attribute_values(":yes", AttributeValue::Bool(true))
                    .build()
                    .map_err(unavailable)?;
                transaction.push(TransactWriteItem::builder().update(publish).build());
                transaction.push(self.count_up(article)?);
                LogAction::Approved
            } else {
                LogAction::DismissedReports
            };
            transaction
                .push(self.put_log(&LogEntry::on_comment(now, moderator, action, article, &seen, ""))?);
            match self.transact(transaction).await? {
                Ok(()) => return Ok(ModerationOutcome::Done),
                Err(c) if c.failed(0) => return Ok(ModerationOutcome::NotModerator),
                Err(c) if c.failed(1) => return Ok(ModerationOutcome::NotFound),
                // Published by another moderator in between: decide again.
                Err(c) if c.failed(2) => continue,
                Err(_) => return Err(inconsistent(article, &seen)),
            }
        }
        Err(StoreError::Unavailable("the comment kept changing while it was being approved".into()))
    }

    async fn change_user(
        &self,
        user: &Username,
        change: UserChange,
        actor: &Actor,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<ModerationOutcome, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(items::user_key(user)))
            .expression_attribute_names("#pk", items::PK);
        update = match change {
            UserChange::Grant(Role::Moderator) => update
                .update_expression("SET #moderator = :yes")
                .expression_attribute_names("#moderator", items::MODERATOR)
                .expression_attribute_values(":yes", AttributeValue::Bool(true)),
            UserChange::Revoke(Role::Moderator) => update
                .update_expression("REMOVE #moderator")
                .expression_attribute_names("#moderator", items::MODERATOR),
            UserChange::Suspend(until) => update
                .update_expression("SET #until = :until")
                .expression_attribute_names("#until", items::SUSPENDED_UNTIL)
                .expression_attribute_values(
                    ":until",
                    mi::condition_time(until.unwrap_or(SUSPENDED_FOR_GOOD)),
                ),
            UserChange::Unsuspend => update
                .update_expression("REMOVE #until")
                .expression_attribute_names("#until", items::SUSPENDED_UNTIL),
        };
        // A moderator acting on their own account: one item cannot be in a
        // transaction twice, so the role check joins the update's condition.
        let acting_on_self = matches!(actor, Actor::Moderator(m) if m == user);
        update = if acting_on_self {
            update
                .condition_expression("attribute_exists(#pk) AND #role = :role_yes")
                .expression_attribute_names("#role", items::MODERATOR)
                .expression_attribute_values(":role_yes", AttributeValue::Bool(true))
        } else {
            update.condition_expression("attribute_exists(#pk)")
        };
        let mut transaction = Vec::new();
        if let (Actor::Moderator(m), false) = (actor, acting_on_self) {
            transaction.push(self.moderator_check(m)?);
        }
        let update_at = transaction.len();
        transaction.push(TransactWriteItem::builder().update(update.build().map_err(unavailable)?).build());
        transaction.push(self.put_log(&LogEntry::on_user(now, actor, change, user, reason))?);
        match self.transact(transaction).await? {
            Ok(()) => Ok(ModerationOutcome::Done),
            Err(c) if update_at == 1 && c.failed(0) => Ok(ModerationOutcome::NotModerator),
            Err(_) if acting_on_self => Ok(ModerationOutcome::NotModerator),
            Err(_) => Ok(ModerationOutcome::NotFound),
        }
    }

    async fn is_moderator(&self, user: &Username) -> Result<bool, StoreError> {
        let moderator = self.get_attribute_consistent(items::user_key(user), items::MODERATOR).await?;
        Ok(matches!(moderator, Some(AttributeValue::Bool(true))))
    }

    async fn moderation_queue(&self, limit: usize) -> Result<Vec<QueueEntry>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_values(":pk", items::s(mi::QUEUE_PK))
            .scan_index_forward(true)
            .limit(query_limit(limit))
            .send()
            .await
            .map_err(unavailable)?;
        let queued = out.items().iter().map(mi::queue_entry_from_item).collect::<Result<Vec<_>, _>>()?;
        // The comments as they are now (edits included): one consistent
        // `GetItem` each, all at once (a queue page is at most its limit).
        // Not a `BatchGetItem`: IAM cannot narrow a batch by partition key.
        let comments = futures::future::try_join_all(
            queued.iter().map(|(article, at, ..)| self.find_comment(article, *at)),
        )
        .await?;
        // An entry whose comment is gone cannot happen (a take-down deletes
        // the entry in its transaction); skip rather than fail.
        Ok(queued
            .into_iter()
            .zip(comments)
            .filter_map(|((article, _, reports, reasons), comment)| {
                Some(QueueEntry { article, comment: comment?, reports, reasons })
            })
            .collect())
    }

    async fn moderation_log(&self, limit: usize) -> Result<Vec<LogEntry>, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_values(":pk", items::s(mi::LOG_PK))
            .scan_index_forward(false)
            .limit(query_limit(limit))
            .send()
            .await
            .map_err(unavailable)?;
        out.items().iter().map(mi::log_entry_from_item).collect()
    }
}
