//! The one stylesheet, inlined in every page.
//!
//! Inlining saves a request on every cold page view and keeps the site
//! self-contained; at under 4.5 KB it costs less than a round trip. The CSP
//! allows exactly this text through its SHA-256 hash, so no `'unsafe-inline'`.

use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// The stylesheet, byte for byte what the layout puts between `<style>` and
/// `</style>`. It is a compile-time constant written by us, which is why the
/// layout may emit it unescaped (escaping would turn `"` in font names into
/// `&quot;`, which CSS does not decode).
const STYLESHEET: &str = include_str!("site.css");

static CSP_SOURCE: LazyLock<String> =
    LazyLock::new(|| format!("'sha256-{}'", STANDARD.encode(Sha256::digest(STYLESHEET.as_bytes()))));

/// The site's stylesheet (see the module docs for why it is inline).
pub fn stylesheet() -> &'static str {
    STYLESHEET
}

/// The CSP source expression (`'sha256-…'`) that allows the inline
/// stylesheet, for `style-src`. Computed once per process.
pub fn style_csp_source() -> &'static str {
    CSP_SOURCE.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_the_stylesheet() {
        let expected = STANDARD.encode(Sha256::digest(stylesheet().as_bytes()));
        assert_eq!(style_csp_source(), format!("'sha256-{expected}'"));
        // Stable across calls (LazyLock) and a valid CSP hash source.
        assert!(std::ptr::eq(style_csp_source(), style_csp_source()));
        assert_eq!(expected.len(), 44);
    }

    #[test]
    fn stylesheet_is_small_self_contained_and_cannot_end_its_element() {
        let css = stylesheet();
        assert!(css.len() < 4608, "{} bytes", css.len());
        let lower = css.to_ascii_lowercase();
        assert!(!lower.contains("</style"));
        assert!(!lower.contains("url(") && !lower.contains("@import"), "loads nothing");
        assert!(css.contains(":focus-visible"));
        assert!(css.contains("flex-wrap:wrap"));
        assert!(css.contains("max-width:42rem"));
    }

    /// WCAG relative luminance of `#rrggbb`.
    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    /// Reads `--name:#rrggbb` from a custom-property block.
    fn var<'a>(block: &'a str, name: &str) -> &'a str {
        let key = format!("--{name}:");
        let at = block.find(&key).unwrap() + key.len();
        &block[at..at + 7]
    }

    #[test]
    fn colours_meet_wcag_aa_in_light_and_dark_schemes() {
        let css = stylesheet();
        let dark_at = css.find("prefers-color-scheme:dark").unwrap();
        for block in [&css[..dark_at], &css[dark_at..]] {
            let bg = var(block, "bg");
            // `accent` is also button background behind `bg`-coloured text.
            for text in ["fg", "muted", "accent", "err"] {
                let ratio = contrast(var(block, text), bg);
                assert!(ratio >= 4.5, "--{text} on --bg is {ratio:.2}:1");
            }
            let focus = contrast(var(block, "focus"), bg);
            assert!(focus >= 3.0, "focus ring {focus:.2}:1");
        }
    }
}
