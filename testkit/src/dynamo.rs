//! Fresh DynamoDB tables on the test server.
//!
//! The DynamoDB-backed tests talk to a moto server that `scripts/with-moto.sh`
//! starts on a free port and announces in `BROADSHEET_TEST_DYNAMODB_ENDPOINT`
//! (`scripts/test.sh` runs the whole suite under it). A test never skips
//! because the server is missing: it fails, saying how to start one.
//!
//! Every test makes its own table with a random name, so tests share nothing
//! and can run in parallel (moto's `Query` also slows as a table grows, so
//! small private tables keep the suite fast).
//!
//! Credentials and region: the clients built here use fixed dummy test
//! credentials and `us-east-1` whatever the environment says, so a test can
//! never reach real AWS with someone's real keys. Processes the tests start
//! themselves (e.g. `broadsheet serve --dynamodb-endpoint …`) read the
//! environment instead; `scripts/with-moto.sh` exports
//! `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1`
//! for them.
//!
//! Timeouts and retries: every client here waits as long as production's
//! does ([`timeout_config`], [`retry_config`]), so the tests run under the
//! timeouts production has. [`client_at`] is production's client in every
//! setting that matters (for a site behind a [`crate::faults::FaultProxy`]);
//! [`test_client`] only allows more attempts.

use aws_config::{BehaviorVersion, ConfigLoader, Region};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryPartition;
use broadsheet::store::dynamo::{DynamoStore, RequestCounter, create_table, retry_config, timeout_config};

/// The environment variable `scripts/with-moto.sh` sets to moto's URL.
pub const ENDPOINT_VAR: &str = "BROADSHEET_TEST_DYNAMODB_ENDPOINT";

/// The test DynamoDB endpoint.
///
/// # Panics
///
/// When [`ENDPOINT_VAR`] is not set: DynamoDB tests must fail loudly, not
/// pass by skipping, when no server was started.
pub fn endpoint() -> String {
    match std::env::var(ENDPOINT_VAR) {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "{ENDPOINT_VAR} is not set: the DynamoDB tests need a moto server; \
             run scripts/test.sh, which starts moto (or wrap the command: \
             bash scripts/with-moto.sh cargo test -p broadsheet-tests)"
        ),
    }
}

/// Dummy credentials, `us-east-1`, `endpoint`, and production's timeouts.
fn loader(endpoint: &str) -> ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .test_credentials()
        .timeout_config(timeout_config())
        .endpoint_url(endpoint)
}

/// A client for the test endpoint with dummy credentials, counting its
/// requests in `counter` when one is given.
///
/// moto's server is not thread-safe around transactions: under concurrent
/// `TransactWriteItems` it sometimes answers `500 InternalError` (it copies
/// and restores its whole table state per transaction). The SDK retries
/// those as transient; the test client allows more attempts than
/// production's three, and more time for them: moto is one Python process
/// that answers every test binary's requests in turn, so a burst of
/// concurrent transactions can wait on it for seconds where DynamoDB answers
/// in milliseconds. Concurrency tests then measure Broadsheet, not moto's
/// races or its queue. (The fault tests use [`client_at`]: production's
/// timeouts exactly.)
pub async fn test_client(counter: Option<RequestCounter>) -> Client {
    let patient = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .operation_attempt_timeout(std::time::Duration::from_secs(10))
        .operation_timeout(std::time::Duration::from_secs(30))
        .build();
    let sdk_config = loader(&endpoint())
        .retry_config(retry_config().with_max_attempts(10))
        .timeout_config(patient)
        .load()
        .await;
    let mut config = aws_sdk_dynamodb::config::Builder::from(&sdk_config);
    if let Some(counter) = counter {
        config = config.interceptor(counter);
    }
    Client::from_conf(config.build())
}

/// A client for `endpoint` (a [`crate::faults::FaultProxy`]) set up as
/// production's is: the same timeouts and retry policy, three attempts
/// included, so a test sees what a reader would under the same fault. Only
/// the credentials are the dummy ones, and its retry quota (the SDK's token
/// bucket, otherwise shared by every client in the process) is its own, so
/// the retries one test provokes never starve another's.
pub async fn client_at(endpoint: &str) -> Client {
    let sdk_config = loader(endpoint).retry_config(retry_config()).load().await;
    let partition = RetryPartition::new(format!("broadsheet-test-{:016x}", rand::random::<u64>()));
    let config = aws_sdk_dynamodb::config::Builder::from(&sdk_config).retry_partition(partition).build();
    Client::from_conf(config)
}

/// A new, empty table name nobody else uses: `t-` and 16 random hex digits.
pub fn unique_table_name() -> String {
    format!("t-{:016x}", rand::random::<u64>())
}

/// Creates a new table (keys, indexes and TTL as in production) with a
/// unique name on the test endpoint.
pub async fn fresh_table() -> (Client, String) {
    let client = test_client(None).await;
    let name = unique_table_name();
    create_table(&client, &name).await.expect("create a test table on the moto server");
    (client, name)
}

/// A [`DynamoStore`] over a fresh table.
pub async fn fresh_store() -> DynamoStore {
    let (client, table) = fresh_table().await;
    DynamoStore::new(client, table)
}

/// A [`DynamoStore`] over a fresh table whose requests are counted, for
/// round-trip budget tests. The table's creation is not counted.
pub async fn fresh_counted_store() -> (DynamoStore, RequestCounter) {
    let (_, table) = fresh_table().await;
    let counter = RequestCounter::new();
    let client = test_client(Some(counter.clone())).await;
    (DynamoStore::new(client, table), counter)
}
