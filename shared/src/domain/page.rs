//! One page of a listing.

/// Items plus the position to continue after, if there are more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T, P> {
    pub items: Vec<T>,
    /// Where the next page starts (exclusive); `None` on the last page.
    pub next: Option<P>,
}

impl<T, P> Page<T, P> {
    pub fn empty() -> Self {
        Page { items: Vec::new(), next: None }
    }
}
