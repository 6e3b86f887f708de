//! Idempotency keys: one comment per form, however often it is submitted.
//!
//! The comment form carries a key generated when the form is rendered. A
//! double click, a resubmission after a slow response, or the back button
//! sends the same key again, and the store's conditional write on it turns
//! the repeat into "already posted" instead of a second comment
//! (docs/security.md#comments).

use crate::newtype::{impl_display, impl_random_token};

/// The hidden form field the key travels in.
pub const IDEMPOTENCY_FIELD: &str = "idempotency_key";

/// Random bytes in a key: 128 bits, so two forms never collide by chance.
const KEY_BYTES: usize = 16;

/// An idempotency key: 16 random bytes, base64url without padding
/// (22 characters). Not a secret: it only names one submission, and it is
/// scoped to the reader who posts it.
///
/// [`IdempotencyKey::generate`] makes one for each freshly rendered form. A
/// submitted key [`IdempotencyKey::parse`] refuses (a hand-made form, a
/// tampered field) makes the handler answer `400` (a malformed form) rather
/// than post without protection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl_random_token!(IdempotencyKey, KEY_BYTES);
impl_display!(IdempotencyKey);

impl IdempotencyKey {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_22_base64url_characters_and_unique() {
        let a = IdempotencyKey::generate();
        assert_eq!(a.as_str().len(), 22);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_ne!(a, IdempotencyKey::generate());
        assert_eq!(IdempotencyKey::parse(a.as_str()), Some(a.clone()));
        assert_eq!(IdempotencyKey::parse(&a.to_string()), Some(a));
    }

    #[test]
    fn parse_is_exact() {
        let k = IdempotencyKey::generate();
        let k = k.as_str();
        for bad in [
            "",
            &k[..21],
            &format!("{k}A"),
            &format!("{k}=="),
            &format!(" {k}"),
            "!!!!!!!!!!!!!!!!!!!!!!",
            "AAAAAAAAAAAAAAAAAAAAAB",
            "ééééééééééé",
        ] {
            assert_eq!(IdempotencyKey::parse(bad), None, "{bad:?}");
        }
        assert!(IdempotencyKey::parse("AAAAAAAAAAAAAAAAAAAAAA").is_some());
    }
}
