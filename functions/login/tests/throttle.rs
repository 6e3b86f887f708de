//! Login throttling as Lambda sees it: HTTP API events whose `sourceIp`
//! says which client is asking (docs/security.md#throttles-and-limits).

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::auth::limits::LOGIN_FAILURE_WINDOW;
use broadsheet::auth::{DisplayName, Password, Username, hash_password_off_thread};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{User, Users};
use broadsheet_login::{LoginApp, handle};
use broadsheet_testkit::content::{FIXTURE_ORIGIN, site};
use broadsheet_testkit::events::{Event, form};
use time::OffsetDateTime;

const PASSWORD: &str = "correct horse battery";
/// The double-submit token in the `login-post.json` fixture's cookie.
const CSRF: &str = "kq3H8Zr2m1C0xT6yV4bN9pL5wS7dE2fA1gJ8hK3uQ0o";

/// The login limits count in fixed 15-minute windows aligned to the clock.
/// If less than half a minute of the current one remains, waits for the
/// next, so a test's attempts all fall in one window. (Control of time, not
/// an assertion about it; a test here takes a few seconds.)
async fn start_of_a_fresh_window_if_needed() {
    let window = LOGIN_FAILURE_WINDOW.whole_seconds();
    let into = OffsetDateTime::now_utc().unix_timestamp().rem_euclid(window);
    let left = window - into;
    if left < 30 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::try_from(left).unwrap() + 1)).await;
    }
}

async fn app_with_alice() -> LoginApp<MemoryStore> {
    start_of_a_fresh_window_if_needed().await;
    let app = LoginApp::new(MemoryStore::new(), site(FIXTURE_ORIGIN));
    let hash = hash_password_off_thread(Password::parse(PASSWORD.to_owned()).unwrap()).await.unwrap();
    let alice = User {
        username: Username::parse("alice").unwrap(),
        display_name: DisplayName::parse("Alice").unwrap(),
        password_hash: hash,
        created_at: OffsetDateTime::now_utc(),
        moderator: false,
        suspended_until: None,
    };
    assert!(app.store.create_user(&alice).await.unwrap());
    app
}

/// `POST /login` for `username` with `password`, from `source_ip`: the status.
async fn log_in(app: &LoginApp<MemoryStore>, username: &str, password: &str, source_ip: &str) -> u16 {
    let body =
        form(&[("csrf_token", CSRF), ("return_to", "/"), ("username", username), ("password", password)]);
    let event = Event::load("login-post.json").with_form(&body).with_source_ip(source_ip);
    let resp = handle(app, event.request()).await;
    if resp.status() == 429 {
        let secs: u64 = resp.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=900).contains(&secs), "Retry-After {secs}");
    }
    resp.status().as_u16()
}

#[tokio::test]
async fn a_strangers_failures_do_not_lock_the_owner_out() {
    let app = app_with_alice().await;
    let stranger = "198.51.100.7";
    for _ in 0..5 {
        assert_eq!(log_in(&app, "alice", "not her password", stranger).await, 422);
    }
    assert_eq!(log_in(&app, "alice", "not her password", stranger).await, 429, "the stranger is stopped");
    assert_eq!(log_in(&app, "alice", PASSWORD, stranger).await, 429, "even with the right password, there");
    // Alice, from her own address, is not.
    assert_eq!(log_in(&app, "alice", PASSWORD, "203.0.113.9").await, 303);
    // Her success gave its places back: her own address still has all five.
    for _ in 0..5 {
        assert_eq!(log_in(&app, "alice", "a typo in it", "203.0.113.9").await, 422);
    }
    assert_eq!(log_in(&app, "alice", PASSWORD, "203.0.113.9").await, 429);
}

#[tokio::test]
async fn ipv6_clients_count_per_64() {
    let app = app_with_alice().await;
    // Five addresses of one /64: one client.
    for i in 1..=5 {
        assert_eq!(log_in(&app, "alice", "guess", &format!("2001:db8:1:2::{i}")).await, 422);
    }
    assert_eq!(log_in(&app, "alice", "guess", "2001:db8:1:2:ffff:ffff:ffff:ffff").await, 429);
    // The next /64 is another client.
    assert_eq!(log_in(&app, "alice", PASSWORD, "2001:db8:1:3::1").await, 303);
}

#[tokio::test]
async fn one_address_cannot_spray_many_accounts() {
    let app = app_with_alice().await;
    let sprayer = "198.51.100.23";
    for i in 0..20 {
        assert_eq!(log_in(&app, &format!("user{i}"), "guess-guess", sprayer).await, 422);
    }
    assert_eq!(log_in(&app, "someone-else", "guess-guess", sprayer).await, 429);
    assert_eq!(log_in(&app, "alice", PASSWORD, "198.51.100.24").await, 303, "another address is unaffected");
}

#[tokio::test]
async fn guessing_one_account_from_many_addresses_meets_the_ceiling() {
    let app = app_with_alice().await;
    // 100 failures (the ceiling) from 25 addresses, four each: no address
    // reaches its own limits.
    for i in 0..100 {
        let addr = format!("192.0.2.{}", i / 4);
        assert_eq!(log_in(&app, "alice", "guess", &addr).await, 422, "attempt {i}");
    }
    assert_eq!(
        log_in(&app, "alice", "guess", "198.51.100.99").await,
        429,
        "a fresh address meets the ceiling"
    );
    // Other accounts are untouched.
    assert_eq!(log_in(&app, "bob", "guess", "198.51.100.99").await, 422);
}
