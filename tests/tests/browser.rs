//! End-to-end in a real browser: headless Chromium driven over WebDriver
//! (chromedriver), against the whole site on a loopback port whose origin is
//! its real address (`http://127.0.0.1:PORT`), so the browser's `Origin`
//! header and `Secure` cookies work as they do in production.
//!
//! * `journey` — front page → a section → an article → "Log-in" → "Create an
//!   account" → back on the same article → post a comment → see it → delete
//!   it → log out; on the memory store and on DynamoDB (moto). A screenshot
//!   of every step: `target/screenshots/journey-{memory,dynamo}/`.
//! * `every_page_type_is_accessible_and_fits` — every page type, at 1280 and
//!   375 CSS px: axe-core (WCAG 2.0/2.1 A and AA plus axe's best practices,
//!   in the light and the dark colour scheme), no horizontal scrolling, one
//!   `h1` and no skipped heading levels, a label on every control, a
//!   readable article column, the navigation usable on a phone, the share
//!   block and comment form in place; and the keyboard path (skip link →
//!   main, every control reachable in order with a visible focus ring).
//!   Screenshots: `target/screenshots/pages/`.
//! * `every_page_type_is_valid_html` — the same page types over HTTP through
//!   the Nu HTML Checker (no errors allowed; the documents are kept in
//!   `target/vnu/`), and the feeds and sitemap parsed as XML.
//!
//! What they need (Chromium, chromedriver, a JRE, vnu.jar, axe-core) is
//! installed by `scripts/browser-tools.sh`; `broadsheet_tests::webdriver`
//! says where each is looked for. A missing tool fails the test, saying so.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use broadsheet::auth::Username;
use broadsheet::domain::moderation::{Actor, Role, UserChange};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{Moderation as _, ModerationOutcome};
use broadsheet_tests::browser::{Browser, Fetched};
use broadsheet_tests::site::{Backend, TestSite};
use broadsheet_tests::webdriver::{AxeReport, Chrome, validate_html};
use fantoccini::key::Key;
use serde_json::json;

async fn text(chrome: &Chrome, css: &str) -> String {
    chrome.find(css).await.text().await.unwrap()
}

async fn attr(chrome: &Chrome, css: &str, name: &str) -> Option<String> {
    chrome.find(css).await.attr(name).await.unwrap()
}

/// Types each `(field, text)` into the form on the page and submits it, as
/// a reader at the keyboard would.
async fn submit_form(chrome: &Chrome, fields: &[(&str, &str)]) {
    for (field, text) in fields {
        chrome.fill(field, text).await;
    }
    chrome.click("main form button[type=submit]").await;
}

/// How many elements match `css`.
async fn count(chrome: &Chrome, css: &str) -> usize {
    chrome.client().find_all(fantoccini::Locator::Css(css)).await.unwrap().len()
}

/// The number in the "Comments (N)" heading.
async fn comment_count(chrome: &Chrome) -> u64 {
    let heading = text(chrome, "#comments-heading").await;
    heading.trim_start_matches("Comments (").trim_end_matches(')').parse().unwrap()
}

