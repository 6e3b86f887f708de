//! The HTTP edge shared by every function and the local server.
//!
//! * [`request`] — what a handler reads from a request: strict query and form
//!   decoding, the request id, whether the client wants JSON.
//! * [`error`] — [`AppError`], the one error type whose variants are HTTP
//!   outcomes, and the one place that turns it into a response.
//! * [`form`] — POST bodies, CSRF and cross-site checks.
//! * [`client`] — the client behind a request, for throttling (IPv6 per /64).
//! * [`response`] — building responses: security headers on every one, cache
//!   policy, `ETag` and `304 Not Modified`.
//! * [`compress`] — `Accept-Encoding`: gzip and Brotli at the origin.
//! * [`cdn`] — what the CDN must know: the query strings pages read, crawlers.

pub mod cdn;
pub mod client;
pub mod compress;
pub mod error;
pub mod form;
pub mod request;
pub mod response;

pub use error::AppError;
pub use request::{Query, RequestInfo, decode_component, route_path};
pub use response::{Cache, Responder};

/// Largest request body any function accepts (docs/site.md#bad-input-and-faults): `413` beyond.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
