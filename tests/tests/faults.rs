//! Faults, tested: the whole site on DynamoDB (moto, a fresh table per
//! test) behind a fault-injecting proxy (`broadsheet_testkit::faults`), with
//! a client set up as production's. For each fault — DynamoDB unreachable,
//! slow beyond the timeouts, throttling (`ProvisionedThroughputExceeded`,
//! `ThrottlingException`, `RequestLimitExceeded`), failing (`500`, `503`) —
//! pages answer `503` + `Retry-After` in the site's layout within a bound,
//! the comment, login and sign-up forms come back holding what the reader
//! typed, and the table, read past the proxy, is exactly as it was. A write
//! whose answer is lost (the Lambda environment dying right after it) is
//! found again, once, when the reader posts the kept form again.
//!
//! Timing is asserted only as a generous upper bound ([`BOUND`], three times
//! the operation timeout), never as a tight figure.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use broadsheet::auth::session::SESSION_COOKIE;
use broadsheet::http::error::UNAVAILABLE_RETRY_AFTER_SECS;
use broadsheet::store::ArticleReader;
use broadsheet::store::dynamo::OPERATION_TIMEOUT;
use broadsheet_testkit::content::{FIXTURE_SLUG, log_in, slug};
use broadsheet_testkit::faults::{DynamoError, Fault};
use broadsheet_tests::browser::{Browser, Fetched};
use broadsheet_tests::site::FaultySite;
use scraper::{Html, Selector};

/// The most any answer under a fault may take: three times the client's
/// operation timeout (a page needs one round of operations, so it answers
/// within about one), generous for a loaded machine.
const BOUND: Duration = Duration::from_secs(3 * OPERATION_TIMEOUT.as_secs());

/// "Slow": held far beyond the client's timeouts and beyond any test's
/// length, so a write the client gave up on never lands during the test.
const SLOW: Fault = Fault::Slow(Duration::from_secs(600));

const PASSWORD: &str = "correct horse battery staple";
const COMMENT_FORM: &str = "form#comment-form";
/// What the reader types: markup, quotes, an ampersand and a line break, all
/// of which must come back exactly.
const TEXT: &str = "Still <here> after the \"fault\" & all\nsecond line";

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

fn article_path() -> String {
    format!("/articles/{FIXTURE_SLUG}")
}

fn comments_path() -> String {
    format!("/articles/{FIXTURE_SLUG}/comments")
}

async fn timed<F: Future>(f: F) -> (F::Output, Duration) {
    let started = Instant::now();
    let out = f.await;
    (out, started.elapsed())
}

/// `503` with `Retry-After`, never cached, in the site's layout, in time.
fn assert_unavailable(page: &Fetched, took: Duration, what: &str) {
    assert_eq!(page.status, 503, "{what}: {}", page.body);
    let retry_after = UNAVAILABLE_RETRY_AFTER_SECS.to_string();
    assert_eq!(page.header("retry-after"), Some(retry_after.as_str()), "{what}: Retry-After");
    assert_eq!(page.header("cache-control"), Some("private, no-store"), "{what}");
    assert!(
        page.body.contains(r#"<nav aria-label="Sections">"#),
        "{what}: in the site layout: {}",
        page.body
    );
    assert!(took < BOUND, "{what} answered after {took:?}; the bound is {BOUND:?}");
}

/// The value of `field` in the form matching `form` on `page`.
fn form_value(page: &Fetched, form: &str, field: &str) -> Option<String> {
    page.html().select(&sel(&format!("{form} [name=\"{field}\"]"))).next().map(|e| match e.value().name() {
        "textarea" => e.text().collect(),
        _ => e.value().attr("value").unwrap_or("").to_owned(),
    })
}

/// The comment form's (csrf_token, idempotency_key, body) on `page`.
fn comment_fields(page: &Fetched) -> (String, String, String) {
    let get =
        |name| form_value(page, COMMENT_FORM, name).unwrap_or_else(|| panic!("no {name}: {}", page.body));
    (get("csrf_token"), get("idempotency_key"), get("body"))
}

/// The text of the page's `role="alert"` message.
fn alert(page: &Fetched) -> String {
    Html::parse_document(&page.body)
        .select(&sel("[role=alert]"))
        .next()
        .map(|e| e.text().collect())
        .unwrap_or_default()
}

/// A reader logged in (the session created directly in the table), with
/// their browser.
async fn reader(f: &FaultySite) -> Browser<'_> {
    let session = log_in(&f.direct, "fern", "Fern Reader").await;
    let b = Browser::new(&f.site);
    let (name, value) = session.cookie.split_once('=').unwrap();
    assert_eq!(name, SESSION_COOKIE);
    b.set_cookie(SESSION_COOKIE, Some(value));
    b
}

