//! Posting and deleting comments on DynamoDB: one transaction each.
//!
//! A comment and its article's `comment_count` change together or not at
//! all (docs/security.md#comments), so every write here is one `TransactWriteItems`
//! whose items are each conditional:
//!
//! * **post** — `Put` the idempotency record `I#{key}` (must be new), `Put`
//!   the comment `C#{ulid}` (must be new), `Update` the article `ADD
//!   comment_count 1` (must exist; a held comment only checks that it does),
//!   the rate counter's conditional `ADD n 1`, a `ConditionCheck` that the
//!   author is not suspended, and for a reply the parent's `ADD replies 1`
//!   (must exist, be top-level and not removed), for a held comment its
//!   queue entry. A cancelled transaction's reasons say which condition
//!   failed: the key → the form was already submitted (`Duplicate`, or
//!   `KeyReused` when the text differs, after one consistent `GetItem` of
//!   the record); the article → `NoSuchArticle`; and so on.
//! * **delete**, **edit** — one consistent `GetItem` of the comment decides
//!   what the transaction does (delete or keep as a placeholder, count or
//!   not), and the transaction is conditional on the comment still being
//!   in that state; if it changed in between, the decision is made again.
//!
//! Every item of a post lives in the article's partition, so an idempotency
//! key can only ever point at a comment of the same article.
//!
//! DynamoDB cancels a transaction that touches an item another transaction
//! is writing (`TransactionConflict`) — routine when many readers comment on
//! one article at once, since every post updates the article item. The SDK
//! does not retry cancellations, so [`DynamoStore::transact`] does, with
//! jittered backoff; a retry is safe because a cancelled transaction wrote
//! nothing. (Retries of one *request* by the SDK are safe too: it fills in
//! `ClientRequestToken`, so a resend of a transaction that did commit is
//! answered with success instead of being applied twice.)

use std::time::Duration;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use rand::Rng as _;

use aws_sdk_dynamodb::types::ConditionCheck;
use time::OffsetDateTime;

use super::items::{self, Item};
use super::moderation_items as mi;
use super::{DynamoStore, unavailable};
use crate::auth::{IdempotencyKey, Username};
use crate::domain::{Comment, CommentRef, Removal, Slug};
use crate::store::{
    Allowance, CommentWriter, DeleteOutcome, EditOutcome, PostOutcome, StoreError, body_fingerprint,
    deletable, editable,
};

/// The cancellation reason of an item whose condition was false.
const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// Cancellation reasons that say "try again", not "no": another transaction
/// held an item, or the table was throttled.
const RETRYABLE: [&str; 3] = ["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"];

/// Attempts of one transaction before giving up with `Unavailable`: enough
/// for twenty readers posting to one story in the same instant to all get
/// through (each conflict is one of them winning), and the backoffs of
/// twelve attempts (about 2 s on average, 4 s at most) stay well inside the
/// edge's 8 s deadline.
const MAX_ATTEMPTS: u32 = 12;
/// First backoff ceiling; doubles per attempt up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(20);
const MAX_BACKOFF: Duration = Duration::from_millis(500);

/// The cancellation reason codes of a transaction whose conditions decided
/// it, in the order of its items (`"None"` for an item that was fine).
pub(super) struct Cancelled(Vec<String>);

impl Cancelled {
    pub(super) fn failed(&self, item: usize) -> bool {
        self.0.get(item).is_some_and(|code| code == CONDITION_FAILED)
    }
}

/// A cancelled transaction kept being retried without an answer.
#[derive(Debug, thiserror::Error)]
#[error("transaction still cancelled after {MAX_ATTEMPTS} attempts (reasons: {reasons})")]
struct StillCancelled {
    reasons: String,
}

/// The idempotency record a failed condition proved present was gone when
/// read back (DynamoDB's TTL removed an expired one in between). Transient:
/// the same request, sent again, is decided afresh.
#[derive(Debug, thiserror::Error)]
#[error("idempotency record {key} vanished while being read back; retry the request")]
struct RecordVanished {
    key: String,
}

