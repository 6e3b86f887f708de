//! Passwords: the policy, Argon2id hashing, and constant-work verification.
//!
//! The plaintext lives only inside [`Password`] (a [`SecretString`], wiped on
//! drop, never printed); what is stored is a [`PasswordHash`] in PHC string
//! format, which carries its own algorithm, parameters and salt so that the
//! parameters can be raised later without invalidating existing hashes.

use std::collections::HashSet;
use std::fmt;
use std::sync::LazyLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{self, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret as _, SecretString};

/// Fewest characters (not bytes) in a new password (docs/security.md#passwords).
pub const PASSWORD_MIN_CHARS: usize = 8;
/// Most characters in a new password. Argon2 would take more, but a cap
/// keeps a pathological form submission from being interesting.
pub const PASSWORD_MAX_CHARS: usize = 128;

/// Argon2id memory cost in KiB: 19 MiB, OWASP's recommended minimum
/// (Password Storage Cheat Sheet: m = 19456, t = 2, p = 1).
///
/// Memory is what makes GPU and ASIC guessing expensive. A hash needs this
/// much RAM for its duration, so a Lambda function that verifies passwords
/// needs ~20 MiB of headroom per concurrent hash (one per invocation).
pub const ARGON2_MEMORY_KIB: u32 = 19_456;
/// Argon2id passes over the memory (OWASP: 2 at 19 MiB).
pub const ARGON2_ITERATIONS: u32 = 2;
/// Argon2id lanes. One: a Lambda function has about one vCPU, and more
/// lanes would only add latency there while an attacker parallelises anyway.
pub const ARGON2_PARALLELISM: u32 = 1;

/// The parameters above, checked at compile time.
const ARGON2_PARAMS: Params =
    match Params::new(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_PARALLELISM, None) {
        Ok(params) => params,
        Err(_) => panic!("invalid Argon2 parameters"),
    };

/// The common-password list (SecLists' 10,000 most common; see
/// `shared/data/README.md`), one per line.
const COMMON_PASSWORDS_TXT: &str = include_str!("../../data/common-passwords.txt");

/// The common passwords a new password could collide with: only entries
/// long enough to pass the length rule are kept, since shorter ones are
/// rejected anyway (about 2,100 of the 10,000). Built on first use.
static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    COMMON_PASSWORDS_TXT.lines().map(str::trim).filter(|p| p.chars().count() >= PASSWORD_MIN_CHARS).collect()
});

/// A password as the reader typed it.
///
/// Taken as typed: no trimming or normalisation, because a password's
/// spaces are part of it. `Debug` prints nothing of it, it has no
/// `Display`, and its memory is zeroed when dropped.
pub struct Password(SecretString);

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// Why a new password is refused. The messages are written for the reader
/// and, like every message here, never contain the password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("Passwords need at least 8 characters.")]
    TooShort,
    #[error("Passwords can be at most 128 characters.")]
    TooLong,
    #[error("That password is one of the most commonly used, so it is easy to guess. Please choose another.")]
    Common,
}

impl Password {
    /// Applies the password policy to a *new* password (signup, password
    /// change): 8–128 characters, and not among the common passwords,
    /// compared case-insensitively (`Password1` is no better than
    /// `password1`).
    pub fn parse(raw: String) -> Result<Password, PasswordError> {
        let secret = SecretString::from(raw);
        let typed = secret.expose_secret();
        let chars = typed.chars().count();
        if chars < PASSWORD_MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > PASSWORD_MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        let lowered = Zeroizing::new(typed.to_lowercase());
        if COMMON_PASSWORDS.contains(lowered.as_str()) {
            return Err(PasswordError::Common);
        }
        Ok(Password(secret))
    }

    /// Wraps the password typed into the *login* form, without the policy.
    ///
    /// The policy applies when a password is chosen. At login, a password
    /// that breaks it simply fails to verify, with the same generic message
    /// as any other failure, and an account created under an older policy
    /// can still log in if the policy is tightened.
    pub fn for_login(raw: String) -> Password {
        Password(SecretString::from(raw))
    }

    fn bytes(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }
}

/// A stored password hash: an Argon2 PHC string
/// (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
///
/// Not secret like the password, but still worth an offline guessing attack,
/// so `Debug` shows only the parameters and never the salt or hash.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

/// A stored string is not a PHC hash this code can verify.
#[derive(Debug, thiserror::Error)]
#[error("stored password hash is not a valid PHC string")]
pub struct InvalidPasswordHash(#[source] password_hash::Error);

impl PasswordHash {
    /// Wraps a PHC string read back from storage, checking that it parses.
    pub fn from_phc(phc: String) -> Result<PasswordHash, InvalidPasswordHash> {
        password_hash::PasswordHash::new(&phc).map_err(InvalidPasswordHash)?;
        Ok(PasswordHash(phc))
    }

    /// The PHC string, for storage.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `$argon2id$v=19$m=…,t=…,p=…$salt$hash`: keep the first three fields.
        let head: Vec<&str> = self.0.splitn(5, '$').take(4).collect();
        write!(f, "PasswordHash({}$…)", head.join("$"))
    }
}

