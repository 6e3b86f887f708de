//! Posting and deleting comments on DynamoDB: one transaction each.
//!
//! A comment and its article's `comment_count` change together or not at
//! all (docs/security.md#comments), so every write here is one `TransactWriteItems`
//! whose items are each conditional:
//!
//! * **post** — `Put` the idempotency record `I#{key}` (must be new), `Put`
//!   the comment `C#{ulid}` (must be new), `Update` the article `ADD
//!   comment_count 1` (must exist). A cancelled transaction's reasons say
//!   which condition failed: the key → the form was already submitted
//!   (`Duplicate`, after one consistent `GetItem` of the record); the
//!   article → `NoSuchArticle`.
//! * **delete** — `Delete` the comment (must exist and be the author's),
//!   `Update` the article `ADD comment_count -1` (must exist, count > 0). On
//!   cancellation one consistent `GetItem` of the comment tells `NotFound`
//!   from `NotAuthor`.
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

use super::items::{self, Item};
use super::{DynamoStore, unavailable};
use crate::auth::{IdempotencyKey, Username};
use crate::domain::{Comment, CommentId, Slug};
use crate::store::{Allowance, CommentWriter, DeleteOutcome, PostOutcome, StoreError};

/// The cancellation reason of an item whose condition was false.
const CONDITION_FAILED: &str = "ConditionalCheckFailed";

/// Cancellation reasons that say "try again", not "no": another transaction
/// held an item, or the table was throttled.
const RETRYABLE: [&str; 3] = ["TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded"];

/// Attempts of one transaction before giving up with `Unavailable`.
const MAX_ATTEMPTS: u32 = 8;
/// First backoff ceiling; doubles per attempt up to [`MAX_BACKOFF`].
const BASE_BACKOFF: Duration = Duration::from_millis(20);
const MAX_BACKOFF: Duration = Duration::from_millis(500);

/// The cancellation reason codes of a transaction whose conditions decided
/// it, in the order of its items (`"None"` for an item that was fine).
struct Cancelled(Vec<String>);

impl Cancelled {
    fn failed(&self, item: usize) -> bool {
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
    async fn transact(
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
    fn put_new(&self, item: Item) -> Result<TransactWriteItem, StoreError> {
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
    fn count_up(&self, article: &Slug) -> Result<TransactWriteItem, StoreError> {
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
    fn count_down(&self, article: &Slug) -> Result<TransactWriteItem, StoreError> {
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

    /// Adds `comment` to the article `slug` and increments its comment count,
    /// together (one transaction of the same comment `Put` and count `Update`
    /// that [`CommentWriter::post_comment`] uses, without an idempotency
    /// record), for tests and the sample data. A comment whose id is already
    /// stored is left as it is (`Ok`); an unknown article is
    /// [`StoreError::Corrupt`] (the seed data is inconsistent).
    pub async fn seed_comment(&self, slug: &Slug, comment: Comment) -> Result<(), StoreError> {
        let transaction = vec![self.put_new(items::comment_item(slug, &comment))?, self.count_up(slug)?];
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
        let transaction = vec![
            self.put_new(items::idempotency_item(article, key, comment))?,
            self.put_new(items::comment_item(article, comment))?,
            self.count_up(article)?,
            self.take_allowance(allowance)?,
        ];
        let cancelled = match self.transact(transaction).await? {
            Ok(()) => return Ok(PostOutcome::Created(comment.id)),
            Err(cancelled) => cancelled,
        };
        // Reasons are decided in the trait's documented order.
        if cancelled.failed(0) {
            let record = self.get_consistent(items::idempotency_key(article, &comment.author, key)).await?;
            return match record {
                Some(item) => Ok(PostOutcome::Duplicate(items::idempotent_comment_id(&item)?)),
                None => Err(unavailable(RecordVanished { key: items::idempotency_sk(&comment.author, key) })),
            };
        }
        if cancelled.failed(2) {
            return Ok(PostOutcome::NoSuchArticle);
        }
        if cancelled.failed(3) {
            return Ok(PostOutcome::RateLimited);
        }
        // Only the comment's own condition is left: its ULID is taken, which
        // a fresh id (80 random bits) never is. A caller posting one
        // `Comment` twice with different keys is the likely cause.
        Err(StoreError::Corrupt(format!(
            "cannot post comment {} to article {article}: a comment with that id is already stored",
            comment.id
        )))
    }

    async fn delete_comment(
        &self,
        article: &Slug,
        id: CommentId,
        author: &Username,
    ) -> Result<DeleteOutcome, StoreError> {
        let remove = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(items::comment_key(article, id)))
            .condition_expression("attribute_exists(#pk) AND #author = :author")
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_names("#author", items::AUTHOR_ATTR)
            .expression_attribute_values(":author", AttributeValue::S(author.as_str().to_owned()))
            .build()
            .map_err(unavailable)?;
        let transaction =
            vec![TransactWriteItem::builder().delete(remove).build(), self.count_down(article)?];
        let cancelled = match self.transact(transaction).await? {
            Ok(()) => return Ok(DeleteOutcome::Deleted),
            Err(cancelled) => cancelled,
        };
        if cancelled.failed(0) {
            let Some(item) = self.get_consistent(items::comment_key(article, id)).await? else {
                return Ok(DeleteOutcome::NotFound);
            };
            if items::comment_author(&item)? != author.as_str() {
                return Ok(DeleteOutcome::NotAuthor);
            }
            // The author matches now, yet the condition failed: the item
            // changed in between, which comments never do.
            return Err(StoreError::Corrupt(format!(
                "item {}: the delete condition failed for its own author",
                items::describe_key(&item)
            )));
        }
        // The comment exists and is the author's, so the article's
        // condition failed: it is missing, or its count is already zero.
        Err(StoreError::Corrupt(format!(
            "comment {id} of article {article} exists, but the article is missing or its comment_count is 0"
        )))
    }
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