async fn journey(backend: Backend) {
    let started = Instant::now();
    let site = TestSite::start_at_own_origin(backend).await;
    let chrome = Chrome::start(&format!("journey-{backend:?}").to_lowercase()).await;

    chrome.goto(&site.url("/")).await;
    assert_eq!(text(&chrome, "h1").await, "Latest stories");
    assert_eq!(count(&chrome, "main .card").await, 20);
    chrome.screenshot("front-page").await;

    chrome.click(r#"nav[aria-label="Sections"] a[href="/category/science"]"#).await;
    assert_eq!(chrome.url().await.path, "/category/science");
    assert_eq!(text(&chrome, "h1").await, "Science");
    assert_eq!(text(&chrome, "nav [aria-current=page]").await, "Science");
    chrome.screenshot("category").await;

    let title = text(&chrome, "main .card h2 a").await;
    let article = attr(&chrome, "main .card h2 a", "href").await.unwrap();
    chrome.click("main .card h2 a").await;
    assert_eq!(chrome.url().await.path, article);
    assert_eq!(text(&chrome, "h1").await, title);
    assert_eq!(count(&chrome, ".share li a").await, 6);
    assert_eq!(text(&chrome, ".leave p").await, "You need to login to leave a comment. Log-in");
    let comments_before = comment_count(&chrome).await;
    chrome.screenshot("article").await;

    chrome.click(".leave a").await;
    let url = chrome.url().await;
    assert_eq!(url.path, "/login");
    let back = format!("{article}#comments");
    assert_eq!(attr(&chrome, "input[name=return_to]", "value").await.as_deref(), Some(back.as_str()));
    chrome.screenshot("login").await;

    chrome.click("main a[href^='/signup']").await;
    assert_eq!(chrome.url().await.path, "/signup");
    assert_eq!(text(&chrome, "h1").await, "Create an account");
    assert_eq!(attr(&chrome, "input[name=return_to]", "value").await.as_deref(), Some(back.as_str()));
    chrome.fill("#f-username", "chromium_reader").await;
    chrome.fill("#f-display_name", "Chromium Reader").await;
    chrome.fill("#f-password", "a long enough passphrase").await;
    chrome.screenshot("signup-filled").await;
    chrome.click("main form button[type=submit]").await;

    // Back on the same article, at its comments, logged in. The session
    // cookie is `Secure`: Chromium keeps it for http://127.0.0.1 (a
    // potentially trustworthy origin), so the next pages see the reader.
    let url = chrome.url().await;
    assert_eq!(
        (url.path.as_str(), url.fragment.as_deref()),
        (article.as_str(), Some("comments")),
        "return_to"
    );
    assert_eq!(text(&chrome, ".account strong").await, "Chromium Reader");
    let cookies = chrome.client().get_all_cookies().await.unwrap();
    let session =
        cookies.iter().find(|c| c.name() == "__Host-bs_session").expect("the session cookie is kept");
    assert_eq!((session.secure(), session.http_only()), (Some(true), Some(true)));
    assert_eq!(count(&chrome, "#comment-body").await, 1, "the comment form replaces the log-in prompt");
    chrome.screenshot("back-on-the-article").await;

    let comment = "Read this on the train.\nA second line, and a link: https://example.com/tides";
    chrome.fill("#comment-body", comment).await;
    chrome.screenshot("comment-typed").await;
    chrome.click(".leave button[type=submit]").await;
    let url = chrome.url().await;
    assert_eq!(url.path, article);
    let anchor = url.fragment.expect("redirected to the new comment");
    assert!(anchor.starts_with("comment-"), "{anchor}");
    let li = format!("#{anchor}");
    let shown = text(&chrome, &format!("{li} p:not(.meta)")).await;
    assert_eq!(shown, comment, "line breaks kept");
    assert_eq!(
        attr(&chrome, &format!("{li} a"), "href").await.as_deref(),
        Some("https://example.com/tides"),
        "the link is clickable"
    );
    assert!(text(&chrome, &format!("{li} .meta")).await.starts_with("Chromium Reader @"), "name and handle");
    assert_eq!(comment_count(&chrome).await, comments_before + 1);
    chrome.screenshot("comment-posted").await;

    chrome.click(&format!("{li} form.del button")).await;
    assert_eq!(chrome.url().await.fragment.as_deref(), Some("comments"));
    assert_eq!(count(&chrome, &li).await, 0, "the comment is gone");
    assert_eq!(comment_count(&chrome).await, comments_before);
    chrome.screenshot("comment-deleted").await;

    chrome.click(".account button[type=submit]").await;
    assert_eq!(chrome.url().await.path, "/");
    assert_eq!(text(&chrome, ".account a[href='/login']").await, "Log-in");
    let cookies = chrome.client().get_all_cookies().await.unwrap();
    assert!(
        cookies.iter().all(|c| c.name() != "__Host-bs_session"),
        "the session cookie is gone: {cookies:?}"
    );
    chrome.goto(&site.url(&article)).await;
    assert_eq!(count(&chrome, "#comment-body").await, 0, "logged out for good");
    chrome.screenshot("logged-out").await;

    chrome.quit().await;
    println!("journey on {backend:?}: {:.1} s", started.elapsed().as_secs_f64());
}

mod journey {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn memory() {
        journey(Backend::Memory).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn dynamo() {
        journey(Backend::Dynamo).await;
    }
}

/// Layout, structure and form checks for the page in the browser now, in one
/// script; returns what is wrong, one sentence each.
const PAGE_CHECKS: &str = r#"
const problems = [];
const describe = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.classList.length ? '.' + [...e.classList].join('.') : '')
    + (e.textContent.trim() ? ` "${e.textContent.trim().slice(0, 30)}"` : '');
const shown = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && getComputedStyle(e).visibility !== 'hidden'; };
const de = document.documentElement;
const vw = de.clientWidth;

// No horizontal scrolling.
if (de.scrollWidth > vw || de.scrollWidth > window.innerWidth) {
    const wide = [...document.body.querySelectorAll('*')]
        .filter(e => !e.closest('.skip') && shown(e) && e.getBoundingClientRect().right > vw + 0.5)
        .slice(0, 6).map(describe);
    problems.push(`scrolls sideways: scrollWidth ${de.scrollWidth} > ${vw}; too wide: ${wide.join(', ')}`);
}

// One h1, first; no skipped levels.
const levels = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]);
if (levels.filter(l => l === 1).length !== 1) problems.push(`${levels.filter(l => l === 1).length} h1 elements`);
if (levels[0] !== 1) problems.push(`the first heading is h${levels[0]}`);
levels.forEach((l, i) => { if (i && l > levels[i - 1] + 1) problems.push(`heading h${levels[i - 1]} → h${l}`); });

// Every control has a label with text; messages are tied to their fields.
for (const c of document.querySelectorAll('input:not([type=hidden]), textarea, select')) {
    const label = [...c.labels].map(l => l.textContent.trim()).join(' ');
    if (!label) problems.push(`${describe(c)} has no label`);
    for (const id of (c.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean)) {
        if (!document.getElementById(id)) problems.push(`${describe(c)} is described by missing #${id}`);
    }
}
for (const b of document.querySelectorAll('button')) {
    if (!b.textContent.trim()) problems.push(`${describe(b)} has no text`);
}

// Text is readable: body text at least 16 px, line height at least 1.4.
const bodyStyle = getComputedStyle(document.body);
if (parseFloat(bodyStyle.fontSize) < 16) problems.push(`body text is ${bodyStyle.fontSize}`);

// The article column: comfortable line length on a wide screen, the whole
// width (less the margins) on a phone.
const para = document.querySelector('.story .body p');
if (para) {
    const s = getComputedStyle(para), fs = parseFloat(s.fontSize), w = para.getBoundingClientRect().width;
    if (w > 46 * fs) problems.push(`article lines are ${Math.round(w / fs)}em wide (over ~80 characters)`);
    if (w < Math.min(300, vw - 48)) problems.push(`the article column is only ${Math.round(w)} px wide`);
    if (parseFloat(s.lineHeight) < 1.4 * fs) problems.push(`article line height ${s.lineHeight} at ${s.fontSize}`);
    if (fs < 16) problems.push(`article text is ${s.fontSize}`);
}

