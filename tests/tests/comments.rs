//! End-to-end: leaving and deleting comments over HTTP against `broadsheet
//! serve`'s server, on the memory store and on DynamoDB (moto) — the comment
//! rules of docs/site.md and docs/security.md as a reader's browser meets them.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use broadsheet::auth::session::SESSION_COOKIE;
use broadsheet::auth::{DisplayName, Password, Username, hash_password};
use broadsheet::store::User;
use broadsheet::store::memory::MemoryStore;
use broadsheet_cli::serve::SiteStore;
use broadsheet_tests::browser::{Browser, Fetched};
use broadsheet_tests::site::{Backend, TEST_ORIGIN, TestSite};
use scraper::{ElementRef, Html, Selector};

const PASSWORD: &str = "correct horse battery staple";

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

fn text_of(e: ElementRef<'_>) -> String {
    e.text().collect()
}

/// The first article card on `/category/{category}`: a real sample slug.
async fn first_slug(site: &TestSite, category: &str) -> String {
    let (status, body) = site.get_text(&format!("/category/{category}")).await;
    assert_eq!(status, 200);
    let html = Html::parse_document(&body);
    let href = html
        .select(&sel("main article h2 a"))
        .find_map(|a| a.value().attr("href"))
        .unwrap_or_else(|| panic!("a card on /category/{category}"));
    href.strip_prefix("/articles/").expect("card links to an article").to_owned()
}

/// A site on `backend` with the sample content, and the article the test
/// comments on (the first on `/category/science`).
async fn site_and_article(backend: Backend) -> (TestSite, String) {
    let site = TestSite::start(backend).await;
    let slug = first_slug(&site, "science").await;
    (site, slug)
}

fn article(slug: &str) -> String {
    format!("/articles/{slug}")
}

/// The number in the "Comments (N)" heading.
fn comment_count(page: &Fetched) -> u64 {
    let html = page.html();
    let h2 = text_of(html.select(&sel("h2#comments-heading")).next().expect("comments heading"));
    h2.strip_prefix("Comments (")
        .and_then(|s| s.strip_suffix(')'))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("heading {h2:?} is not \"Comments (N)\""))
}

/// The ids of the comments listed on `page`, in page order.
fn listed_ids(page: &Fetched) -> Vec<String> {
    page.html()
        .select(&sel("section#comments ol.comments > li"))
        .filter_map(|li| li.value().id())
        .map(|id| id.strip_prefix("comment-").expect("li id is comment-{id}").to_owned())
        .collect()
}

/// The "More comments" link, without its fragment.
fn more_link(page: &Fetched) -> Option<String> {
    page.html()
        .select(&sel("section#comments a[rel=next]"))
        .find_map(|a| a.value().attr("href"))
        .map(|h| h.split('#').next().unwrap_or(h).to_owned())
}

/// The value of hidden field `name` inside the form matching `form`.
fn form_field(page: &Fetched, form: &str, name: &str) -> Option<String> {
    page.html()
        .select(&sel(&format!("{form} input[name=\"{name}\"]")))
        .find_map(|e| e.value().attr("value"))
        .map(str::to_owned)
}

/// The comment form's hidden fields on `page`: (csrf_token, idempotency_key).
fn comment_form(page: &Fetched) -> (String, String) {
    let form = "form#comment-form";
    (
        form_field(page, form, "csrf_token").expect("comment form has a csrf_token"),
        form_field(page, form, "idempotency_key").expect("comment form has an idempotency_key"),
    )
}

/// The comment form's textarea content.
fn textarea(page: &Fetched) -> String {
    text_of(page.html().select(&sel("form#comment-form textarea[name=body]")).next().expect("textarea body"))
}

/// The message shown in the comment form.
fn form_error(page: &Fetched) -> Option<String> {
    page.html().select(&sel("form#comment-form [role=alert]")).next().map(text_of)
}

/// Opens the article and submits its comment form with `body`.
async fn post_comment(b: &Browser<'_>, slug: &str, body: &str) -> Fetched {
    let page = b.get(&article(slug)).await;
    assert_eq!(page.status, 200);
    let (csrf, key) = comment_form(&page);
    b.post(
        &format!("/articles/{slug}/comments"),
        &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", body)],
    )
    .await
}

/// The comment id a successful post redirects to, checking the redirect.
fn posted_id(page: &Fetched, slug: &str) -> String {
    assert_eq!(page.status, 303, "post answered {}: {}", page.status, page.body);
    let location = page.location().expect("Location");
    let prefix = format!("/articles/{slug}#comment-");
    let id = location.strip_prefix(&prefix).unwrap_or_else(|| panic!("{location} is not {prefix}{{id}}"));
    assert_eq!(id.len(), 26, "a ULID: {id}");
    id.to_owned()
}

