//! Which comments wait for a moderator before anyone else sees them
//! (docs/moderation.md#held-comments): more than [`MAX_LINKS`] links, or a
//! word or phrase from the operator's held-words list.

use crate::domain::web_links;

/// Links a comment may carry and still be published at once.
pub const MAX_LINKS: usize = 2;

/// The list the functions are built with: `shared/held-words.txt`.
const BUILT_IN: &str = include_str!("../../held-words.txt");

/// Why a comment is held. Never shown to its author, who sees only
/// "Awaiting review" (naming the word would teach spammers the list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldReason {
    Links(usize),
    HeldWord(String),
}

/// The held-words list: each entry one or more lowercase words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldWords(Vec<Vec<String>>);

impl HeldWords {
    /// Parses the file format: one word or phrase a line, `#` notes, blank lines ignored.
    pub fn parse(text: &str) -> HeldWords {
        HeldWords(
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
                .map(words)
                .filter(|phrase| !phrase.is_empty())
                .collect(),
        )
    }

    /// The list built into the functions.
    pub fn built_in() -> HeldWords {
        HeldWords::parse(BUILT_IN)
    }

    /// Why `body` must wait for review, if it must.
    pub fn hold_reason(&self, body: &str) -> Option<HoldReason> {
        let links = web_links(body).count();
        if links > MAX_LINKS {
            return Some(HoldReason::Links(links));
        }
        let text = words(body);
        self.0
            .iter()
            .find(|phrase| text.windows(phrase.len()).any(|w| w == phrase.as_slice()))
            .map(|phrase| HoldReason::HeldWord(phrase.join(" ")))
    }
}

/// Lowercase words: runs of letters and digits, so punctuation, case and
/// spacing cannot dodge the list ("CASINO!" is `casino`, "payday-loan" is
/// `payday`, `loan`).
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list() -> HeldWords {
        HeldWords::parse("# a note\n\nCasino\n  payday loan \n#not-a-word\n")
    }

    #[test]
    fn the_file_format_skips_notes_and_blanks() {
        assert_eq!(list().0, vec![vec!["casino".to_owned()], vec!["payday".to_owned(), "loan".to_owned()]]);
        assert!(!HeldWords::built_in().0.is_empty(), "a default list ships");
    }

    #[test]
    fn words_match_whole_and_ignoring_case_and_punctuation() {
        let l = list();
        for held in ["Win at the CASINO!", "casino", "a payday   loan today", "(Payday) loan.", "payday-loan"]
        {
            assert!(l.hold_reason(held).is_some(), "{held:?}");
        }
        for fine in ["occasional casinos", "pay day loan", "payday, then a loan"] {
            assert_eq!(l.hold_reason(fine), None, "{fine:?}");
        }
    }

    #[test]
    fn more_than_two_links_is_held_two_is_not() {
        let l = HeldWords::parse("");
        assert_eq!(l.hold_reason("https://a.example http://b.example"), None);
        assert_eq!(
            l.hold_reason("https://a.example http://b.example https://c.example"),
            Some(HoldReason::Links(3))
        );
        // Only web links count, as only those become clickable.
        assert_eq!(l.hold_reason("javascript://a javascript://b javascript://c https://d.example"), None);
    }
}
