//! Accounts, sessions and comments: the pure building blocks (docs/security.md).
//!
//! Nothing here touches storage or HTTP handlers; each piece is a parsed type
//! or a small function that a handler composes, so the security rules live in
//! one place and are unit-tested without a table or a request.
//!
//! * [`username`], [`display_name`], [`comment_body`] — reader input parsed at
//!   the edge, with messages fit to show next to the form field.
//! * [`password`] — the password policy, Argon2id hashing, and the dummy hash
//!   that makes "no such user" cost as much as "wrong password".
//! * [`session`] — session tokens (only their hash is stored), the session
//!   cookie, and reading cookies from a request.
//! * [`csrf`] — CSRF tokens, the double-submit cookie for anonymous forms, and
//!   the `Sec-Fetch-Site` / `Origin` check.
//! * [`return_to`] — the open-redirect guard for `?return_to=`.
//! * [`idempotency`] — the key that makes a double-submitted comment form
//!   create one comment.
//! * [`limits`] — the throttling policy and its fixed-window arithmetic.
//! * [`held`] — which comments wait for a moderator (links, held words).

pub mod comment_body;
pub mod csrf;
pub mod display_name;
pub mod held;
pub mod idempotency;
pub mod limits;
pub mod password;
pub mod return_to;
pub mod session;
pub mod username;

pub use comment_body::{CommentBody, CommentBodyError};
pub use csrf::{CsrfToken, clear_csrf_cookie, cross_site, csrf_cookie, tokens_match};
pub use display_name::{DisplayName, DisplayNameError};
pub use held::{HeldWords, HoldReason};
pub use idempotency::IdempotencyKey;
pub use limits::Window;
pub use password::{
    InvalidPasswordHash, Password, PasswordError, PasswordHash, PasswordHashError, dummy_hash, hash_password,
    hash_password_off_thread, verify_password, verify_password_off_thread,
};
pub use return_to::safe_return_to;
pub use session::{SessionToken, TokenHash, clear_session_cookie, cookie_value, session_cookie};
pub use username::{Username, UsernameError};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;

/// `N` bytes from the operating system's CSPRNG, base64url without padding.
///
/// Every secret token here (sessions, CSRF) comes from the OS RNG rather than
/// a userspace generator, so there is no seed to leak or to share between
/// Lambda sandboxes restored from one snapshot. `OsRng` panics only if the
/// kernel cannot provide randomness, in which case no safe token can be made.
fn random_base64url<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Whether `s` is exactly the canonical base64url (no padding) encoding of
/// `N` bytes: right length, right alphabet, no stray trailing bits.
///
/// Tokens arrive from cookies and forms; accepting only the one canonical
/// spelling means two different strings can never name the same token.
fn is_base64url_of<const N: usize>(s: &str) -> bool {
    s.len() == (N * 4).div_ceil(3) && URL_SAFE_NO_PAD.decode(s).is_ok_and(|b| b.len() == N)
}

/// The `Max-Age` attribute value for a cookie lifetime, never negative.
fn max_age_secs(d: time::Duration) -> i64 {
    d.whole_seconds().max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_tokens_have_the_expected_shape_and_differ() {
        let a = random_base64url::<32>();
        let b = random_base64url::<32>();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(is_base64url_of::<32>(&a));
        assert_eq!(random_base64url::<16>().len(), 22);
    }

    #[test]
    fn base64url_check_is_exact() {
        let t = random_base64url::<16>();
        assert!(is_base64url_of::<16>(&t));
        assert!(!is_base64url_of::<32>(&t));
        assert!(!is_base64url_of::<16>(&format!("{t}=")));
        assert!(!is_base64url_of::<16>(&t[1..]));
        assert!(!is_base64url_of::<16>(&t.replace(|c: char| c.is_ascii_alphanumeric(), "+")));
        // 16 bytes leave 4 unused bits in the last character: only one spelling is canonical.
        assert!(!is_base64url_of::<16>("AAAAAAAAAAAAAAAAAAAAAB"));
        assert!(is_base64url_of::<16>("AAAAAAAAAAAAAAAAAAAAAA"));
        assert!(!is_base64url_of::<16>(""));
    }
}
