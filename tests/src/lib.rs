//! Helpers of the integration tests that need the whole site (what every
//! test crate shares is in `broadsheet-testkit`).
//!
//! * [`site`] — the whole site on `127.0.0.1:0`, on either store, seeded with
//!   the sample content, plus a small HTTP client for it.
//!   [`site::FaultySite`] puts it on DynamoDB behind a fault-injecting proxy.
//! * [`browser`] — a cookie-keeping client that signs up, logs in and fills forms.
//! * [`webdriver`] — headless Chromium driven over WebDriver (chromedriver),
//!   axe-core inside it, and the Nu HTML Checker, for `tests/browser.rs`.

pub mod browser;
pub mod site;
pub mod webdriver;
