//! Usernames: the stable, unique handle of an account.

use crate::newtype::impl_display_and_as_ref;

/// Fewest characters in a username.
pub const USERNAME_MIN_LEN: usize = 3;
/// Most characters in a username; keeps storage keys and URLs short.
pub const USERNAME_MAX_LEN: usize = 32;

/// A username in canonical form: 3–32 characters of `a-z`, `0-9`, `_`, `-`.
///
/// Usernames are unique case-insensitively (docs/security.md#usernames). Rather than
/// compare case-insensitively everywhere, [`Username::parse`] folds the input
/// to one canonical spelling, and that spelling is what is stored, keyed and
/// compared: `Alice`, `ALICE` and ` alice ` are the same account, and the
/// DynamoDB conditional write on the canonical key is what makes two
/// concurrent signups for one name end with exactly one winner.
///
/// Only ASCII is folded. Unicode case mapping would turn look-alikes into
/// real letters (the Kelvin sign `K`, U+212A, lowercases to `k`), so a name
/// could be registered with characters that differ from the ones displayed;
/// non-ASCII input is rejected instead.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username(String);

/// Why the text typed into the username field is not a username. The
/// messages are written for the reader and shown next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("Choose a username.")]
    Empty,
    #[error("Usernames are 3–32 characters: letters, digits, _ and -")]
    Length,
    #[error("Usernames may contain only letters, digits, _ and - (no spaces or accents).")]
    Characters,
}

impl Username {
    /// Parses what a reader typed: surrounding whitespace is trimmed (a
    /// stray space from autofill or a paste is not worth an error), ASCII
    /// letters are lowercased, then the result must be 3–32 characters of
    /// `a-z 0-9 _ -`. Whitespace inside the name is an error, not trimmed.
    pub fn parse(raw: &str) -> Result<Username, UsernameError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(UsernameError::Empty);
        }
        let canonical = trimmed.to_ascii_lowercase();
        if !canonical.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(UsernameError::Characters);
        }
        // Only ASCII remains, so bytes and characters agree.
        if !(USERNAME_MIN_LEN..=USERNAME_MAX_LEN).contains(&canonical.len()) {
            return Err(UsernameError::Length);
        }
        Ok(Username(canonical))
    }

    /// The canonical (lowercase) form, as stored and keyed.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl_display_and_as_ref!(Username);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::newtype::check::{accepts_unchanged, refuses};

    #[test]
    fn accepts_valid_names_as_is() {
        accepts_unchanged(
            Username::parse,
            &["abc", "alice", "bob_99", "x-y-z", "___", "---", "a1b", &"a".repeat(32)],
        );
    }

    #[test]
    fn folds_case_and_trims_to_one_canonical_spelling() {
        for s in ["Alice", "ALICE", " alice ", "\talice\n", "aLiCe"] {
            assert_eq!(Username::parse(s).unwrap(), Username::parse("alice").unwrap(), "{s:?}");
        }
        assert_eq!(Username::parse(" Bob_99 ").unwrap().to_string(), "bob_99");
    }

    #[test]
    fn length_is_3_to_32() {
        assert_eq!(Username::parse("ab"), Err(UsernameError::Length));
        assert_eq!(Username::parse(" ab "), Err(UsernameError::Length));
        assert_eq!(Username::parse(&"a".repeat(33)), Err(UsernameError::Length));
        assert!(Username::parse(&"a".repeat(3)).is_ok());
        assert!(Username::parse(&"a".repeat(32)).is_ok());
    }

    #[test]
    fn empty_or_blank_is_its_own_error() {
        refuses(Username::parse, UsernameError::Empty, &["", "   "]);
    }

    #[test]
    fn rejects_everything_outside_the_alphabet() {
        let outside = [
            "al ice",
            "alice!",
            "al.ice",
            "al/ice",
            "al@ice",
            "al\u{0}ice",
            "al\u{202e}ice",
            "zoë",
            "ålice",
            // Kelvin sign: Unicode-lowercases to `k`, must not become "kate".
            "\u{212a}ate",
            // Fullwidth letters.
            "\u{ff41}\u{ff42}\u{ff43}",
            "<script>",
            "a%20b",
        ];
        refuses(Username::parse, UsernameError::Characters, &outside);
    }

    #[test]
    fn messages_are_reader_facing() {
        assert_eq!(
            UsernameError::Length.to_string(),
            "Usernames are 3–32 characters: letters, digits, _ and -"
        );
        assert!(!UsernameError::Characters.to_string().is_empty());
    }
}
