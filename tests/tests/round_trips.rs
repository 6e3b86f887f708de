//! DynamoDB requests per route, counted by the SDK interceptor against moto.
//!
//! A count is deterministic, so it is held here as a test (timings never are).
//! Run with `--nocapture` to print the table recorded in BENCHMARKS.md.
//! "Critical path" requests are the ones a response waits for; requests the
//! handler issues concurrently (`tokio::join!`) cost one round trip together.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::collections::BTreeMap;
use std::time::Duration;

use broadsheet::store::dynamo::RequestCounter;
use broadsheet_testkit::dynamo::fresh_counted_store;
use broadsheet_tests::browser::{Browser, Fetched};
use broadsheet_tests::site::{READER_USER_AGENT, TestSite};

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

/// Waits (bounded) until the counter stops changing: any work still in
/// flight after the response has then landed too.
async fn settled(counter: &RequestCounter) -> BTreeMap<String, usize> {
    let mut last = counter.snapshot();
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(25)).await;
        let now = counter.snapshot();
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

struct Recorder<'a> {
    counter: &'a RequestCounter,
    rows: Vec<(String, BTreeMap<String, usize>)>,
}

impl Recorder<'_> {
    async fn check<F: std::future::Future<Output = Fetched>>(
        &mut self,
        label: &str,
        expected: &[(&str, usize)],
        f: F,
    ) -> Fetched {
        self.counter.reset();
        let page = f.await;
        assert!(page.status < 400, "{label}: {} {}", page.status, page.body);
        let got = settled(self.counter).await;
        assert_eq!(got, counts(expected), "{label}");
        self.rows.push((label.to_owned(), got));
        page
    }
}

