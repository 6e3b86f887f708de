//! Comment bodies: the text a reader posts under an article.

use crate::newtype::impl_display_and_as_ref;

/// Most characters (not bytes) in a comment (docs/security.md#comments).
pub const COMMENT_MAX_CHARS: usize = 5_000;
/// Most bytes of UTF-8 in a comment: 5,000 characters of most scripts fit,
/// 5,000 emoji (4 bytes each) do not. Caps what one comment costs to store,
/// read and render whatever it is written in.
pub const COMMENT_MAX_BYTES: usize = 16 * 1024;

/// A comment's text: line breaks normalised to `\n`, trimmed, 1–5,000
/// characters.
///
/// Browsers submit a `<textarea>` with `\r\n` line breaks; normalising first
/// means the limit counts a line break as one character, as the reader sees
/// it (and as `maxlength` does), and stored text has one line-break style.
/// The length is counted in characters, not bytes, so a comment in Greek or
/// Japanese has the same allowance as one in English. The body is kept as
/// plain text; the view escapes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentBody(String);

/// Why a comment cannot be posted. The messages are written for the reader
/// and shown above the form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommentBodyError {
    #[error("Write something before posting.")]
    Empty,
    #[error("Comments can be at most 5,000 characters; yours has {}.", group_thousands(*chars))]
    TooLong { chars: usize },
    #[error(
        "Comments can be at most 16 KiB; yours is {} bytes (emoji and some scripts take up to 4 bytes a character).",
        group_thousands(*bytes)
    )]
    TooManyBytes { bytes: usize },
}

impl CommentBody {
    /// Normalises line breaks (`\r\n` and a lone `\r` become `\n`), trims
    /// surrounding whitespace, and checks the length.
    pub fn parse(raw: &str) -> Result<CommentBody, CommentBodyError> {
        let normalised = raw.replace("\r\n", "\n").replace('\r', "\n");
        let body = normalised.trim();
        if body.is_empty() {
            return Err(CommentBodyError::Empty);
        }
        let chars = body.chars().count();
        if chars > COMMENT_MAX_CHARS {
            return Err(CommentBodyError::TooLong { chars });
        }
        if body.len() > COMMENT_MAX_BYTES {
            return Err(CommentBodyError::TooManyBytes { bytes: body.len() });
        }
        Ok(CommentBody(body.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl_display_and_as_ref!(CommentBody);

/// `5001` → `"5,001"`: the limit in the message is written that way, so the
/// reader's count should be too.
fn group_thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::newtype::check::{accepts, limit_counts_characters, refuses};

    #[test]
    fn trims_and_normalises_line_breaks() {
        accepts(
            CommentBody::parse,
            &[
                ("  hello  ", "hello"),
                ("\r\nline 1\r\n\r\nline 2\r\n", "line 1\n\nline 2"),
                ("a\rb", "a\nb"),
                ("  indented\n  code", "indented\n  code"),
                ("<b>not html</b>", "<b>not html</b>"),
            ],
        );
    }

    #[test]
    fn empty_after_trimming_is_rejected() {
        refuses(CommentBody::parse, CommentBodyError::Empty, &["", " ", "\r\n\r\n", "\t \n", "\u{3000}"]);
        assert_eq!(CommentBodyError::Empty.to_string(), "Write something before posting.");
    }

    #[test]
    fn limit_is_5000_characters_not_bytes() {
        limit_counts_characters(CommentBody::parse, 5_000, CommentBodyError::TooLong { chars: 5_001 });
        // Surrounding whitespace does not count.
        assert!(CommentBody::parse(&format!("\n\n{}  ", "a".repeat(5_000))).is_ok());
        // A line break counts once, even when the browser sent \r\n.
        let lines = "a\r\n".repeat(2_500);
        assert_eq!(lines.chars().count(), 7_500);
        assert!(CommentBody::parse(&lines).is_ok());
    }

    #[test]
    fn limit_is_also_16_kib_of_utf8() {
        // 4,096 four-byte characters are exactly 16 KiB: allowed; one more is not,
        // though it is far under 5,000 characters.
        assert!(CommentBody::parse(&"😀".repeat(4_096)).is_ok());
        assert_eq!(
            CommentBody::parse(&"😀".repeat(4_097)),
            Err(CommentBodyError::TooManyBytes { bytes: 16_388 })
        );
        assert_eq!(
            CommentBodyError::TooManyBytes { bytes: 16_388 }.to_string(),
            "Comments can be at most 16 KiB; yours is 16,388 bytes (emoji and some scripts take up to 4 bytes a character)."
        );
    }

    #[test]
    fn too_long_message_says_how_long() {
        assert_eq!(
            CommentBodyError::TooLong { chars: 5_001 }.to_string(),
            "Comments can be at most 5,000 characters; yours has 5,001."
        );
        assert_eq!(
            CommentBodyError::TooLong { chars: 1_234_567 }.to_string(),
            "Comments can be at most 5,000 characters; yours has 1,234,567."
        );
    }

    #[test]
    fn thousands_are_grouped() {
        for (n, s) in
            [(0, "0"), (7, "7"), (999, "999"), (1_000, "1,000"), (65_536, "65,536"), (100_000, "100,000")]
        {
            assert_eq!(group_thousands(n), s);
        }
    }
}
