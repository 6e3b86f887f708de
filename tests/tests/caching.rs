//! What shared caches may store, route by route, and compression at the
//! origin (docs/site.md#caching, #compression), on the memory store: the
//! rules live in the edge, not in a store.
//!
//! For every route in the table: a response rendered for a session, or
//! setting a cookie, is never storable by a shared cache; every anonymous
//! `GET` page is, unless it is one of the few named here with the reason;
//! routes never rendered for a session (feeds) answer everyone alike.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::io::Read as _;

use broadsheet::http::response::shared_cache_may_store;
use broadsheet::routes::ROUTES;
use broadsheet_tests::browser::{Browser, Fetched};
use broadsheet_tests::site::TestSite;

/// Anonymous `GET` routes whose answer is rightly not shared, and why.
const NOT_SHARED: &[(&str, &str)] = &[
    ("/login", "sets the CSRF cookie its form needs"),
    ("/signup", "sets the CSRF cookie its form needs"),
    (
        "/articles/{slug}/comments/{id}/edit",
        "a logged-in author's form: anonymous readers are sent to log in",
    ),
    ("/moderation", "moderators only: everyone else gets the 404 page"),
    ("/moderation/log", "moderators only: everyone else gets the 404 page"),
    ("/articles/{slug}/read", "the read beacon: it must reach the origin on every view to count it"),
];

/// A concrete path for a route pattern.
fn path_for(pattern: &str, article: &str, comment: &str) -> String {
    let category = pattern.starts_with("/category/");
    let author = pattern.starts_with("/authors/");
    let mut out = Vec::new();
    for seg in pattern.split('/') {
        out.push(match seg {
            "{slug}" if category => "technology".to_owned(),
            "{slug}" if author => "hattie-sorensen".to_owned(),
            "{slug}" => article.to_owned(),
            "{id}" => comment.to_owned(),
            "{username}" => "cache_reader".to_owned(),
            s => s.to_owned(),
        });
    }
    out.join("/")
}

fn cache_control(page: &Fetched) -> String {
    page.header("cache-control").unwrap_or("").to_owned()
}

fn assert_not_shared(page: &Fetched, what: &str) {
    let cc = cache_control(page);
    assert!(!shared_cache_may_store(&cc), "{what}: a shared cache may store it ({cc})");
    if !page.set_cookies().is_empty() {
        assert_eq!(cc, "private, no-store", "{what}: sets a cookie");
    }
}

#[tokio::test]
async fn no_personal_or_cookie_setting_response_is_shared_and_every_anonymous_page_is() {
    let site = TestSite::start(broadsheet_tests::site::Backend::Memory).await;
    let reader = Browser::new(&site);
    let signed = reader.sign_up("cache_reader", "Cache Reader", "a long enough passphrase", "/").await;
    assert_eq!(signed.status, 303);
    assert!(signed.set_cookie("__Host-bs_session").is_some());
    assert_not_shared(&signed, "POST /signup");
    let front = Browser::new(&site).get("/").await;
    let article = front
        .html()
        .select(&scraper::Selector::parse("main .card h2 a").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .trim_start_matches("/articles/")
        .to_owned();
    let page = reader.get(&format!("/articles/{article}")).await;
    let (csrf, key) = (page.field("csrf_token").unwrap(), page.field("idempotency_key").unwrap());
    let posted = reader
        .post(
            &format!("/articles/{article}/comments"),
            &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "Cached?")],
        )
        .await;
    assert_eq!(posted.status, 303);
    assert_not_shared(&posted, "POST a comment");
    let comment = posted.location().unwrap().rsplit("#comment-").next().unwrap().to_owned();

    let mut shared = Vec::new();
    for spec in ROUTES {
        let path = path_for(spec.pattern, &article, &comment);
        let anonymous = Browser::new(&site);
        let what = format!("{} {path}", spec.method);
        if spec.method == "GET" {
            let page = anonymous.get(&path).await;
            let storable = shared_cache_may_store(&cache_control(&page));
            if let Some((_, why)) = NOT_SHARED.iter().find(|(p, _)| *p == spec.pattern) {
                assert_not_shared(&page, &format!("{what} ({why})"));
            } else {
                assert_eq!(page.status, 200, "{what}: {}", page.body);
                assert!(
                    storable,
                    "{what}: an anonymous page a shared cache may not store ({})",
                    cache_control(&page)
                );
                assert!(page.set_cookies().is_empty(), "{what}: a public response sets a cookie");
                assert!(page.header("etag").is_some(), "{what}: no ETag");
                let cc = cache_control(&page);
                for directive in ["max-age=", "s-maxage=", "stale-while-revalidate=", "stale-if-error="] {
                    assert!(cc.contains(directive), "{what}: {cc} lacks {directive}");
                }
                shared.push(spec.pattern);
                // A conditional GET of it is a 304 that is still public.
                let etag = page.header("etag").unwrap().to_owned();
                let again = anonymous.clone_with_header("if-none-match", &etag).get(&path).await;
                assert_eq!(again.status, 304, "{what}");
                assert!(shared_cache_may_store(&cache_control(&again)));
            }
            let page = reader.get(&path).await;
            if spec.personal {
                // Rendered for a session: never shared.
                assert_not_shared(&page, &format!("{what} (logged in)"));
            } else {
                // Never rendered for a session (feeds, sitemap, robots.txt):
                // the same bytes for everyone, so sharing them is safe.
                let anonymous = Browser::new(&site).get(&path).await;
                assert_eq!(page.body, anonymous.body, "{what}: differs for a logged-in reader");
                assert!(page.set_cookies().is_empty(), "{what}");
            }
        } else {
            // Posts, anonymous (refused) or not: never stored.
            let page = anonymous.post(&path, &[("csrf_token", "x")]).await;
            assert_not_shared(&page, &format!("{what} (anonymous)"));
            if spec.pattern == "/logout" {
                // Logging out here would leave the routes after it anonymous:
                // another reader logs out instead.
                let other = Browser::new(&site);
                other.sign_up("cache_other", "Other", "a long enough passphrase", "/").await;
                let home = other.get("/").await;
                let page = other.post(&path, &[("csrf_token", &home.field("csrf_token").unwrap())]).await;
                assert_eq!(page.status, 303, "{what}");
                assert_not_shared(&page, &format!("{what} (logged in)"));
                continue;
            }
            let page = reader.post(&path, &[("csrf_token", &csrf)]).await;
            assert_not_shared(&page, &format!("{what} (logged in)"));
        }
    }
    // Not vacuous: the reading path is all shared.
    for pattern in [
        "/",
        "/category/{slug}",
        "/articles/{slug}",
        "/authors/{slug}",
        "/trending",
        "/feed.xml",
        "/sitemap.xml",
    ] {
        assert!(shared.contains(&pattern), "{pattern} is not shared: {shared:?}");
    }
}

