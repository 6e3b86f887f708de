//! Counting DynamoDB round trips, for the benchmarks and the tests that
//! hold each route to its budget (docs/table-design.md, BENCHMARKS.md: counted, not estimated).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// An SDK interceptor that counts the requests a client sends, by operation
/// name (`"Query"`, `"GetItem"`, …), and optionally the items each write
/// touches ([`RequestCounter::with_item_writes`]).
///
/// It counts in `read_before_transmit`, which runs once per *attempt*: a
/// request the SDK retries counts each time it goes over the wire, so the
/// numbers are real round trips, which is what latency and cost follow.
///
/// Clones share one tally, so keep a clone and attach another to the client
/// (see [`client_with_interceptor`](super::client_with_interceptor)).
#[derive(Debug, Clone, Default)]
pub struct RequestCounter {
    counts: Arc<Mutex<BTreeMap<String, usize>>>,
    /// When set ([`RequestCounter::with_item_writes`]): writes per item key
    /// (`PK|SK`) per whole second since the counter was made.
    item_writes: Option<Arc<Mutex<ItemWrites>>>,
}

/// Writes per item per second, for the spike benchmark's "most writes any
/// one item took in a second".
#[derive(Debug)]
struct ItemWrites {
    started: std::time::Instant,
    per_second: BTreeMap<(String, u64), usize>,
}

impl RequestCounter {
    /// A counter with nothing counted yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// A counter that also records which items each write touched (the
    /// keys in `PutItem`, `UpdateItem`, `DeleteItem`, `BatchWriteItem` and
    /// `TransactWriteItems` requests), and when, to the second. It reads
    /// every request body, so it is for benchmarks only.
    pub fn with_item_writes() -> Self {
        let writes = ItemWrites { started: std::time::Instant::now(), per_second: BTreeMap::new() };
        RequestCounter { counts: Arc::default(), item_writes: Some(Arc::new(Mutex::new(writes))) }
    }

    /// The most writes one item took within one second, and that item
    /// (`PK|SK`); `None` before any write, or without [`Self::with_item_writes`].
    pub fn busiest_item_second(&self) -> Option<(String, usize)> {
        let writes = self.item_writes.as_ref()?.lock().unwrap_or_else(PoisonError::into_inner);
        writes.per_second.iter().max_by_key(|(_, n)| **n).map(|((item, _), n)| (item.clone(), *n))
    }

    fn counts(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, usize>> {
        // A panic elsewhere while the lock was held cannot leave a map of
        // integers inconsistent, so a poisoned lock is still usable.
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Requests sent so far, by operation name.
    pub fn snapshot(&self) -> BTreeMap<String, usize> {
        self.counts().clone()
    }

    /// All requests sent so far.
    pub fn total(&self) -> usize {
        self.counts().values().sum()
    }

    /// Forgets everything counted so far (e.g. after warming up or seeding,
    /// before the requests being measured).
    pub fn reset(&self) {
        self.counts().clear();
        if let Some(writes) = &self.item_writes {
            writes.lock().unwrap_or_else(PoisonError::into_inner).per_second.clear();
        }
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "broadsheet::RequestCounter"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map_or("unknown", Metadata::name).to_owned();
        if let Some(writes) = &self.item_writes {
            let body = context.request().body().bytes().unwrap_or_default();
            let items = written_items(&operation, body);
            if !items.is_empty() {
                let mut writes = writes.lock().unwrap_or_else(PoisonError::into_inner);
                let second = writes.started.elapsed().as_secs();
                for item in items {
                    *writes.per_second.entry((item, second)).or_insert(0) += 1;
                }
            }
        }
        *self.counts().entry(operation).or_insert(0) += 1;
        Ok(())
    }
}

/// The items (`PK|SK`) a write request's JSON body names; nothing for reads.
fn written_items(operation: &str, body: &[u8]) -> Vec<String> {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else { return Vec::new() };
    let key = |k: &serde_json::Value| {
        let part = |name: &str| k[name]["S"].as_str().unwrap_or("?").to_owned();
        format!("{}|{}", part("PK"), part("SK"))
    };
    match operation {
        "PutItem" => vec![key(&json["Item"])],
        "UpdateItem" | "DeleteItem" => vec![key(&json["Key"])],
        "TransactWriteItems" => json["TransactItems"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| {
                if t["Put"].is_object() {
                    Some(key(&t["Put"]["Item"]))
                } else if t["Update"].is_object() {
                    Some(key(&t["Update"]["Key"]))
                } else if t["Delete"].is_object() {
                    Some(key(&t["Delete"]["Key"]))
                } else {
                    None // a ConditionCheck writes nothing
                }
            })
            .collect(),
        "BatchWriteItem" => json["RequestItems"]
            .as_object()
            .into_iter()
            .flat_map(|tables| tables.values())
            .filter_map(|requests| requests.as_array())
            .flatten()
            .map(|r| {
                if r["PutRequest"].is_object() {
                    key(&r["PutRequest"]["Item"])
                } else {
                    key(&r["DeleteRequest"]["Key"])
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_name_their_items() {
        let put = br#"{"TableName":"t","Item":{"PK":{"S":"READS#3"},"SK":{"S":"01J"},"n":{"N":"1"}}}"#;
        assert_eq!(written_items("PutItem", put), ["READS#3|01J"]);
        let update = br#"{"Key":{"PK":{"S":"TRENDING"},"SK":{"S":"RANKING"}}}"#;
        assert_eq!(written_items("UpdateItem", update), ["TRENDING|RANKING"]);
        let transact = br#"{"TransactItems":[{"Put":{"Item":{"PK":{"S":"A"},"SK":{"S":"1"}}}},
            {"ConditionCheck":{"Key":{"PK":{"S":"U"},"SK":{"S":"U"}}}},{"Update":{"Key":{"PK":{"S":"A"},"SK":{"S":"A"}}}}]}"#;
        assert_eq!(written_items("TransactWriteItems", transact), ["A|1", "A|A"]);
        assert!(written_items("GetItem", update).is_empty());
        assert!(written_items("PutItem", b"not json").is_empty());
    }
}
