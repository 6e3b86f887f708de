//! End-to-end: sign up, log in, log out — every rule of docs/security.md over
//! HTTP against the local server, on the memory store and on DynamoDB (moto).

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::collections::BTreeMap;

use broadsheet_tests::browser::{Browser, encode};
use broadsheet_tests::site::{Backend, TestSite};
use scraper::Selector;

const PASSWORD: &str = "correct horse battery";

async fn some_article(site: &TestSite) -> String {
    let (_, body) = site.get_text("/category/science").await;
    let html = scraper::Html::parse_document(&body);
    let sel = Selector::parse("main article h2 a").unwrap();
    html.select(&sel).next().unwrap().value().attr("href").unwrap().to_owned()
}

fn has_login_prompt(body: &str) -> bool {
    body.contains("You need to login to leave a comment.")
}

async fn signup_login_logout_and_replay(backend: Backend) {
    let site = TestSite::start(backend).await;
    let article = some_article(&site).await;
    let back = format!("{article}#comments");
    let reader = Browser::new(&site);

    let resp = reader.sign_up("Alice_1", "Alice <Liddell>", PASSWORD, &back).await;
    assert_eq!(resp.status, 303, "{}", resp.body);
    assert_eq!(resp.location(), Some(back.as_str()));
    let cookie = resp.set_cookie("__Host-bs_session").expect("session cookie");
    for attr in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie} has {attr}");
    }
    let token = reader.cookie("__Host-bs_session").unwrap();
    assert!(token.len() >= 22, "at least 128 bits");

    // Logged in on the article page: name in the header, the form, never cached.
    let page = reader.get(&article).await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    assert!(page.header("etag").is_none());
    assert!(page.body.contains("Alice &lt;Liddell&gt;"), "display name shown, escaped");
    assert!(!page.body.contains("Alice <Liddell>"));
    assert!(page.body.contains("name=\"body\""), "comment form for a reader");
    assert!(!has_login_prompt(&page.body));
    // Listing pages are personal too now.
    assert_eq!(reader.get("/").await.header("cache-control"), Some("private, no-store"));

    // Log out: server-side deletion, cookie cleared.
    let out = reader.log_out().await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location(), Some("/"));
    assert!(out.set_cookie("__Host-bs_session").unwrap().contains("Max-Age=0"));
    let page = reader.get(&article).await;
    assert!(has_login_prompt(&page.body));

    // Replaying the old cookie is just an anonymous visit.
    reader.set_cookie("__Host-bs_session", Some(&token));
    let page = reader.get(&article).await;
    assert_eq!(page.status, 200);
    assert!(has_login_prompt(&page.body), "old session is dead");
    assert!(page.header("cache-control").unwrap().starts_with("public"));

    // Logging in again issues a new token and honours return_to.
    let again = Browser::new(&site);
    let resp = again.log_in("alice_1", PASSWORD, &back).await;
    assert_eq!(resp.status, 303, "{}", resp.body);
    assert_eq!(resp.location(), Some(back.as_str()));
    let new_token = again.cookie("__Host-bs_session").unwrap();
    assert_ne!(new_token, token);
    assert!(again.get(&article).await.body.contains("Alice &lt;Liddell&gt;"));
}

async fn failed_logins_look_the_same(backend: Backend) {
    let site = TestSite::start(backend).await;
    let reader = Browser::new(&site);
    assert_eq!(reader.sign_up("bob", "Bob", PASSWORD, "/").await.status, 303);
    let stranger = Browser::new(&site);
    let wrong = stranger.log_in("bob", "wrong password!", "/").await;
    let unknown = stranger.log_in("nobody-here", "wrong password!", "/").await;
    let invalid = stranger.log_in("x", "wrong password!", "/").await;
    for resp in [&wrong, &unknown, &invalid] {
        assert_eq!(resp.status, 422);
        assert!(resp.body.contains("Incorrect username or password."));
        assert!(!resp.body.contains("wrong password!"), "password never echoed");
        assert!(resp.set_cookie("__Host-bs_session").is_none());
    }
    assert_eq!(wrong.field("username").as_deref(), Some("bob"), "username kept");
    assert_eq!(unknown.field("username").as_deref(), Some("nobody-here"));
    // Empty fields are named.
    let form = stranger.get("/login").await;
    let csrf = form.field("csrf_token").unwrap();
    let empty = stranger.post("/login", &[("csrf_token", &csrf), ("username", ""), ("password", "")]).await;
    assert_eq!(empty.status, 422);
    assert!(empty.body.contains("Enter your username.") && empty.body.contains("Enter your password."));
}

