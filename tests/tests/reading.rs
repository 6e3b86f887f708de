//! End-to-end: a reader's whole reading path over HTTP against `broadsheet
//! serve`'s server, on the memory store and on DynamoDB (moto).

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use broadsheet::domain::Category;
use broadsheet_cli::cli::SAMPLE_CONTENT;
use broadsheet_tests::browser::card_slugs;
use broadsheet_tests::site::{Backend, TEST_ORIGIN, TestSite};
use scraper::{Html, Selector};

fn sel(s: &str) -> Selector {
    Selector::parse(s).expect("valid selector")
}

/// The sample story scheduled years ahead (`infra/content/science/`).
const SCHEDULED: &str = "vell-seamount-crewed-dive";
/// The sample story withdrawn by its file's `status: unpublished` (`infra/content/opinion/`).
const WITHDRAWN: &str = "withdrawn-the-harbour-wall-will-not-hold";

/// Every published sample article's slug by category, read from the content
/// files (not the story scheduled years ahead, nor the withdrawn one).
fn sample_slugs() -> BTreeMap<Category, BTreeSet<String>> {
    let mut out: BTreeMap<Category, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![Path::new(SAMPLE_CONTENT).to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("content dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                if !path.ends_with("authors") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "md") {
                let text = std::fs::read_to_string(&path).expect("read");
                let name = path.display().to_string();
                let article = broadsheet_cli::import::parse_article(&name, &text).expect("sample parses");
                if article.published_at > time::OffsetDateTime::now_utc() || article.unpublished {
                    continue;
                }
                out.entry(article.category).or_default().insert(article.slug.to_string());
            }
        }
    }
    out
}

fn older_link(html: &Html) -> Option<String> {
    html.select(&sel("a"))
        .find(|a| a.text().collect::<String>().contains("Older stories"))
        .and_then(|a| a.value().attr("href").map(|h| h.replace("&amp;", "&")))
}

/// Follows "Older stories" from `start` to the end, returning every slug seen.
async fn walk(site: &TestSite, start: &str) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut next = Some(start.to_owned());
    while let Some(path) = next {
        let (status, body) = site.get_text(&path).await;
        assert_eq!(status, 200, "{path}");
        let html = Html::parse_document(&body);
        let slugs = card_slugs(&html);
        assert!(slugs.len() <= 20, "at most 20 a page");
        pages += 1;
        assert!(pages < 50, "pagination does not end");
        next = older_link(&html).map(|href| {
            let query = href.split_once('?').map(|(_, q)| q).expect("older link has a query");
            format!("{}?{query}", start.split('?').next().unwrap_or(start))
        });
        if next.is_some() {
            assert_eq!(slugs.len(), 20, "a page with an older link is full");
        }
        seen.extend(slugs);
    }
    (seen, pages)
}