/// Every item in the table, read straight from the test server (past the
/// proxy), except the trending rows and read batches, which the page views
/// under test do not write (the beacon and the aggregator do).
/// An attribute as text, maps in key order at every depth (a map's own
/// order is a hash map's, different from one read to the next).
fn canonical(v: &AttributeValue) -> String {
    match v {
        AttributeValue::M(m) => {
            let sorted: BTreeMap<&String, String> = m.iter().map(|(k, v)| (k, canonical(v))).collect();
            format!("M({sorted:?})")
        }
        AttributeValue::L(l) => format!("L({:?})", l.iter().map(canonical).collect::<Vec<_>>()),
        other => format!("{other:?}"),
    }
}

async fn table_items(f: &FaultySite) -> Vec<String> {
    let mut items = Vec::new();
    let mut start = None;
    for _ in 0..100 {
        let out = f
            .direct_client
            .scan()
            .table_name(&f.table)
            .set_exclusive_start_key(start)
            .consistent_read(true)
            .send()
            .await
            .expect("scan the test table");
        for item in out.items() {
            let pk = item.get("PK").and_then(|v| v.as_s().ok()).map_or("", String::as_str);
            if !pk.starts_with("TRENDING") && !pk.starts_with("READS#") {
                let sorted: BTreeMap<&String, String> = item.iter().map(|(k, v)| (k, canonical(v))).collect();
                items.push(format!("{sorted:?}"));
            }
        }
        start = out.last_evaluated_key().cloned();
        if start.is_none() {
            items.sort();
            return items;
        }
    }
    panic!("the scan does not end");
}

/// The article's comment count and comments' texts, read straight from the
/// test server.
async fn stored_comments(f: &FaultySite) -> (u64, Vec<(String, String)>) {
    let page = f.direct.article_page(&slug(FIXTURE_SLUG), None, 50).await.unwrap().expect("the article");
    let comments = page.comments.items.iter().map(|c| (c.id.to_string(), c.body.clone())).collect();
    (page.article.summary.comment_count, comments)
}

/// The comment form a posted comment came back in under a fault: the
/// reader's text, token and one-time key, all as sent.
fn assert_comment_kept(page: &Fetched, csrf: &str, key: &str, what: &str) {
    let (csrf_kept, key_kept, text_kept) = comment_fields(page);
    assert_eq!(text_kept, TEXT, "{what}: the reader's text is kept");
    assert_eq!(key_kept, key, "{what}: the same one-time key");
    assert_eq!(csrf_kept, csrf, "{what}: a usable CSRF token");
    assert!(alert(page).contains("not posted"), "{what}: says so: {}", alert(page));
    assert!(page.body.contains("We could not save your comment yet"), "{what}");
}

