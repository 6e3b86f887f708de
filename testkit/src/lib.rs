//! # broadsheet-testkit — what the tests and benchmarks share
//!
//! A dev-dependency of every crate with tests, so no test file copies a
//! fixture loader, a builder or a macro from another.
//!
//! ## Layout
//!
//! * [`events`] — the API Gateway event fixtures in `infra/events/`: loaded,
//!   edited ([`events::Event`]), turned into the `lambda_http::Request` or the
//!   `LambdaEvent` a Lambda gets, in every shape ([`events::Shape`]), and the
//!   response read back as its origin receives it ([`events::Answer`]).
//! * [`content`] — builders: articles, comments, and logged-in readers
//!   (sessions created directly in a store, as a login would).
//! * [`dynamo`] — fresh DynamoDB tables on the test server (moto), and
//!   clients with production's timeouts.
//! * [`faults`] — a proxy in front of the test server that injects
//!   DynamoDB's faults: unreachable, slow, throttling, `5xx`, and a write
//!   whose answer is lost.
//! * [`on_both_stores!`] — runs each test function once on the memory store
//!   and once on DynamoDB.

pub mod content;
pub mod dynamo;
pub mod events;
pub mod faults;

#[doc(hidden)]
pub use broadsheet::store::memory::MemoryStore;

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Dynamo,
}

/// Runs every named `async fn` twice, in a `mod memory` and a `mod dynamo`
/// of `#[tokio::test]`s on a multi-threaded runtime, so concurrency tests
/// race for real.
///
/// * `on_both_stores!(backend: a, b, …)` — each function takes a
///   [`Backend`](crate::Backend) (for tests that start a whole site);
/// * `on_both_stores!(store: a, b, …)` — each takes the store itself: a
///   fresh `MemoryStore`, or a `DynamoStore` over a fresh table.
///
/// Attributes written before a name (`#[ignore]` is not one we use) go on
/// both of its tests.
#[macro_export]
macro_rules! on_both_stores {
    (backend: $( $(#[$attr:meta])* $name:ident ),* $(,)?) => {
        mod memory {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] $(#[$attr])*
               async fn $name() { super::$name($crate::Backend::Memory).await } )*
        }
        mod dynamo {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] $(#[$attr])*
               async fn $name() { super::$name($crate::Backend::Dynamo).await } )*
        }
    };
    (store: $( $(#[$attr:meta])* $name:ident ),* $(,)?) => {
        mod memory {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] $(#[$attr])*
               async fn $name() { super::$name($crate::MemoryStore::new()).await } )*
        }
        mod dynamo {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)] $(#[$attr])*
               async fn $name() { super::$name($crate::dynamo::fresh_store().await).await } )*
        }
    };
}