async fn repeated_failures_are_throttled(backend: Backend) {
    let site = TestSite::start(backend).await;
    let owner = Browser::new(&site);
    assert_eq!(owner.sign_up("carol", "Carol", PASSWORD, "/").await.status, 303);
    let attacker = Browser::new(&site);
    for _ in 0..5 {
        assert_eq!(attacker.log_in("carol", "not the password", "/").await.status, 422);
    }
    let blocked = attacker.log_in("carol", PASSWORD, "/").await;
    assert_eq!(blocked.status, 429, "even the right password waits out the window");
    let secs: u64 = blocked.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=900).contains(&secs));
    assert!(blocked.set_cookie("__Host-bs_session").is_none());

    // Per address: twenty failures on different names block the address.
    let site = TestSite::start(backend).await;
    let spray = Browser::new(&site);
    for i in 0..20 {
        assert_eq!(spray.log_in(&format!("user{i}"), "guess-guess", "/").await.status, 422);
    }
    assert_eq!(spray.log_in("someone-else", "guess-guess", "/").await.status, 429);
}

/// Each status among `pages` and how often it came: what a failed count shows.
fn statuses(pages: &[broadsheet_tests::browser::Fetched]) -> BTreeMap<u16, usize> {
    let mut seen = BTreeMap::new();
    for p in pages {
        *seen.entry(p.status).or_default() += 1;
    }
    seen
}

/// How many of `pages` have `status`; every 429 among them must say when to retry.
fn count_status(pages: &[broadsheet_tests::browser::Fetched], status: u16) -> usize {
    for p in pages.iter().filter(|p| p.status == 429) {
        let secs: u64 = p.header("retry-after").expect("429 has Retry-After").parse().unwrap();
        assert!((1..=3600).contains(&secs), "Retry-After {secs}");
    }
    pages.iter().filter(|p| p.status == status).count()
}

/// Fifty attempts at once cannot slip past a limit: each is reserved
/// atomically before its password is verified (or its account hashed), so
/// exactly the limit are verified and the rest are told to wait.
async fn racing_attempts_cannot_exceed_the_limits(backend: Backend) {
    let site = TestSite::start(backend).await;
    assert_eq!(Browser::new(&site).sign_up("ivy", "Ivy", PASSWORD, "/").await.status, 303);
    let attacker = Browser::new(&site);
    // One form first, so every racing post carries the same double-submit cookie.
    assert_eq!(attacker.get("/login").await.status, 200);
    let pages =
        futures::future::join_all((0..50).map(|_| attacker.log_in("ivy", "wrong password!", "/"))).await;
    let seen = statuses(&pages);
    assert_eq!(count_status(&pages, 422), 5, "verified: the (username, address) limit; statuses {seen:?}");
    assert_eq!(count_status(&pages, 429), 45, "statuses {seen:?}");

    // One address against fifty accounts at once: the per-address limit.
    let site = TestSite::start(backend).await;
    let sprayer = Browser::new(&site);
    assert_eq!(sprayer.get("/login").await.status, 200);
    let names: Vec<String> = (0..50).map(|i| format!("user{i}")).collect();
    let pages = futures::future::join_all(names.iter().map(|n| sprayer.log_in(n, "guess-guess", "/"))).await;
    assert_eq!(count_status(&pages, 422), 20, "verified: the per-address limit");
    assert_eq!(count_status(&pages, 429), 30);

    // Fifty sign-ups from one address at once: ten accounts.
    let site = TestSite::start(backend).await;
    let browsers: Vec<Browser<'_>> = (0..50).map(|_| Browser::new(&site)).collect();
    let names: Vec<String> = (0..50).map(|i| format!("racer{i}")).collect();
    let pages = futures::future::join_all(
        browsers.iter().zip(&names).map(|(b, n)| b.sign_up(n, "Racer", PASSWORD, "/")),
    )
    .await;
    assert_eq!(count_status(&pages, 303), 10, "created: the sign-up limit");
    assert_eq!(count_status(&pages, 429), 40);
}

