//! CSRF protection: every state-changing POST carries a token the server
//! checks in constant time, and requests that browsers label cross-site are
//! refused outright (docs/security.md#csrf: `403`, storing nothing).
//!
//! Two layers, because each covers the other's gap:
//!
//! * [`cross_site`] reads what the browser says about where the request came
//!   from (`Sec-Fetch-Site`, `Origin`). Cheap and hard to forge from a page,
//!   but absent in old browsers and in non-browser clients.
//! * The token: a secret a cross-site page cannot read. Logged-in forms use
//!   the token stored in the session record; anonymous forms (login, signup),
//!   which have no session yet, use the double-submit pattern: the same
//!   random value in the [`CSRF_COOKIE`] and in the [`CSRF_FIELD`] hidden
//!   field. Either way the check is [`tokens_match`].
//!
//! The session cookie's `SameSite=Lax` is a third, browser-side layer.

use http::HeaderMap;
use http::header::ORIGIN;
use subtle::ConstantTimeEq as _;

use crate::config::SiteOrigin;
use crate::newtype::impl_secret_token;

/// The cookie that carries the anonymous forms' token (double submit).
/// `__Host-`, like the session cookie: a cookie a sibling subdomain could
/// plant would let it choose the token its forged form then carries.
pub const CSRF_COOKIE: &str = "__Host-bs_csrf";
/// The hidden form field every state-changing form posts its token in.
pub const CSRF_FIELD: &str = "csrf_token";
/// How long an anonymous form stays submittable: a reader who leaves the
/// login page open longer gets a `403` and a fresh form.
pub const CSRF_COOKIE_TTL: time::Duration = time::Duration::hours(2);

/// A CSRF token: 32 random bytes, base64url without padding (43 characters).
///
/// Not a credential by itself, but a secret the attacker must not learn, so
/// `Debug` hides it; it is shown only in the form field and the cookie.
/// [`CsrfToken::generate`] makes a new one; [`CsrfToken::parse`] reads one
/// back from a cookie or a session record, so a form can reuse the token the
/// browser already holds (several open tabs then keep working) instead of
/// replacing it.
#[derive(Clone, PartialEq, Eq)]
pub struct CsrfToken(String);

impl_secret_token!(CsrfToken);

