//! Opaque pagination cursors.
//!
//! A cursor is `base64url(position ‖ tag)`, where the tag is the first 8 bytes
//! of SHA-256 over a version, the cursor's *scope* (which listing it belongs
//! to) and the position. The tag is not a secret-keyed MAC: a forged cursor
//! can at most start a listing at another place *inside the same listing*,
//! which readers may do anyway. What the tag buys is that a cursor cut, edited
//! or carried over from another listing (another category, another article's
//! comments) is rejected with `400` instead of reaching another partition.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::{Category, CommentId, ListingPosition, Slug};

const TAG_LEN: usize = 8;
/// Cursors longer than this are rejected before decoding.
const MAX_CURSOR_LEN: usize = 256;

/// The listing a cursor belongs to.
#[derive(Debug, Clone, Copy)]
pub enum CursorScope<'a> {
    /// The front page (all categories).
    Front,
    Category(Category),
    /// One author's stories.
    Author(&'a Slug),
    /// The comments of one article.
    Comments(&'a Slug),
    /// The results of one search query (as normalised by `SearchQuery`).
    Search(&'a str),
}

impl CursorScope<'_> {
    fn write(&self, h: &mut Sha256) {
        match self {
            CursorScope::Front => h.update(b"front"),
            CursorScope::Category(c) => {
                h.update(b"category:");
                h.update(c.slug().as_bytes());
            }
            CursorScope::Author(slug) => {
                h.update(b"author:");
                h.update(slug.as_str().as_bytes());
            }
            CursorScope::Comments(slug) => {
                h.update(b"comments:");
                h.update(slug.as_str().as_bytes());
            }
            CursorScope::Search(query) => {
                h.update(b"search:");
                h.update(query.as_bytes());
            }
        }
    }
}

/// The cursor is not one this site issued for this listing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid pagination cursor")]
pub struct InvalidCursor;

fn tag(scope: CursorScope<'_>, payload: &[u8]) -> [u8; TAG_LEN] {
    let mut h = Sha256::new();
    h.update(b"broadsheet-cursor-v1\0");
    scope.write(&mut h);
    h.update(b"\0");
    h.update(payload);
    let digest = h.finalize();
    let mut out = [0u8; TAG_LEN];
    out.copy_from_slice(&digest[..TAG_LEN]);
    out
}

pub(super) fn seal(scope: CursorScope<'_>, payload: &str) -> String {
    let mut bytes = payload.as_bytes().to_vec();
    bytes.extend_from_slice(&tag(scope, payload.as_bytes()));
    URL_SAFE_NO_PAD.encode(bytes)
}

pub(super) fn open(scope: CursorScope<'_>, token: &str) -> Result<String, InvalidCursor> {
    if token.is_empty() || token.len() > MAX_CURSOR_LEN {
        return Err(InvalidCursor);
    }
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| InvalidCursor)?;
    if bytes.len() <= TAG_LEN {
        return Err(InvalidCursor);
    }
    let (payload, got) = bytes.split_at(bytes.len() - TAG_LEN);
    if tag(scope, payload) != got {
        return Err(InvalidCursor);
    }
    String::from_utf8(payload.to_vec()).map_err(|_| InvalidCursor)
}

impl ListingPosition {
    /// Encodes this position as a cursor for `scope`.
    pub fn to_cursor(&self, scope: CursorScope<'_>) -> String {
        let payload = format!("{}|{}", self.published_at.unix_timestamp_nanos(), self.slug);
        seal(scope, &payload)
    }

    /// Decodes a cursor issued by [`ListingPosition::to_cursor`] for the same scope.
    pub fn from_cursor(scope: CursorScope<'_>, token: &str) -> Result<Self, InvalidCursor> {
        let payload = open(scope, token)?;
        let (nanos, slug) = payload.split_once('|').ok_or(InvalidCursor)?;
        let nanos: i128 = nanos.parse().map_err(|_| InvalidCursor)?;
        let published_at = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| InvalidCursor)?;
        let slug = Slug::parse(slug).map_err(|_| InvalidCursor)?;
        Ok(ListingPosition { published_at, slug })
    }
}

impl CommentId {
    /// Encodes "after this comment" as a cursor for the article's comments.
    pub fn to_cursor(&self, article: &Slug) -> String {
        seal(CursorScope::Comments(article), &self.to_string())
    }

    /// Decodes a cursor issued by [`CommentId::to_cursor`] for the same article.
    pub fn from_cursor(article: &Slug, token: &str) -> Result<Self, InvalidCursor> {
        let payload = open(CursorScope::Comments(article), token)?;
        CommentId::parse(&payload).ok_or(InvalidCursor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos() -> ListingPosition {
        ListingPosition {
            published_at: OffsetDateTime::from_unix_timestamp(1_790_000_000).unwrap(),
            slug: Slug::parse("a-story").unwrap(),
        }
    }

    #[test]
    fn listing_cursor_round_trips_in_its_scope_only() {
        let c = pos().to_cursor(CursorScope::Category(Category::Sports));
        assert_eq!(ListingPosition::from_cursor(CursorScope::Category(Category::Sports), &c), Ok(pos()));
        assert_eq!(
            ListingPosition::from_cursor(CursorScope::Category(Category::Science), &c),
            Err(InvalidCursor)
        );
        assert_eq!(ListingPosition::from_cursor(CursorScope::Front, &c), Err(InvalidCursor));
    }

    #[test]
    fn any_edit_is_rejected() {
        let c = pos().to_cursor(CursorScope::Front);
        for i in 0..c.len() {
            let mut b = c.clone().into_bytes();
            b[i] = if b[i] == b'A' { b'B' } else { b'A' };
            let edited = String::from_utf8(b).unwrap();
            if edited != c {
                assert!(ListingPosition::from_cursor(CursorScope::Front, &edited).is_err(), "{edited}");
            }
        }
        for bad in ["", "!!!", "%00", &"A".repeat(300), &c[..c.len() - 1]] {
            assert!(ListingPosition::from_cursor(CursorScope::Front, bad).is_err());
        }
    }

    #[test]
    fn comment_cursor_is_bound_to_its_article() {
        let a = Slug::parse("one").unwrap();
        let b = Slug::parse("two").unwrap();
        let id = CommentId::new_at(OffsetDateTime::now_utc());
        let c = id.to_cursor(&a);
        assert_eq!(CommentId::from_cursor(&a, &c), Ok(id));
        assert_eq!(CommentId::from_cursor(&b, &c), Err(InvalidCursor));
    }
}
