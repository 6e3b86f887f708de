//! Reader comments.

use std::fmt;

use time::OffsetDateTime;

use crate::auth::Username;

/// A comment id: a ULID, so ids sort by creation time and a comment's place in
/// the article's list is its id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommentId(ulid::Ulid);

impl CommentId {
    /// A new id for a comment created at `at`.
    pub fn new_at(at: OffsetDateTime) -> CommentId {
        let ms = (at.unix_timestamp_nanos() / 1_000_000).max(0) as u64;
        CommentId(ulid::Ulid::from_parts(ms, rand_bits()))
    }

    /// Parses the 26-character canonical form (case-insensitive).
    pub fn parse(s: &str) -> Option<CommentId> {
        if s.len() != 26 {
            return None;
        }
        ulid::Ulid::from_string(s).ok().map(CommentId)
    }
}

fn rand_bits() -> u128 {
    // ULID randomness need not be cryptographic; uniqueness is what matters.
    ulid::Ulid::new().random()
}

impl fmt::Display for CommentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A comment as readers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: CommentId,
    /// The author's username (stable; used to decide who may delete).
    pub author: Username,
    /// The author's display name at the time of writing.
    pub author_name: String,
    /// Plain text as written (trimmed); the view escapes it.
    pub body: String,
    pub created_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_sort_by_time() {
        let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let a = CommentId::new_at(t0);
        let b = CommentId::new_at(t0 + time::Duration::milliseconds(1));
        assert!(a < b);
        assert_eq!(CommentId::parse(&a.to_string()), Some(a));
        assert_eq!(CommentId::parse("not-an-id"), None);
        assert_eq!(CommentId::parse(""), None);
    }
}