async fn front_page_lists_newest_twenty_with_layout(backend: Backend) {
    let site = TestSite::start(backend).await;
    let resp = site.get("/").await;
    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(!csp.contains("script-src") || csp.contains("script-src 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("referrer-policy"));
    assert!(h.contains_key("strict-transport-security"), "origin is https");
    assert!(h["cache-control"].to_str().unwrap().starts_with("public"));
    let etag = h["etag"].to_str().unwrap().to_owned();
    let body = resp.text().await.unwrap();
    let html = Html::parse_document(&body);
    assert_eq!(card_slugs(&html).len(), 20);
    // Layout: site name home link, #TrendingNews and the twelve categories, skip link, footer.
    assert!(html.select(&sel("header a[href='/']")).next().is_some());
    let nav: Vec<String> =
        html.select(&sel("nav a")).filter_map(|a| a.value().attr("href").map(str::to_owned)).collect();
    assert!(nav.contains(&"/trending".to_owned()));
    for c in Category::ALL {
        assert!(nav.contains(&format!("/category/{}", c.slug())), "{c:?} in nav");
    }
    assert!(body.contains("#TrendingNews"));
    assert!(html.select(&sel("a[href='#main']")).next().is_some(), "skip link");
    assert!(html.select(&sel("main#main")).next().is_some());
    assert!(html.select(&sel("footer")).next().is_some());
    assert!(html.select(&sel("title")).next().is_some());
    assert!(html.select(&sel("meta[name=description]")).next().is_some());
    let canonical = html.select(&sel("link[rel=canonical]")).next().unwrap().value().attr("href").unwrap();
    assert_eq!(canonical, format!("{TEST_ORIGIN}/"));
    // Cards carry a time, category, author and comment count.
    let card = html.select(&sel("main article")).next().unwrap();
    assert!(card.select(&sel("time[datetime]")).next().is_some());
    assert!(card.select(&sel("a[href^='/category/']")).next().is_some());
    // Nothing from another origin, no scripts.
    assert!(html.select(&sel("script:not([type='application/ld+json'])")).next().is_none());
    assert!(html.select(&sel("link[rel=stylesheet], img[src^=http]")).next().is_none());

    // Conditional GET.
    let resp = site.client.get(site.url("/")).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(resp.status(), 304);
    assert_eq!(resp.headers()["etag"].to_str().unwrap(), etag);
    assert!(resp.text().await.unwrap().is_empty());
    let resp = site.client.get(site.url("/")).header("if-none-match", "\"other\"").send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let resp = site.client.head(site.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
}

async fn every_category_page_renders(backend: Backend) {
    let site = TestSite::start(backend).await;
    let samples = sample_slugs();
    for c in Category::ALL {
        let (status, body) = site.get_text(&format!("/category/{}", c.slug())).await;
        assert_eq!(status, 200, "{c:?}");
        let html = Html::parse_document(&body);
        let slugs = card_slugs(&html);
        assert!(slugs.len() >= 3, "{c:?} has its sample articles");
        for s in &slugs {
            assert!(samples[&c].contains(s), "{s} listed under {c:?} belongs there");
        }
        let h1: String = html.select(&sel("h1")).next().unwrap().text().collect();
        assert!(h1.contains(c.label()), "{h1}");
    }
}

async fn pagination_visits_every_article_once(backend: Backend) {
    let site = TestSite::start(backend).await;
    let samples = sample_slugs();
    let all: BTreeSet<String> = samples.values().flatten().cloned().collect();

    let (seen, pages) = walk(&site, "/").await;
    assert_eq!(seen.len(), all.len(), "no repeats or gaps on the front page");
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), all);
    assert_eq!(pages, all.len().div_ceil(20));

    let (big, _) = samples.iter().max_by_key(|(_, s)| s.len()).unwrap();
    let path = format!("/category/{}", big.slug());
    let (seen, pages) = walk(&site, &path).await;
    assert!(pages >= 2, "the biggest category needs a second page");
    assert_eq!(seen.len(), samples[big].len());
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), samples[big]);
}

async fn bad_requests_get_clear_errors(backend: Backend) {
    let site = TestSite::start(backend).await;
    // Tampered and foreign cursors.
    let (_, body) = site.get_text("/").await;
    let older = older_link(&Html::parse_document(&body)).unwrap();
    let cursor = older.split("after=").nth(1).unwrap().to_owned();
    let mut tampered = cursor.clone().into_bytes();
    tampered[3] = if tampered[3] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    for path in [
        format!("/?after={tampered}"),
        format!("/category/sports?after={cursor}"),
        "/?after=".to_owned() + &"x".repeat(40),
        "/?after=%zz".to_owned(),
        "/?after=%FF".to_owned(),
    ] {
        let (status, body) = site.get_text(&path).await;
        assert_eq!(status, 400, "{path}");
        assert!(body.contains("<nav"), "error page in the layout");
    }
    // Unknown things are 404 pages in the layout.
    for path in
        ["/category/weather", "/articles/no-such-story", "/nope", "/articles/Bad%20Slug", "/category/"]
    {
        let (status, body) = site.get_text(path).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("Page not found") && body.contains("<nav"), "{path}");
    }
    // Wrong method: 405 with Allow.
    let resp = site.client.post(site.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET");
    // JSON clients get JSON errors.
    let resp = site.client.get(site.url("/nope")).header("accept", "application/json").send().await.unwrap();
    assert_eq!(resp.status(), 404);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
    let json: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(json["error"]["status"], 404);
}

