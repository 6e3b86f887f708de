//! Site search, as the rest of the site sees it: the reader's query, a page
//! of results and where the next page starts. The engine itself (tantivy)
//! lives in the `broadsheet-index` crate, so that only the search function
//! and the operator's tools carry it.

use std::ops::Range;

use time::OffsetDateTime;

use super::cursor::{CursorScope, InvalidCursor, open, seal};
use super::{Category, Slug};

/// Longest query a reader may send, in characters (after trimming):
/// longer is a `400`, never a slow query.
pub const MAX_QUERY_CHARS: usize = 200;
/// Results on one page of search results.
pub const SEARCH_PAGE_SIZE: usize = 20;
/// How deep pagination goes: a cursor past this many results is refused.
/// The engine ranks `offset + page` documents to serve a page, so the depth
/// bounds a request's work; no reader pages through 50 pages of results.
pub const MAX_SEARCH_OFFSET: usize = 1000;

/// What a reader typed into the search box: trimmed, whitespace runs made
/// one space, 1 to [`MAX_QUERY_CHARS`] characters. Any characters are
/// allowed (quotes, `*`, `:`, parentheses): the engine crate decides what
/// they mean, and nothing here can make a query fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery(String);

/// The query is longer than [`MAX_QUERY_CHARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a search can be at most {MAX_QUERY_CHARS} characters")]
pub struct QueryTooLong;

impl SearchQuery {
    /// The query, or `None` for an empty (or all-whitespace) one, which
    /// shows the search form.
    pub fn parse(raw: &str) -> Result<Option<SearchQuery>, QueryTooLong> {
        let words: Vec<&str> = raw.split_whitespace().collect();
        let query = words.join(" ");
        if query.chars().count() > MAX_QUERY_CHARS {
            return Err(QueryTooLong);
        }
        Ok((!query.is_empty()).then_some(SearchQuery(query)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Where a page of results starts, and the time the first page was asked
/// at: later pages rank the same set of stories even when a scheduled one
/// becomes visible meanwhile. A cursor cannot reveal a scheduled story, as
/// its time is never later than the request's ([`SearchPosition::from_cursor`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchPosition {
    /// Results before this page.
    pub offset: usize,
    /// Only stories published by then are searched.
    pub as_of: OffsetDateTime,
}

impl SearchPosition {
    /// The cursor for this position, bound to `query`: it is refused for any
    /// other query.
    pub fn to_cursor(&self, query: &SearchQuery) -> String {
        seal(CursorScope::Search(query.as_str()), &format!("{}|{}", self.offset, self.as_of.unix_timestamp()))
    }

    /// Decodes a cursor [`SearchPosition::to_cursor`] issued for `query`;
    /// its time is clamped to `now`, and an offset past [`MAX_SEARCH_OFFSET`]
    /// is refused.
    pub fn from_cursor(query: &SearchQuery, token: &str, now: OffsetDateTime) -> Result<Self, InvalidCursor> {
        let payload = open(CursorScope::Search(query.as_str()), token)?;
        let (offset, at) = payload.split_once('|').ok_or(InvalidCursor)?;
        let offset: usize = offset.parse().map_err(|_| InvalidCursor)?;
        if offset == 0 || offset > MAX_SEARCH_OFFSET {
            return Err(InvalidCursor);
        }
        let at =
            at.parse().ok().and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok()).ok_or(InvalidCursor)?;
        Ok(SearchPosition { offset, as_of: at.min(now) })
    }
}

/// A piece of text with the engine's matches marked: byte ranges into
/// `text`, in order, not overlapping, on character boundaries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Highlighted {
    text: String,
    marks: Vec<Range<usize>>,
}

impl Highlighted {
    /// `text` with `marks`; ranges that are out of order, overlapping, out
    /// of bounds or not on character boundaries are dropped rather than
    /// trusted.
    pub fn new(text: String, marks: impl IntoIterator<Item = Range<usize>>) -> Highlighted {
        let mut kept: Vec<Range<usize>> = Vec::new();
        for m in marks {
            let after_last = kept.last().is_none_or(|l| l.end <= m.start);
            if after_last && m.start < m.end && text.get(m.clone()).is_some() {
                kept.push(m);
            }
        }
        Highlighted { text, marks: kept }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether any match is marked.
    pub fn has_marks(&self) -> bool {
        !self.marks.is_empty()
    }

    /// The text in order, as `(piece, marked)`.
    pub fn pieces(&self) -> Vec<(&str, bool)> {
        let mut out = Vec::new();
        let mut at = 0;
        for m in &self.marks {
            if m.start > at {
                out.push((&self.text[at..m.start], false));
            }
            out.push((&self.text[m.clone()], true));
            at = m.end;
        }
        if at < self.text.len() {
            out.push((&self.text[at..], false));
        }
        out
    }
}

/// One story that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    pub slug: Slug,
    pub title: String,
    pub category: Category,
    pub author: String,
    pub published_at: OffsetDateTime,
    /// The passage of the body (or else the summary) that matched best.
    pub snippet: Highlighted,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    /// Stories that match in all.
    pub total: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_trimmed_and_bounded() {
        assert_eq!(SearchQuery::parse("  "), Ok(None));
        assert_eq!(SearchQuery::parse(" harbour \t ferry\n").unwrap().unwrap().as_str(), "harbour ferry");
        assert!(SearchQuery::parse(&"é".repeat(200)).unwrap().is_some(), "characters, not bytes");
        assert_eq!(SearchQuery::parse(&"a".repeat(201)), Err(QueryTooLong));
        for odd in ["\"", "*", "AND", "(", "title:x", "<script>"] {
            assert!(SearchQuery::parse(odd).unwrap().is_some(), "{odd}");
        }
    }

    #[test]
    fn cursors_belong_to_their_query_and_never_reach_the_future() {
        let q = SearchQuery::parse("ferry").unwrap().unwrap();
        let other = SearchQuery::parse("ferries").unwrap().unwrap();
        let now = OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
        let at = SearchPosition { offset: 20, as_of: now };
        let c = at.to_cursor(&q);
        assert_eq!(SearchPosition::from_cursor(&q, &c, now), Ok(at));
        assert_eq!(SearchPosition::from_cursor(&other, &c, now), Err(InvalidCursor));
        let earlier = now - time::Duration::hours(1);
        assert_eq!(SearchPosition::from_cursor(&q, &c, earlier).unwrap().as_of, earlier, "clamped to now");
        for offset in [0, MAX_SEARCH_OFFSET + 1] {
            let c = SearchPosition { offset, as_of: now }.to_cursor(&q);
            assert_eq!(SearchPosition::from_cursor(&q, &c, now), Err(InvalidCursor), "{offset}");
        }
        assert!(SearchPosition::from_cursor(&q, "x", now).is_err());
    }

    #[test]
    fn highlights_keep_only_sound_ranges() {
        let h = Highlighted::new("fish and chips".into(), [0..4, 2..6, 9..14, 20..30]);
        assert_eq!(h.pieces(), vec![("fish", true), (" and ", false), ("chips", true)]);
        let h = Highlighted::new("café".into(), std::iter::once(0..4));
        assert!(!h.has_marks(), "not a character boundary");
        assert_eq!(h.pieces(), vec![("café", false)]);
    }
}