// The navigation: every section reachable on screen, as a tap target of at
// least 24×24 px (WCAG 2.5.8), not hidden behind a script-driven menu.
const nav = document.querySelector('nav[aria-label="Sections"]');
if (!nav) problems.push('no section navigation');
else {
    const links = [...nav.querySelectorAll('a')];
    if (links.length !== 13) problems.push(`${links.length} navigation links`);
    for (const a of links) {
        const r = a.getBoundingClientRect();
        if (!shown(a)) problems.push(`navigation link ${describe(a)} is not shown`);
        else if (r.left < 0 || r.right > vw + 0.5) problems.push(`navigation link ${describe(a)} is off screen`);
        else if (r.height < 24 || r.width < 24) problems.push(`navigation link ${describe(a)} is ${Math.round(r.width)}×${Math.round(r.height)} px`);
    }
    const h = nav.getBoundingClientRect().height;
    if (h > 0.3 * window.innerHeight) problems.push(`the navigation is ${Math.round(h)} px tall (${Math.round(100 * h / window.innerHeight)}% of the screen)`);
}

// Article pages: the share block after the story, its six links on screen;
// the comments, then the comment form (or log-in prompt) after them.
const story = document.querySelector('article.story');
if (story) {
    const after = (a, b) => a && b && (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING);
    const share = document.querySelector('.share'), comments = document.getElementById('comments'),
          leave = document.querySelector('.leave');
    if (!after(story, share)) problems.push('the share block is not after the story');
    if (!after(share, comments)) problems.push('the comments are not after the share block');
    if (!after(comments, leave)) problems.push('"Leave a comment" is not after the comments');
    const shareLinks = share ? [...share.querySelectorAll('a')] : [];
    if (shareLinks.length !== 6) problems.push(`${shareLinks.length} share links`);
    for (const a of shareLinks) {
        const r = a.getBoundingClientRect();
        if (!shown(a) || r.left < 0 || r.right > vw + 0.5) problems.push(`share link ${describe(a)} is not on screen`);
        else if (r.height < 24 || r.width < 24) problems.push(`share link ${describe(a)} is ${Math.round(r.width)}×${Math.round(r.height)} px`);
    }
    const ta = document.getElementById('comment-body');
    if (ta) {
        const r = ta.getBoundingClientRect(), col = leave.getBoundingClientRect();
        if (r.width < 0.9 * col.width || r.right > vw) problems.push(`the comment box is ${Math.round(r.width)} px in a ${Math.round(col.width)} px column`);
        const btn = leave.querySelector('button[type=submit]');
        if (!btn || !shown(btn)) problems.push('no visible "Post comment" button');
    }
}
return problems;
"#;

/// What the checks found, over every page.
#[derive(Debug, Default)]
struct Findings {
    /// Failures: each one fails the test.
    problems: Vec<String>,
    /// Rules axe could not decide ("needs review"), with the pages: printed.
    review: BTreeMap<String, BTreeSet<String>>,
    pages: BTreeSet<String>,
    axe_runs: usize,
}

impl Findings {
    fn axe(&mut self, page: &str, how: &str, report: AxeReport) {
        self.axe_runs += 1;
        self.pages.insert(page.to_owned());
        for v in report.violations {
            self.problems.push(format!("{page} at {how}, axe: {v}"));
        }
        for v in report.incomplete {
            self.review.entry(format!("{} ({})", v.id, v.help)).or_default().insert(page.to_owned());
        }
    }
}

/// Runs every check on the page the browser shows, at both widths (and axe
/// also in the dark colour scheme), with a screenshot at each width.
async fn check_page(chrome: &Chrome, name: &str, findings: &mut Findings) {
    for (w, h) in [(1280, 900), (375, 812)] {
        chrome.viewport(w, h).await;
        let problems = chrome.js(PAGE_CHECKS, vec![]).await;
        for p in problems.as_array().unwrap() {
            findings.problems.push(format!("{name} at {w} px: {}", p.as_str().unwrap()));
        }
        chrome.screenshot(&format!("{name}-{w}")).await;
        findings.axe(name, &format!("{w} px"), chrome.axe_report().await);
    }
    chrome.color_scheme("dark").await;
    findings.axe(name, "375 px, dark", chrome.axe_report().await);
    chrome.screenshot(&format!("{name}-375-dark")).await;
    chrome.color_scheme("light").await;
    chrome.viewport(1280, 900).await;
}

/// The focused element, described, with its focus ring and position.
const FOCUSED: &str = r#"
const e = document.activeElement;
if (!e || e === document.body) return { tag: 'body' };
const s = getComputedStyle(e), r = e.getBoundingClientRect();
return {
    tag: e.tagName.toLowerCase(), id: e.id, cls: e.className, text: e.textContent.trim().slice(0, 40),
    outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 ? s.outlineWidth + ' ' + s.outlineStyle : '',
    inView: r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < document.documentElement.clientWidth,
    inMain: !!e.closest('main'),
};
"#;

/// Every element that should be reachable with Tab, in document order.
const TABBABLES: &str = r#"
return [...document.querySelectorAll('a[href], button, input:not([type=hidden]), textarea, select, summary')]
    .filter(e => { const d = e.closest('details:not([open])'); return !d || (e.tagName === 'SUMMARY' && e.parentElement === d); })
    .filter(e => { const r = e.getBoundingClientRect(); return (r.width > 0 && r.height > 0) || e.classList.contains('skip'); })
    .map(e => e.tagName.toLowerCase() + '|' + e.textContent.trim().slice(0, 40));
"#;

