//! The impls every newtype over a `String` would otherwise write out again.
//!
//! The crate parses reader input and secrets into tuple structs over a
//! private `String` (`Username(String)`, `CsrfToken(String)`, …): the type
//! says the text was checked, and only its own module can build one. What
//! such a type then needs beyond its own parsing is always the same few
//! lines, and the same rules: text newtypes show their text as it is, and a
//! secret's `Debug` never shows it. These macros write them once. Each type
//! still declares itself (docs, derives, the struct) and writes its own
//! constructors and `as_str`, so its public API reads where it is defined.
//!
//! * `impl_display!` and `impl_display_and_as_ref!` — for text that may be
//!   shown: usernames, slugs, display names, comment bodies, keys, hashes.
//! * `impl_random_token!` — `generate` and `parse` for the random tokens of
//!   `auth` (idempotency keys), and `impl_secret_token!` for those that are
//!   secrets (sessions, CSRF): their size, and a `Debug` that hides them.

/// `Display` for newtypes over `String`: the inner text, exactly as held.
macro_rules! impl_display {
    ($($name:ident),+ $(,)?) => {$(
        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    )+};
}

/// `Display` and `AsRef<str>` for newtypes over `String`, both giving the
/// inner text as it is: for types that are passed wherever text is taken
/// (formatting, storage keys, `&str` parameters) without an `as_str()` at
/// every call.
macro_rules! impl_display_and_as_ref {
    ($($name:ident),+ $(,)?) => {$(
        $crate::newtype::impl_display!($name);

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    )+};
}

/// `generate` and `parse` for a random token: a newtype over the base64url
/// (no padding) spelling of `$bytes` bytes from the OS RNG.
///
/// Every token of `auth` is made and read back this way, so the rules live
/// here once: a new token comes from the OS CSPRNG (`auth::random_base64url`,
/// whose docs say why not a userspace one), and `parse` accepts exactly the
/// canonical spelling of `$bytes` bytes (`auth::is_base64url_of`), so two
/// strings never name one token and anything else is no token at all. What a
/// token is for, when to make a new one, and what a caller does with `None`
/// differ per type and are said in each type's docs.
///
/// Only for `auth` and its modules: it calls `auth`'s private helpers.
macro_rules! impl_random_token {
    ($name:ident, $bytes:expr) => {
        impl $name {
            /// A new value from the OS RNG (see the type's docs for when to make one).
            pub fn generate() -> $name {
                $name($crate::auth::random_base64url::<{ $bytes }>())
            }

            /// Parses a value read back from a request or from storage: exactly
            /// the canonical base64url spelling of the type's number of random
            /// bytes, or `None` (see the type's docs for what `None` means there).
            pub fn parse(raw: &str) -> Option<$name> {
                $crate::auth::is_base64url_of::<{ $bytes }>(raw).then(|| $name(raw.to_owned()))
            }
        }
    };
}

/// What a secret token (a session, a CSRF token) is: 32 random bytes, 256
/// bits, well over the 128 that put guessing out of reach, made and parsed
/// by [`impl_random_token!`]; and a `Debug` that prints the type's name and
/// `<redacted>`, never the value, so a token cannot reach a log line through
/// `{:?}` of it or of anything that holds it.
macro_rules! impl_secret_token {
    ($name:ident) => {
        $crate::newtype::impl_random_token!($name, 32);

        impl ::std::fmt::Debug for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

pub(crate) use {impl_display, impl_display_and_as_ref, impl_random_token, impl_secret_token};

/// Table checks for the unit tests of the parsed text newtypes (`Username`,
/// `Slug`, `DisplayName`, `CommentBody`): each test lists inputs and what
/// `parse` must make of them, and a failure names the input.
#[cfg(test)]
pub(crate) mod check {
    use std::fmt::Debug;

    /// Asserts that `parse` accepts every `raw` and keeps exactly `text`.
    #[track_caller]
    pub(crate) fn accepts<T: AsRef<str>, E: Debug>(parse: fn(&str) -> Result<T, E>, cases: &[(&str, &str)]) {
        for (raw, text) in cases {
            match parse(raw) {
                Ok(parsed) => assert_eq!(parsed.as_ref(), *text, "{raw:?}"),
                Err(e) => panic!("{raw:?} was refused: {e:?}"),
            }
        }
    }

    /// Asserts that `parse` accepts every input as it is, unchanged.
    #[track_caller]
    pub(crate) fn accepts_unchanged<T: AsRef<str>, E: Debug>(
        parse: fn(&str) -> Result<T, E>,
        inputs: &[&str],
    ) {
        for raw in inputs {
            accepts(parse, &[(raw, raw)]);
        }
    }

    /// Asserts that `parse` counts its limit of `max` in characters, not
    /// bytes: `max` two-byte characters pass, one more is refused with
    /// `too_long`.
    #[track_caller]
    pub(crate) fn limit_counts_characters<T, E>(parse: fn(&str) -> Result<T, E>, max: usize, too_long: E)
    where
        T: Debug + PartialEq,
        E: Debug + PartialEq,
    {
        let longest = "é".repeat(max);
        assert_eq!(longest.len(), 2 * max);
        assert!(parse(&longest).is_ok(), "{max} characters");
        assert_eq!(parse(&"é".repeat(max + 1)), Err(too_long));
    }

    /// Asserts that `parse` refuses every input with `error`.
    #[track_caller]
    pub(crate) fn refuses<T, E>(parse: fn(&str) -> Result<T, E>, error: E, inputs: &[&str])
    where
        T: Debug + PartialEq,
        E: Debug + PartialEq + Clone,
    {
        for raw in inputs {
            assert_eq!(parse(raw), Err(error.clone()), "{raw:?}");
        }
    }
}