/// Every comment id of the article, following "More comments" to the end.
async fn all_ids(b: &Browser<'_>, slug: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut next = Some(article(slug));
    let mut pages = 0;
    while let Some(path) = next {
        let page = b.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        ids.extend(listed_ids(&page));
        next = more_link(&page);
        pages += 1;
        assert!(pages < 20, "comment pagination does not end");
    }
    ids
}

/// The comment-count line of `slug`'s card on `/category/science`.
async fn card_count(site: &TestSite, slug: &str) -> String {
    let (status, body) = site.get_text("/category/science").await;
    assert_eq!(status, 200);
    let html = Html::parse_document(&body);
    let href = article(slug);
    let card = html
        .select(&sel("main article"))
        .find(|card| card.select(&sel("h2 a")).any(|a| a.value().attr("href") == Some(href.as_str())))
        .expect("the article's card");
    text_of(card.select(&sel("p.count a")).next().expect("count link")).trim().to_owned()
}

/// A new reader, signed up through the real form from `return_to` and
/// sent back there.
async fn signed_up<'a>(
    site: &'a TestSite,
    username: &str,
    display_name: &str,
    return_to: &str,
) -> Browser<'a> {
    let b = Browser::new(site);
    let resp = b.sign_up(username, display_name, PASSWORD, return_to).await;
    assert_eq!(resp.status, 303, "sign-up of {username}: {}", resp.body);
    assert_eq!(resp.location(), Some(return_to), "sign-up of {username}: back to {return_to}");
    b
}

/// A reader whose account already exists, logged in through the real form.
async fn logged_in<'a>(site: &'a TestSite, username: &str) -> Browser<'a> {
    let b = Browser::new(site);
    let resp = b.log_in(username, PASSWORD, "/").await;
    assert_eq!(resp.status, 303, "log-in of {username}: {}", resp.body);
    b
}

/// A site whose store already holds accounts `reader00`, `reader01`, … (`n`
/// of them, password [`PASSWORD`]). The site lets one address create only 10
/// accounts an hour (`SIGNUPS_PER_ADDRESS`), and every test browser comes from
/// 127.0.0.1, so tests that need more readers create the accounts in the
/// store and have each reader log in through the real form.
async fn site_with_readers(backend: Backend, n: usize) -> TestSite {
    async fn seeded<S: SiteStore + broadsheet::store::ArticleWriter>(store: S, n: usize) -> TestSite {
        let hash = hash_password(&Password::parse(PASSWORD.to_owned()).unwrap()).unwrap();
        for i in 0..n {
            let name = reader_name(i);
            let user = User {
                username: Username::parse(&name).unwrap(),
                display_name: DisplayName::parse(&format!("Reader {i}")).unwrap(),
                password_hash: hash.clone(),
                created_at: time::OffsetDateTime::now_utc(),
                moderator: false,
                suspended_until: None,
            };
            assert!(store.create_user(&user).await.unwrap(), "{name} is new");
        }
        TestSite::start_with(store).await
    }
    match backend {
        Backend::Memory => seeded(MemoryStore::new(), n).await,
        Backend::Dynamo => seeded(broadsheet_testkit::dynamo::fresh_store().await, n).await,
    }
}

fn reader_name(i: usize) -> String {
    format!("reader{i:02}")
}

/// Polls every future until all are done, returning their outputs in order
/// (a dependency-free `futures::future::join_all`): the requests are in
/// flight together.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, out) in futures.iter_mut().zip(outputs.iter_mut()) {
            if out.is_none() {
                match f.as_mut().poll(cx) {
                    Poll::Ready(v) => *out = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending { Poll::Pending } else { Poll::Ready(()) }
    })
    .await;
    outputs.into_iter().map(Option::unwrap).collect()
}

/// The comment limit counts in fixed minutes aligned to the clock. If fewer
/// than ten seconds of the current minute remain, waits for the next one, so
/// a burst of posts falls in one window. (Control of time, not an assertion
/// about it.)
async fn start_of_a_fresh_minute_if_needed() {
    let into_minute = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() % 60_000;
    let left = 60_000 - into_minute;
    if left < 10_000 {
        tokio::time::sleep(Duration::from_millis(u64::try_from(left).unwrap() + 100)).await;
    }
}

// ---------------------------------------------------------------------------

