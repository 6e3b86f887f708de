//! The throttling policy (docs/security.md#throttles-and-limits) and its window arithmetic.
//!
//! | what           | counted per                      | limit | window  | key (`RATE#…`)            |
//! |----------------|----------------------------------|-------|---------|---------------------------|
//! | login attempts | username *and* client address    | 5     | 15 min  | `login-addr#{addr}#{user}` |
//! | login attempts | client address                   | 20    | 15 min  | `login-addr#{addr}`        |
//! | login attempts | username, across all addresses   | 100   | 15 min  | `login-user#{user}`        |
//! | sign-ups       | client address                   | 10    | 1 h     | `signup-addr#{addr}`       |
//! | comments       | reader                           | 5     | 1 min   | `comment#{user}`           |
//!
//! A client address is an IPv4 address or an IPv6 /64
//! ([`crate::http::client::ClientAddress`]). Beyond a limit the answer is
//! `429` with `Retry-After` set to the seconds left in the window
//! ([`Window::retry_after_secs`]).
//!
//! # Logins: reserved before the password is checked
//!
//! A login attempt *reserves* one event in each of its three counters with
//! a conditional `ADD` before Argon2 runs, and is refused (`429`, nothing
//! verified) when any of them is full. However many requests race, at most
//! the limit are ever verified: there is no read-then-write gap. A login
//! that succeeds gives its reservations back, so only failures count.
//!
//! The tight limit is per (username, address): a stranger's wrong passwords
//! for `alice` use up *their* address's allowance for `alice`, not Alice's,
//! so she can still log in from her own address. The per-address limit stops
//! one address from trying a few passwords on many accounts. Guessing one
//! account from many addresses meets the per-username ceiling, high enough
//! (100 per 15 minutes, so at least 20 addresses' worth of failures) that
//! locking an owner out takes a distributed effort, low enough that guessing
//! stays hopeless (under 10,000 guesses a day against a password that is not
//! among the 10,000 most common).
//!
//! # Why fixed windows
//!
//! Each counter is one DynamoDB item per key per window, keyed by the
//! window's start: checking and counting is a single conditional
//! `UpdateItem` (`ADD count :1` with the condition `count < limit`), with no
//! read-before-write and no list of timestamps to trim. Old items expire by
//! TTL ([`Window::expires_at`]). The price is precision at window edges: a
//! client can use the whole allowance at the end of one window and again at
//! the start of the next, so a burst of up to **twice the limit** is
//! possible within a short span (10 failed logins for one username in a
//! moment). The sustained rate is still bounded by the limit per window,
//! which is what makes guessing impractical; a sliding window would cost a
//! read plus a write (or a list per key) on every check.

use time::{Duration, OffsetDateTime, UtcOffset};

/// Failed logins allowed per (username, client address) per [`LOGIN_FAILURE_WINDOW`].
pub const LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS: u32 = 5;
/// Failed logins allowed per client address per [`LOGIN_FAILURE_WINDOW`]:
/// higher than per username, because many readers can share one address
/// (offices, mobile carriers' NAT).
pub const LOGIN_FAILURES_PER_ADDRESS: u32 = 20;
/// Failed logins allowed per username from all addresses together per
/// [`LOGIN_FAILURE_WINDOW`]: the ceiling against guessing one account from
/// many addresses.
pub const LOGIN_FAILURES_PER_USERNAME: u32 = 100;
/// The window for the login-failure limits.
pub const LOGIN_FAILURE_WINDOW: Duration = Duration::minutes(15);

/// Comments one reader may post per [`COMMENT_WINDOW`].
pub const COMMENTS_PER_READER: u32 = 5;
/// The window for the comment limit.
pub const COMMENT_WINDOW: Duration = Duration::minutes(1);

/// Accounts created per client address per [`SIGNUP_WINDOW`]: every sign-up
/// costs an Argon2id hash, so an unthrottled form would be a cheap way to burn
/// CPU and fill the table.
pub const SIGNUPS_PER_ADDRESS: u32 = 10;
/// The sign-up window.
pub const SIGNUP_WINDOW: Duration = Duration::hours(1);

/// How long a window's counter item outlives the window before DynamoDB's
/// TTL may delete it. TTL deletion is lazy (it can lag by hours) and readers
/// must ignore expired items anyway, so the margin only keeps a counter from
/// vanishing while its window is still current under clock skew.
pub const COUNTER_GRACE: Duration = Duration::hours(1);

/// One fixed window: `[start, start + length)`, aligned to a multiple of
/// `length` since the Unix epoch, so every function instance, whatever its
/// clock's sub-second phase, derives the same window (and so the same
/// counter key) for the same moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: OffsetDateTime,
    pub length: Duration,
}

impl Window {
    /// The window of `length` that contains `now`.
    ///
    /// Lengths are whole seconds; anything shorter than a second is treated
    /// as one second, so a misconfigured zero length cannot divide by zero.
    pub fn containing(now: OffsetDateTime, length: Duration) -> Window {
        let len = length.whole_seconds().max(1);
        let ts = now.unix_timestamp();
        let start_ts = ts - ts.rem_euclid(len);
        // Always representable: start_ts lies between `now`'s timestamp and
        // at most one window before it.
        let start =
            OffsetDateTime::from_unix_timestamp(start_ts).unwrap_or_else(|_| now.to_offset(UtcOffset::UTC));
        Window { start, length: Duration::seconds(len) }
    }