/// Hashing failed. Not caused by the password (any password can be hashed);
/// an internal error.
#[derive(Debug, thiserror::Error)]
pub enum PasswordHashError {
    #[error("Argon2 hashing failed")]
    Hash(#[source] password_hash::Error),
    #[error("the password hashing task did not complete")]
    Task(#[source] tokio::task::JoinError),
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, ARGON2_PARAMS)
}

/// Hashes a password with Argon2id, the parameters above, and a fresh
/// 128-bit salt from the OS RNG.
///
/// Costs one Argon2 run: about 15–22 ms of one core on the development
/// machine (release build), proportionally more on a Lambda function with
/// less than a full vCPU. From async code, call [`hash_password_off_thread`].
pub fn hash_password(password: &Password) -> Result<PasswordHash, PasswordHashError> {
    let salt = SaltString::generate(&mut OsRng);
    let hash = argon2().hash_password(password.bytes(), &salt).map_err(PasswordHashError::Hash)?;
    Ok(PasswordHash(hash.to_string()))
}

/// Whether `password` matches `hash`.
///
/// Uses the parameters recorded in the hash, so hashes made with older
/// parameters keep working. A hash that does not parse (corrupt data) is
/// never a match, and costs the same work as a real verification, against
/// the [`dummy_hash`], so it does not stand out by timing either.
pub fn verify_password(password: &Password, hash: &PasswordHash) -> bool {
    match password_hash::PasswordHash::new(&hash.0) {
        Ok(parsed) => argon2().verify_password(password.bytes(), &parsed).is_ok(),
        Err(_) => {
            let _ = verify_password(password, dummy_hash());
            false
        }
    }
}

/// The Argon2id hash (PHC string, [`ARGON2_PARAMS`]) of a random 256-bit
/// password that was generated once, hashed, and thrown away: nobody knows
/// it, and it is never compared for a real account (see [`dummy_hash`]).
///
/// It is a constant rather than computed at start-up because computing it
/// is a full Argon2 run: measured with the cold-start harness
/// (BENCHMARKS.md), that added ~30 ms of CPU and 19 MiB of peak memory to
/// every cold start of the login function, even one that only serves the
/// form. Publishing a salt and hash of a secret nobody holds reveals
/// nothing; what matters is that verifying against it costs exactly one
/// Argon2 run with the current parameters, which a test checks.
const DUMMY_PHC: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$6L1h/9eGNWlX6/pzw/QOVA$u38t/JARazpUCyiNeOzHBqTugHsIcNng1S7DQo5x/f8";

/// A hash of a random password nobody knows ([`DUMMY_PHC`]).
///
/// Login with an unknown username verifies the typed password against this,
/// so it costs the same Argon2 work as a wrong password for a real account
/// and response time does not reveal which usernames exist. It costs nothing
/// to get (no hashing at start-up or on first use), so the first
/// unknown-username login in a fresh sandbox takes as long as any other.
pub fn dummy_hash() -> &'static PasswordHash {
    static DUMMY: LazyLock<PasswordHash> = LazyLock::new(|| PasswordHash(DUMMY_PHC.to_owned()));
    &DUMMY
}

/// [`hash_password`] on Tokio's blocking pool, so that tens of milliseconds
/// of hashing never stall the async executor (and other requests on it).
pub async fn hash_password_off_thread(password: Password) -> Result<PasswordHash, PasswordHashError> {
    tokio::task::spawn_blocking(move || hash_password(&password)).await.map_err(PasswordHashError::Task)?
}