impl CsrfToken {
    /// The value for the hidden [`CSRF_FIELD`] and for storage.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether the token the form posted (`got`) is the one expected (from the
/// session record or the [`CSRF_COOKIE`]).
///
/// Constant-time in the contents, so response timing does not reveal how
/// many leading characters of a guess were right. (The length is not
/// secret: every token has the same one.) Empty never matches, so a
/// missing cookie and a missing field cannot "agree".
pub fn tokens_match(expected: &str, got: &str) -> bool {
    !expected.is_empty() && !got.is_empty() && bool::from(expected.as_bytes().ct_eq(got.as_bytes()))
}

/// The `Set-Cookie` value for the anonymous forms' token.
///
/// `SameSite=Strict` because the cookie is needed only on the site's own
/// form posts, never on arrival from elsewhere; `HttpOnly` because the form
/// gets its copy from the server, not from script.
pub fn csrf_cookie(token: &CsrfToken) -> String {
    format!(
        "{CSRF_COOKIE}={}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={}",
        token.0,
        super::max_age_secs(CSRF_COOKIE_TTL)
    )
}

/// The `Set-Cookie` value that removes the double-submit cookie: sent with a
/// successful login or sign-up, after which the reader's forms carry the
/// session's own token and the anonymous one is just clutter. The attributes
/// match [`csrf_cookie`]'s, or the browser would keep it.
pub fn clear_csrf_cookie() -> String {
    format!("{CSRF_COOKIE}=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0")
}

/// True when the browser says the request did not come from the site's own
/// pages, and it must be refused with `403`:
///
/// * `Sec-Fetch-Site` is present and is neither `same-origin` nor `none`
///   (`none`: the reader typed the URL or used a bookmark). `same-site` is
///   refused too: a sibling subdomain is not this site.
/// * `Origin` is present and is not exactly the site's origin. `Origin: null`
///   (sandboxed frames, some redirects, `file:` pages) counts as cross-site.
///
/// Absent headers are not by themselves a reason to refuse: old browsers
/// and non-browser clients do not send them, and the token check still
/// applies to those requests. Repeated headers are all checked.
pub fn cross_site(headers: &HeaderMap, origin: &SiteOrigin) -> bool {
    let fetch_site_foreign = headers.get_all("sec-fetch-site").iter().any(|v| match v.to_str() {
        Ok(v) => !matches!(v.trim().to_ascii_lowercase().as_str(), "same-origin" | "none"),
        Err(_) => true,
    });
    let origin_foreign = headers.get_all(ORIGIN).iter().any(|v| match v.to_str() {
        Ok(v) => !v.trim().trim_end_matches('/').eq_ignore_ascii_case(origin.as_str()),
        Err(_) => true,
    });
    fetch_site_foreign || origin_foreign
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn site() -> SiteOrigin {
        SiteOrigin::parse("https://news.example").unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn tokens_are_256_bit_base64url_and_unique() {
        let a = CsrfToken::generate();
        assert_eq!(a.as_str().len(), 43);
        assert_ne!(a, CsrfToken::generate());
        assert_eq!(CsrfToken::parse(a.as_str()), Some(a.clone()));
        for bad in ["", "short", &a.as_str()[1..], &format!("{}=", a.as_str()), &format!("{};x", a.as_str())]
        {
            assert_eq!(CsrfToken::parse(bad), None, "{bad:?}");
        }
        assert_eq!(format!("{a:?}"), "CsrfToken(<redacted>)");
    }

    #[test]
    fn tokens_match_only_when_equal_and_non_empty() {
        let t = CsrfToken::generate();
        assert!(tokens_match(t.as_str(), t.as_str()));
        assert!(!tokens_match(t.as_str(), CsrfToken::generate().as_str()));
        assert!(!tokens_match(t.as_str(), ""));
        assert!(!tokens_match("", t.as_str()));
        assert!(!tokens_match("", ""));
        assert!(!tokens_match(t.as_str(), &t.as_str()[..42]));
        assert!(!tokens_match(t.as_str(), &format!("{}x", t.as_str())));
        assert!(!tokens_match(t.as_str(), &t.as_str().to_uppercase()));
        assert!(tokens_match("a", "a"));
    }

    #[test]
    fn cookie_has_every_attribute() {
        let t = CsrfToken::generate();
        assert_eq!(
            csrf_cookie(&t),
            format!("__Host-bs_csrf={}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=7200", t.as_str())
        );
        assert!(HeaderValue::from_str(&csrf_cookie(&t)).is_ok());
    }

    #[test]
    fn same_origin_and_headerless_requests_pass() {
        let o = site();
        assert!(!cross_site(&HeaderMap::new(), &o));
        assert!(!cross_site(&headers(&[("sec-fetch-site", "same-origin")]), &o));
        assert!(!cross_site(&headers(&[("sec-fetch-site", "none")]), &o));
        assert!(!cross_site(&headers(&[("origin", "https://news.example")]), &o));
        assert!(!cross_site(&headers(&[("origin", "HTTPS://NEWS.EXAMPLE")]), &o));
        assert!(!cross_site(
            &headers(&[("sec-fetch-site", "same-origin"), ("origin", "https://news.example")]),
            &o
        ));
    }

    #[test]
    fn cross_site_requests_are_refused() {
        let o = site();
        for pairs in [
            &[("sec-fetch-site", "cross-site")][..],
            &[("sec-fetch-site", "same-site")],
            &[("sec-fetch-site", "")],
            &[("sec-fetch-site", "bogus")],
            &[("origin", "https://evil.example")],
            &[("origin", "null")],
            &[("origin", "")],
            &[("origin", "http://news.example")],
            &[("origin", "https://news.example:8443")],
            &[("origin", "https://news.example.evil.example")],
            &[("origin", "https://sub.news.example")],
            // Either signal alone is enough.
            &[("sec-fetch-site", "same-origin"), ("origin", "https://evil.example")],
            &[("sec-fetch-site", "cross-site"), ("origin", "https://news.example")],
            // Every repeated header is checked, not only the first.
            &[("sec-fetch-site", "same-origin"), ("sec-fetch-site", "cross-site")],
            &[("origin", "https://news.example"), ("origin", "https://evil.example")],
        ] {
            assert!(cross_site(&headers(pairs), &o), "{pairs:?}");
        }
        let mut h = HeaderMap::new();
        h.insert("origin", HeaderValue::from_bytes(b"https://n\xffws.example").unwrap());
        assert!(cross_site(&h, &o));
    }

    #[test]
    fn local_origins_compare_with_their_port() {
        let o = SiteOrigin::parse("http://127.0.0.1:3000").unwrap();
        assert!(!cross_site(&headers(&[("origin", "http://127.0.0.1:3000")]), &o));
        assert!(cross_site(&headers(&[("origin", "http://localhost:3000")]), &o));
        assert!(cross_site(&headers(&[("origin", "http://127.0.0.1:3001")]), &o));
    }
}