async fn reader_signs_up_comments_and_deletes(backend: Backend) {
    let (site, slug) = site_and_article(backend).await;
    let back = format!("/articles/{slug}#comments");

    let reader = signed_up(&site, "ada_l", "Ada <Lovelace>", &back).await;

    let page = reader.get(&article(&slug)).await;
    assert_eq!(page.status, 200);
    let html = page.html();
    assert!(html.select(&sel("form[method=post] textarea[name=body]")).next().is_some(), "the comment form");
    assert!(!page.body.contains("You need to login to leave a comment."));
    let who = text_of(html.select(&sel("header .account strong")).next().expect("who is signed in"));
    assert_eq!(who, "Ada <Lovelace>");
    assert!(!page.body.contains("<Lovelace>"), "the display name is escaped");
    assert_eq!(comment_count(&page), 0);

    let text = "Hello <b>there</b>\nsecond line https://example.com/x";
    let resp = post_comment(&reader, &slug, text).await;
    let id = posted_id(&resp, &slug);

    let page = reader.get(&article(&slug)).await;
    assert_eq!(page.status, 200);
    assert_eq!(comment_count(&page), 1);
    assert!(page.body.contains("Comments (1)"));
    let html = page.html();
    let li = html.select(&sel(&format!("li#comment-{id}"))).next().expect("the comment's li");
    assert!(li.select(&sel("b")).next().is_none(), "no <b> element from the reader's text");
    assert!(text_of(li).contains("Hello <b>there</b>"), "the text is shown as written");
    assert_eq!(li.select(&sel("br")).count(), 1, "the line break is kept");
    // The links in the comment's text (its controls are links and forms too).
    let links: Vec<_> = li.select(&sel("p:not(.meta) a[href]")).collect();
    assert_eq!(links.len(), 1, "one link: {}", li.html());
    assert_eq!(links[0].value().attr("href"), Some("https://example.com/x"));
    assert_eq!(links[0].value().attr("rel"), Some("nofollow ugc noopener"));
    assert_eq!(text_of(li.select(&sel("strong")).next().expect("author")), "Ada <Lovelace>");
    let datetime = li.select(&sel("time[datetime]")).next().unwrap().value().attr("datetime").unwrap();
    let at = time::OffsetDateTime::parse(datetime, &time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|e| panic!("datetime {datetime:?}: {e}"));
    assert!((time::OffsetDateTime::now_utc() - at).abs() < time::Duration::minutes(5), "{datetime}");
    let action = format!("/articles/{slug}/comments/{id}/delete");
    let delete = li.select(&sel("form.del")).next().expect("a delete form on one's own comment");
    assert_eq!(delete.value().attr("action"), Some(action.as_str()));
    assert_eq!(delete.value().attr("method"), Some("post"));

    // The listing card counts it.
    assert_eq!(card_count(&site, &slug).await, "1 comment");

    // Delete through the form.
    let csrf = form_field(&page, &format!("form[action=\"{action}\"]"), "csrf_token").unwrap();
    let resp = reader.post(&action, &[("csrf_token", &csrf)]).await;
    assert_eq!(resp.status, 303, "{}", resp.body);
    assert_eq!(resp.location(), Some(back.as_str()));
    let page = reader.get(&article(&slug)).await;
    assert_eq!(comment_count(&page), 0);
    assert!(page.body.contains("Comments (0)"));
    assert!(page.html().select(&sel(&format!("li#comment-{id}"))).next().is_none());
    assert!(listed_ids(&page).is_empty());
    assert_eq!(card_count(&site, &slug).await, "No comments yet");
    // Deleting it again: it is gone.
    assert_eq!(reader.post(&action, &[("csrf_token", &csrf)]).await.status, 404);
}

async fn double_submit_stores_one_comment(backend: Backend) {
    let (site, slug) = site_and_article(backend).await;
    let reader = signed_up(&site, "bea", "Bea", "/").await;
    let target = format!("/articles/{slug}/comments");

    let page = reader.get(&article(&slug)).await;
    let (csrf, key) = comment_form(&page);
    let fields = [("csrf_token", csrf.as_str()), ("idempotency_key", key.as_str()), ("body", "Only once")];
    let first = reader.post(&target, &fields).await;
    let second = reader.post(&target, &fields).await;
    let id = posted_id(&first, &slug);
    assert_eq!(posted_id(&second, &slug), id, "the repeat lands on the same comment");
    let page = reader.get(&article(&slug)).await;
    assert_eq!(comment_count(&page), 1);
    assert_eq!(listed_ids(&page), vec![id.clone()]);

    // A double click: the same form twice at the same moment. Memory store
    // only: moto's `TransactWriteItems` is not isolated (it snapshots the
    // table when it starts and restores that snapshot when cancelled, with
    // no lock, and its server is threaded), so the cancelled twin can erase
    // the winner's writes there — something real DynamoDB never does. The
    // sequential double submit above covers the DynamoDB code path.
    if backend != Backend::Memory {
        return;
    }
    let (_, key) = comment_form(&page);
    let fields =
        [("csrf_token", csrf.as_str()), ("idempotency_key", key.as_str()), ("body", "Clicked twice")];
    let both = join_all(vec![reader.post(&target, &fields), reader.post(&target, &fields)]).await;
    let a = posted_id(&both[0], &slug);
    let b = posted_id(&both[1], &slug);
    assert_eq!(a, b, "both answers name the one comment");
    let page = reader.get(&article(&slug)).await;
    assert_eq!(comment_count(&page), 2);
    assert_eq!(listed_ids(&page), vec![id, a]);
    assert_eq!(card_count(&site, &slug).await, "2 comments");
}

