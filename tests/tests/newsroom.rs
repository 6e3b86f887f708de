//! End-to-end: author pages and feeds, bylines, and "More in {Category}",
//! over HTTP on both stores, with the sample content.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet_tests::browser::card_slugs;
use broadsheet_tests::site::{Backend, TEST_ORIGIN, TestSite};
use scraper::{Html, Selector};

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

/// The sample author with a bio and more than one page of stories.
const AUTHOR: &str = "hattie-sorensen";
/// The sample story withdrawn by its file (by Priya Halloran).
const WITHDRAWN: &str = "withdrawn-the-harbour-wall-will-not-hold";
/// The sample story scheduled years ahead (by Ines Calloway, science).
const SCHEDULED: &str = "vell-seamount-crewed-dive";

async fn author_pages_page_and_link(backend: Backend) {
    let site = TestSite::start(backend).await;
    let resp = site.get(&format!("/authors/{AUTHOR}")).await;
    assert_eq!(resp.status(), 200);
    let body = resp.text().await.unwrap();
    let html = Html::parse_document(&body);
    assert_eq!(html.select(&sel("h1")).next().unwrap().text().collect::<String>(), "Hattie Sorensen");
    let bio: String = html.select(&sel("main p.summary")).next().expect("the bio").text().collect();
    assert!(bio.contains("Vell Valley"), "{bio}");
    let feed = format!("{TEST_ORIGIN}/authors/{AUTHOR}/feed.xml");
    let feeds: Vec<_> = html
        .select(&sel("link[rel=alternate][type='application/atom+xml']"))
        .filter_map(|l| l.value().attr("href"))
        .collect();
    assert!(feeds.contains(&feed.as_str()), "{feeds:?}");

    // 20 a page, newest first, every card bylined to her, and a second page.
    let first = card_slugs(&html);
    assert_eq!(first.len(), 20);
    let bylines: Vec<_> = html.select(&sel("main article .meta a[href^='/authors/']")).collect();
    assert_eq!(bylines.len(), 20);
    assert!(bylines.iter().all(|a| a.value().attr("href") == Some("/authors/hattie-sorensen")));
    let times: Vec<String> = html
        .select(&sel("main article time"))
        .filter_map(|t| t.value().attr("datetime").map(str::to_owned))
        .collect();
    assert!(times.windows(2).all(|w| w[0] >= w[1]), "newest first: {times:?}");
    let older = html.select(&sel("a[rel=next]")).next().expect("Older stories").value().attr("href").unwrap();
    assert!(older.starts_with(&format!("/authors/{AUTHOR}?after=")), "{older}");
    let (status, second) = site.get_text(&older.replace("&amp;", "&")).await;
    assert_eq!(status, 200);
    let second = card_slugs(&Html::parse_document(&second));
    assert!(!second.is_empty() && second.iter().all(|s| !first.contains(s)), "no repeats");

    // A cursor from another listing is refused, not followed.
    let (_, front) = site.get_text("/").await;
    let front = Html::parse_document(&front);
    let front_cursor = front.select(&sel("a[rel=next]")).next().unwrap().value().attr("href").unwrap();
    let cursor = front_cursor.split_once("after=").unwrap().1;
    assert_eq!(site.get(&format!("/authors/{AUTHOR}?after={cursor}")).await.status(), 400);

    // Unknown authors are 404s; so are addresses that cannot be slugs.
    for path in ["/authors/nobody-at-all", "/authors/Hattie-Sorensen", "/authors/nobody-at-all/feed.xml"] {
        assert_eq!(site.get(path).await.status(), 404, "{path}");
    }

    // The author feed: valid Atom of her newest stories.
    let resp = site.get(&format!("/authors/{AUTHOR}/feed.xml")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["cache-control"].to_str().unwrap().starts_with("public"));
    let feed: atom_syndication::Feed = resp.text().await.unwrap().parse().expect("valid Atom");
    assert_eq!(feed.title().as_str(), "Hattie Sorensen — Broadsheet");
    assert_eq!(feed.entries().len(), 20);
    assert!(feed.entries().iter().all(|e| e.authors()[0].name() == "Hattie Sorensen"));

    // An article's byline links to the page; JSON-LD names the page too.
    let story = &first[0];
    let (_, page) = site.get_text(&format!("/articles/{story}")).await;
    let page = Html::parse_document(&page);
    let byline = page.select(&sel("article.story .meta a[href^='/authors/']")).next().expect("byline link");
    assert_eq!(byline.value().attr("href"), Some("/authors/hattie-sorensen"));
    let ld: String = page.select(&sel("script[type='application/ld+json']")).next().unwrap().text().collect();
    let ld: serde_json::Value = serde_json::from_str(&ld).unwrap();
    assert_eq!(ld["author"]["url"], format!("{TEST_ORIGIN}/authors/{AUTHOR}"));

    // The sitemap lists author pages.
    let (_, sitemap) = site.get_text("/sitemap.xml").await;
    assert!(sitemap.contains(&format!("<loc>{TEST_ORIGIN}/authors/{AUTHOR}</loc>")));

    // An author without a file is named from their bylines, with no bio.
    let (status, body) = site.get_text("/authors/priya-halloran").await;
    assert_eq!(status, 200);
    let html = Html::parse_document(&body);
    assert_eq!(html.select(&sel("h1")).next().unwrap().text().collect::<String>(), "Priya Halloran");
    assert!(html.select(&sel("main p.summary")).next().is_none());
}