/// At `width` px, from a freshly loaded page: Tab reaches the skip link
/// first, visibly; Enter moves focus to `main`; Tab then goes on inside
/// `main`. Then Tab walks every link, button and field in document order,
/// each with a visible focus ring and scrolled into view.
async fn keyboard_walk(chrome: &Chrome, url: &str, width: u32, name: &str, findings: &mut Findings) {
    chrome.viewport(width, if width < 600 { 812 } else { 900 }).await;
    chrome.goto(url).await;
    chrome.press(Key::Tab).await;
    let skip = chrome.js(FOCUSED, vec![]).await;
    if skip["cls"] != json!("skip") {
        findings.problems.push(format!("{name}: the first Tab focuses {skip}, not the skip link"));
    }
    if skip["outline"] == json!("") || skip["inView"] != json!(true) {
        findings.problems.push(format!("{name}: the focused skip link is not visible: {skip}"));
    }
    chrome.screenshot(&format!("{name}-skip-link-focused")).await;
    chrome.press(Key::Enter).await;
    let main = chrome.js(FOCUSED, vec![]).await;
    if main["tag"] != json!("main") {
        findings.problems.push(format!("{name}: Enter on the skip link focuses {main}, not main"));
    }
    chrome.press(Key::Tab).await;
    let next = chrome.js(FOCUSED, vec![]).await;
    if next["inMain"] != json!(true) {
        findings.problems.push(format!("{name}: Tab after the skip link goes to {next}, outside main"));
    }

    chrome.goto(url).await;
    let expected: Vec<String> = serde_json::from_value(chrome.js(TABBABLES, vec![]).await).unwrap();
    let mut seen = Vec::new();
    for _ in 0..expected.len() {
        chrome.press(Key::Tab).await;
        let f = chrome.js(FOCUSED, vec![]).await;
        if f["tag"] == json!("body") {
            break; // focus left the page early: the comparison below says where
        }
        if f["outline"] == json!("") {
            findings.problems.push(format!("{name}: no visible focus ring on {f}"));
        }
        if f["inView"] != json!(true) {
            findings.problems.push(format!("{name}: focused but off screen: {f}"));
        }
        seen.push(format!("{}|{}", f["tag"].as_str().unwrap_or(""), f["text"].as_str().unwrap_or("")));
    }
    println!("{name}: Tab visits {} links, buttons and fields", seen.len());
    if seen != expected {
        findings
            .problems
            .push(format!("{name}: Tab order\n    {seen:?}\nis not the document's\n    {expected:?}"));
    }
    chrome.viewport(1280, 900).await;
}