async fn invalid_bodies_are_refused_and_kept(backend: Backend) {
    let (site, slug) = site_and_article(backend).await;
    let reader = signed_up(&site, "cleo", "Cleo", "/").await;
    let target = format!("/articles/{slug}/comments");
    let page = reader.get(&article(&slug)).await;
    let title = text_of(page.html().select(&sel("h1")).next().unwrap());

    // Empty, whitespace-only, missing: 422, the article re-shown with the message at the form.
    for body in [Some(""), Some("   \r\n\t \n "), None] {
        let page = reader.get(&article(&slug)).await;
        let (csrf, key) = comment_form(&page);
        let mut fields = vec![("csrf_token", csrf.as_str()), ("idempotency_key", key.as_str())];
        if let Some(body) = body {
            fields.push(("body", body));
        }
        let resp = reader.post(&target, &fields).await;
        assert_eq!(resp.status, 422, "{body:?}");
        assert_eq!(text_of(resp.html().select(&sel("h1")).next().unwrap()), title, "the article re-shown");
        assert_eq!(form_error(&resp).as_deref(), Some("Write something before posting."), "{body:?}");
        assert!(resp.html().select(&sel("textarea[name=body][aria-invalid=true]")).next().is_some());
        assert_eq!(comment_count(&resp), 0);
        // The re-shown form is usable: the session's token, and the same
        // one-time key (nothing was stored under it, and keeping it means a
        // corrected post sent twice still stores one comment).
        let (csrf2, key2) = comment_form(&resp);
        assert_eq!(csrf2, csrf);
        assert_eq!(key2, key);
    }

    // The limit counts characters, not bytes: 5,000 'é' (10,000 bytes) pass, 5,001 do not.
    let too_long = "é".repeat(5_001);
    let resp = post_comment(&reader, &slug, &too_long).await;
    assert_eq!(resp.status, 422);
    assert_eq!(
        form_error(&resp).as_deref(),
        Some("Comments can be at most 5,000 characters; yours has 5,001.")
    );
    assert_eq!(textarea(&resp), too_long, "what the reader wrote is still there");
    let longest = "é".repeat(5_000);
    let resp = post_comment(&reader, &slug, &longest).await;
    let id = posted_id(&resp, &slug);

    // Over 64 KiB: 413, whatever the form says.
    let resp = post_comment(&reader, &slug, &"a".repeat(70_000)).await;
    assert_eq!(resp.status, 413);

    // Malformed percent-encoding, invalid UTF-8, wrong content types: 400.
    let page = reader.get(&article(&slug)).await;
    let (csrf, key) = comment_form(&page);
    let tail = format!("&csrf_token={csrf}&idempotency_key={key}");
    let form = "application/x-www-form-urlencoded";
    for body in [format!("body=%zz{tail}"), format!("body=%E9t%E9{tail}"), format!("body=%{tail}")] {
        let resp = reader.post_raw(&target, form, body.clone()).await;
        assert_eq!(resp.status, 400, "{body}");
        assert!(resp.body.contains("<nav"), "an error page in the layout");
    }
    let mut raw = b"body=caf\xe9".to_vec();
    raw.extend_from_slice(tail.as_bytes());
    assert_eq!(reader.post_raw(&target, form, raw).await.status, 400, "raw invalid UTF-8");
    let good = format!("body=fine{tail}");
    for content_type in ["text/plain", "application/json", "multipart/form-data; boundary=x"] {
        let resp = reader.post_raw(&target, content_type, good.clone()).await;
        assert_eq!(resp.status, 400, "{content_type}");
    }

    // Only the accepted comment is there, whole.
    let page = reader.get(&article(&slug)).await;
    assert_eq!(comment_count(&page), 1);
    assert_eq!(listed_ids(&page), vec![id.clone()]);
    let li = page.html().select(&sel(&format!("li#comment-{id}"))).next().map(|li| li.html()).unwrap();
    assert!(li.contains(&longest));
    assert_eq!(card_count(&site, &slug).await, "1 comment");
}