    /// The first instant after the window.
    pub fn end(&self) -> OffsetDateTime {
        self.start + self.length
    }

    /// Seconds until the window ends, rounded up, at least 1: the value of
    /// `Retry-After` when the limit is reached. (Never 0, which clients may
    /// read as "retry now" and spin.)
    pub fn retry_after_secs(&self, now: OffsetDateTime) -> u64 {
        let left = self.end() - now;
        let secs = left.whole_seconds() + i64::from(left.subsec_nanoseconds() > 0);
        u64::try_from(secs).unwrap_or(0).max(1)
    }

    /// When the window's counter item may be deleted: the window's end plus
    /// [`COUNTER_GRACE`] (for the DynamoDB TTL attribute, as Unix seconds
    /// via `unix_timestamp()`).
    pub fn expires_at(&self) -> OffsetDateTime {
        self.end() + COUNTER_GRACE
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn windows_align_to_multiples_of_their_length() {
        let now = datetime!(2026-03-01 12:07:42.5 UTC);
        let w = Window::containing(now, LOGIN_FAILURE_WINDOW);
        assert_eq!(w.start, datetime!(2026-03-01 12:00:00 UTC));
        assert_eq!(w.end(), datetime!(2026-03-01 12:15:00 UTC));
        assert_eq!(w.length, Duration::minutes(15));
        let w = Window::containing(now, COMMENT_WINDOW);
        assert_eq!(w.start, datetime!(2026-03-01 12:07:00 UTC));
        assert_eq!(w.end(), datetime!(2026-03-01 12:08:00 UTC));
    }

    #[test]
    fn every_moment_in_a_window_maps_to_it_and_the_end_starts_the_next() {
        let start = datetime!(2026-03-01 12:15:00 UTC);
        for offset in [Duration::ZERO, Duration::nanoseconds(1), Duration::minutes(7), Duration::seconds(899)]
        {
            assert_eq!(Window::containing(start + offset, LOGIN_FAILURE_WINDOW).start, start);
        }
        let next = Window::containing(start + Duration::minutes(15), LOGIN_FAILURE_WINDOW);
        assert_eq!(next.start, datetime!(2026-03-01 12:30:00 UTC));
        let just_before = start - Duration::nanoseconds(1);
        assert_eq!(
            Window::containing(just_before, LOGIN_FAILURE_WINDOW).start,
            datetime!(2026-03-01 12:00:00 UTC)
        );
    }

    #[test]
    fn the_offset_of_now_does_not_change_the_window() {
        let utc = datetime!(2026-03-01 12:07:42 UTC);
        let local = utc.to_offset(time::macros::offset!(+05:30));
        assert_eq!(
            Window::containing(local, LOGIN_FAILURE_WINDOW),
            Window::containing(utc, LOGIN_FAILURE_WINDOW)
        );
    }

    #[test]
    fn before_the_epoch_still_aligns_downwards() {
        let w = Window::containing(datetime!(1969-12-31 23:59:30 UTC), COMMENT_WINDOW);
        assert_eq!(w.start, datetime!(1969-12-31 23:59:00 UTC));
    }

    #[test]
    fn retry_after_rounds_up_and_is_at_least_one() {
        let w = Window::containing(datetime!(2026-03-01 12:07:00 UTC), COMMENT_WINDOW);
        assert_eq!(w.retry_after_secs(datetime!(2026-03-01 12:07:00 UTC)), 60);
        assert_eq!(w.retry_after_secs(datetime!(2026-03-01 12:07:42 UTC)), 18);
        assert_eq!(w.retry_after_secs(datetime!(2026-03-01 12:07:42.1 UTC)), 18);
        assert_eq!(w.retry_after_secs(datetime!(2026-03-01 12:07:59.999 UTC)), 1);
        // At or after the end (a slow request, clock skew): still 1, never 0.
        assert_eq!(w.retry_after_secs(datetime!(2026-03-01 12:08:00 UTC)), 1);
        assert_eq!(w.retry_after_secs(datetime!(2026-03-01 13:00:00 UTC)), 1);
    }

    #[test]
    fn counters_expire_an_hour_after_the_window() {
        let w = Window::containing(datetime!(2026-03-01 12:07:42 UTC), LOGIN_FAILURE_WINDOW);
        assert_eq!(w.expires_at(), datetime!(2026-03-01 13:15:00 UTC));
    }

    #[test]
    fn degenerate_lengths_do_not_panic() {
        let now = datetime!(2026-03-01 12:07:42.5 UTC);
        for len in [Duration::ZERO, Duration::milliseconds(10), Duration::seconds(-5)] {
            let w = Window::containing(now, len);
            assert_eq!(w.length, Duration::SECOND);
            assert_eq!(w.start, datetime!(2026-03-01 12:07:42 UTC));
        }
    }

    #[test]
    fn policy_matches_the_documentation() {
        assert_eq!(
            (
                LOGIN_FAILURES_PER_USERNAME_AND_ADDRESS,
                LOGIN_FAILURES_PER_ADDRESS,
                LOGIN_FAILURES_PER_USERNAME
            ),
            (5, 20, 100)
        );
        assert_eq!((SIGNUPS_PER_ADDRESS, SIGNUP_WINDOW.whole_hours()), (10, 1));
        assert_eq!(LOGIN_FAILURE_WINDOW.whole_minutes(), 15);
        assert_eq!((COMMENTS_PER_READER, COMMENT_WINDOW.whole_seconds()), (5, 60));
    }
}
