//! `return_to`: where to send the reader after login, without becoming an
//! open redirect (docs/security.md#return_to).
//!
//! An open redirect lets a phishing link start on this site's domain
//! (`https://news.example/login?return_to=https://evil.example`) and end
//! elsewhere, lending it this site's credibility. So only a *local path* is
//! accepted, judged the way a browser will read the `Location` header, and
//! anything in doubt becomes `/`.

/// Longest `return_to` kept; longer is not a link this site made.
pub const RETURN_TO_MAX_BYTES: usize = 512;

/// The path to redirect to after login: `raw` if it is unambiguously a path
/// on this site, otherwise `/`.
///
/// `raw` is the already-decoded form or query value. Accepted only when it:
///
/// * starts with exactly one `/` and its second character is neither `/` nor
///   `\` (`//evil.example` and `/\evil.example` are scheme-relative URLs to
///   another host: browsers treat `\` like `/` in URLs);
/// * has no `\` anywhere, for the same reason;
/// * is printable ASCII only: no control characters or whitespace, because
///   browsers silently delete tab and newline from URLs, which turns
///   `/<TAB>/evil.example` into `//evil.example` after this check; and no
///   non-ASCII, which a `Location` header cannot carry unencoded and which
///   links made by this site never contain;
/// * is at most 512 bytes.
///
/// Starting with `/` also rules out every scheme (`https:`, `javascript:`,
/// `data:`). Percent-escapes are left alone and need no decoding here: the
/// browser does not decode the path of a `Location` URL before deciding
/// where it points, so `/%09/evil.example` or `/%2F%2Fevil.example` stay
/// paths on this site (they will most likely be a `404`, which is fine).
/// Query strings and fragments survive (`/articles/x?comments_after=c#comments`).
pub fn safe_return_to(raw: Option<&str>) -> String {
    match raw {
        Some(path) if is_local_path(path) => path.to_owned(),
        _ => "/".to_owned(),
    }
}

fn is_local_path(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() <= RETURN_TO_MAX_BYTES
        && b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.iter().all(|&c| c.is_ascii_graphic() && c != b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_survive() {
        for p in [
            "/",
            "/articles/x",
            "/articles/x#comments",
            "/articles/x?comments_after=abc#comments",
            "/category/world?after=eyJ0IjoxfQ",
            "/a/b/c/",
            "/articles/x/../y",
            "/%09/evil.com",
            "/%2F%2Fevil.com",
            "/%5Cevil.com",
            "/javascript:alert(1)",
            "/@evil.com",
            "/.",
            "/?next=//evil.com",
            "/a//b",
        ] {
            assert_eq!(safe_return_to(Some(p)), p, "{p:?}");
        }
        let longest = format!("/{}", "a".repeat(RETURN_TO_MAX_BYTES - 1));
        assert_eq!(safe_return_to(Some(&longest)), longest);
    }

    #[test]
    fn open_redirect_attempts_go_home() {
        for p in [
            "",
            ".",
            "..",
            "a",
            "articles/x",
            "https://evil.com",
            "http://evil.com/",
            "HTTPS://evil.com",
            "https:evil.com",
            "https:/evil.com",
            "//evil.com",
            "//evil.com/path",
            "///evil.com",
            "////evil.com",
            "/\\evil.com",
            "/\\/evil.com",
            "\\\\evil",
            "\\/evil.com",
            "/evil\\com",
            "/a\\b",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox",
            " /articles/x",
            "/articles/x ",
            "/\t/evil.com",
            "/\n/evil.com",
            "/\r/evil.com",
            "\t//evil.com",
            "/a b",
            "/\u{0}",
            "/\u{7f}",
            "/\u{3000}/evil.com",
            "/\u{ff0f}evil.com",
            "/é",
            "evil.com",
            "@evil.com",
            "%2F%2Fevil.com",
            "%2f/evil.com",
        ] {
            assert_eq!(safe_return_to(Some(p)), "/", "{p:?}");
        }
        assert_eq!(safe_return_to(None), "/");
        let too_long = format!("/{}", "a".repeat(RETURN_TO_MAX_BYTES));
        assert_eq!(safe_return_to(Some(&too_long)), "/");
    }
}