async fn forged_and_foreign_requests_change_nothing(backend: Backend) {
    let (site, slug) = site_and_article(backend).await;
    let target = format!("/articles/{slug}/comments");
    let back = format!("/articles/{slug}#comments");
    let owner = signed_up(&site, "dora", "Dora", "/").await;
    let page = owner.get(&article(&slug)).await;
    let (csrf, key) = comment_form(&page);

    // Not logged in: to the login page, which brings the reader back to the comments.
    let anonymous = Browser::new(&site);
    let resp =
        anonymous.post(&target, &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "anon")]).await;
    assert_eq!(resp.status, 303);
    let location = resp.location().unwrap().to_owned();
    let query = location.strip_prefix("/login?").unwrap_or_else(|| panic!("{location}"));
    let return_to: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    assert_eq!(return_to, vec![("return_to".to_owned(), back.clone())], "{location}");
    let login = anonymous.get(&location).await;
    assert_eq!(login.status, 200);
    assert_eq!(login.field("return_to").as_deref(), Some(back.as_str()));

    // Missing or wrong CSRF token: 403.
    for token in [None, Some(""), Some("forged"), Some(&csrf[..csrf.len() - 1])] {
        let mut fields = vec![("idempotency_key", key.as_str()), ("body", "forged")];
        if let Some(t) = token {
            fields.push(("csrf_token", t));
        }
        assert_eq!(owner.post(&target, &fields).await.status, 403, "csrf {token:?}");
    }
    // Another reader's token is not this reader's.
    let other = signed_up(&site, "eli", "Eli", "/").await;
    let other_csrf = comment_form(&other.get(&article(&slug)).await).0;
    assert_ne!(other_csrf, csrf);
    let resp = owner
        .post(&target, &[("csrf_token", &other_csrf), ("idempotency_key", &key), ("body", "swap")])
        .await;
    assert_eq!(resp.status, 403);

    // Cross-site requests carrying the reader's cookie: 403.
    let session = owner.cookie(SESSION_COOKIE).expect("session cookie");
    for (header, value) in
        [("origin", "https://evil.example"), ("origin", "null"), ("sec-fetch-site", "cross-site")]
    {
        let foreign = Browser::new(&site).with_header(header, value);
        foreign.set_cookie(SESSION_COOKIE, Some(&session));
        let resp = foreign
            .post(&target, &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "evil")])
            .await;
        assert_eq!(resp.status, 403, "{header}: {value}");
    }

    // Missing or malformed one-time key: 400.
    for k in [None, Some(""), Some("not-a-key")] {
        let mut fields = vec![("csrf_token", csrf.as_str()), ("body", "no key")];
        if let Some(k) = k {
            fields.push(("idempotency_key", k));
        }
        assert_eq!(owner.post(&target, &fields).await.status, 400, "key {k:?}");
    }

    let page = owner.get(&article(&slug)).await;
    assert_eq!(comment_count(&page), 0, "nothing was stored");
    assert!(listed_ids(&page).is_empty());

    // The same post from the site's own origin goes through (so the 403s above were not "any Origin").
    let ours = Browser::new(&site).with_header("origin", TEST_ORIGIN);
    ours.set_cookie(SESSION_COOKIE, Some(&session));
    let resp =
        ours.post(&target, &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "mine")]).await;
    let id = posted_id(&resp, &slug);

    // The comment routes take POST only.
    for path in [target.clone(), format!("/articles/{slug}/comments/{id}/delete")] {
        let resp = owner.get(&path).await;
        assert_eq!(resp.status, 405, "{path}");
        assert_eq!(resp.header("allow"), Some("POST"), "{path}");
    }

    // Unknown article: 404; a slug that names none is the site's 404 page,
    // a story that is not open for comments keeps the text (it may have
    // been withdrawn while the reader wrote).
    for (path, page_says) in [
        ("/articles/no-such-story/comments", "Comments are closed on this story"),
        ("/articles/Bad%20Slug/comments", "Page not found"),
    ] {
        let page = owner.get(&article(&slug)).await;
        let (csrf, key) = comment_form(&page);
        let resp = owner
            .post(path, &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "kept text")])
            .await;
        assert_eq!(resp.status, 404, "{path}");
        assert!(resp.body.contains(page_says), "{path}");
        if path.contains("no-such-story") {
            assert!(resp.body.contains(">kept text</textarea>"), "{path}");
        }
    }

    // Someone else's comment: no delete button for them, and 403 if they try.
    let action = format!("/articles/{slug}/comments/{id}/delete");
    let page = other.get(&article(&slug)).await;
    assert!(page.html().select(&sel(&format!("li#comment-{id}"))).next().is_some());
    assert!(page.html().select(&sel("form.del")).next().is_none(), "no delete form on others' comments");
    let resp = other.post(&action, &[("csrf_token", &other_csrf)]).await;
    assert_eq!(resp.status, 403);
    assert!(resp.body.contains("You can only delete your own comments."));
    // The author with a bad token, an anonymous visitor, a cross-site form: refused too.
    assert_eq!(owner.post(&action, &[("csrf_token", "forged")]).await.status, 403);
    assert_eq!(owner.post(&action, &[]).await.status, 403);
    let resp = anonymous.post(&action, &[("csrf_token", &csrf)]).await;
    assert_eq!(resp.status, 303);
    assert!(resp.location().unwrap().starts_with("/login?return_to="));
    let evil = Browser::new(&site).with_header("origin", "https://evil.example");
    evil.set_cookie(SESSION_COOKIE, Some(&session));
    assert_eq!(evil.post(&action, &[("csrf_token", &csrf)]).await.status, 403);

    // Unknown ids: a well-formed ULID nobody wrote, garbage, and a real id under another article.
    let other_slug = first_slug(&site, "sports").await;
    for path in [
        format!("/articles/{slug}/comments/01ARZ3NDEKTSV4RRFFQ69G5FAV/delete"),
        format!("/articles/{slug}/comments/not-a-comment/delete"),
        format!("/articles/{slug}/comments/{}/delete", &id[..25]),
        format!("/articles/{other_slug}/comments/{id}/delete"),
        format!("/articles/no-such-story/comments/{id}/delete"),
    ] {
        assert_eq!(owner.post(&path, &[("csrf_token", &csrf)]).await.status, 404, "{path}");
    }

    let page = owner.get(&article(&slug)).await;
    assert_eq!(comment_count(&page), 1, "only the one real post");
    assert_eq!(listed_ids(&page), vec![id]);
    assert_eq!(card_count(&site, &slug).await, "1 comment");
}