/// A cookie planted beside the real one (as a sibling subdomain could, were
/// the names not `__Host-`) is trusted with neither: no session, no CSRF match.
async fn a_shadowed_cookie_is_trusted_with_neither(backend: Backend) {
    let site = TestSite::start(backend).await;
    let alice = Browser::new(&site);
    assert_eq!(alice.sign_up("judy", "Judy", PASSWORD, "/").await.status, 303);
    let real = alice.cookie("__Host-bs_session").unwrap();
    let mallory = Browser::new(&site);
    assert_eq!(mallory.sign_up("mallory", "Mallory", PASSWORD, "/").await.status, 303);
    let planted = mallory.cookie("__Host-bs_session").unwrap();
    for cookies in [
        format!("__Host-bs_session={planted}; __Host-bs_session={real}"),
        format!("__Host-bs_session={real}; __Host-bs_session={planted}"),
    ] {
        let resp = site.client.get(site.url("/")).header("cookie", &cookies).send().await.unwrap();
        assert!(
            resp.headers()["cache-control"].to_str().unwrap().starts_with("public"),
            "anonymous: {cookies}"
        );
        let body = resp.text().await.unwrap();
        assert!(!body.contains("Judy") && !body.contains("Mallory"), "logged in as nobody");
    }
    // The anonymous forms' double-submit token: two values never match.
    let visitor = Browser::new(&site);
    let csrf = visitor.get("/login").await.field("csrf_token").unwrap();
    let other = Browser::new(&site).get("/login").await.field("csrf_token").unwrap();
    let form = format!("csrf_token={csrf}&username=judy&password=correct+horse+battery");
    let resp = site
        .client
        .post(site.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("__Host-bs_csrf={other}; __Host-bs_csrf={csrf}"))
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

async fn return_to_only_follows_local_paths(backend: Backend) {
    let site = TestSite::start(backend).await;
    let reader = Browser::new(&site);
    assert_eq!(reader.sign_up("dave", "Dave", PASSWORD, "/").await.status, 303);
    reader.log_out().await;
    for evil in [
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "https:evil.example",
        "/\t/evil.example",
        " //evil.example",
        "",
    ] {
        let form = reader.get(&format!("/login?return_to={}", encode(evil))).await;
        assert_eq!(form.field("return_to").as_deref(), Some("/"), "{evil:?} is not shown back");
        let csrf = form.field("csrf_token").unwrap();
        let resp = reader
            .post(
                "/login",
                &[("csrf_token", &csrf), ("return_to", evil), ("username", "dave"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(resp.status, 303);
        assert_eq!(resp.location(), Some("/"), "{evil:?}");
        reader.log_out().await;
    }
    let resp = reader.log_in("dave", PASSWORD, "/category/sports?after=x#top").await;
    assert_eq!(resp.location(), Some("/category/sports?after=x#top"));
}

fn erin(token: &str) -> [(&str, &str); 4] {
    [("csrf_token", token), ("username", "erin"), ("display_name", "Erin"), ("password", PASSWORD)]
}

async fn forged_posts_are_refused_and_change_nothing(backend: Backend) {
    let site = TestSite::start(backend).await;
    let reader = Browser::new(&site);
    let csrf = reader.get("/signup").await.field("csrf_token").unwrap();
    // Missing and wrong tokens.
    assert_eq!(reader.post("/signup", &erin("")[1..]).await.status, 403);
    assert_eq!(reader.post("/signup", &erin("forged-token")).await.status, 403);
    // A valid-looking token without its cookie (a cross-site form post from another browser).
    assert_eq!(Browser::new(&site).post("/signup", &erin(&csrf)).await.status, 403);
    // Cross-site browsers are refused even with a matching token pair.
    let evil = Browser::new(&site).with_header("origin", "https://evil.example");
    let evil_csrf = evil.get("/signup").await.field("csrf_token").unwrap();
    assert_eq!(evil.post("/signup", &erin(&evil_csrf)).await.status, 403);
    let sfs = Browser::new(&site).with_header("sec-fetch-site", "cross-site");
    let sfs_csrf = sfs.get("/signup").await.field("csrf_token").unwrap();
    assert_eq!(sfs.post("/signup", &erin(&sfs_csrf)).await.status, 403);
    // Nothing was stored: the name is still free.
    let ok = reader.sign_up("erin", "Erin", PASSWORD, "/").await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    // Logout without the session's token is refused and keeps the session.
    assert_eq!(reader.post("/logout", &[("csrf_token", "nope")]).await.status, 403);
    assert!(reader.get("/").await.body.contains("Erin"));
    let forged_page = reader.post("/logout", &[]).await;
    assert_eq!(forged_page.status, 403);
    assert!(forged_page.body.contains("<nav"), "403 is a page in the layout");
}

async fn usernames_are_unique_case_insensitively(backend: Backend) {
    let site = TestSite::start(backend).await;
    assert_eq!(Browser::new(&site).sign_up("Frank", "Frank", PASSWORD, "/").await.status, 303);
    let second = Browser::new(&site);
    let resp = second.sign_up("frank", "Another Frank", PASSWORD, "/").await;
    assert_eq!(resp.status, 409);
    assert!(resp.body.contains("That username is taken"));
    assert_eq!(resp.field("username").as_deref(), Some("frank"));
    assert_eq!(resp.field("display_name").as_deref(), Some("Another Frank"));
    assert!(resp.set_cookie("__Host-bs_session").is_none());

    // Ten browsers race for one name: exactly one wins. (A fresh site: sign-ups
    // are also limited to ten an hour per client address.)
    let site = TestSite::start(backend).await;
    let browsers: Vec<Browser<'_>> = (0..10).map(|_| Browser::new(&site)).collect();
    let results =
        futures::future::join_all(browsers.iter().map(|b| b.sign_up("grace", "Grace", PASSWORD, "/"))).await;
    let statuses: Vec<u16> = results.iter().map(|p| p.status).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 409).count(), 9, "{statuses:?}");
}

async fn bad_signups_get_field_messages(backend: Backend) {
    let site = TestSite::start(backend).await;
    let reader = Browser::new(&site);
    let resp = reader.sign_up("ab", "", "password", "/").await;
    assert_eq!(resp.status, 422);
    let html = resp.html();
    for id in ["f-username-error", "f-display_name-error", "f-password-error"] {
        let sel = Selector::parse(&format!("#{id}")).unwrap();
        assert!(html.select(&sel).next().is_some(), "{id}: {}", resp.body);
    }
    assert!(!resp.body.contains("value=\"password\""), "password never echoed");
    let long = "x".repeat(129);
    let resp = reader.sign_up("henry", "Henry", &long, "/").await;
    assert_eq!(resp.status, 422);
    assert_eq!(reader.sign_up("henry", "Henry", "short", "/").await.status, 422);

    // Malformed bodies.
    let form = reader.get("/signup").await;
    let csrf = form.field("csrf_token").unwrap();
    let bad = format!("csrf_token={csrf}&username=%zz&display_name=x&password=y");
    assert_eq!(reader.post_raw("/signup", "application/x-www-form-urlencoded", bad).await.status, 400);
    let utf8 = format!("csrf_token={csrf}&username=%FF%FE&display_name=x&password=y");
    assert_eq!(reader.post_raw("/signup", "application/x-www-form-urlencoded", utf8).await.status, 400);
    assert_eq!(reader.post_raw("/signup", "application/json", "{}").await.status, 400);
    let huge = format!("csrf_token={csrf}&username={}", "a".repeat(70 * 1024));
    assert_eq!(reader.post_raw("/signup", "application/x-www-form-urlencoded", huge).await.status, 413);
    // Wrong method.
    let resp = site.client.put(site.url("/login")).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET, POST");
    // Nothing was created along the way.
    assert_eq!(reader.sign_up("henry", "Henry", PASSWORD, "/").await.status, 303);
}

async fn signups_per_address_are_limited(backend: Backend) {
    let site = TestSite::start(backend).await;
    for i in 0..10 {
        assert_eq!(Browser::new(&site).sign_up(&format!("reader{i}"), "R", PASSWORD, "/").await.status, 303);
    }
    let resp = Browser::new(&site).sign_up("reader10", "R", PASSWORD, "/").await;
    assert_eq!(resp.status, 429);
    assert!(resp.header("retry-after").unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(resp.field("username").as_deref(), Some("reader10"), "what the reader typed is kept");
}

broadsheet_testkit::on_both_stores!(backend:
    signup_login_logout_and_replay,
    failed_logins_look_the_same,
    repeated_failures_are_throttled,
    racing_attempts_cannot_exceed_the_limits,
    a_shadowed_cookie_is_trusted_with_neither,
    return_to_only_follows_local_paths,
    forged_posts_are_refused_and_change_nothing,
    usernames_are_unique_case_insensitively,
    bad_signups_get_field_messages,
    signups_per_address_are_limited,
);
