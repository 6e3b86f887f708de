//! # broadsheet-bench — measured performance (BENCHMARKS.md)
//!
//! Every figure here is printed beside a reference measured in the same run,
//! on the same machine, so a reader can judge it without knowing the
//! machine; nothing asserts on time (timings are not deterministic, so a
//! test on them would be either flaky or meaningless). `scripts/bench.sh`
//! runs everything and `BENCHMARKS.md` records the figures.
//!
//! ## Layout
//!
//! * [`hello`] — the reference: the smallest useful `lambda_http` handler.
//!   The criterion benchmarks time it in-process beside each real handler;
//!   the `bench-hello` binary is the same handler as a complete Lambda, the
//!   reference for cold start and size.
//! * [`events`] — real API Gateway HTTP API (v2) events from `infra/events/`,
//!   edited per benchmark (path, cookies, form body), turned into the
//!   `lambda_http::Request` a Lambda would get (the test kit's, shared with
//!   the tests).
//! * [`content`] — a memory store seeded with the sample content plus
//!   articles with 10 and 50 realistic comments; logged-in sessions created
//!   directly in a store; [`content::Unthrottled`], the documented
//!   rate-limit bypass of the comment benchmark.
//! * [`runtime_api`] — a Lambda Runtime API emulator: the cold-start harness
//!   hands each function binary one event through it and times the process.
//! * `benches/handlers.rs` — criterion: every handler beside [`hello`].
//! * `src/bin/coldstart.rs` — the cold-start harness (init, first response,
//!   peak RSS of each function's release binary against `bench-hello`).
//! * [`corpus`] — the generated 20,000-article corpus of the search benchmarks.
//! * `src/bin/pageweight.rs` — HTML bytes of each page type.
//! * `src/bin/compression.rs` — compressing pages: bytes and time per level.
//! * `src/bin/search.rs` — search: handler medians, index size, import time.

pub mod content;
pub mod corpus;
pub use broadsheet_testkit::events;
pub mod hello;
pub mod runtime_api;