async fn sixth_comment_in_a_minute_is_throttled(backend: Backend) {
    let (site, slug) = site_and_article(backend).await;
    let reader = signed_up(&site, "fay", "Fay", "/").await;
    start_of_a_fresh_minute_if_needed().await;

    let mut ids = Vec::new();
    for i in 1..=5 {
        ids.push(posted_id(&post_comment(&reader, &slug, &format!("Comment number {i}")).await, &slug));
    }
    let sixth = "The sixth, which must wait";
    let resp = post_comment(&reader, &slug, sixth).await;
    assert_eq!(resp.status, 429, "{}", resp.body);
    let retry: u64 = resp
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap_or_else(|e| panic!("Retry-After {:?}: {e}", resp.header("retry-after")));
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert_eq!(textarea(&resp), sixth, "the text is kept");
    let message = form_error(&resp).expect("a message at the form");
    assert!(message.contains("5 comments a minute"), "{message}");

    let page = reader.get(&article(&slug)).await;
    assert_eq!(comment_count(&page), 5);
    assert_eq!(listed_ids(&page), ids);

    // The limit is per reader: someone else can still post.
    let other = signed_up(&site, "gus", "Gus", "/").await;
    posted_id(&post_comment(&other, &slug, "Me too").await, &slug);
    assert_eq!(comment_count(&reader.get(&article(&slug)).await), 6);
}

