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
use broadsheet_tests::site::TestSite;

fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
}

/// Waits (bounded) until the counter stops changing: detached work, such as
/// counting a read for #TrendingNews, has then landed too.
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
    let site = TestSite::start_with(store).await;
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
    rec.check("GET /trending (48 hourly buckets, concurrent)", &[("Query", 48)], anon.get("/trending")).await;
    rec.check("GET /feed.xml", &[("Query", 1)], anon.get("/feed.xml")).await;
    rec.check("GET /category/{slug}/feed.xml", &[("Query", 1)], anon.get("/category/sports/feed.xml")).await;
    rec.check("GET /sitemap.xml", &[("Query", 1)], anon.get("/sitemap.xml")).await;
    rec.check("GET /robots.txt", &[], anon.get("/robots.txt")).await;
    rec.check(
        "GET /articles/{slug} (anonymous; UpdateItem is the detached read count)",
        &[("Query", 1), ("UpdateItem", 1)],
        anon.get(&slug),
    )
    .await;

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
    let page = rec
        .check(
            "GET /articles/{slug} (logged in)",
            &[("GetItem", 1), ("Query", 1), ("UpdateItem", 1)],
            reader.get(&slug),
        )
        .await;
    let (csrf, key) = (page.field("csrf_token").unwrap(), page.field("idempotency_key").unwrap());
    let posted = rec
        .check(
            "POST /articles/{slug}/comments (session → one transaction: key, comment, count, allowance)",
            &[("GetItem", 1), ("TransactWriteItems", 1)],
            reader.post(
                &format!("{slug}/comments"),
                &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "Counted.")],
            ),
        )
        .await;
    let id = posted.location().unwrap().rsplit("#comment-").next().unwrap().to_owned();
    rec.check(
        "POST /articles/{slug}/comments/{id}/delete (session → transaction)",
        &[("GetItem", 1), ("TransactWriteItems", 1)],
        reader.post(&format!("{slug}/comments/{id}/delete"), &[("csrf_token", &csrf)]),
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
