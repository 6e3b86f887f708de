//! Accounts, sessions and rate-limit counters on DynamoDB: one request each.
//!
//! * An account is `USER#{username}` / `U`, created by a `PutItem` that is
//!   conditional on the key being new, so of two concurrent sign-ups for
//!   one (canonical) name exactly one wins.
//! * A session is `SESSION#{token hash}` / `S`, with `expires_at` as the
//!   TTL attribute. TTL deletion lags (up to days), so a read checks the
//!   expiry itself.
//! * A rate-limit counter is `RATE#{key}` / `W#{window start}`, counted with
//!   `ADD` (atomic, no read first) and expired by TTL.
//!
//! Reads here are strongly consistent: each follows a write the same reader
//! just made (sign-up then login, login then the next page, a failed login
//! then the next attempt), and an eventually consistent read could miss it.
//! The items are small (< 1 KB), so a consistent read costs one read unit.

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::items;
use super::{DynamoStore, applied, unavailable};
use crate::auth::{TokenHash, Username, Window};
use crate::store::{RateLimiter, Session, Sessions, StoreError, User, Users};

impl Users for DynamoStore {
    async fn create_user(&self, user: &User) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(items::user_item(user)))
            .condition_expression("attribute_not_exists(#pk)")
            .expression_attribute_names("#pk", items::PK)
            .send()
            .await;
        applied(result)
    }

    async fn find_user(&self, username: &Username) -> Result<Option<User>, StoreError> {
        self.get_consistent(items::user_key(username)).await?.as_ref().map(items::user_from_item).transpose()
    }
}

impl Sessions for DynamoStore {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        // Unconditional: the key is the hash of 256 fresh random bits, so it
        // is new; a condition would only add a failure mode.
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(items::session_item(session)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn find_session(
        &self,
        token_hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<Session>, StoreError> {
        let Some(item) = self.get_consistent(items::session_key(token_hash)).await? else { return Ok(None) };
        let session = items::session_from_item(&item, token_hash)?;
        Ok((now < session.expires_at).then_some(session))
    }

    async fn delete_session(&self, token_hash: &TokenHash) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(items::session_key(token_hash)))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

impl RateLimiter for DynamoStore {
    async fn count(&self, key: &str, window: &Window) -> Result<u32, StoreError> {
        self.get_consistent(items::rate_key(key, window))
            .await?
            .as_ref()
            .map_or(Ok(0), items::rate_count_from_item)
    }

    async fn try_record(&self, key: &str, window: &Window, limit: u32) -> Result<bool, StoreError> {
        // `attribute_not_exists(n)` would let the first event through even
        // with a limit of zero, which allows nothing.
        if limit == 0 {
            return Ok(false);
        }
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::rate_key(key, window)))
            .update_expression("SET #exp = :exp ADD #n :one")
            .condition_expression("attribute_not_exists(#n) OR #n < :limit")
            .expression_attribute_names("#exp", items::EXPIRES_AT)
            .expression_attribute_names("#n", items::RATE_COUNT_ATTR)
            .expression_attribute_values(":exp", items::rate_expires_at(window))
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":limit", AttributeValue::N(limit.to_string()))
            .send()
            .await;
        applied(result)
    }

    async fn release(&self, key: &str, window: &Window) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::rate_key(key, window)))
            .update_expression("ADD #n :minus_one")
            .condition_expression("#n > :zero")
            .expression_attribute_names("#n", items::RATE_COUNT_ATTR)
            .expression_attribute_values(":minus_one", AttributeValue::N("-1".into()))
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .send()
            .await;
        // Refused at zero (or gone with its window): nothing to give back.
        applied(result).map(|_| ())
    }
}
