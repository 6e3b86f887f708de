//! Article slugs: the stable, URL-safe name of an article.

use crate::newtype::impl_display_and_as_ref;

/// Longest slug we accept; keeps URLs and DynamoDB keys small.
pub const MAX_SLUG_LEN: usize = 120;

/// A validated article slug: 1–120 characters of `a-z`, `0-9` and single
/// hyphens, not starting or ending with a hyphen.
///
/// Parsing at the edge means a `Slug` can go straight into a storage key or a
/// URL path without further escaping.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Slug(String);

/// Why a string is not a slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("a slug cannot be empty")]
    Empty,
    #[error("a slug can be at most {MAX_SLUG_LEN} characters")]
    TooLong,
    #[error("a slug may contain only a-z, 0-9 and single hyphens, not at either end")]
    Invalid,
}

impl Slug {
    /// Parses an exact slug.
    pub fn parse(s: &str) -> Result<Slug, SlugError> {
        if s.is_empty() {
            return Err(SlugError::Empty);
        }
        if s.len() > MAX_SLUG_LEN {
            return Err(SlugError::TooLong);
        }
        let bytes = s.as_bytes();
        let ok_chars = bytes.iter().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
        if !ok_chars || bytes[0] == b'-' || bytes[bytes.len() - 1] == b'-' || s.contains("--") {
            return Err(SlugError::Invalid);
        }
        Ok(Slug(s.to_owned()))
    }

    /// Derives a slug from a title: lowercase ASCII letters and digits, every
    /// other run of characters becomes one hyphen. Letters outside ASCII are
    /// dropped, so a title with none at all yields [`SlugError::Empty`].
    pub fn from_title(title: &str) -> Result<Slug, SlugError> {
        let mut out = String::with_capacity(title.len());
        for ch in title.chars() {
            if ch.is_ascii_alphanumeric() {
                out.push(ch.to_ascii_lowercase());
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
        }
        while out.ends_with('-') {
            out.pop();
        }
        if out.len() > MAX_SLUG_LEN {
            out.truncate(MAX_SLUG_LEN);
            while out.ends_with('-') {
                out.pop();
            }
        }
        Slug::parse(&out)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl_display_and_as_ref!(Slug);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::newtype::check::{accepts_unchanged, refuses};

    #[test]
    fn accepts_plain_slugs() {
        accepts_unchanged(Slug::parse, &["a", "rust-on-lambda", "2026-budget", "x1-y2-z3"]);
    }

    #[test]
    fn rejects_everything_else() {
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        refuses(
            Slug::parse,
            SlugError::Invalid,
            &["-a", "a-", "a--b", "A", "a b", "a/b", "é", "a_b", "../x", "a%20"],
        );
        assert_eq!(Slug::parse(&"a".repeat(121)), Err(SlugError::TooLong));
        assert!(Slug::parse(&"a".repeat(120)).is_ok());
    }

    #[test]
    fn slugifies_titles() {
        assert_eq!(Slug::from_title("Hello, World!").unwrap().as_str(), "hello-world");
        assert_eq!(Slug::from_title("  Rust 2026: what's new?  ").unwrap().as_str(), "rust-2026-what-s-new");
        assert_eq!(Slug::from_title("¿¿??"), Err(SlugError::Empty));
        let long = Slug::from_title(&"ab ".repeat(100)).unwrap();
        assert!(long.as_str().len() <= MAX_SLUG_LEN && !long.as_str().ends_with('-'));
    }
}