impl DynamoStore {
    /// Runs one `TransactWriteItems`, retrying it while it is cancelled only
    /// by conflicts or throttling. `Ok(Err(_))` when a condition cancelled
    /// it: the caller decides what each failed item means.
    pub(super) async fn transact(
        &self,
        transact_items: Vec<TransactWriteItem>,
    ) -> Result<Result<(), Cancelled>, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(transact_items.clone()))
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(Ok(())),
                Err(err) => err,
            };
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                err.as_service_error()
            else {
                return Err(unavailable(err));
            };
            let codes: Vec<String> = cancelled
                .cancellation_reasons()
                .iter()
                .map(|r| r.code().unwrap_or("None").to_owned())
                .collect();
            if codes.iter().any(|c| c == CONDITION_FAILED) {
                return Ok(Err(Cancelled(codes)));
            }
            if !codes.iter().any(|c| RETRYABLE.contains(&c.as_str())) {
                return Err(unavailable(err));
            }
            if attempt >= MAX_ATTEMPTS {
                return Err(unavailable(StillCancelled { reasons: codes.join(", ") }));
            }
            tokio::time::sleep(backoff(attempt)).await;
        }
    }

    /// `Put` of a new item: cancelled if an item with its key exists.
    pub(super) fn put_new(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", items::PK)
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// One event of the reader's allowance: the rate counter's `ADD n 1`,
    /// conditional on the limit not being reached (the same item and
    /// condition as `RateLimiter::try_record`).
    fn take_allowance(&self, allowance: &Allowance) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(items::rate_key(&allowance.key, &allowance.window)))
            .update_expression("SET #exp = :exp ADD #n :one")
            .condition_expression("attribute_not_exists(#n) OR #n < :limit")
            .expression_attribute_names("#exp", items::EXPIRES_AT)
            .expression_attribute_names("#n", items::RATE_COUNT_ATTR)
            .expression_attribute_values(":exp", items::rate_expires_at(&allowance.window))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":limit", AttributeValue::N(allowance.limit.to_string()))
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// `ADD comment_count 1` on an article that must exist.
    pub(super) fn count_up(&self, article: &Slug) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(items::article_key(article)))
            .update_expression("ADD #count :one")
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_names("#count", items::COMMENT_COUNT_ATTR)
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// `ADD comment_count -1` on an article that must exist with a positive
    /// count, so the count can never go below zero.
    pub(super) fn count_down(&self, article: &Slug) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(items::article_key(article)))
            .update_expression("ADD #count :minus_one")
            .condition_expression("attribute_exists(#pk) AND #count > :zero")
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_names("#count", items::COMMENT_COUNT_ATTR)
            .expression_attribute_values(":minus_one", AttributeValue::N("-1".into()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// `ConditionCheck` that `item` exists.
    pub(super) fn exists(&self, key: Item) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression("attribute_exists(#pk)")
            .expression_attribute_names("#pk", items::PK)
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// `ConditionCheck` that `user` is not suspended at `now` (an account
    /// that does not exist is not suspended).
    pub(super) fn not_suspended(
        &self,
        user: &Username,
        now: OffsetDateTime,
    ) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(items::user_key(user)))
            .condition_expression("attribute_not_exists(#until) OR #until <= :now")
            .expression_attribute_names("#until", items::SUSPENDED_UNTIL)
            .expression_attribute_values(":now", mi::condition_time(now))
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// `ConditionCheck` that `user` holds the moderator role.
    pub(super) fn moderator_check(&self, user: &Username) -> Result<TransactWriteItem, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(items::user_key(user)))
            .condition_expression("#moderator = :yes")
            .expression_attribute_names("#moderator", items::MODERATOR)
            .expression_attribute_values(":yes", AttributeValue::Bool(true))
            .build()
            .map_err(unavailable)?;
        Ok(TransactWriteItem::builder().condition_check(check).build())
    }

    /// `ADD replies ±1` on a reply's parent: when adding, the parent must
    /// exist, be top-level, and be neither removed nor held.
    fn parent_replies(
        &self,
        article: &Slug,
        parent: CommentRef,
        delta: i32,
    ) -> Result<TransactWriteItem, StoreError> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(items::comment_key(article, parent)))
            .update_expression("ADD #replies :delta")
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_names("#replies", items::REPLIES)
            .expression_attribute_values(":delta", AttributeValue::N(delta.to_string()));
        update = if delta > 0 {
            update
                .condition_expression(
                    "attribute_exists(#pk) AND attribute_not_exists(#parent) AND attribute_not_exists(#removed) \
                     AND attribute_not_exists(#held)",
                )
                .expression_attribute_names("#parent", items::PARENT)
                .expression_attribute_names("#removed", items::REMOVED)
                .expression_attribute_names("#held", items::HELD)
        } else {
            update.condition_expression("attribute_exists(#pk)")
        };
        Ok(TransactWriteItem::builder().update(update.build().map_err(unavailable)?).build())
    }

    /// The condition that a comment is still as `seen` read it: present, not
    /// removed, held or not, with as many replies.
    fn unchanged(seen: &Comment) -> Condition {
        let held = if seen.held { "#held = :yes" } else { "attribute_not_exists(#held)" };
        let replies = if seen.replies == 0 {
            "(attribute_not_exists(#replies) OR #replies = :replies)"
        } else {
            "#replies = :replies"
        };
        let condition =
            format!("attribute_exists(#pk) AND attribute_not_exists(#removed) AND {held} AND {replies}");
        let names = vec![
            ("#pk", items::PK),
            ("#removed", items::REMOVED),
            ("#held", items::HELD),
            ("#replies", items::REPLIES),
        ];
        let mut values = vec![(":replies", AttributeValue::N(seen.replies.to_string()))];
        if seen.held {
            values.push((":yes", AttributeValue::Bool(true)));
        }
        Condition { expression: condition, names, values }
    }

    /// The writes that take `seen` out of every public view, conditional on
    /// it being unchanged: deleted, or kept without its text as removed by
    /// `by` while it has replies; the count drops when it was counted, its
    /// parent loses a reply, and its queue entry goes.
    pub(super) fn take_down(
        &self,
        article: &Slug,
        seen: &Comment,
        by: Removal,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let Condition { expression: condition, names, values } = Self::unchanged(seen);
        let key = items::comment_key(article, seen.address());
        let first = if seen.replies > 0 {
            let mut u = Update::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .update_expression("SET #removed = :by, #body = :empty REMOVE #held")
                .condition_expression(condition)
                .expression_attribute_names("#body", "body")
                .expression_attribute_values(":by", AttributeValue::S(by.as_str().into()))
                .expression_attribute_values(":empty", AttributeValue::S(String::new()));
            for (k, v) in names {
                u = u.expression_attribute_names(k, v);
            }
            for (k, v) in values {
                u = u.expression_attribute_values(k, v);
            }
            TransactWriteItem::builder().update(u.build().map_err(unavailable)?).build()
        } else {
            let mut d =
                Delete::builder().table_name(&self.table).set_key(Some(key)).condition_expression(condition);
            for (k, v) in names {
                d = d.expression_attribute_names(k, v);
            }
            for (k, v) in values {
                d = d.expression_attribute_values(k, v);
            }
            TransactWriteItem::builder().delete(d.build().map_err(unavailable)?).build()
        };
        let mut writes = vec![first];
        if seen.is_public() {
            writes.push(self.count_down(article)?);
        }
        if let (Some(parent), 0) = (seen.parent, seen.replies) {
            writes.push(self.parent_replies(article, CommentRef::top(parent), -1)?);
        }
        let dequeue = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(mi::queue_key(seen.id)))
            .build()
            .map_err(unavailable)?;
        writes.push(TransactWriteItem::builder().delete(dequeue).build());
        Ok(writes)
    }

    /// Adds `comment` to the article `slug` and increments its comment count,
    /// together (one transaction of the same comment `Put` and count `Update`
    /// that [`CommentWriter::post_comment`] uses, without an idempotency
    /// record), for tests and the sample data. A comment whose id is already
    /// stored is left as it is (`Ok`); an unknown article is
    /// [`StoreError::Corrupt`] (the seed data is inconsistent).
    pub async fn seed_comment(&self, slug: &Slug, comment: Comment) -> Result<(), StoreError> {
        let mut transaction = vec![self.put_new(items::comment_item(slug, &comment))?];
        transaction.push(if comment.held {
            self.exists(items::article_key(slug))?
        } else {
            self.count_up(slug)?
        });
        if let Some(parent) = comment.parent {
            transaction.push(self.parent_replies(slug, CommentRef::top(parent), 1)?);
        }
        match self.transact(transaction).await? {
            Ok(()) => Ok(()),
            Err(cancelled) if cancelled.failed(0) => Ok(()),
            Err(_) => Err(StoreError::Corrupt(format!(
                "cannot add comment {} to article {slug}: no such article",
                comment.id
            ))),
        }
    }
}

