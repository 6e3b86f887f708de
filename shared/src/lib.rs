//! # broadsheet — the shared library of the Broadsheet news site
//!
//! Everything the Lambda functions have in common lives here, once.
//!
//! ## Layout
//!
//! * [`auth`] — accounts, sessions and comments as pure building blocks:
//!   parsed usernames, passwords (Argon2id), session and CSRF tokens, cookies,
//!   the `return_to` guard and the throttling windows; no storage, no HTTP.
//! * [`domain`] — categories, slugs, articles, comments, cursors: parsed at the
//!   edge, so nothing further in handles an unchecked string.
//! * [`store`] — one trait per storage capability and two implementations,
//!   DynamoDB ([`store::dynamo`]) and in-memory ([`store::memory`]).
//! * [`views`] — maud templates: one layout, listing, article, error pages,
//!   feeds and the sitemap.
//! * [`edge`] — the one entry point every request goes through, on Lambda
//!   and in the local server: body limit, typed route, session, responder,
//!   the request's log line; each function implements [`edge::Handler`].
//! * [`http`] — the pieces the edge and handlers use: request parsing, the one
//!   error type and the one place that turns it into a response, security and
//!   cache headers.
//! * [`markdown`] — Markdown → sanitised HTML, run once at import time.
//! * [`routes`] — the route table: every method and path the site serves,
//!   which function owns it, and the typed [`routes::Route`] it parses into;
//!   served by the Lambdas and the local server, checked against
//!   `template.yaml` and the `cargo lambda watch` router by the tests.
//! * [`config`] — configuration read once at start-up; [`startup`] and
//!   [`telemetry`] — what every function's `main` does before serving.
//! * [`viewer`] — who a page is rendered for.

pub mod auth;
pub mod config;
pub mod domain;
pub mod edge;
pub mod http;
pub mod markdown;
mod newtype;
pub mod routes;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod viewer;
pub mod views;