async fn article_page_has_everything(backend: Backend) {
    let site = TestSite::start(backend).await;
    let samples = sample_slugs();
    let slug = samples[&Category::Science].iter().next().unwrap().clone();
    let resp = site.get(&format!("/articles/{slug}")).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["cache-control"].to_str().unwrap().starts_with("public"));
    let body = resp.text().await.unwrap();
    let html = Html::parse_document(&body);
    assert_eq!(html.select(&sel("h1")).count(), 1);
    assert!(html.select(&sel("article time[datetime]")).next().is_some());
    assert!(html.select(&sel("a[href='/category/science']")).next().is_some());
    let canonical = format!("{TEST_ORIGIN}/articles/{slug}");
    assert_eq!(
        html.select(&sel("link[rel=canonical]")).next().unwrap().value().attr("href"),
        Some(canonical.as_str())
    );
    assert!(html.select(&sel("meta[property='og:title']")).next().is_some());
    assert!(html.select(&sel("meta[name='twitter:card']")).next().is_some());
    let ld: String = html.select(&sel("script[type='application/ld+json']")).next().unwrap().text().collect();
    let ld: serde_json::Value = serde_json::from_str(&ld).unwrap();
    assert_eq!(ld["@type"], "NewsArticle");
    // Share block: six plain links carrying the encoded canonical URL.
    assert!(body.contains("Share This Post On"));
    let encoded = canonical.replace(':', "%3A").replace('/', "%2F");
    let share: Vec<String> = html
        .select(&sel("a"))
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .filter(|h| h.contains(&encoded))
        .collect();
    for target in ["x.com", "facebook.com", "linkedin.com", "wa.me", "reddit.com", "mailto:"] {
        assert!(share.iter().any(|h| h.contains(target)), "share link to {target}: {share:?}");
    }
    // Comments and the login prompt.
    assert!(body.contains("Comments (0)"), "comment count heading");
    assert!(body.contains("You need to login to leave a comment."));
    let login = html
        .select(&sel("a"))
        .find(|a| {
            a.text().collect::<String>().trim() == "Log-in"
                && a.value().attr("href").unwrap_or("").contains("return_to")
        })
        .expect("Log-in link with return_to");
    let href = login.value().attr("href").unwrap();
    assert!(href.starts_with("/login?return_to="));
    assert!(href.contains(&format!("%2Farticles%2F{slug}%23comments")), "{href}");
    assert!(html.select(&sel("textarea[name=body]")).next().is_none(), "no form for anonymous readers");
}

async fn feeds_sitemap_and_robots(backend: Backend) {
    let site = TestSite::start(backend).await;
    let samples = sample_slugs();
    let total: usize = samples.values().map(BTreeSet::len).sum();

    let resp = site.get("/feed.xml").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("application/atom+xml"));
    let feed: atom_syndication::Feed = resp.text().await.unwrap().parse().expect("valid Atom");
    assert_eq!(feed.entries().len(), 20);
    assert!(feed.entries().iter().all(|e| e.links().iter().any(|l| l.href().starts_with(TEST_ORIGIN))));

    let resp = site.get("/category/opinion/feed.xml").await;
    assert_eq!(resp.status(), 200);
    let feed: atom_syndication::Feed = resp.text().await.unwrap().parse().expect("valid Atom");
    assert_eq!(feed.entries().len(), samples[&Category::Opinion].len().min(20));
    assert_eq!(site.get("/category/weather/feed.xml").await.status(), 404);

    let (status, xml) = site.get_text("/sitemap.xml").await;
    assert_eq!(status, 200);
    let doc = roxmltree::Document::parse(&xml).expect("sitemap is XML");
    let locs: Vec<&str> =
        doc.descendants().filter(|n| n.has_tag_name("loc")).filter_map(|n| n.text()).collect();
    assert_eq!(locs.iter().filter(|l| l.contains("/articles/")).count(), total);
    assert!(locs.iter().all(|l| l.starts_with(TEST_ORIGIN)));

    let (status, robots) = site.get_text("/robots.txt").await;
    assert_eq!(status, 200);
    assert!(robots.contains(&format!("Sitemap: {TEST_ORIGIN}/sitemap.xml")));
}