/// How long to wait before attempt `attempt + 1`: "full jitter" (a random
/// time up to an exponentially growing ceiling), so that the writers that
/// just collided do not collide again in lockstep.
fn backoff(attempt: u32) -> Duration {
    let ceiling = BASE_BACKOFF.saturating_mul(1 << attempt.min(16)).min(MAX_BACKOFF);
    let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
    Duration::from_millis(rand::thread_rng().gen_range(1..=millis.max(1)))
}

impl CommentWriter for DynamoStore {
    async fn open_for_comments(&self, slug: &Slug, now: time::OffsetDateTime) -> Result<bool, StoreError> {
        // Listed (a withdrawn article has no listing key) and published by
        // now (the key begins with the publication time).
        Ok(match self.get_attribute_consistent(items::article_key(slug), items::GSI1SK).await? {
            Some(AttributeValue::S(listed)) => listed < items::published_by(now),
            _ => false,
        })
    }

    async fn post_comment(
        &self,
        article: &Slug,
        comment: &Comment,
        key: &IdempotencyKey,
        allowance: &Allowance,
    ) -> Result<PostOutcome, StoreError> {
        // `attribute_not_exists(n)` would let the first event through even
        // with a limit of zero, which allows nothing.
        if allowance.limit == 0 {
            return Ok(PostOutcome::RateLimited);
        }
        let stored = Comment { replies: 0, removed: None, edited_at: None, ..comment.clone() };
        let mut transaction = vec![
            self.put_new(items::idempotency_item(article, key, comment))?,
            self.put_new(items::comment_item(article, &stored))?,
            if comment.held { self.exists(items::article_key(article))? } else { self.count_up(article)? },
            self.take_allowance(allowance)?,
            self.not_suspended(&comment.author, comment.created_at)?,
        ];
        const PARENT_ITEM: usize = 5;
        if let Some(parent) = comment.parent {
            transaction.push(self.parent_replies(article, CommentRef::top(parent), 1)?);
        }
        if comment.held {
            let mut entry = mi::queue_key(comment.id);
            entry.extend(mi::queue_attributes(article, comment.address()).map(|(k, v)| (k.to_owned(), v)));
            transaction.push(self.put_new(entry)?);
        }
        let cancelled = match self.transact(transaction).await? {
            Ok(()) => return Ok(PostOutcome::Created(comment.id)),
            Err(cancelled) => cancelled,
        };
        // Reasons are decided in the trait's documented order.
        if cancelled.failed(0) {
            let record = self.get_consistent(items::idempotency_key(article, &comment.author, key)).await?;
            let Some(item) = record else {
                return Err(unavailable(RecordVanished { key: items::idempotency_sk(&comment.author, key) }));
            };
            let first = items::idempotent_comment_id(&item)?;
            return Ok(match items::idempotent_body_fingerprint(&item)? {
                Some(fp) if fp != body_fingerprint(&comment.body) => PostOutcome::KeyReused(first),
                _ => PostOutcome::Duplicate(first),
            });
        }
        if cancelled.failed(2) {
            return Ok(PostOutcome::NoSuchArticle);
        }
        if comment.parent.is_some() && cancelled.failed(PARENT_ITEM) {
            return Ok(PostOutcome::NoSuchParent);
        }
        if cancelled.failed(4) {
            return Ok(PostOutcome::Suspended);
        }
        if cancelled.failed(3) {
            return Ok(PostOutcome::RateLimited);
        }
        // Only the comment's own condition (or its queue entry's) is left:
        // its ULID is taken, which a fresh id (80 random bits) never is. A
        // caller posting one `Comment` twice with different keys is the
        // likely cause.
        Err(StoreError::Corrupt(format!(
            "cannot post comment {} to article {article}: a comment with that id is already stored",
            comment.id
        )))
    }