async fn comments_are_read_after_write_and_paginated(backend: Backend) {
    const READERS: usize = 11;
    let site = site_with_readers(backend, READERS).await;
    let slug = first_slug(&site, "science").await;
    let mut readers = Vec::new();
    for i in 0..READERS {
        readers.push(logged_in(&site, &reader_name(i)).await);
    }

    // Read-after-write: the very next GET shows it, to the author (whose
    // pages are never stored by a cache) and to a visitor revalidating a
    // copy of the page from before the post.
    let before = site.get(&article(&slug)).await;
    assert_eq!(before.status(), 200);
    let etag = before.headers()["etag"].to_str().unwrap().to_owned();
    let first = posted_id(&post_comment(&readers[0], &slug, "First!").await, &slug);
    let page = readers[0].get(&article(&slug)).await;
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    assert_eq!(comment_count(&page), 1);
    assert_eq!(listed_ids(&page), vec![first.clone()]);
    let resp =
        site.client.get(site.url(&article(&slug))).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(resp.status(), 200, "the old ETag no longer matches");
    assert!(resp.text().await.unwrap().contains(&format!("id=\"comment-{first}\"")));
    assert_eq!(card_count(&site, &slug).await, "1 comment");

    // 55 comments from 11 readers (five each, the per-reader limit).
    let mut texts = BTreeMap::from([(first.clone(), "First!".to_owned())]);
    let mut posted = vec![first];
    for (r, reader) in readers.iter().enumerate() {
        let start = if r == 0 { 2 } else { 1 };
        for n in start..=5 {
            let text = format!("reader {r} says {n}");
            let id = posted_id(&post_comment(reader, &slug, &text).await, &slug);
            texts.insert(id.clone(), text);
            posted.push(id);
        }
    }
    assert_eq!(posted.len(), 55);
    assert_eq!(posted.iter().collect::<BTreeSet<_>>().len(), 55, "55 distinct ids");
    let mut oldest_first = posted.clone();
    oldest_first.sort();

    let anonymous = Browser::new(&site);
    let page1 = anonymous.get(&article(&slug)).await;
    assert_eq!(page1.status, 200);
    assert_eq!(comment_count(&page1), 55);
    let ids1 = listed_ids(&page1);
    assert_eq!(ids1, oldest_first[..50], "the 50 oldest, oldest first");
    let more = more_link(&page1).expect("a More comments link");
    assert!(more.starts_with(&format!("/articles/{slug}?comments_after=")), "{more}");

    let page2 = anonymous.get(&more).await;
    assert_eq!(page2.status, 200);
    assert_eq!(comment_count(&page2), 55);
    let ids2 = listed_ids(&page2);
    assert_eq!(ids2, oldest_first[50..], "the remaining five");
    assert!(more_link(&page2).is_none(), "the last page");
    let all: BTreeSet<&String> = ids1.iter().chain(&ids2).collect();
    assert_eq!(all.len(), 55, "no repeats");
    // Each comment shows its own text.
    for page in [&page1, &page2] {
        for li in page.html().select(&sel("ol.comments > li")) {
            let id = li.value().id().unwrap().strip_prefix("comment-").unwrap();
            let shown = li.select(&sel("p:not(.meta)")).next().map(text_of).unwrap();
            assert_eq!(shown, texts[id], "comment {id}");
        }
    }

    // Tampered cursors and a cursor carried to another article: 400.
    let raw = more.split_once("comments_after=").unwrap().1;
    let cursor: String = form_urlencoded::parse(format!("c={raw}").as_bytes()).next().unwrap().1.into_owned();
    let mut bytes = cursor.clone().into_bytes();
    let at = bytes.len() / 2;
    bytes[at] = if bytes[at] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(bytes).unwrap();
    let other_slug = first_slug(&site, "health").await;
    for path in [
        format!("/articles/{slug}?comments_after={}", broadsheet_tests::browser::encode(&tampered)),
        format!("/articles/{slug}?comments_after=%zz"),
        format!("/articles/{slug}?comments_after={}", "x".repeat(40)),
        format!("/articles/{other_slug}?comments_after={raw}"),
    ] {
        let page = anonymous.get(&path).await;
        assert_eq!(page.status, 400, "{path}");
        assert!(page.body.contains("<nav"), "an error page in the layout");
    }
}

async fn twenty_readers_post_at_once(backend: Backend) {
    const READERS: usize = 20;
    let site = site_with_readers(backend, READERS).await;
    let slug = first_slug(&site, "science").await;
    let names: Vec<String> = (0..READERS).map(reader_name).collect();
    let readers = join_all(names.iter().map(|name| logged_in(&site, name)).collect()).await;
    let target = format!("/articles/{slug}/comments");

    // Every reader opens the article first, then all submit together.
    let mut forms = Vec::new();
    for reader in &readers {
        let page = reader.get(&article(&slug)).await;
        assert_eq!(page.status, 200);
        forms.push(comment_form(&page));
    }
    let posts = readers
        .iter()
        .zip(&forms)
        .enumerate()
        .map(|(i, (reader, (csrf, key)))| {
            let target = target.clone();
            async move {
                let body = format!("Concurrent comment from reader {i}");
                reader.post(&target, &[("csrf_token", csrf), ("idempotency_key", key), ("body", &body)]).await
            }
        })
        .collect();
    let answers = join_all(posts).await;
    let posted: BTreeSet<String> = answers.iter().map(|resp| posted_id(resp, &slug)).collect();
    assert_eq!(posted.len(), READERS, "20 distinct comments");

    let listed = all_ids(&readers[0], &slug).await;
    assert_eq!(listed.len(), 20);
    assert_eq!(listed.iter().cloned().collect::<BTreeSet<_>>(), posted);
    let page = readers[0].get(&article(&slug)).await;
    let shown = comment_count(&page);
    if backend == Backend::Memory {
        assert_eq!(shown, 20);
        assert!(page.body.contains("Comments (20)"));
        assert_eq!(card_count(&site, &slug).await, "20 comments");
    } else {
        // moto applies `ADD` as read-then-write in a threaded server, so
        // concurrent increments of one item can be lost there (20 plain
        // concurrent `UpdateItem ADD n 1` calls, no Broadsheet code involved,
        // sometimes leave n = 17 or 18). Real DynamoDB's `ADD` is atomic; the
        // exact count under concurrency can only be checked on the memory
        // store, and on real DynamoDB.
        assert!((1..=20).contains(&shown), "Comments ({shown}) after 20 posts");
    }
}