fn gunzip(bytes: &[u8]) -> String {
    let mut out = String::new();
    flate2::read::GzDecoder::new(bytes).read_to_string(&mut out).unwrap();
    out
}

fn unbrotli(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    brotli::BrotliDecompress(&mut &bytes[..], &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[tokio::test]
async fn pages_are_compressed_for_clients_that_accept_it() {
    let site = TestSite::start(broadsheet_tests::site::Backend::Memory).await;
    let get = |path: &'static str, accept: Option<&'static str>| {
        let req = site.client.get(site.url(path));
        let req = match accept {
            Some(a) => req.header("accept-encoding", a),
            None => req,
        };
        async move {
            let resp = req.send().await.unwrap();
            let headers = resp.headers().clone();
            (headers, resp.bytes().await.unwrap().to_vec())
        }
    };
    let (plain_headers, plain) = get("/", None).await;
    assert!(plain_headers.get("content-encoding").is_none());
    let plain = String::from_utf8(plain).unwrap();
    let (br_headers, br) = get("/", Some("gzip, deflate, br")).await;
    assert_eq!(br_headers["content-encoding"], "br");
    assert_eq!(br_headers["content-length"].to_str().unwrap(), br.len().to_string());
    assert!(br_headers["vary"].to_str().unwrap().contains("Accept-Encoding"));
    assert_eq!(unbrotli(&br), plain, "the same page");
    println!("front page: {} B plain, {} B br", plain.len(), br.len());
    assert!(br.len() * 3 < plain.len(), "br saves at least two thirds");
    let (gz_headers, gz) = get("/", Some("gzip")).await;
    assert_eq!(gz_headers["content-encoding"], "gzip");
    assert_eq!(gunzip(&gz), plain);

    // Each representation has its own ETag, and revalidates to a 304.
    let tags: Vec<String> = [&plain_headers, &br_headers, &gz_headers]
        .iter()
        .map(|h| h["etag"].to_str().unwrap().to_owned())
        .collect();
    assert!(tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2], "{tags:?}");
    let resp = site
        .client
        .get(site.url("/"))
        .header("accept-encoding", "br")
        .header("if-none-match", &tags[1])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 304);

    // HEAD: the same headers, no body.
    let resp = site.client.head(site.url("/")).header("accept-encoding", "br").send().await.unwrap();
    assert_eq!(resp.headers()["content-length"], br_headers["content-length"]);
    assert_eq!(resp.headers()["content-encoding"], "br");

    // Small bodies go out as they are.
    let (robots_headers, _) = get("/robots.txt", Some("br")).await;
    assert!(robots_headers.get("content-encoding").is_none());
}

#[tokio::test]
async fn behind_the_cdn_only_the_cdn_is_served() {
    let secret = "a-long-random-origin-secret-0123456789abcdef";
    let site = TestSite::behind_cdn(secret).await;
    let page = Browser::new(&site).get("/").await;
    assert_eq!(page.status, 403, "no secret: refused");
    assert!(page.body.contains("Forbidden"));
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    let wrong =
        Browser::new(&site).with_header("x-origin-verify", "a-long-random-origin-secret-0123456789abcdeX");
    assert_eq!(wrong.get("/").await.status, 403, "a wrong secret: refused");
    let cdn = Browser::new(&site).with_header("x-origin-verify", secret);
    assert_eq!(cdn.get("/").await.status, 200);
    assert_eq!(cdn.get("/articles/no-such-story").await.status, 404, "then routed as usual");
}