    async fn delete_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        author: &Username,
    ) -> Result<DeleteOutcome, StoreError> {
        for _ in 0..MAX_DECISIONS {
            let found = self.find_comment(article, at).await?;
            let seen = match deletable(found.as_ref(), author) {
                Ok(seen) => seen,
                Err(refused) => return Ok(refused),
            };
            match self.transact(self.take_down(article, seen, Removal::ByAuthor)?).await? {
                Ok(()) => return Ok(DeleteOutcome::Deleted),
                // The comment changed since it was read (a reply arrived, a
                // moderator acted): decide again.
                Err(c) if c.failed(0) => continue,
                Err(_) => return Err(inconsistent(article, seen)),
            }
        }
        Err(unavailable(StillCancelled { reasons: "the comment kept changing".into() }))
    }

    async fn edit_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        author: &Username,
        body: &str,
        now: OffsetDateTime,
        window: time::Duration,
    ) -> Result<EditOutcome, StoreError> {
        if let Err(refused) = editable(self.find_comment(article, at).await?.as_ref(), author, now, window) {
            return Ok(refused);
        }
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(items::comment_key(article, at)))
            .update_expression("SET #body = :body, #edited = :now")
            .condition_expression("attribute_exists(#pk) AND attribute_not_exists(#removed)")
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_names("#removed", items::REMOVED)
            .expression_attribute_names("#body", "body")
            .expression_attribute_names("#edited", items::EDITED_AT)
            .expression_attribute_values(":body", AttributeValue::S(body.to_owned()))
            .expression_attribute_values(":now", AttributeValue::S(crate::domain::timefmt::rfc3339(now)))
            .build()
            .map_err(unavailable)?;
        let transaction =
            vec![TransactWriteItem::builder().update(update).build(), self.not_suspended(author, now)?];
        match self.transact(transaction).await? {
            Ok(()) => Ok(EditOutcome::Edited),
            // Removed (or deleted) since it was read.
            Err(c) if c.failed(0) => Ok(EditOutcome::NotFound),
            Err(_) => Ok(EditOutcome::Suspended),
        }
    }

    async fn find_comment(&self, article: &Slug, at: CommentRef) -> Result<Option<Comment>, StoreError> {
        self.get_consistent(items::comment_key(article, at))
            .await?
            .as_ref()
            .map(items::comment_from_item)
            .transpose()
    }
}

