//! # broadsheet-cli — the operator's tools
//!
//! * [`cli`] — the `broadsheet` command line (`serve`, `table create`, `import`, `unpublish`, `republish`, `user`, `credentials`).
//! * [`aws`] — the operator's region and credentials (SSO, `credential_process`, …).
//! * [`serve`] — the local server: every route, dispatched to the Lambda handlers.
//! * [`import`] — Markdown + YAML front matter → articles, all-or-nothing.
//! * [`users`] — `broadsheet user grant|revoke|suspend|unsuspend`.
//! * [`publishing`] — `broadsheet unpublish|republish SLUG`.
//!
//! The sample content lives in `infra/content/{category}/{slug}.md`.

pub mod aws;
pub mod cli;
pub mod import;
pub mod publishing;
pub mod serve;
pub mod users;