#[tokio::test]
async fn requests_per_route() {
    let (store, counter) = fresh_counted_store().await;
    let site = TestSite::start_with(store.clone()).await;
    let mut rec = Recorder { counter: &counter, rows: Vec::new() };
    let anon = Browser::new(&site);

    let front = rec.check("GET / (anonymous)", &[("Query", 1)], anon.get("/")).await;
    let slug = front
        .html()
        .select(&scraper::Selector::parse("main article h2 a").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    rec.check("GET /category/{slug}", &[("Query", 1)], anon.get("/category/technology")).await;
    let older = front.body.split("?after=").nth(1).unwrap().split('"').next().unwrap().to_owned();
    rec.check("GET /?after= (page 2)", &[("Query", 1)], anon.get(&format!("/?after={older}"))).await;
    rec.check("GET /trending (the ranking: one item)", &[("GetItem", 1)], anon.get("/trending")).await;
    rec.check("GET /feed.xml", &[("Query", 1)], anon.get("/feed.xml")).await;
    rec.check("GET /category/{slug}/feed.xml", &[("Query", 1)], anon.get("/category/sports/feed.xml")).await;
    rec.check("GET /sitemap.xml", &[("Query", 1)], anon.get("/sitemap.xml")).await;
    rec.check("GET /robots.txt", &[], anon.get("/robots.txt")).await;
    rec.check(
        "GET /authors/{slug} (author GetItem + GSI3 Query, concurrent)",
        &[("GetItem", 1), ("Query", 1)],
        anon.get("/authors/hattie-sorensen"),
    )
    .await;
    rec.check(
        "GET /authors/{slug}/feed.xml (the same two, concurrent)",
        &[("GetItem", 1), ("Query", 1)],
        anon.get("/authors/hattie-sorensen/feed.xml"),
    )
    .await;
    rec.check(
        "GET /articles/{slug} (anonymous: article Query + read-next GetItem, concurrent)",
        &[("GetItem", 1), ("Query", 1)],
        anon.get(&slug),
    )
    .await;
    let reader_browser = Browser::new(&site).with_header("user-agent", READER_USER_AGENT);
    let beacon = format!("{slug}/read");
    rec.check(
        "GET /articles/{slug}/read (an environment's first read: flushed at once)",
        &[("PutItem", 1)],
        reader_browser.get(&beacon),
    )
    .await;
    rec.check("GET /articles/{slug}/read (counted in memory)", &[], reader_browser.get(&beacon)).await;

    let reader = Browser::new(&site);
    rec.check("GET /signup", &[], reader.get("/signup")).await;
    let csrf = reader.cookie("__Host-bs_csrf").unwrap();
    rec.check(
        "POST /signup (rate UpdateItem → user PutItem → session PutItem)",
        &[("UpdateItem", 1), ("PutItem", 2)],
        reader.post(
            "/signup",
            &[
                ("csrf_token", &csrf),
                ("username", "counter"),
                ("display_name", "C"),
                ("password", "correct horse battery"),
            ],
        ),
    )
    .await;
    rec.check(
        "GET / (logged in: session GetItem concurrent)",
        &[("GetItem", 1), ("Query", 1)],
        reader.get("/"),
    )
    .await;
    // Search reads its in-memory index, not the table. (`broadsheet serve`
    // builds that index from the table with a Scan at its first search; on
    // Lambda it comes from S3.)
    rec.check("GET /search (first, local server: the index built)", &[("Scan", 1)], anon.get("/search?q=a"))
        .await;
    rec.check("GET /search?q= (anonymous)", &[], anon.get("/search?q=harbour")).await;
    rec.check(
        "GET /search?q= (logged in: session GetItem)",
        &[("GetItem", 1)],
        reader.get("/search?q=harbour"),
    )
    .await;
    let page = rec
        .check(
            "GET /articles/{slug} (logged in: + session GetItem, concurrent)",
            &[("GetItem", 2), ("Query", 1)],
            reader.get(&slug),
        )
        .await;
    let (csrf, key) = (page.field("csrf_token").unwrap(), page.field("idempotency_key").unwrap());
    let posted = rec
        .check(
            "POST /articles/{slug}/comments (session ∥ is the article open? → one transaction: key, comment, count, allowance)",
            &[("GetItem", 2), ("TransactWriteItems", 1)],
            reader.post(
                &format!("{slug}/comments"),
                &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "Counted.")],
            ),
        )
        .await;
    let id = posted.location().unwrap().rsplit("#comment-").next().unwrap().to_owned();
    rec.check(
        "POST /articles/{slug}/comments/{id}/delete (session → comment GetItem → transaction)",
        &[("GetItem", 2), ("TransactWriteItems", 1)],
        reader.post(&format!("{slug}/comments/{id}/delete"), &[("csrf_token", &csrf)]),
    )
    .await;

    // Conversation and moderation (docs/moderation.md#cost).
    let fresh_key = |page: &Fetched| {
        let html = page.html();
        let sel = scraper::Selector::parse("form#comment-form input[name=idempotency_key]").unwrap();
        html.select(&sel).next().unwrap().value().attr("value").unwrap().to_owned()
    };
    let key = fresh_key(&reader.get(&slug).await);
    let top = reader
        .post(
            &format!("{slug}/comments"),
            &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "A thread.")],
        )
        .await;
    let top = top.location().unwrap().rsplit("#comment-").next().unwrap().to_owned();
    let key = fresh_key(&reader.get(&slug).await);
    rec.check(
        "POST /articles/{slug}/comments with parent (a reply: session ∥ is the article open? → one transaction, parent's count included)",
        &[("GetItem", 2), ("TransactWriteItems", 1)],
        reader.post(
            &format!("{slug}/comments"),
            &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "A reply."), ("parent", &top)],
        ),
    )
    .await;
    let edit = format!("{slug}/comments/{top}/edit");
    rec.check("GET …/comments/{id}/edit (session → comment GetItem)", &[("GetItem", 2)], reader.get(&edit))
        .await;
    rec.check(
        "POST …/comments/{id}/edit (session → comment GetItem → transaction with the suspension check)",
        &[("GetItem", 2), ("TransactWriteItems", 1)],
        reader.post(&edit, &[("csrf_token", &csrf), ("body", "A thread, edited.")]),
    )
    .await;
    let other = Browser::new(&site);
    assert_eq!(other.sign_up("counter_two", "Two", "correct horse battery", "/").await.status, 303);
    let other_csrf = other.get(&slug).await.field("csrf_token").unwrap();
    rec.check(
        "POST …/comments/{id}/report (session → comment GetItem → transaction: report, queue)",
        &[("GetItem", 2), ("TransactWriteItems", 1)],
        other.post(
            &format!("{slug}/comments/{top}/report"),
            &[("csrf_token", &other_csrf), ("reason", "spam")],
        ),
    )
    .await;
    let moderator = Browser::new(&site);
    assert_eq!(moderator.sign_up("counter_mod", "Mod", "correct horse battery", "/").await.status, 303);
    let name = broadsheet::auth::Username::parse("counter_mod").unwrap();
    let grant =
        broadsheet::domain::moderation::UserChange::Grant(broadsheet::domain::moderation::Role::Moderator);
    let operator = broadsheet::domain::moderation::Actor::Operator;
    broadsheet::store::Moderation::change_user(
        &store,
        &name,
        grant,
        &operator,
        "",
        time::OffsetDateTime::now_utc(),
    )
    .await
    .unwrap();
    assert_eq!(moderator.log_out().await.status, 303);
    assert_eq!(moderator.log_in("counter_mod", "correct horse battery", "/").await.status, 303);
    let mod_csrf = moderator.get("/").await.field("csrf_token").unwrap();
    rec.check(
        "GET /moderation (session → role GetItem ∥ queue Query → a GetItem per entry)",
        &[("GetItem", 3), ("Query", 1)],
        moderator.get("/moderation"),
    )
    .await;
    rec.check(
        "POST /moderation/comments/{slug}/{id}/approve (session → comment GetItem → transaction with the log entry)",
        &[("GetItem", 2), ("TransactWriteItems", 1)],
        moderator.post(&format!("/moderation/comments{}/{top}/approve", slug.trim_start_matches("/articles")), &[("csrf_token", &mod_csrf)]),
    )
    .await;
    rec.check(
        "POST …/comments/{id}/remove (session → comment GetItem → transaction with the log entry)",
        &[("GetItem", 2), ("TransactWriteItems", 1)],
        moderator
            .post(&format!("{slug}/comments/{top}/remove"), &[("csrf_token", &mod_csrf), ("reason", "x")]),
    )
    .await;
    rec.check(
        "POST /moderation/users/{username}/suspend (session → transaction with the log entry)",
        &[("GetItem", 1), ("TransactWriteItems", 1)],
        moderator.post("/moderation/users/counter_two/suspend", &[("csrf_token", &mod_csrf), ("days", "1")]),
    )
    .await;
    rec.check(
        "GET /moderation/log (session → role GetItem ∥ log Query)",
        &[("GetItem", 2), ("Query", 1)],
        moderator.get("/moderation/log"),
    )
    .await;
    rec.check(
        "POST /logout (session GetItem → DeleteItem)",
        &[("GetItem", 1), ("DeleteItem", 1)],
        reader.post("/logout", &[("csrf_token", &csrf)]),
    )
    .await;
    let login_form = reader.get("/login").await;
    let csrf = login_form.field("csrf_token").unwrap();
    rec.check(
        "POST /login (3 counter reservations + user GetItem concurrent → Argon2 → 3 releases + session PutItem concurrent)",
        &[("GetItem", 1), ("PutItem", 1), ("UpdateItem", 6)],
        reader.post(
            "/login",
            &[("csrf_token", &csrf), ("username", "counter"), ("password", "correct horse battery")],
        ),
    )
    .await;

    println!("\n| route | DynamoDB requests |\n|---|---|");
    for (label, got) in &rec.rows {
        let list: Vec<String> = got.iter().map(|(op, n)| format!("{n} {op}")).collect();
        println!("| {label} | {} |", if list.is_empty() { "none".to_owned() } else { list.join(", ") });
    }
}
