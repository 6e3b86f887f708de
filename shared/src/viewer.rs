//! Who is looking at a page.

/// The reader a page is rendered for. Pages for a [`Viewer::Reader`] vary by
/// session and are never cached publicly.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Viewer {
    #[default]
    Anonymous,
    Reader(Reader),
}

/// A logged-in reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reader {
    /// Canonical (lowercase) username.
    pub username: String,
    /// Display name as entered at sign-up; escaped wherever shown.
    pub display_name: String,
    /// The session's CSRF token, for the forms on the page.
    pub csrf_token: String,
}

impl Viewer {
    pub fn reader(&self) -> Option<&Reader> {
        match self {
            Viewer::Anonymous => None,
            Viewer::Reader(r) => Some(r),
        }
    }
}
