//! Sessions: the bearer token in the cookie, its stored hash, and cookies.
//!
//! The token is a random 256-bit value the browser holds; the server stores
//! only its SHA-256 ([`TokenHash`]). A copy of the sessions table (a backup,
//! a log of items) therefore holds nothing that can be replayed as a cookie,
//! and because the token is uniformly random a fast unsalted hash is enough:
//! there is no guessing attack for a slow hash to slow down.

use http::HeaderMap;
use http::header::COOKIE;
use sha2::{Digest as _, Sha256};

use crate::newtype::{impl_display, impl_secret_token};

/// The session cookie's name. The `__Host-` prefix makes browsers accept it
/// only when set `Secure`, with `Path=/` and no `Domain`, from this very
/// host: a sibling subdomain (or a man in the middle on plain HTTP) cannot
/// plant or overwrite it, so it cannot log a reader into another account.
pub const SESSION_COOKIE: &str = "__Host-bs_session";

/// How long a session lasts from login. The cookie's `Max-Age` and the
/// stored record's expiry (DynamoDB TTL) both come from this.
pub const SESSION_TTL: time::Duration = time::Duration::days(14);

/// A session token as sent in the cookie: 32 random bytes, base64url
/// without padding (43 characters).
///
/// A bearer credential: whoever has it is logged in, so `Debug` hides it.
/// Only [`session_cookie`] and [`SessionToken::hash`] look inside.
/// [`SessionToken::generate`] a new one at every login, never reuse one (a
/// token fixed before login would let whoever planted it ride along). A
/// cookie value [`SessionToken::parse`] refuses is no session: the visitor
/// is simply anonymous.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(String);

impl_secret_token!(SessionToken);

impl SessionToken {
    /// The value to look the session up by: SHA-256 of the token, hex.
    pub fn hash(&self) -> TokenHash {
        TokenHash(hex(&Sha256::digest(self.0.as_bytes())))
    }
}