async fn withdrawn_and_scheduled_stories_are_on_no_author_page(backend: Backend) {
    let site = TestSite::start(backend).await;
    for path in [
        "/authors/priya-halloran",
        "/authors/priya-halloran/feed.xml",
        "/authors/ines-calloway",
        "/authors/ines-calloway/feed.xml",
    ] {
        let (status, body) = site.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains("/articles/"), "{path} lists the author's other stories");
        assert!(!body.contains(WITHDRAWN) && !body.contains(SCHEDULED), "{path}");
    }
}

async fn articles_end_with_more_in_their_section(backend: Backend) {
    let site = TestSite::start(backend).await;
    let (_, technology) = site.get_text("/category/technology").await;
    let technology = card_slugs(&Html::parse_document(&technology));
    let story = &technology[2];
    let (status, body) = site.get_text(&format!("/articles/{story}")).await;
    assert_eq!(status, 200);
    let html = Html::parse_document(&body);
    let nav = html.select(&sel("nav.read-next")).next().expect("More in");
    assert_eq!(nav.select(&sel("h2")).next().unwrap().text().collect::<String>(), "More in Technology");
    let links: Vec<String> = nav
        .select(&sel("a"))
        .filter_map(|a| a.value().attr("href"))
        .filter_map(|h| h.strip_prefix("/articles/"))
        .map(str::to_owned)
        .collect();
    // The section's newest four, without the story itself.
    let expected: Vec<String> = technology.iter().filter(|s| *s != story).take(4).cloned().collect();
    assert_eq!(links, expected);
    assert_eq!(nav.select(&sel("time[datetime]")).count(), 4);
    assert!(nav.text().collect::<String>().contains("min read"));

    // Never the story scheduled years ahead, though it is the newest
    // science story of all; never a withdrawn one.
    let (_, science) = site.get_text("/category/science").await;
    let science = card_slugs(&Html::parse_document(&science));
    let (_, body) = site.get_text(&format!("/articles/{}", science[0])).await;
    assert!(body.contains("More in Science"));
    assert!(!body.contains(SCHEDULED));
    let (_, opinion) = site.get_text("/category/opinion").await;
    let opinion = card_slugs(&Html::parse_document(&opinion));
    let (_, body) = site.get_text(&format!("/articles/{}", opinion[0])).await;
    assert!(body.contains("More in Opinion"));
    assert!(!body.contains(WITHDRAWN));
}

broadsheet_testkit::on_both_stores!(backend:
    author_pages_page_and_link,
    withdrawn_and_scheduled_stories_are_on_no_author_page,
    articles_end_with_more_in_their_section,
);