/// A condition expression with its attribute names and values.
struct Condition {
    expression: String,
    names: Vec<(&'static str, &'static str)>,
    values: Vec<(&'static str, AttributeValue)>,
}

/// How many times a take-down is decided afresh when the comment keeps
/// changing between the read and the transaction.
pub(super) const MAX_DECISIONS: u32 = 3;

/// A take-down's other conditions failed though the comment's held: the
/// article is missing, its count is zero, or the parent is gone.
pub(super) fn inconsistent(article: &Slug, seen: &Comment) -> StoreError {
    StoreError::Corrupt(format!(
        "comment {} of article {article} exists, but its article, count or parent does not match it",
        seen.address()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_a_ceiling_and_is_never_zero() {
        for attempt in 1..=40 {
            let d = backoff(attempt);
            assert!(d >= Duration::from_millis(1), "{attempt}: {d:?}");
            assert!(d <= MAX_BACKOFF, "{attempt}: {d:?}");
        }
        assert!(backoff(1) <= BASE_BACKOFF * 2);
    }

    #[test]
    fn only_condition_failures_count_as_failed() {
        let c = Cancelled(vec!["None".into(), CONDITION_FAILED.into(), "TransactionConflict".into()]);
        assert!(!c.failed(0));
        assert!(c.failed(1));
        assert!(!c.failed(2));
        assert!(!c.failed(3));
    }
}