/// [`verify_password`] on Tokio's blocking pool. If the task fails to run to
/// completion, the answer is `false`: never let an error become a login.
pub async fn verify_password_off_thread(password: Password, hash: PasswordHash) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash)).await.unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> Password {
        Password::parse(s.to_owned()).unwrap()
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert_eq!(Password::parse("a1b2c3d".into()).unwrap_err(), PasswordError::TooShort);
        assert!(Password::parse("a1b2c3d4x".into()).is_ok());
        // 7 characters, 14 bytes: too short.
        assert_eq!(Password::parse("ééééééé".into()).unwrap_err(), PasswordError::TooShort);
        assert!(Password::parse("éééééééé".into()).is_ok());
        assert!(Password::parse("é".repeat(128)).is_ok());
        assert_eq!(Password::parse("é".repeat(129)).unwrap_err(), PasswordError::TooLong);
        assert_eq!(Password::parse(String::new()).unwrap_err(), PasswordError::TooShort);
    }

    #[test]
    fn spaces_are_part_of_the_password() {
        // Not trimmed: "  abc  " is 7 characters and too short.
        assert_eq!(Password::parse("  abc  ".into()).unwrap_err(), PasswordError::TooShort);
        let p = pw(" correct horse ");
        let h = hash_password(&p).unwrap();
        assert!(!verify_password(&Password::for_login("correct horse".into()), &h));
    }

    #[test]
    fn common_passwords_are_rejected_case_insensitively() {
        for s in ["password", "12345678", "PASSWORD", "Password1", "iloveyou", "QwErTyUiOp", "trustno1"] {
            assert_eq!(Password::parse(s.into()).unwrap_err(), PasswordError::Common, "{s}");
        }
        assert!(Password::parse("tomato-umbrella-cliff".into()).is_ok());
    }

    #[test]
    fn common_password_list_is_loaded_and_lowercase() {
        let lines: Vec<&str> = COMMON_PASSWORDS_TXT.lines().collect();
        assert_eq!(lines.len(), 10_000);
        assert!(lines.iter().all(|l| !l.is_empty() && l.trim() == *l && !l.contains('\r')));
        // Lookups lowercase the candidate, so the list must be lowercase.
        assert!(lines.iter().all(|l| l.to_lowercase() == *l));
        assert!(COMMON_PASSWORDS.len() > 2_000);
        assert!(COMMON_PASSWORDS.iter().all(|p| p.chars().count() >= PASSWORD_MIN_CHARS));
    }

    #[test]
    fn nothing_secret_is_printed() {
        let secret = "hunter2-hunter2-XYZZY";
        let p = pw(secret);
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
        assert!(!format!("{p:#?}").contains("XYZZY"));
        let h = hash_password(&p).unwrap();
        let shown = format!("{h:?}");
        assert_eq!(shown, "PasswordHash($argon2id$v=19$m=19456,t=2,p=1$…)");
        for e in [PasswordError::TooShort, PasswordError::TooLong, PasswordError::Common] {
            assert!(!e.to_string().contains(secret));
        }
        let err = Password::parse("Password1".into()).unwrap_err();
        assert!(!format!("{err:?} {err}").contains("Password1"));
    }

    #[test]
    fn hashes_verify_and_use_the_documented_parameters() {
        let p = pw("correct horse battery staple");
        let h = hash_password(&p).unwrap();
        assert!(h.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", h.as_str());
        assert!(verify_password(&p, &h));
        assert!(verify_password(&Password::for_login("correct horse battery staple".into()), &h));
        assert!(!verify_password(&Password::for_login("correct horse battery stapl".into()), &h));
        assert!(!verify_password(&Password::for_login("Correct horse battery staple".into()), &h));
        assert!(!verify_password(&Password::for_login(String::new()), &h));
        // A fresh salt every time.
        let h2 = hash_password(&p).unwrap();
        assert_ne!(h, h2);
        assert!(verify_password(&p, &h2));
    }

    #[test]
    fn stored_hashes_round_trip_and_garbage_never_verifies() {
        let p = pw("correct horse battery staple");
        let h = hash_password(&p).unwrap();
        let stored = PasswordHash::from_phc(h.as_str().to_owned()).unwrap();
        assert!(verify_password(&p, &stored));
        for bad in ["", "plaintext", "$argon2id$v=19$", "$2b$12$abcdefghijklmnopqrstuv"] {
            assert!(PasswordHash::from_phc(bad.to_owned()).is_err(), "{bad}");
            assert!(!verify_password(&p, &PasswordHash(bad.to_owned())), "{bad}");
        }
    }

    #[test]
    fn dummy_hash_is_stable_real_and_matches_nothing() {
        let d = dummy_hash();
        assert!(std::ptr::eq(d, dummy_hash()));
        assert!(d.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        // Verifying against it costs what verifying a real account's hash costs:
        // the same algorithm, version and parameters as every new hash.
        let parsed = password_hash::PasswordHash::new(d.as_str()).unwrap();
        let real = hash_password(&pw("correct horse battery staple")).unwrap();
        let real = password_hash::PasswordHash::new(real.as_str()).unwrap();
        assert_eq!((parsed.algorithm, parsed.version), (real.algorithm, real.version));
        assert_eq!(Params::try_from(&parsed).unwrap(), Params::try_from(&real).unwrap());
        assert_eq!(parsed.hash.map(|h| h.len()), real.hash.map(|h| h.len()));
        for guess in ["", "password", "correct horse battery staple"] {
            assert!(!verify_password(&Password::for_login(guess.into()), d));
        }
    }

    #[test]
    fn login_passwords_skip_the_policy() {
        // A short or common password can be typed at login; it just fails to verify.
        let p = Password::for_login("abc".into());
        assert!(!verify_password(&p, dummy_hash()));
        assert_eq!(format!("{p:?}"), "Password(<redacted>)");
    }

    #[tokio::test]
    async fn off_thread_wrappers_hash_and_verify() {
        let h = hash_password_off_thread(pw("correct horse battery staple")).await.unwrap();
        assert!(verify_password_off_thread(pw("correct horse battery staple"), h.clone()).await);
        assert!(!verify_password_off_thread(Password::for_login("nope".into()), h).await);
    }
}
