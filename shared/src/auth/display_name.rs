//! Display names: how a reader appears next to their comments.

use crate::newtype::impl_display_and_as_ref;

/// Most characters (not bytes) in a display name.
pub const DISPLAY_NAME_MAX_CHARS: usize = 50;

/// A display name: 1–50 characters, no control or bidirectional-override
/// characters, whitespace runs collapsed to one space.
///
/// Unlike a [`Username`](super::Username), a display name is free text in
/// any script and need not be unique; it is what other readers see, so the
/// rules are about legibility rather than identity. Whitespace (including a
/// pasted tab or newline) is collapsed instead of rejected, because it is
/// harmless once it is a single space and rejecting it would only annoy.
/// Control characters are rejected, and so are the Unicode bidirectional
/// embedding, override and isolate controls: inside a name they can make
/// the text that follows the name (on the same line of a comment header)
/// render reversed, which is a spoofing tool rather than a way of writing.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DisplayName(String);

/// Why the text typed into the display-name field is not accepted. The
/// messages are written for the reader and shown next to the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisplayNameError {
    #[error("Enter the name other readers will see.")]
    Empty,
    #[error("Display names can be at most 50 characters; yours has {chars}.")]
    TooLong { chars: usize },
    #[error("Display names cannot contain control characters or invisible formatting characters.")]
    ControlCharacter,
}

impl DisplayName {
    /// Parses what a reader typed: trims, collapses every run of whitespace
    /// to one space, then checks for control characters and the length in
    /// characters.
    pub fn parse(raw: &str) -> Result<DisplayName, DisplayNameError> {
        let collapsed = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if collapsed.is_empty() {
            return Err(DisplayNameError::Empty);
        }
        if collapsed.chars().any(is_forbidden) {
            return Err(DisplayNameError::ControlCharacter);
        }
        let chars = collapsed.chars().count();
        if chars > DISPLAY_NAME_MAX_CHARS {
            return Err(DisplayNameError::TooLong { chars });
        }
        Ok(DisplayName(collapsed))
    }

    /// A name read back from storage. Names stored before format characters
    /// were refused lose them here rather than lock their owner out; every
    /// other rule still applies.
    pub fn from_stored(stored: &str) -> Result<DisplayName, DisplayNameError> {
        let visible: String = stored.chars().filter(|&c| c.is_control() || !is_forbidden(c)).collect();
        DisplayName::parse(&visible)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// Control characters (Unicode `Cc`) and format characters (`Cf`: the
/// zero-width space, joiners and non-joiners, the bidi embedding / override /
/// isolate controls, soft hyphens, tag characters …): invisible, they would
/// let one name pass for another.
fn is_forbidden(c: char) -> bool {
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory as _};
    c.is_control() || c.general_category() == GeneralCategory::Format
}

impl_display_and_as_ref!(DisplayName);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::newtype::check::{accepts, accepts_unchanged, limit_counts_characters, refuses};

    #[test]
    fn trims_and_collapses_whitespace() {
        accepts(
            DisplayName::parse,
            &[
                ("  Ada   Lovelace ", "Ada Lovelace"),
                ("Ada\t\n Lovelace", "Ada Lovelace"),
                ("Ada\u{3000}Lovelace", "Ada Lovelace"),
                ("x", "x"),
            ],
        );
    }

    #[test]
    fn keeps_any_script_and_emoji() {
        accepts_unchanged(
            DisplayName::parse,
            &["Zoë Ångström", "李小龙", "Дмитрий", "محمد", "🔬 Marie", "O'Brien <3"],
        );
    }

    #[test]
    fn empty_and_blank_are_rejected() {
        refuses(DisplayName::parse, DisplayNameError::Empty, &["", " ", "\t\n", "\u{3000}"]);
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        limit_counts_characters(DisplayName::parse, 50, DisplayNameError::TooLong { chars: 51 });
        // Counted after collapsing: 50 letters padded with spaces still fit.
        assert!(DisplayName::parse(&format!("   {}   ", "a".repeat(50))).is_ok());
        assert_eq!(
            DisplayNameError::TooLong { chars: 51 }.to_string(),
            "Display names can be at most 50 characters; yours has 51."
        );
    }

    #[test]
    fn control_and_bidi_override_characters_are_rejected() {
        let forbidden = [
            "a\u{0}b",
            "a\u{7}b",
            "a\u{1b}[31mb",
            "a\u{7f}b",
            "a\u{9b}b",
            "evil\u{202e}txt.exe",
            "a\u{2066}b",
            // Invisible: zero-width space, joiner, non-joiner, word joiner,
            // BOM, soft hyphen, a tag character, the ZWJ of an emoji sequence.
            "ad\u{200b}min",
            "a\u{200d}b",
            "a\u{200c}b",
            "a\u{2060}b",
            "\u{feff}ann",
            "an\u{ad}n",
            "ann\u{e0041}",
            "👩\u{200d}🔬 Marie",
        ];
        refuses(DisplayName::parse, DisplayNameError::ControlCharacter, &forbidden);
    }

    #[test]
    fn stored_names_lose_format_characters_instead_of_failing() {
        assert_eq!(DisplayName::from_stored("ad\u{200b}min\u{202e}").unwrap().as_str(), "admin");
        assert_eq!(DisplayName::from_stored("Ann").unwrap().as_str(), "Ann");
        assert!(DisplayName::from_stored("a\u{7}b").is_err(), "control characters are still corrupt");
        assert!(DisplayName::from_stored("\u{200b}").is_err(), "nothing visible left");
    }
}
