//! Creating the table: for `broadsheet table create`, `broadsheet serve
//! --dynamodb-endpoint` and the tests. Production tables come from
//! `template.yaml`, which must declare the same keys, indexes and TTL.

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, IndexStatus, KeySchemaElement, KeyType,
    Projection, ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
};

use super::items;
use super::unavailable;
use crate::store::StoreError;

/// How long to wait for a new table (and its indexes) to become `ACTIVE`.
/// Real DynamoDB takes seconds to a minute; local servers are immediate.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(300);

/// The table did not become `ACTIVE` in time.
#[derive(Debug, thiserror::Error)]
#[error("table {table} is not ACTIVE after {waited:?}")]
struct NotActive {
    table: String,
    waited: Duration,
}

fn key(name: &str, key_type: KeyType) -> Result<KeySchemaElement, StoreError> {
    KeySchemaElement::builder().attribute_name(name).key_type(key_type).build().map_err(unavailable)
}

fn string_attribute(name: &str) -> Result<AttributeDefinition, StoreError> {
    AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(unavailable)
}

/// A listing index: newest first within one partition, projecting the
/// summary fields only, so a listing page never reads article bodies.
fn listing_index(name: &str, pk: &str, sk: &str) -> Result<GlobalSecondaryIndex, StoreError> {
    let mut projection = Projection::builder().projection_type(ProjectionType::Include);
    for attribute in items::SUMMARY_ATTRIBUTES {
        projection = projection.non_key_attributes(attribute);
    }
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key(pk, KeyType::Hash)?)
        .key_schema(key(sk, KeyType::Range)?)
        .projection(projection.build())
        .build()
        .map_err(unavailable)
}

/// Creates the table as `docs/table-design.md` describes it (on-demand
/// billing, `PK`/`SK`, the `GSI1`, `GSI2` and `GSI3` listing indexes), waits until
/// it and its indexes are `ACTIVE`, then turns on TTL on `expires_at`.
pub async fn create_table(client: &Client, name: &str) -> Result<(), StoreError> {
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(string_attribute(items::PK)?)
        .attribute_definitions(string_attribute(items::SK)?)
        .attribute_definitions(string_attribute(items::GSI1PK)?)
        .attribute_definitions(string_attribute(items::GSI1SK)?)
        .attribute_definitions(string_attribute(items::GSI2PK)?)
        .attribute_definitions(string_attribute(items::GSI2SK)?)
        .attribute_definitions(string_attribute(items::GSI3PK)?)
        .attribute_definitions(string_attribute(items::GSI3SK)?)
        .key_schema(key(items::PK, KeyType::Hash)?)
        .key_schema(key(items::SK, KeyType::Range)?)
        .global_secondary_indexes(listing_index(items::GSI1, items::GSI1PK, items::GSI1SK)?)
        .global_secondary_indexes(listing_index(items::GSI2, items::GSI2PK, items::GSI2SK)?)
        .global_secondary_indexes(listing_index(items::GSI3, items::GSI3PK, items::GSI3SK)?)
        .send()
        .await
        .map_err(unavailable)?;
    wait_until_active(client, name).await?;
    // TTL can only be switched on once the table exists; it is what removes
    // old trending buckets (and, later, expired sessions).
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(items::EXPIRES_AT)
                .enabled(true)
                .build()
                .map_err(unavailable)?,
        )
        .send()
        .await
        .map_err(unavailable)?;
    Ok(())
}

/// Makes sure the table exists: creates it (see [`create_table`]) when
/// `DescribeTable` says it does not, and waits for a table that is still
/// being created. Returns whether it created the table, so the caller can
/// seed a new one.
pub async fn ensure_table(client: &Client, name: &str) -> Result<bool, StoreError> {
    match client.describe_table().table_name(name).send().await {
        Ok(_) => {
            wait_until_active(client, name).await?;
            Ok(false)
        }
        Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {
            create_table(client, name).await?;
            Ok(true)
        }
        Err(err) => Err(unavailable(err)),
    }
}

/// Polls `DescribeTable` until the table and all its indexes are `ACTIVE`.
async fn wait_until_active(client: &Client, name: &str) -> Result<(), StoreError> {
    let started = tokio::time::Instant::now();
    let mut delay = Duration::from_millis(50);
    loop {
        let out = client.describe_table().table_name(name).send().await.map_err(unavailable)?;
        if let Some(table) = out.table() {
            let table_active = table.table_status() == Some(&TableStatus::Active);
            let indexes_active = table
                .global_secondary_indexes()
                .iter()
                .all(|i| i.index_status() == Some(&IndexStatus::Active));
            if table_active && indexes_active {
                return Ok(());
            }
        }
        if started.elapsed() >= ACTIVE_TIMEOUT {
            return Err(unavailable(NotActive { table: name.to_owned(), waited: started.elapsed() }));
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(2));
    }
}

#[cfg(test)]
mod tests {
    use super::items;

    /// `template.yaml` creates the production table; its listing indexes must
    /// project what a listing reads, or cards lose their reading time and
    /// feeds their update times in production only.
    #[test]
    fn the_template_projects_what_listings_read() {
        let template = include_str!("../../../../template.yaml");
        let projections: Vec<&str> =
            template.lines().filter_map(|l| l.trim().strip_prefix("NonKeyAttributes: ")).collect();
        assert_eq!(projections.len(), 3, "GSI1, GSI2 and GSI3");
        let expected = format!("[{}]", items::SUMMARY_ATTRIBUTES.join(", "));
        for projection in projections {
            assert_eq!(projection, expected);
        }
    }
}
