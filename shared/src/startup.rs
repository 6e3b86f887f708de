//! What every Lambda function does before it serves: logs, configuration,
//! the DynamoDB client — once per cold start, never per request.

use crate::config::FunctionConfig;
use crate::store::dynamo::{self, DynamoStore};

/// Initialises logging, reads and validates the configuration, builds the
/// DynamoDB client and warms its connection (a first call during init costs
/// milliseconds; made on the first request it would cost a TLS handshake).
///
/// A missing or invalid setting is a clear log line and exit code 1, not a
/// panic at the first request.
pub async fn function_init() -> (FunctionConfig, DynamoStore) {
    crate::telemetry::init_json();
    let config = match FunctionConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "invalid configuration; exiting");
            std::process::exit(1);
        }
    };
    let client = dynamo::client(None).await;
    let store = DynamoStore::new(client, config.table.clone());
    store.warm().await;
    (config, store)
}