/// A sample article with a correction note (`infra/content/world-news/`).
const CORRECTED_ARTICLE: &str = "/articles/fishing-talks-between-veldmark-and-the-northern-isles-stall-again";
/// A sample article withdrawn by its file (`status: unpublished`): the `410` page.
const WITHDRAWN_ARTICLE: &str = "/articles/withdrawn-the-harbour-wall-will-not-hold";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_type_is_accessible_and_fits() {
    let started = Instant::now();
    let site = TestSite::start_at_own_origin(Backend::Memory).await;
    let chrome = Chrome::start("pages").await;
    let mut findings = Findings::default();

    // axe really runs in these pages, whose CSP forbids page scripts (the
    // driver's injected script is not a page script): a planted fault is found.
    chrome.goto(&site.url("/")).await;
    let plant =
        "const i = document.createElement('img'); i.src = '/x.png'; document.querySelector('main').append(i);
        document.querySelector('main .card p:not(.meta)').style.color = '#aaa'; return null";
    chrome.js(plant, vec![]).await;
    let planted: BTreeSet<String> = chrome.axe().await.into_iter().map(|v| v.id).collect();
    let expected = BTreeSet::from(["image-alt".to_owned(), "color-contrast".to_owned()]);
    assert_eq!(planted, expected, "axe does not run as it should");

    chrome.goto(&site.url("/")).await;
    check_page(&chrome, "front", &mut findings).await;
    chrome.click("main a[rel=next]").await;
    assert_eq!(text(&chrome, "h1").await, "Older stories");
    check_page(&chrome, "front-older", &mut findings).await;

    chrome.goto(&site.url("/category/technology")).await;
    check_page(&chrome, "category", &mut findings).await;
    chrome.click("main a[rel=next]").await;
    assert_eq!(text(&chrome, "h1").await, "Technology — older stories");
    check_page(&chrome, "category-older", &mut findings).await;

    // Reading three articles puts them on #TrendingNews.
    let articles: Vec<String> = serde_json::from_value(
        chrome
            .js(
                "return [...document.querySelectorAll('main .card h2 a')].map(a => a.getAttribute('href'))",
                vec![],
            )
            .await,
    )
    .unwrap();
    let article = articles[0].clone();
    for a in articles.iter().take(3).rev() {
        chrome.goto(&site.url(a)).await;
    }
    check_page(&chrome, "article", &mut findings).await;
    keyboard_walk(&chrome, &site.url(&article), 1280, "article-keyboard", &mut findings).await;
    chrome.goto(&site.url(CORRECTED_ARTICLE)).await;
    check_page(&chrome, "article-corrected", &mut findings).await;
    // A byline leads to the author's page, which pages like a section.
    chrome.goto(&site.url("/articles/what-i-learned-covering-a-flood-in-my-own-valley")).await;
    chrome.click("article.story .meta a[href^='/authors/']").await;
    assert_eq!(text(&chrome, "h1").await, "Hattie Sorensen");
    check_page(&chrome, "author", &mut findings).await;
    chrome.click("main a[rel=next]").await;
    assert_eq!(text(&chrome, "h1").await, "Hattie Sorensen — older stories");
    check_page(&chrome, "author-older", &mut findings).await;
    chrome.goto(&site.url(WITHDRAWN_ARTICLE)).await;
    check_page(&chrome, "410-withdrawn", &mut findings).await;

    // Headless Chromium's beacon requests are not counted (a crawler's
    // user agent): a reader's browser loads the beacons of the same pages.
    for a in articles.iter().take(3) {
        site.load_beacon(a).await;
    }
    site.refresh_trending().await;
    chrome.goto(&site.url("/trending")).await;
    assert!(count(&chrome, "main .card").await > 0, "reads reach #TrendingNews");
    check_page(&chrome, "trending", &mut findings).await;

    // Search from the header box, at the keyboard: type, Enter, results.
    chrome.goto(&site.url("/")).await;
    chrome.fill("header input[name=q]", "harbour").await;
    chrome.press(Key::Enter).await;
    assert_eq!(chrome.url().await.path, "/search");
    assert!(count(&chrome, "main .card").await > 1, "results for harbour");
    assert!(count(&chrome, "main .card mark").await > 0, "matches marked");
    check_page(&chrome, "search-results", &mut findings).await;
    keyboard_walk(&chrome, &site.url("/search?q=harbour"), 375, "search-keyboard", &mut findings).await;
    chrome.goto(&site.url("/search?q=the")).await;
    chrome.click("main a[rel=next]").await;
    check_page(&chrome, "search-more", &mut findings).await;
    chrome.goto(&site.url("/search")).await;
    check_page(&chrome, "search-form", &mut findings).await;
    chrome.goto(&site.url("/search?q=zzyzx")).await;
    assert!(text(&chrome, "main [role=status]").await.starts_with("No stories match"));
    check_page(&chrome, "search-none", &mut findings).await;

    for (name, path, status) in [
        ("404", "/no/such/page", "Error 404"),
        ("404-category", "/category/astrology", "Error 404"),
        ("400", "/category/technology?after=not-a-cursor", "Error 400"),
        ("405", "/logout", "Error 405"),
    ] {
        chrome.goto(&site.url(path)).await;
        assert_eq!(text(&chrome, "main .status").await, status, "{path}");
        check_page(&chrome, name, &mut findings).await;
    }

    let login =
        format!("/login?return_to={}", broadsheet_tests::browser::encode(&format!("{article}#comments")));
    chrome.goto(&site.url(&login)).await;
    check_page(&chrome, "login", &mut findings).await;
    keyboard_walk(&chrome, &site.url(&login), 1280, "login-keyboard", &mut findings).await;

    submit_form(&chrome, &[("#f-username", "nobody"), ("#f-password", "not the password")]).await;
    assert_eq!(text(&chrome, "#form-error").await, "Incorrect username or password.");
    check_page(&chrome, "login-422", &mut findings).await;

    // A forged form (wrong CSRF token) gets the 403 page.
    chrome.goto(&site.url("/login")).await;
    chrome.js("document.querySelector('input[name=csrf_token]').value = 'forged'; return null", vec![]).await;
    submit_form(&chrome, &[("#f-username", "nobody"), ("#f-password", "whatever it is")]).await;
    assert_eq!(text(&chrome, "main .status").await, "Error 403");
    check_page(&chrome, "403", &mut findings).await;

    chrome.goto(&site.url("/signup")).await;
    submit_form(&chrome, &[("#f-username", "x!"), ("#f-password", "short")]).await;
    assert!(count(&chrome, "[aria-invalid=true]").await >= 2, "signup errors shown");
    check_page(&chrome, "signup-422", &mut findings).await;

    // Five failures for one username, then the sixth attempt waits: 429.
    // (The limits are fixed windows: should one end during the loop, the
    // count starts again, hence "until", not "six times".)
    for attempt in 1.. {
        chrome.goto(&site.url("/login")).await;
        submit_form(&chrome, &[("#f-username", "victim"), ("#f-password", "a wrong guess")]).await;
        if text(&chrome, "#form-error").await.starts_with("Too many failed attempts") {
            break;
        }
        assert!(attempt < 12, "no 429 after {attempt} failed logins");
    }
    check_page(&chrome, "login-429", &mut findings).await;

    // A reader: signed up, back on the article, with comments of their own.
    let signup = login.replacen("/login", "/signup", 1);
    chrome.goto(&site.url(&signup)).await;
    submit_form(
        &chrome,
        &[
            ("#f-username", "keyboard_reader"),
            ("#f-display_name", "Keyboard Reader"),
            ("#f-password", "a long enough passphrase"),
        ],
    )
    .await;
    assert_eq!(chrome.url().await.path, article);
    check_page(&chrome, "article-reader", &mut findings).await;
    for body in [
        "First! A comment with a link: https://example.com/a-rather-long-path/that-goes/on-and-on-and-on-and-on-without-a-break",
        "A second comment,\non two lines.",
    ] {
        chrome.fill("#comment-body", body).await;
        chrome.click(".leave button[type=submit]").await;
    }
    assert_eq!(count(&chrome, "#comments li").await, 2);
    check_page(&chrome, "article-comments", &mut findings).await;
    keyboard_walk(&chrome, &site.url(&article), 375, "article-comments-keyboard-375", &mut findings).await;

    // Only spaces: 422, the form re-shown with the message.
    chrome.fill("#comment-body", "   ").await;
    chrome.click(".leave button[type=submit]").await;
    assert_eq!(count(&chrome, "#comment-error").await, 1);
    check_page(&chrome, "comment-422", &mut findings).await;

    // The sixth comment in a minute: 429, the text kept.
    for n in 3.. {
        chrome.goto(&site.url(&article)).await;
        chrome.fill("#comment-body", &format!("Comment number {n}")).await;
        chrome.click(".leave button[type=submit]").await;
        if count(&chrome, "#comment-error").await > 0 {
            break;
        }
        assert!(n < 14, "no 429 after {n} comments");
    }
    assert!(text(&chrome, "#comment-error").await.starts_with("You can post 5 comments a minute"));
    assert!(text(&chrome, "#comment-body").await.starts_with("Comment number"), "the text is kept");
    check_page(&chrome, "comment-429", &mut findings).await;

    chrome.goto(&site.url("/")).await;
    check_page(&chrome, "front-reader", &mut findings).await;

    chrome.quit().await;
    println!("every page type in Chromium: {:.1} s", started.elapsed().as_secs_f64());
    println!("{} page types, {} axe runs", findings.pages.len(), findings.axe_runs);
    for (rule, pages) in &findings.review {
        println!("axe needs review: {rule} on {pages:?}");
    }
    let problems = &findings.problems;
    assert!(problems.is_empty(), "{} findings:\n{}", problems.len(), problems.join("\n"));
}

