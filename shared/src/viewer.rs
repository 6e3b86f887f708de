//! Who is looking at a page.

use crate::auth::{CsrfToken, DisplayName, Username};
use crate::store::Session;

/// The reader a page is rendered for. Pages for a [`Viewer::Reader`] vary by
/// session and are never cached publicly.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Viewer {
    #[default]
    Anonymous,
    Reader(Reader),
}

/// A logged-in reader, as the page shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    pub username: Username,
    /// Display name as entered at sign-up; escaped wherever shown.
    pub display_name: DisplayName,
    /// The session's CSRF token, for the forms on the page.
    pub csrf_token: CsrfToken,
    /// Whether to show moderators' controls (the session's copy of the role;
    /// every moderator action checks the account itself).
    pub moderator: bool,
}

impl Viewer {
    /// Who a page is for, given the request's session.
    pub fn of(session: Option<&Session>) -> Viewer {
        match session {
            None => Viewer::Anonymous,
            Some(s) => Viewer::Reader(Reader {
                username: s.username.clone(),
                display_name: s.display_name.clone(),
                csrf_token: s.csrf_token.clone(),
                moderator: s.moderator,
            }),
        }
    }

    pub fn reader(&self) -> Option<&Reader> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Reader(r) => Some(r),
        }
    }
}
