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

/// Where a comment lives in its article's thread: a top-level comment is
/// its own id; a reply is its top-level comment's id and its own. Written
/// `TOP` or `TOP-REPLY` in paths and fragments (ULIDs contain no `-`), so a
/// reply is found by its key alone and sorts under its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CommentRef {
    pub top: CommentId,
    pub reply: Option<CommentId>,
}

impl CommentRef {
    pub fn top(id: CommentId) -> CommentRef {
        CommentRef { top: id, reply: None }
    }

    /// `TOP` or `TOP-REPLY`, as [`Display`](fmt::Display) writes it.
    pub fn parse(s: &str) -> Option<CommentRef> {
        match s.split_once('-') {
            None => CommentId::parse(s).map(CommentRef::top),
            Some((top, reply)) => {
                Some(CommentRef { top: CommentId::parse(top)?, reply: Some(CommentId::parse(reply)?) })
            }
        }
    }

    /// The comment's own id.
    pub fn id(&self) -> CommentId {
        self.reply.unwrap_or(self.top)
    }
}

impl fmt::Display for CommentRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reply {
            None => write!(f, "{}", self.top),
            Some(reply) => write!(f, "{}-{reply}", self.top),
        }
    }
}

/// A comment as readers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: CommentId,
    /// The top-level comment this one replies to (one level of threading).
    pub parent: Option<CommentId>,
    /// The author's username (stable; used to decide who may delete).
    pub author: Username,
    /// The author's display name at the time of writing.
    pub author_name: String,
    /// Plain text as written (trimmed); the view escapes it. Empty once removed.
    pub body: String,
    pub created_at: OffsetDateTime,
    /// When its author last edited it.
    pub edited_at: Option<OffsetDateTime>,
    /// Held for review: shown only to its author and moderators, not counted.
    pub held: bool,
    /// Taken down but kept, without its text, because it has replies: shown
    /// as "Comment removed by a moderator." (or "deleted by its author").
    pub removed: Option<Removal>,
    /// Replies it has (top-level comments only).
    pub replies: u32,
}

impl Comment {
    /// A new published top-level comment with a fresh id.
    pub fn new(author: Username, author_name: String, body: String, created_at: OffsetDateTime) -> Comment {
        Comment {
            id: CommentId::new_at(created_at),
            parent: None,
            author,
            author_name,
            body,
            created_at,
            edited_at: None,
            held: false,
            removed: None,
            replies: 0,
        }
    }

    pub fn address(&self) -> CommentRef {
        match self.parent {
            None => CommentRef::top(self.id),
            Some(top) => CommentRef { top, reply: Some(self.id) },
        }
    }

    /// Whether its author may still edit it at `now`: less than `window`
    /// after it was posted.
    pub fn edit_window_open(&self, now: OffsetDateTime, window: time::Duration) -> bool {
        now < self.created_at + window
    }

    /// Whether readers other than its author see it as published.
    pub fn is_public(&self) -> bool {
        !self.held && self.removed.is_none()
    }
}

/// Who took a comment down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removal {
    ByModerator,
    ByAuthor,
}

impl Removal {
    pub fn as_str(self) -> &'static str {
        match self {
            Removal::ByModerator => "moderator",
            Removal::ByAuthor => "author",
        }
    }

    pub fn parse(s: &str) -> Option<Removal> {
        [Removal::ByModerator, Removal::ByAuthor].into_iter().find(|r| r.as_str() == s)
    }
}

/// The web links in a comment's text, as the page makes them clickable:
/// http(s) URLs only (linkify also finds `javascript://…` and the like).
pub fn web_links(text: &str) -> impl Iterator<Item = linkify::Link<'_>> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    finder.links(text).filter(|l| is_web_url(l.as_str())).collect::<Vec<_>>().into_iter()
}

/// Only http(s) URLs count as links.
pub fn is_web_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
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

    #[test]
    fn refs_round_trip_and_replies_sort_under_their_parent() {
        let t0 = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let (a, b) = (CommentId::new_at(t0), CommentId::new_at(t0 + time::Duration::minutes(1)));
        let reply = CommentId::new_at(t0 + time::Duration::hours(1));
        let (top_a, reply_a, top_b) =
            (CommentRef::top(a), CommentRef { top: a, reply: Some(reply) }, CommentRef::top(b));
        assert!(top_a < reply_a && reply_a < top_b);
        for r in [top_a, reply_a] {
            assert_eq!(CommentRef::parse(&r.to_string()), Some(r));
        }
        assert_eq!(reply_a.id(), reply);
        for bad in ["", "-", &format!("{a}-"), &format!("-{a}"), &format!("{a}-{a}-{a}"), "x-y"] {
            assert_eq!(CommentRef::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn only_web_links_count() {
        let text = "see https://a.example/x and http://b.example, not javascript://c or www.d.example";
        let found: Vec<_> = web_links(text).map(|l| l.as_str().to_owned()).collect();
        assert_eq!(found, ["https://a.example/x", "http://b.example"]);
    }
}