// -- Regressions: the allowance and the key are checked in the posting transaction.

/// A second submit of an already-posted form lands on the comment it
/// created, as every other double submit does — also when it arrives as the
/// reader reaches the limit (it once got `429` and a form with a new key,
/// and following its advice stored the comment twice).
async fn resubmitting_a_posted_form_at_the_limit_lands_on_it(backend: Backend) {
    let (site, slug) = site_and_article(backend).await;
    let reader = signed_up(&site, "hal", "Hal", "/").await;
    start_of_a_fresh_minute_if_needed().await;
    for i in 1..=4 {
        posted_id(&post_comment(&reader, &slug, &format!("Warm-up {i}")).await, &slug);
    }
    let page = reader.get(&article(&slug)).await;
    let (csrf, key) = comment_form(&page);
    let fields = [("csrf_token", csrf.as_str()), ("idempotency_key", key.as_str()), ("body", "The fifth")];
    let target = format!("/articles/{slug}/comments");
    let id = posted_id(&reader.post(&target, &fields).await, &slug);
    let again = reader.post(&target, &fields).await;
    assert_eq!(again.status, 303, "the repeat of a posted form: {} {:?}", again.status, form_error(&again));
    assert_eq!(posted_id(&again, &slug), id);
    assert_eq!(comment_count(&reader.get(&article(&slug)).await), 5);
}

/// Bad input changes nothing (docs/site.md#bad-input-and-faults): posts to an article that does
/// not exist are answered `404` and use none of the reader's five comments a
/// minute.
async fn posts_to_unknown_articles_leave_the_allowance_alone(backend: Backend) {
    let (site, slug) = site_and_article(backend).await;
    let reader = signed_up(&site, "ida", "Ida", "/").await;
    start_of_a_fresh_minute_if_needed().await;
    for _ in 0..5 {
        let page = reader.get(&article(&slug)).await;
        let (csrf, key) = comment_form(&page);
        let resp = reader
            .post(
                "/articles/no-such-story/comments",
                &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "x")],
            )
            .await;
        assert_eq!(resp.status, 404);
    }
    let resp = post_comment(&reader, &slug, "A real comment").await;
    assert_eq!(resp.status, 303, "after five 404s: {} {:?}", resp.status, form_error(&resp));
    assert_eq!(comment_count(&reader.get(&article(&slug)).await), 1);
}

/// A form's one-time key is scoped to the reader who posts it (the contract
/// in `broadsheet::auth::idempotency`): a second reader who submits a key
/// another reader already used posts their own comment, never lands on the
/// other reader's with their text silently dropped.
async fn another_readers_key_does_not_swallow_a_comment(backend: Backend) {
    let (site, slug) = site_and_article(backend).await;
    let target = format!("/articles/{slug}/comments");
    let alice = signed_up(&site, "alice", "Alice", "/").await;
    let bob = signed_up(&site, "bob", "Bob", "/").await;
    let (alice_csrf, key) = comment_form(&alice.get(&article(&slug)).await);
    let alices = posted_id(
        &alice
            .post(&target, &[("csrf_token", &alice_csrf), ("idempotency_key", &key), ("body", "Alice's")])
            .await,
        &slug,
    );
    let (bob_csrf, _) = comment_form(&bob.get(&article(&slug)).await);
    let resp =
        bob.post(&target, &[("csrf_token", &bob_csrf), ("idempotency_key", &key), ("body", "Bob's")]).await;
    let bobs = posted_id(&resp, &slug);
    assert_ne!(bobs, alices, "Bob was sent to Alice's comment and his was not stored");
    assert_eq!(comment_count(&bob.get(&article(&slug)).await), 2);
}

broadsheet_testkit::on_both_stores!(backend:
    reader_signs_up_comments_and_deletes,
    double_submit_stores_one_comment,
    invalid_bodies_are_refused_and_kept,
    forged_and_foreign_requests_change_nothing,
    sixth_comment_in_a_minute_is_throttled,
    comments_are_read_after_write_and_paginated,
    twenty_readers_post_at_once,
    resubmitting_a_posted_form_at_the_limit_lands_on_it,
    posts_to_unknown_articles_leave_the_allowance_alone,
    another_readers_key_does_not_swallow_a_comment,
);
