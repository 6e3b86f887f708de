//! Search end to end: `GET /search` over HTTP against `broadsheet serve`'s
//! server on the sample content, on the memory store and on DynamoDB (moto):
//! relevance (a title word finds its story first, a stemmed form finds it,
//! a phrase narrows), scheduled and withdrawn stories never found, hostile
//! queries answered (never a `500`), pagination by opaque cursors.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet_testkit::on_both_stores;
use broadsheet_tests::browser::encode;
use broadsheet_tests::site::{Backend, TestSite};
use scraper::{Html, Selector};

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

/// The sample story scheduled years ahead (`infra/content/science/`).
const SCHEDULED: &str = "vell-seamount-crewed-dive";
/// The sample story withdrawn by its file's `status: unpublished` (`infra/content/opinion/`).
const WITHDRAWN: &str = "withdrawn-the-harbour-wall-will-not-hold";

/// A page of results: the slugs in order, the "N stories match" line, the
/// next page's link, and the page.
struct Results {
    slugs: Vec<String>,
    status: String,
    next: Option<String>,
    html: Html,
}

async fn search(site: &TestSite, q: &str) -> Results {
    results(site, &format!("/search?q={}", encode(q))).await
}

async fn results(site: &TestSite, path: &str) -> Results {
    let (status, body) = site.get_text(path).await;
    assert_eq!(status, 200, "{path}: {body}");
    let html = Html::parse_document(&body);
    let slugs = html
        .select(&sel("main .card h2 a"))
        .map(|a| a.value().attr("href").unwrap().trim_start_matches("/articles/").to_owned())
        .collect();
    let status =
        html.select(&sel("main [role=status]")).next().map(|s| s.text().collect()).unwrap_or_default();
    let next =
        html.select(&sel("main a[rel=next]")).next().map(|a| a.value().attr("href").unwrap().to_owned());
    Results { slugs, status, next, html }
}

async fn a_title_word_finds_its_story_first(backend: Backend) {
    let site = TestSite::start(backend).await;
    let r = search(&site, "otters").await;
    assert_eq!(
        r.slugs.first().map(String::as_str),
        Some("vell-river-otters-return-after-thirty-year-absence")
    );
    let r = search(&site, "Mooring").await;
    assert_eq!(
        r.slugs.first().map(String::as_str),
        Some("port-aldous-harbour-installs-automated-mooring-arms")
    );
}

async fn a_stemmed_form_finds_it(backend: Backend) {
    let site = TestSite::start(backend).await;
    for q in ["fished", "fishes", "otter"] {
        let r = search(&site, q).await;
        assert!(!r.slugs.is_empty(), "{q}");
    }
    let fishing = "fishing-talks-between-veldmark-and-the-northern-isles-stall-again";
    assert_eq!(search(&site, "fished").await.slugs.first().map(String::as_str), Some(fishing));
    // The body's matched words are marked in the snippet, by the engine.
    let r = search(&site, "mackerel").await;
    let marks: Vec<String> = r.html.select(&sel("main .card mark")).map(|m| m.text().collect()).collect();
    assert!(marks.iter().any(|m| m.eq_ignore_ascii_case("mackerel")), "{marks:?}");
}

async fn a_phrase_narrows(backend: Backend) {
    let site = TestSite::start(backend).await;
    let words = search(&site, "first winter").await;
    let phrase = search(&site, "\"first winter\"").await;
    assert!(!phrase.slugs.is_empty());
    assert!(phrase.slugs.len() < words.slugs.len(), "{:?} vs {:?}", phrase.slugs, words.slugs);
    assert!(phrase.slugs.iter().all(|s| words.slugs.contains(s)));
}

async fn scheduled_and_withdrawn_stories_are_never_found(backend: Backend) {
    let site = TestSite::start(backend).await;
    let r = search(&site, "seamount").await;
    assert!(!r.slugs.contains(&SCHEDULED.to_owned()), "{:?}", r.slugs);
    let r = search(&site, "\"harbour wall\" winter").await;
    assert!(!r.slugs.contains(&WITHDRAWN.to_owned()), "{:?}", r.slugs);
    let r = search(&site, "harbour").await;
    assert!(!r.slugs.is_empty());
    assert!(!r.slugs.contains(&WITHDRAWN.to_owned()));
}

async fn no_match_empty_and_hostile_queries(backend: Backend) {
    let site = TestSite::start(backend).await;
    let empty = results(&site, "/search").await;
    assert!(empty.slugs.is_empty() && empty.status.is_empty());
    assert_eq!(empty.html.select(&sel("main input[name=q]")).count(), 1);
    let none = search(&site, "zzyzx qqqq").await;
    assert_eq!(none.status, "No stories match “zzyzx qqqq”.");
    assert!(none.html.select(&sel("main h2")).any(|h| h.text().collect::<String>() == "Broaden your search"));
    for q in [
        "\"",
        "*",
        "AND",
        "OR NOT",
        "(",
        ")",
        "title:x",
        "title:harbour",
        "harbour AND",
        "-harbour",
        "+",
        "^2",
        "harbour~2",
        "[a TO z]",
        "{",
        "\\",
        "\"\"",
        "'",
        "<script>alert(1)</script>",
        "%",
        "IN [a]",
        "a:b:c",
        "\u{0}",
        "😀",
        "ℌ𝔞𝔯𝔟𝔬𝔲𝔯",
    ] {
        let (status, body) = site.get_text(&format!("/search?q={}", encode(q))).await;
        assert_eq!(status, 200, "{q:?}");
        assert!(!body.contains("<script>alert"), "{q:?}: escaped");
    }
    // Reader syntax is words: `title:harbour` is the words title and harbour.
    assert!(!search(&site, "harbour:").await.slugs.is_empty());
    let (status, _) = site.get_text(&format!("/search?q={}", "a".repeat(201))).await;
    assert_eq!(status, 400, "201 characters");
    let (status, _) = site.get_text(&format!("/search?q={}", "é".repeat(200))).await;
    assert_eq!(status, 200, "200 characters");
    for bad in ["/search?q=%zz", "/search?q=%ff", "/search?q=ferry&after=nope", "/search?q=%"] {
        let (status, _) = site.get_text(bad).await;
        assert_eq!(status, 400, "{bad}");
    }
    let post = reqwest::Client::new().post(site.url("/search")).send().await.unwrap();
    assert_eq!(post.status().as_u16(), 405);
}

async fn pages_follow_opaque_cursors(backend: Backend) {
    let site = TestSite::start(backend).await;
    let first = search(&site, "the").await;
    assert_eq!(first.slugs.len(), 20);
    let next = first.next.clone().expect("a second page");
    let second = results(&site, &next).await;
    assert!(!second.slugs.is_empty());
    assert!(second.slugs.iter().all(|s| !first.slugs.contains(s)), "pages do not overlap");
    assert!(second.status.contains("results 21–"), "{}", second.status);
    // A cursor belongs to its query.
    let cursor = next.split("after=").nth(1).unwrap();
    let (status, _) = site.get_text(&format!("/search?q=harbour&after={cursor}")).await;
    assert_eq!(status, 400);
}

on_both_stores!(backend:
    a_title_word_finds_its_story_first,
    a_stemmed_form_finds_it,
    a_phrase_narrows,
    scheduled_and_withdrawn_stories_are_never_found,
    no_match_empty_and_hostile_queries,
    pages_follow_opaque_cursors,
);
