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
/// name (`"Query"`, `"GetItem"`, …).
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
}

impl RequestCounter {
    /// A counter with nothing counted yet.
    pub fn new() -> Self {
        Self::default()
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
    }
}

impl Intercept for RequestCounter {
    fn name(&self) -> &'static str {
        "broadsheet::RequestCounter"
    }

    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let operation = cfg.load::<Metadata>().map_or("unknown", Metadata::name).to_owned();
        *self.counts().entry(operation).or_insert(0) += 1;
        Ok(())
    }
}