/// Grants `name` the moderator role on `store` (the operator's
/// `broadsheet user grant`).
async fn grant_moderator(store: &MemoryStore, name: &str) {
    let user = Username::parse(name).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let done = store.change_user(&user, UserChange::Grant(Role::Moderator), &Actor::Operator, "", now).await;
    assert_eq!(done.unwrap(), ModerationOutcome::Done);
}

/// A writer's and a moderator's walk through conversation and moderation,
/// every new page type checked like the others: a reply, an edit, a held
/// comment, a report, the queue, approve, suspend, remove, the log, and a
/// suspended writer's refused post.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moderation_pages_are_accessible_and_fit() {
    let store = MemoryStore::new();
    let site = TestSite::own_origin_with(store.clone()).await;
    let chrome = Chrome::start("moderation").await;
    let mut findings = Findings::default();
    chrome.goto(&site.url("/category/science")).await;
    let article = attr(&chrome, "main .card h2 a", "href").await.unwrap();
    let signup = format!("/signup?return_to={}", broadsheet_tests::browser::encode(&article));
    let sign_up = |name: &'static str| {
        let (chrome, url) = (&chrome, site.url(&signup));
        async move {
            chrome.goto(&url).await;
            submit_form(
                chrome,
                &[
                    ("#f-username", name),
                    ("#f-display_name", name),
                    ("#f-password", "a long enough passphrase"),
                ],
            )
            .await;
        }
    };
    let post = |body: &'static str| {
        let chrome = &chrome;
        async move {
            chrome.fill("#comment-body", body).await;
            chrome.click(".leave button[type=submit]").await;
        }
    };

    // A writer comments, replies inside <details>, edits, and is held for links.
    sign_up("writer_one").await;
    post("The first comment on this story.").await;
    chrome.click_in_page("#comments details.reply summary").await;
    chrome.fill("#comments details.reply textarea", "And a reply to it.").await;
    chrome.click("#comments details.reply button[type=submit]").await;
    assert_eq!(count(&chrome, "#comments ol.replies > li").await, 1, "the reply sits under its comment");
    chrome.click("#comments a.edit").await;
    assert_eq!(text(&chrome, "h1").await, "Edit your comment");
    check_page(&chrome, "comment-edit", &mut findings).await;
    chrome.fill("#edit-body", "The first comment on this story, edited.").await;
    chrome.click("main form button[type=submit]").await;
    assert!(text(&chrome, "#comments").await.contains("edited"));
    post("Links: https://a.example/1 https://b.example/2 https://c.example/3").await;
    assert!(text(&chrome, "#comments").await.contains("Awaiting review"));
    check_page(&chrome, "article-thread-held", &mut findings).await;
    keyboard_walk(&chrome, &site.url(&article), 375, "article-thread-keyboard-375", &mut findings).await;
    chrome.click("header form[action='/logout'] button").await;

    // A moderator reports, then works the queue.
    sign_up("moderator_one").await;
    grant_moderator(&store, "moderator_one").await;
    chrome.click("header form[action='/logout'] button").await;
    chrome
        .goto(&site.url(&format!("/login?return_to={}", broadsheet_tests::browser::encode(&article))))
        .await;
    submit_form(&chrome, &[("#f-username", "moderator_one"), ("#f-password", "a long enough passphrase")])
        .await;
    chrome.click_in_page("#comments details.report summary").await;
    chrome.click("#comments details.report button[type=submit]").await;
    assert!(text(&chrome, "#comments .notice").await.contains("A moderator will look"));
    check_page(&chrome, "article-moderator", &mut findings).await;
    chrome.goto(&site.url("/moderation")).await;
    assert_eq!(count(&chrome, "ol.queue > li").await, 2, "one held, one reported");
    check_page(&chrome, "moderation-queue", &mut findings).await;
    keyboard_walk(&chrome, &site.url("/moderation"), 1280, "moderation-queue-keyboard", &mut findings).await;
    // Approve the held one (the second entry: the reported comment is older).
    chrome.click("ol.queue > li:nth-child(2) form[action$='/approve'] button").await;
    assert_eq!(
        text(&chrome, "main .notice").await,
        "Done: the comment is published, or its reports are dismissed."
    );
    chrome.click_in_page("ol.queue details.suspend summary").await;
    chrome.fill("ol.queue details.suspend input[name=days]", "3").await;
    chrome.fill("ol.queue details.suspend input[name=reason]", "Repeated spam").await;
    chrome.click("ol.queue details.suspend button[type=submit]").await;
    assert_eq!(text(&chrome, "main .notice").await, "Reader suspended.");
    chrome.click_in_page("ol.queue details.remove summary").await;
    chrome.fill("ol.queue details.remove input[name=reason]", "Advertising").await;
    chrome.click("ol.queue details.remove button[type=submit]").await;
    assert_eq!(text(&chrome, "main .notice").await, "Comment removed.");
    check_page(&chrome, "moderation-queue-empty", &mut findings).await;
    chrome.goto(&site.url("/moderation/log")).await;
    assert_eq!(count(&chrome, "table.log tbody tr").await, 4, "grant, approve, suspend, remove");
    check_page(&chrome, "moderation-log", &mut findings).await;
    chrome.goto(&site.url(&article)).await;
    assert!(text(&chrome, "#comments").await.contains("Comment removed by a moderator."), "the thread stays");
    chrome.click("header form[action='/logout'] button").await;

    // The suspended writer reads, but a post is refused with the text kept.
    chrome
        .goto(&site.url(&format!("/login?return_to={}", broadsheet_tests::browser::encode(&article))))
        .await;
    submit_form(&chrome, &[("#f-username", "writer_one"), ("#f-password", "a long enough passphrase")]).await;
    post("Written while suspended.").await;
    assert_eq!(text(&chrome, "h1").await, "Your account is suspended");
    assert_eq!(text(&chrome, "#comment-body").await, "Written while suspended.");
    check_page(&chrome, "comment-403-suspended", &mut findings).await;

    chrome.quit().await;
    let problems = &findings.problems;
    assert!(problems.is_empty(), "{} findings:\n{}", problems.len(), problems.join("\n"));
}