/// The SHA-256 of a [`SessionToken`], 64 lowercase hex digits: what the
/// sessions table is keyed by. Safe to log or store; it cannot be turned
/// back into a cookie.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Wraps a hash read back from storage (64 lowercase hex digits).
    pub fn from_hex(s: &str) -> Option<TokenHash> {
        let ok = s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| TokenHash(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl_display!(TokenHash);

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

/// The attributes every session cookie carries (docs/security.md#sessions).
///
/// `HttpOnly`: no script can read it. `Secure`: never sent in clear text
/// (browsers treat `http://localhost` as secure, so local development still
/// works in Chrome and Firefox). `SameSite=Lax`: not sent on cross-site
/// POSTs, a first line against CSRF, yet still sent when a reader follows a
/// link to the site from elsewhere, so they arrive logged in. `Path=/`: the
/// whole site. No `Domain`: host-only, so sibling subdomains never see it.
const SESSION_COOKIE_ATTRS: &str = "HttpOnly; Secure; SameSite=Lax; Path=/";

/// The `Set-Cookie` value that logs the browser in with `token`.
pub fn session_cookie(token: &SessionToken) -> String {
    format!(
        "{SESSION_COOKIE}={}; {SESSION_COOKIE_ATTRS}; Max-Age={}",
        token.0,
        super::max_age_secs(SESSION_TTL)
    )
}

/// The `Set-Cookie` value that removes the session cookie (logout). The
/// attributes must match the ones it was set with, or the browser keeps it.
pub fn clear_session_cookie() -> String {
    format!("{SESSION_COOKIE}=; {SESSION_COOKIE_ATTRS}; Max-Age=0")
}

/// The value of cookie `name` in the request, if it has exactly one.
///
/// Reads every `Cookie` header, because cookies do not always arrive in one:
/// API Gateway v2 delivers a `cookies` array that `lambda_http` joins, HTTP/2
/// clients may send one header per cookie, and local emulators differ.
/// Pairs are split on `;` with or without a following space. Junk (pairs
/// without `=`, non-UTF-8 headers) is skipped, not an error: a stray cookie
/// from some other software on the domain must not break the site. Names are
/// compared exactly (they are case-sensitive); a value in double quotes is
/// unquoted (RFC 6265 allows it).
///
/// A name sent twice with different values is ambiguous, and answers
/// `None`: a browser never holds two cookies of one name for the same host
/// and path, so two values mean one was planted (a sibling subdomain's
/// cookie, a crafted request). Neither is trusted: the reader is simply not
/// logged in, and a form's token does not match. (Repeats of the same value
/// are harmless and read as that value.)
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    let mut values = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .filter(|(k, _)| k.trim_matches([' ', '\t']) == name)
        .map(|(_, v)| {
            let v = v.trim_matches([' ', '\t']);
            v.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(v)
        });
    let first = values.next()?;
    values.all(|v| v == first).then_some(first)
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn headers(cookie_lines: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for line in cookie_lines {
            h.append(COOKIE, HeaderValue::from_str(line).unwrap());
        }
        h
    }

    #[test]
    fn tokens_are_256_bit_base64url_and_unique() {
        let a = SessionToken::generate();
        let b = SessionToken::generate();
        assert_ne!(a, b);
        assert_eq!(a.0.len(), 43);
        assert!(a.0.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert_eq!(SessionToken::parse(&a.0), Some(a));
    }

    #[test]
    fn parse_accepts_only_the_exact_form() {
        let t = SessionToken::generate().0;
        for bad in [
            String::new(),
            t[..42].to_owned(),
            format!("{t}A"),
            format!("{t}="),
            format!(" {t}"),
            t.replacen(|c: char| c.is_ascii_alphanumeric(), "+", 1),
            t.replacen(|c: char| c.is_ascii_alphanumeric(), "/", 1),
            t.replacen(|c: char| c.is_ascii_alphanumeric(), ".", 1),
            "é".repeat(43),
            "A".repeat(1000),
        ] {
            assert_eq!(SessionToken::parse(&bad), None, "{bad:?}");
        }
        // 32 bytes leave 2 unused bits in the last character; only one spelling is canonical.
        let canonical = format!("{}A", "A".repeat(42));
        assert!(SessionToken::parse(&canonical).is_some());
        assert_eq!(SessionToken::parse(&format!("{}B", "A".repeat(42))), None);
    }

    #[test]
    fn hash_is_sha256_hex_of_the_token() {
        let t = SessionToken::parse(&"A".repeat(43)).unwrap();
        let h = t.hash();
        assert_eq!(h.as_str().len(), 64);
        assert_eq!(h, t.hash());
        assert_eq!(h.as_str(), hex(&Sha256::digest("A".repeat(43).as_bytes())));
        assert_ne!(h, SessionToken::generate().hash());
        assert_eq!(TokenHash::from_hex(h.as_str()), Some(h.clone()));
        assert_eq!(TokenHash::from_hex(&h.as_str().to_uppercase()), None);
        assert_eq!(TokenHash::from_hex("abc"), None);
        assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff]), "000fa5ff");
    }

    #[test]
    fn debug_hides_the_token() {
        let t = SessionToken::generate();
        assert_eq!(format!("{t:?}"), "SessionToken(<redacted>)");
        assert!(!format!("{t:#?}").contains(&t.0));
    }

    #[test]
    fn cookie_has_every_attribute() {
        let t = SessionToken::generate();
        let c = session_cookie(&t);
        assert_eq!(
            c,
            format!("__Host-bs_session={}; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=1209600", t.0)
        );
        assert!(HeaderValue::from_str(&c).is_ok());
        let cleared = clear_session_cookie();
        assert_eq!(cleared, "__Host-bs_session=; HttpOnly; Secure; SameSite=Lax; Path=/; Max-Age=0");
        // What browsers require of a `__Host-` cookie: Secure, Path=/, no Domain.
        for cookie in [&c, &cleared] {
            assert!(SESSION_COOKIE.starts_with("__Host-") && cookie.contains("; Secure;"));
            assert!(cookie.contains("; Path=/;") && !cookie.to_ascii_lowercase().contains("domain="));
        }
    }

    #[test]
    fn cookie_value_reads_all_headers_and_separators() {
        let h = headers(&["a=1; bs_session=tok; b=2"]);
        assert_eq!(cookie_value(&h, "bs_session"), Some("tok"));
        let h = headers(&["a=1;bs_session=tok;b=2"]);
        assert_eq!(cookie_value(&h, "bs_session"), Some("tok"));
        let h = headers(&["a=1", "bs_csrf=c", "bs_session=tok"]);
        assert_eq!(cookie_value(&h, "bs_session"), Some("tok"));
        assert_eq!(cookie_value(&h, "bs_csrf"), Some("c"));
        assert_eq!(cookie_value(&h, "a"), Some("1"));
        assert_eq!(cookie_value(&headers(&[]), "bs_session"), None);
        assert_eq!(cookie_value(&headers(&["a=1"]), "bs_session"), None);
    }

    #[test]
    fn cookie_value_is_robust_to_junk() {
        let h = headers(&["junk; =; ;;  ; noequals ; x==y; bs_session=tok ; bs_session=tok"]);
        assert_eq!(cookie_value(&h, "bs_session"), Some("tok"));
        assert_eq!(cookie_value(&h, "x"), Some("=y"));
        assert_eq!(cookie_value(&h, "noequals"), None);
    }

    #[test]
    fn a_name_with_two_values_is_trusted_with_neither() {
        // A shadowing cookie (say from a sibling subdomain) next to the real
        // one, in one header or across headers, in either order.
        for h in [
            headers(&["bs_session=planted; bs_session=real"]),
            headers(&["bs_session=real", "bs_session=planted"]),
            headers(&["bs_session=real; theme=dark", "bs_session=\"planted\""]),
        ] {
            assert_eq!(cookie_value(&h, "bs_session"), None, "{h:?}");
        }
        assert_eq!(
            cookie_value(&headers(&["bs_session=same", "bs_session=\"same\""]), "bs_session"),
            Some("same")
        );
        // Exact, case-sensitive names; no prefix or suffix matches.
        let h = headers(&["BS_SESSION=a; bs_session_old=b; xbs_session=c; bs_session=d"]);
        assert_eq!(cookie_value(&h, "bs_session"), Some("d"));
        // Quoted values are unquoted; empty values are present but empty.
        assert_eq!(cookie_value(&headers(&["bs_session=\"q\""]), "bs_session"), Some("q"));
        assert_eq!(cookie_value(&headers(&["bs_session="]), "bs_session"), Some(""));
        // A header that is not valid UTF-8 is skipped, not fatal.
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_bytes(b"bad=\xff").unwrap());
        h.append(COOKIE, HeaderValue::from_static("bs_session=tok"));
        assert_eq!(cookie_value(&h, "bs_session"), Some("tok"));
    }

    #[test]
    fn a_set_cookie_value_round_trips_through_a_request() {
        let t = SessionToken::generate();
        let set = session_cookie(&t);
        let sent = set.split(';').next().unwrap();
        let h = headers(&[&format!("theme=dark; {sent}")]);
        assert_eq!(cookie_value(&h, SESSION_COOKIE).and_then(SessionToken::parse), Some(t));
    }
}