/// Everything a reader can meet under `fault`, then the table checked.
async fn pages_and_forms_under(fault: Fault) {
    let f = FaultySite::start().await;
    let anon = Browser::new(&f.site);
    let fern = reader(&f).await;

    // While storage answers: the reader's comment form, and the anonymous
    // forms' CSRF cookie — through the proxy.
    let page = fern.get(&article_path()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(f.proxy.requests("Query") > 0, "the site talks to the table through the proxy");
    let (csrf, key, _) = comment_fields(&page);
    let login_form = anon.get("/login").await;
    assert_eq!(login_form.status, 200);
    let anon_csrf = login_form.field("csrf_token").unwrap();
    let before = table_items(&f).await;
    assert_eq!(stored_comments(&f).await, (0, vec![]));

    f.proxy.set(fault);

    let article = article_path();
    let pages = [
        ("anonymous", &anon, "/"),
        ("anonymous", &anon, &article),
        ("reader", &fern, "/"),
        ("reader", &fern, &article),
    ];
    for (who, b, path) in pages {
        let (page, took) = timed(b.get(path)).await;
        assert_unavailable(&page, took, &format!("{fault:?}: {who} GET {path}"));
    }

    let what = format!("{fault:?}: comment POST");
    let fields = [("csrf_token", csrf.as_str()), ("idempotency_key", key.as_str()), ("body", TEXT)];
    let (page, took) = timed(fern.post(&comments_path(), &fields)).await;
    assert_unavailable(&page, took, &what);
    assert_comment_kept(&page, &csrf, &key, &what);

    let what = format!("{fault:?}: login POST");
    let fields = [
        ("csrf_token", anon_csrf.as_str()),
        ("return_to", "/"),
        ("username", "Fern"),
        ("password", PASSWORD),
    ];
    let (page, took) = timed(anon.post("/login", &fields)).await;
    assert_unavailable(&page, took, &what);
    assert_eq!(form_value(&page, "form[action=\"/login\"]", "username").as_deref(), Some("Fern"), "{what}");
    assert_eq!(form_value(&page, "form[action=\"/login\"]", "csrf_token"), Some(anon_csrf.clone()), "{what}");
    assert!(!page.body.contains(PASSWORD), "{what}: the password is never echoed");
    assert!(alert(&page).contains("trouble reaching our storage"), "{what}: {}", alert(&page));

    let what = format!("{fault:?}: sign-up POST");
    let fields = [
        ("csrf_token", anon_csrf.as_str()),
        ("return_to", "/"),
        ("username", "new_reader"),
        ("display_name", "New <Reader>"),
        ("password", PASSWORD),
    ];
    let (page, took) = timed(anon.post("/signup", &fields)).await;
    assert_unavailable(&page, took, &what);
    let signup = "form[action=\"/signup\"]";
    assert_eq!(form_value(&page, signup, "username").as_deref(), Some("new_reader"), "{what}");
    assert_eq!(form_value(&page, signup, "display_name").as_deref(), Some("New <Reader>"), "{what}");
    assert!(!page.body.contains(PASSWORD), "{what}: the password is never echoed");
    assert!(alert(&page).contains("trouble reaching our storage"), "{what}: {}", alert(&page));

    assert!(f.proxy.faulted() > 0, "{fault:?} was applied");
    f.proxy.pass_through();
    assert_eq!(stored_comments(&f).await, (0, vec![]), "{fault:?}: no comment, count unchanged");
    assert_eq!(table_items(&f).await, before, "{fault:?}: nothing written at all");

    // The same fault on the comment's transaction alone: the session is
    // read, the write fails, the reader keeps the text (slow writes are left
    // to `a_lost_answer_loses_nothing`: a held write could land later).
    if fault != SLOW {
        f.proxy.set_for("TransactWriteItems", fault);
        let what = format!("{fault:?} on TransactWriteItems: comment POST");
        let fields = [("csrf_token", csrf.as_str()), ("idempotency_key", key.as_str()), ("body", TEXT)];
        let (page, took) = timed(fern.post(&comments_path(), &fields)).await;
        assert_unavailable(&page, took, &what);
        assert_comment_kept(&page, &csrf, &key, &what);
        assert!(page.body.contains("Signed in as"), "{what}: the reader's own layout");
        assert!(f.proxy.requests("TransactWriteItems") > 0, "{what}: the write was tried");
        f.proxy.pass_through();
        assert_eq!(stored_comments(&f).await, (0, vec![]), "{what}: no comment, count unchanged");
        assert_eq!(table_items(&f).await, before, "{what}: nothing written at all");
    }

    // Storage is back: the kept form, posted as it stands, stores the comment once.
    let fields = [("csrf_token", csrf.as_str()), ("idempotency_key", key.as_str()), ("body", TEXT)];
    let resp = fern.post(&comments_path(), &fields).await;
    assert_eq!(resp.status, 303, "{fault:?}: the kept form posts: {}", resp.body);
    let (count, comments) = stored_comments(&f).await;
    assert_eq!(count, 1, "{fault:?}");
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].1, TEXT);
    assert_eq!(resp.location(), Some(format!("{}#comment-{}", article_path(), comments[0].0).as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable() {
    pages_and_forms_under(Fault::Unreachable).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_beyond_the_timeouts() {
    pages_and_forms_under(SLOW).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioned_throughput_exceeded() {
    pages_and_forms_under(Fault::Error(DynamoError::ProvisionedThroughputExceeded)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_exception() {
    pages_and_forms_under(Fault::Error(DynamoError::Throttling)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_limit_exceeded() {
    pages_and_forms_under(Fault::Error(DynamoError::RequestLimitExceeded)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_server_error_500() {
    pages_and_forms_under(Fault::Error(DynamoError::InternalServerError)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_unavailable_503() {
    pages_and_forms_under(Fault::Error(DynamoError::ServiceUnavailable)).await;
}

/// The Lambda environment dies right after the comment's transaction
/// commits: the write is whole in the table, the reader never hears of it
/// (`503`, text and key kept). Posting the kept form again lands on the
/// stored comment: nothing told saved is lost, nothing is stored twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_answer_loses_nothing() {
    let f = FaultySite::start().await;
    let fern = reader(&f).await;
    let page = fern.get(&article_path()).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let (csrf, key, _) = comment_fields(&page);

    f.proxy.set_for("TransactWriteItems", Fault::CommitThenDrop);
    let fields = [("csrf_token", csrf.as_str()), ("idempotency_key", key.as_str()), ("body", TEXT)];
    let (page, took) = timed(fern.post(&comments_path(), &fields)).await;
    assert_unavailable(&page, took, "commit then drop: comment POST");
    assert_comment_kept(&page, &csrf, &key, "commit then drop");
    assert!(f.proxy.requests("TransactWriteItems") > 0);
    f.proxy.pass_through();

    // The first attempt committed, whole: the comment with the count. (The
    // SDK resent the transaction, and those answers were dropped too; the
    // test server refused the resends by their conditions, where DynamoDB
    // would recognise their `ClientRequestToken`. Either way: applied once.)
    let (count, comments) = stored_comments(&f).await;
    assert_eq!(count, 1, "the write that lost its answer is in the table");
    assert_eq!(comments.len(), 1);
    let (id, text) = &comments[0];
    assert_eq!(text, TEXT);
    let before = table_items(&f).await;

    // The reader posts the kept form again: it lands on that comment.
    let (csrf, key, text) = comment_fields(&page);
    let fields = [("csrf_token", csrf.as_str()), ("idempotency_key", key.as_str()), ("body", text.as_str())];
    let resp = fern.post(&comments_path(), &fields).await;
    assert_eq!(resp.status, 303, "{}", resp.body);
    assert_eq!(resp.location(), Some(format!("{}#comment-{id}", article_path()).as_str()), "the stored one");
    assert_eq!(stored_comments(&f).await, (1, comments.clone()), "still one comment, count 1");
    assert_eq!(table_items(&f).await, before, "the repost wrote nothing");

    let page = fern.get(&article_path()).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Comments (1)"));
    assert!(page.body.contains(&format!("id=\"comment-{id}\"")));
}