async fn trending_shows_what_is_read(backend: Backend) {
    let site = TestSite::start(backend).await;
    let samples = sample_slugs();
    let mut health = samples[&Category::Health].iter();
    let (a, b) = (health.next().unwrap().clone(), health.next().unwrap().clone());
    let (status, body) = site.get_text("/trending").await;
    assert_eq!(status, 200);
    assert!(body.contains("Nothing is trending"), "empty before any read");
    // What a reader's browser does: the page, then the beacon it names.
    let read = async |slug: &str| {
        let (status, page) = site.get_text(&format!("/articles/{slug}")).await;
        assert_eq!(status, 200);
        assert!(page.contains(&format!("src=\"/articles/{slug}/read\"")), "the page loads its beacon");
        site.load_beacon(&format!("/articles/{slug}")).await;
    };
    for _ in 0..3 {
        read(&a).await;
    }
    read(&b).await;
    // A crawler that loads images is not counted.
    let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
    let resp = site.client.get(site.url(&format!("/articles/{b}/read"))).header("user-agent", googlebot);
    assert_eq!(resp.send().await.unwrap().status(), 200);
    site.refresh_trending().await;
    let (_, body) = site.get_text("/trending").await;
    assert_eq!(card_slugs(&Html::parse_document(&body)), vec![a, b], "most read first");
    assert!(body.contains("3 reads") && body.contains("1 read"), "crawlers do not count");
}

/// Hostile paths, queries and headers: always a clear 4xx or a page, never a 5xx or a crash.
async fn hostile_input_never_breaks_a_page(backend: Backend) {
    let site = TestSite::start(backend).await;
    let long = "a".repeat(5000);
    let paths = [
        "/%00".to_owned(),
        "/category/%F0%9F%92%A9".to_owned(),
        "/category/sports%2F..%2F..".to_owned(),
        format!("/articles/{long}"),
        "/articles/%E2%80%AE".to_owned(),
        "/articles/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/?after=%00%01%02".to_owned(),
        format!("/?after={long}"),
        "/?after=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
        "/articles/x?comments_after=%FF".to_owned(),
        "/trending?%zz=1".to_owned(),
        "/feed.xml?after=x".to_owned(),
        "//".to_owned(),
        "/category//feed.xml".to_owned(),
    ];
    for path in &paths {
        for (name, value) in [
            ("if-none-match", "W/\"x\", \"unterminated"),
            ("accept", "application/json;q=abc, */*"),
            ("cookie", "__Host-bs_session=%%%; __Host-bs_session=; =;;;"),
            ("cookie", &format!("__Host-bs_session={long}")),
        ] {
            let resp = site.client.get(site.url(path)).header(name, value).send().await;
            let Ok(resp) = resp else { continue }; // a header the client itself refuses to send
            let status = resp.status().as_u16();
            assert!((200..500).contains(&status), "{path} with {name}: {status}");
        }
    }
    // The server is still up and serving.
    assert_eq!(site.get("/").await.status(), 200);
}

async fn a_scheduled_story_is_nowhere_until_its_time(backend: Backend) {
    let site = TestSite::start(backend).await;
    let (status, body) = site.get_text(&format!("/articles/{SCHEDULED}")).await;
    assert_eq!(status, 404, "its URL is a 404 like any unknown slug");
    assert!(!body.contains("Seamount"), "nothing of it leaks");
    let (_, science) = site.get_text("/category/science").await;
    assert!(science.contains("/articles/") && !science.contains(SCHEDULED));
    for path in ["/", "/feed.xml", "/category/science/feed.xml", "/sitemap.xml", "/trending"] {
        let (status, body) = site.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!body.contains(SCHEDULED), "{path} lists the scheduled story");
    }
}

async fn a_withdrawn_story_is_gone_and_listed_nowhere(backend: Backend) {
    let site = TestSite::start(backend).await;
    let (status, body) = site.get_text(&format!("/articles/{WITHDRAWN}")).await;
    assert_eq!(status, 410);
    let html = Html::parse_document(&body);
    assert!(html.select(&sel("header nav")).next().is_some(), "in the site's layout");
    assert!(body.contains("<h1>Story withdrawn</h1>"), "{body}");
    assert!(!body.contains("Harbour Wall"), "nothing of the story");
    for path in
        ["/", "/category/opinion", "/feed.xml", "/category/opinion/feed.xml", "/sitemap.xml", "/trending"]
    {
        let (status, body) = site.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        assert!(!body.contains(WITHDRAWN), "{path} lists the withdrawn story");
    }
}

broadsheet_testkit::on_both_stores!(backend:
    a_withdrawn_story_is_gone_and_listed_nowhere,
    a_scheduled_story_is_nowhere_until_its_time,
    front_page_lists_newest_twenty_with_layout,
    every_category_page_renders,
    pagination_visits_every_article_once,
    bad_requests_get_clear_errors,
    article_page_has_everything,
    feeds_sitemap_and_robots,
    trending_shows_what_is_read,
    hostile_input_never_breaks_a_page,
);