/// Collects a page for the validator, checking its status on the way.
fn keep(pages: &mut Vec<(String, String)>, name: &str, page: Fetched, status: u16) {
    assert_eq!(page.status, status, "{name}: {}", page.body);
    pages.push((name.to_owned(), page.body));
}

#[tokio::test]
async fn every_page_type_is_valid_html() {
    // Fail now, not after fetching every page, if the checker is missing.
    broadsheet_tests::webdriver::java_path();
    broadsheet_tests::webdriver::vnu_jar_path();
    let store = MemoryStore::new();
    let site = TestSite::start_with(store.clone()).await;
    let anon = Browser::new(&site);
    let mut pages = Vec::new();

    keep(&mut pages, "trending-empty", anon.get("/trending").await, 200);
    let front = anon.get("/").await;
    let html = front.html();
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    let first = html.select(&sel("main .card h2 a")).next().unwrap().value().attr("href").unwrap().to_owned();
    let older = html.select(&sel("a[rel=next]")).next().unwrap().value().attr("href").unwrap().to_owned();
    keep(&mut pages, "front", front, 200);
    keep(&mut pages, "author", anon.get("/authors/hattie-sorensen").await, 200);
    keep(&mut pages, "author-no-file", anon.get("/authors/priya-halloran").await, 200);
    keep(&mut pages, "404-author", anon.get("/authors/nobody-at-all").await, 404);
    keep(&mut pages, "front-older", anon.get(&older).await, 200);
    let cat = anon.get("/category/technology").await;
    let cat_older =
        cat.html().select(&sel("a[rel=next]")).next().unwrap().value().attr("href").unwrap().to_owned();
    keep(&mut pages, "category", cat, 200);
    keep(&mut pages, "category-older", anon.get(&cat_older).await, 200);
    keep(&mut pages, "article", anon.get(&first).await, 200);
    let corrected = anon.get(CORRECTED_ARTICLE).await;
    assert!(corrected.body.contains(r#"<aside class="correction""#), "the sample's corrected story");
    keep(&mut pages, "article-corrected", corrected, 200);
    keep(&mut pages, "410-withdrawn", anon.get(WITHDRAWN_ARTICLE).await, 410);
    site.load_beacon(&first).await;
    site.refresh_trending().await;
    let trending = anon.get("/trending").await;
    assert!(trending.body.contains("class=\"card\""), "a read reaches #TrendingNews");
    keep(&mut pages, "trending", trending, 200);
    keep(&mut pages, "search-form", anon.get("/search").await, 200);
    let results = anon.get("/search?q=the").await;
    let more =
        results.html().select(&sel("a[rel=next]")).next().unwrap().value().attr("href").unwrap().to_owned();
    keep(&mut pages, "search-results", results, 200);
    keep(&mut pages, "search-more", anon.get(&more).await, 200);
    keep(&mut pages, "search-none", anon.get("/search?q=zzyzx").await, 200);
    keep(&mut pages, "search-400", anon.get(&format!("/search?q={}", "a".repeat(201))).await, 400);
    keep(&mut pages, "404", anon.get("/no/such/page").await, 404);
    keep(&mut pages, "404-article", anon.get("/articles/no-such-story").await, 404);
    keep(&mut pages, "400", anon.get("/?after=not-a-cursor").await, 400);
    let r = site.client.get(site.url("/logout")).send().await.unwrap();
    assert_eq!(r.status(), 405);
    pages.push(("405".to_owned(), r.text().await.unwrap()));
    keep(&mut pages, "403", anon.post("/login", &[("csrf_token", "forged")]).await, 403);

    let return_to = format!("{first}#comments");
    let login_path = format!("/login?return_to={}", broadsheet_tests::browser::encode(&return_to));
    keep(&mut pages, "login", anon.get(&login_path).await, 200);
    keep(&mut pages, "login-422", anon.log_in("nobody", "not the password", &return_to).await, 422);
    // Fixed windows: if one ends midway the count restarts, hence "until".
    let mut attempts = 0;
    let too_many = loop {
        let page = anon.log_in("victim", "a wrong guess", "/").await;
        attempts += 1;
        if page.status != 422 || attempts == 12 {
            break page;
        }
    };
    keep(&mut pages, "login-429", too_many, 429);
    keep(&mut pages, "signup", anon.get("/signup").await, 200);
    keep(&mut pages, "signup-422", anon.sign_up("x!", "", "short", "/").await, 422);
    keep(
        &mut pages,
        "413",
        anon.post_raw("/signup", "application/x-www-form-urlencoded", "a=".repeat(40_000)).await,
        413,
    );

    let reader = Browser::new(&site);
    assert_eq!(
        reader.sign_up("valid_reader", "Valid Reader", "a long enough passphrase", &return_to).await.status,
        303
    );
    keep(
        &mut pages,
        "signup-409",
        Browser::new(&site).sign_up("Valid_Reader", "Again", "a long enough passphrase", "/").await,
        409,
    );
    let page = reader.get(&first).await;
    let action = format!("{first}/comments");
    let post = |body: &'static str| {
        let (reader, action, first) = (&reader, action.clone(), first.clone());
        async move {
            let page = reader.get(&first).await;
            let csrf = page.field("csrf_token").unwrap();
            let key = page.field("idempotency_key").unwrap();
            reader.post(&action, &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", body)]).await
        }
    };
    keep(&mut pages, "article-reader", page, 200);
    assert_eq!(post("First! <b>bold?</b> https://example.com/x?a=1&b=2").await.status, 303);
    assert_eq!(post("Second,\non two lines.").await.status, 303);
    keep(&mut pages, "article-comments", reader.get(&first).await, 200);
    keep(&mut pages, "comment-422", post("   ").await, 422);
    let mut posted = 2;
    let too_many = loop {
        let page = post("more").await;
        posted += 1;
        if page.status != 303 || posted == 14 {
            break page;
        }
    };
    keep(&mut pages, "comment-429", too_many, 429);
    keep(&mut pages, "front-reader", reader.get("/").await, 200);
    keep(&mut pages, "404-reader", reader.get("/nope").await, 404);

    // Conversation and moderation: a thread, an edit, a held comment, a
    // report, the moderators' pages, and the pages that keep a refused text.
    let writer = Browser::new(&site);
    assert_eq!(
        writer.sign_up("thread_writer", "Thread Writer", "a long enough passphrase", "/").await.status,
        303
    );
    let form = |b: &Browser<'_>, page: &Fetched| {
        let html = page.html();
        let field = |n: &str| {
            html.select(&sel(&format!("form#comment-form input[name={n}]")))
                .find_map(|e| e.value().attr("value"))
                .unwrap()
                .to_owned()
        };
        let _ = b;
        (field("csrf_token"), field("idempotency_key"))
    };
    let (csrf, key) = form(&writer, &writer.get(&first).await);
    let resp =
        writer.post(&action, &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "A thread")]).await;
    let top = resp.location().unwrap().rsplit_once("#comment-").unwrap().1.to_owned();
    let (_, key) = form(&writer, &writer.get(&first).await);
    let fields =
        [("csrf_token", csrf.as_str()), ("idempotency_key", &key), ("body", "A reply"), ("parent", &top)];
    assert_eq!(writer.post(&action, &fields).await.status, 303);
    keep(
        &mut pages,
        "comment-409",
        writer.post(&action, &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "Other")]).await,
        409,
    );
    let (_, key) = form(&writer, &writer.get(&first).await);
    let held = [
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", &key),
        ("body", "https://a.example https://b.example https://c.example"),
    ];
    assert_eq!(writer.post(&action, &held).await.status, 303);
    keep(&mut pages, "article-thread-held", writer.get(&first).await, 200);
    keep(&mut pages, "comment-edit", writer.get(&format!("{first}/comments/{top}/edit")).await, 200);
    keep(
        &mut pages,
        "comment-edit-422",
        writer.post(&format!("{first}/comments/{top}/edit"), &[("csrf_token", &csrf), ("body", " ")]).await,
        422,
    );
    let report = reader.get(&first).await.field("csrf_token").unwrap();
    let reported = reader
        .post(&format!("{first}/comments/{top}/report"), &[("csrf_token", &report), ("reason", "off-topic")])
        .await;
    keep(
        &mut pages,
        "article-reported",
        reader.get(reported.location().unwrap().split('#').next().unwrap()).await,
        200,
    );
    let moderator = Browser::new(&site);
    assert_eq!(
        moderator.sign_up("page_moderator", "Page Moderator", "a long enough passphrase", "/").await.status,
        303
    );
    grant_moderator(&store, "page_moderator").await;
    assert_eq!(moderator.log_out().await.status, 303);
    assert_eq!(moderator.log_in("page_moderator", "a long enough passphrase", "/").await.status, 303);
    keep(&mut pages, "article-moderator", moderator.get(&first).await, 200);
    keep(&mut pages, "moderation-queue", moderator.get("/moderation").await, 200);
    let token = moderator.get(&first).await.field("csrf_token").unwrap();
    let suspend = [("csrf_token", token.as_str()), ("days", "2"), ("reason", "Spam")];
    assert_eq!(moderator.post("/moderation/users/thread_writer/suspend", &suspend).await.status, 303);
    keep(&mut pages, "moderation-log", moderator.get("/moderation/log").await, 200);
    let (_, key) = form(&writer, &writer.get(&first).await);
    keep(
        &mut pages,
        "comment-403-suspended",
        writer.post(&action, &[("csrf_token", &csrf), ("idempotency_key", &key), ("body", "Kept")]).await,
        403,
    );

    // Feeds and the sitemap are XML.
    for path in
        ["/feed.xml", "/category/technology/feed.xml", "/authors/hattie-sorensen/feed.xml", "/sitemap.xml"]
    {
        let (status, body) = site.get_text(path).await;
        assert_eq!(status, 200, "{path}");
        let doc = roxmltree::Document::parse(&body).unwrap_or_else(|e| panic!("{path} is not XML: {e}"));
        let root = doc.root_element().tag_name().name();
        assert!(root == "feed" || root == "urlset", "{path}: <{root}>");
    }

    let started = Instant::now();
    let messages = validate_html(&pages);
    println!("Nu HTML Checker on {} pages: {:.1} s", pages.len(), started.elapsed().as_secs_f64());
    let list: Vec<String> = messages.iter().map(ToString::to_string).collect();
    assert!(
        list.is_empty(),
        "{} validator errors (documents in target/vnu/):\n{}",
        list.len(),
        list.join("\n")
    );
}
