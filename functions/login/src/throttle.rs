//! Login throttling: every attempt reserves its place in three counters
//! before the password is verified (the policy and why:
//! `broadsheet::auth::limits`, docs/security.md#throttles-and-limits).

use broadsheet::auth::Window;
use broadsheet::auth::limits::{
    LOGIN_FAILURE_WINDOW, LOGIN_FAILURES_PER_ADDRESS, LOGIN_FAILURES_PER_USERNAME,
    LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS,
};
use broadsheet::http::client::ClientAddress;
use broadsheet::store::{RateLimiter, StoreError};
use futures::future::join_all;
use time::OffsetDateTime;

/// The counters one login attempt for `username` from `address` counts in,
/// with their limits. `username` is the canonical name, or, for a name that
/// cannot exist, its lowercase form (cut to 64 characters): throttled all
/// the same, so probing for names costs the same as guessing passwords.
fn counters(username: &str, address: Option<ClientAddress>) -> Vec<(String, u32)> {
    let mut keys = vec![(format!("login-user#{username}"), LOGIN_FAILURES_PER_USERNAME)];
    if let Some(addr) = address {
        // An address never contains `#`, so the pair's key cannot collide
        // with another address's.
        keys.push((format!("login-addr#{addr}#{username}"), LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS));
        keys.push((format!("login-addr#{addr}"), LOGIN_FAILURES_PER_ADDRESS));
    }
    keys
}

/// The throttle key's form of a username as typed.
pub fn throttle_name(raw: &str) -> String {
    raw.to_lowercase().chars().take(64).collect()
}

/// An attempt whose place is reserved in every counter: verify the password,
/// then [`Reserved::release`] it if the login succeeded.
#[derive(Debug)]
pub struct Reserved {
    keys: Vec<String>,
    window: Window,
}

/// The attempt is over a limit: nothing was verified, nothing is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after_secs: u64,
}

/// Reserves one attempt in each counter, concurrently (one round trip of
/// latency). If any counter is full the others are given back and the
/// attempt is refused. Racing attempts cannot all slip through: each
/// reservation is one conditional `ADD`.
pub async fn reserve<S: RateLimiter>(
    store: &S,
    username: &str,
    address: Option<ClientAddress>,
    now: OffsetDateTime,
) -> Result<Result<Reserved, Refused>, StoreError> {
    let window = Window::containing(now, LOGIN_FAILURE_WINDOW);
    let counters = counters(username, address);
    let results = join_all(counters.iter().map(|(key, limit)| store.try_record(key, &window, *limit))).await;
    let mut taken = Vec::new();
    let mut outcome = Ok(true);
    for ((key, _), result) in counters.into_iter().zip(results) {
        match result {
            Ok(true) => taken.push(key),
            Ok(false) => outcome = outcome.map(|_| false),
            Err(e) => outcome = Err(e),
        }
    }
    let reserved = Reserved { keys: taken, window };
    match outcome {
        Ok(true) => Ok(Ok(reserved)),
        Ok(false) => {
            reserved.release(store).await?;
            Ok(Err(Refused { retry_after_secs: window.retry_after_secs(now) }))
        }
        Err(e) => {
            // Best effort: the attempt is failing anyway, and a place held
            // until its window ends errs on the side of the limit.
            let _ = reserved.release(store).await;
            Err(e)
        }
    }
}

impl Reserved {
    /// Gives every reserved place back: the attempt did not count (it
    /// succeeded, or another counter refused it).
    pub async fn release<S: RateLimiter>(self, store: &S) -> Result<(), StoreError> {
        let window = self.window;
        let results = join_all(self.keys.iter().map(|key| store.release(key, &window))).await;
        results.into_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_counts_per_pair_per_address_and_per_name() {
        let addr = ClientAddress::parse("2001:db8:1:2::7");
        let keys: Vec<String> = counters("alice", addr).into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            keys,
            ["login-user#alice", "login-addr#2001:db8:1:2::/64#alice", "login-addr#2001:db8:1:2::/64"]
        );
        assert_eq!(counters("alice", None).len(), 1, "without an address only the name's ceiling applies");
        assert_eq!(throttle_name("  ÀLICE "), "  àlice ");
        assert_eq!(throttle_name(&"x".repeat(100)).len(), 64);
    }
}
