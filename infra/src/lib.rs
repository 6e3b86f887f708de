//! # broadsheet-cli — the operator's tools
//!
//! * [`cli`] — the `broadsheet` command line (`serve`, `table create`, `import`, `user`).
//! * [`serve`] — the local server: every route, dispatched to the Lambda handlers.
//! * [`import`] — Markdown + YAML front matter → articles, all-or-nothing.
//! * [`users`] — `broadsheet user grant|revoke|suspend|unsuspend`.
//!
//! The sample content lives in `infra/content/{category}/{slug}.md`.

pub mod cli;
pub mod import;
pub mod serve;
pub mod users;
