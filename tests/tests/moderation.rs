//! End-to-end: moderation and conversation over HTTP against `broadsheet
//! serve`'s server, on both stores (docs/moderation.md): a moderator's walk
//! (report → queue → remove → log), a reader's (reply, edit, held comment),
//! a suspension, and every way a post keeps the reader's text.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::path::Path;

use broadsheet::auth::Username;
use broadsheet::domain::moderation::{Actor, Role, UserChange};
use broadsheet::store::{ArticleWriter, ModerationOutcome};
use broadsheet_cli::cli::SAMPLE_CONTENT;
use broadsheet_cli::serve::SiteStore;
use broadsheet_tests::browser::{Browser, Fetched};
use broadsheet_tests::site::TestSite;
use scraper::{Html, Selector};

const PASSWORD: &str = "correct horse battery staple";

trait Store: SiteStore + ArticleWriter {}
impl<S: SiteStore + ArticleWriter> Store for S {}

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn texts(html: &Html, css: &str) -> Vec<String> {
    html.select(&sel(css)).map(|e| e.text().collect::<String>()).collect()
}

/// The site on `store` (sample content imported), and an article to comment on.
async fn site(store: &(impl Store + Clone)) -> (TestSite, String) {
    broadsheet_cli::import::import_dir(store, Path::new(SAMPLE_CONTENT)).await.unwrap();
    let site = TestSite::start_unseeded(store.clone()).await;
    let (_, body) = site.get_text("/category/science").await;
    let html = Html::parse_document(&body);
    let href = html.select(&sel("main article h2 a")).find_map(|a| a.value().attr("href")).unwrap();
    let slug = href.strip_prefix("/articles/").unwrap().to_owned();
    (site, slug)
}

async fn reader<'a>(site: &'a TestSite, name: &str) -> Browser<'a> {
    let b = Browser::new(site);
    let resp = b.sign_up(name, &format!("Reader {name}"), PASSWORD, "/").await;
    assert_eq!(resp.status, 303, "sign-up of {name}: {}", resp.body);
    b
}

/// A reader granted the moderator role, logged in again so the session knows.
async fn moderator<'a>(site: &'a TestSite, store: &impl Store, name: &str) -> Browser<'a> {
    let b = reader(site, name).await;
    let user = Username::parse(name).unwrap();
    let now = time::OffsetDateTime::now_utc();
    let grant = store.change_user(&user, UserChange::Grant(Role::Moderator), &Actor::Operator, "", now).await;
    assert_eq!(grant.unwrap(), ModerationOutcome::Done);
    assert_eq!(b.log_out().await.status, 303);
    assert_eq!(b.log_in(name, PASSWORD, "/").await.status, 303);
    b
}

/// The main comment form's hidden fields: (csrf_token, idempotency_key).
fn comment_form(page: &Fetched) -> (String, String) {
    let html = page.html();
    let field = |name: &str| {
        html.select(&sel(&format!("form#comment-form input[name=\"{name}\"]")))
            .find_map(|e| e.value().attr("value"))
            .unwrap_or_else(|| panic!("no {name} in the comment form"))
            .to_owned()
    };
    (field("csrf_token"), field("idempotency_key"))
}

/// Posts `body` (a reply when `parent` is set) from a fresh article page;
/// returns the answer.
async fn post(b: &Browser<'_>, slug: &str, body: &str, parent: Option<&str>) -> Fetched {
    let page = b.get(&format!("/articles/{slug}")).await;
    let (csrf, key) = comment_form(&page);
    let mut fields = vec![("csrf_token", csrf.as_str()), ("idempotency_key", key.as_str()), ("body", body)];
    if let Some(p) = parent {
        fields.push(("parent", p));
    }
    b.post(&format!("/articles/{slug}/comments"), &fields).await
}

/// The comment reference a successful post redirects to.
fn posted(resp: &Fetched, slug: &str) -> String {
    assert_eq!(resp.status, 303, "post answered {}: {}", resp.status, resp.body);
    let location = resp.location().unwrap();
    location.strip_prefix(&format!("/articles/{slug}#comment-")).unwrap().to_owned()
}

/// The session's CSRF token, from any page with a logged-in form.
async fn csrf(b: &Browser<'_>, slug: &str) -> String {
    comment_form(&b.get(&format!("/articles/{slug}")).await).0
}

fn count(page: &Fetched) -> String {
    texts(&page.html(), "h2#comments-heading").concat()
}

// ---------------------------------------------------------------------------

async fn a_moderator_works_the_queue(store: impl Store + Clone) {
    let (site, slug) = site(&store).await;
    let ann = reader(&site, "ann_a").await;
    let bob = reader(&site, "bob_b").await;
    let id = posted(&post(&ann, &slug, "Buy my thing, it is great", None).await, &slug);
    let report = format!("/articles/{slug}/comments/{id}/report");

    // A reader reports it and lands back on it with a confirmation; twice is once.
    let token = csrf(&bob, &slug).await;
    for _ in 0..2 {
        let resp = bob.post(&report, &[("csrf_token", &token), ("reason", "spam")]).await;
        assert_eq!(resp.status, 303, "{}", resp.body);
        let back = resp.location().unwrap().to_owned();
        assert_eq!(back, format!("/articles/{slug}?reported={id}#comment-{id}"));
        let page = bob.get(back.split('#').next().unwrap()).await;
        assert!(texts(&page.html(), "p.notice[role=status]").concat().contains("A moderator will look"));
    }
    let own = ann.post(&report, &[("csrf_token", &csrf(&ann, &slug).await)]).await;
    assert_eq!(own.status, 403, "authors cannot report themselves");
    let bad = bob.post(&report, &[("csrf_token", &token), ("reason", "because")]).await;
    assert_eq!(bad.status, 400, "an unknown reason");

    // Only moderators see the queue; everyone else gets the ordinary 404.
    assert_eq!(site.get("/moderation").await.status().as_u16(), 404);
    assert_eq!(bob.get("/moderation").await.status, 404);
    assert_eq!(bob.get("/moderation/log").await.status, 404);
    let mona = moderator(&site, &store, "mona_m").await;
    let queue = mona.get("/moderation").await;
    assert_eq!(queue.status, 200);
    assert_eq!(queue.header("cache-control"), Some("private, no-store"));
    let html = queue.html();
    let entry = texts(&html, "ol.queue > li").concat();
    assert!(entry.contains("Buy my thing") && entry.contains("@ann_a"), "{entry}");
    assert!(entry.contains("Reported 1 time: Spam"), "{entry}");

    // A removal needs a reason; then the comment leaves the page and the count.
    let mtoken = csrf(&mona, &slug).await;
    let remove = format!("/articles/{slug}/comments/{id}/remove");
    let refused =
        mona.post(&remove, &[("csrf_token", &mtoken), ("reason", " "), ("return_to", "/moderation")]).await;
    assert_eq!(refused.status, 400);
    assert_eq!(
        bob.post(&remove, &[("csrf_token", &token), ("reason", "x")]).await.status,
        404,
        "not a moderator"
    );
    let done = mona
        .post(&remove, &[("csrf_token", &mtoken), ("reason", "advertising"), ("return_to", "/moderation")])
        .await;
    assert_eq!((done.status, done.location()), (303, Some("/moderation?done=removed")));
    let queue = mona.get("/moderation?done=removed").await;
    assert!(queue.body.contains("Comment removed.") && queue.body.contains("Nothing is waiting for review."));
    let page = site.get_text(&format!("/articles/{slug}")).await.1;
    assert!(!page.contains("Buy my thing"));
    let again = mona
        .post(&remove, &[("csrf_token", &mtoken), ("reason", "again"), ("return_to", "/moderation")])
        .await;
    assert_eq!(again.location(), Some("/moderation?done=gone"), "the second removal finds nothing");
    let log = mona.get("/moderation/log").await;
    let rows = texts(&log.html(), "table.log tbody tr");
    assert_eq!(rows.len(), 2, "the grant and the removal: {rows:?}");
    assert!(
        rows[0].contains("@mona_m") && rows[0].contains("removed comment") && rows[0].contains("advertising")
    );

    // A revoked moderator is a reader again at once, session or not.
    let (mona_m, now) = (Username::parse("mona_m").unwrap(), time::OffsetDateTime::now_utc());
    let revoke =
        store.change_user(&mona_m, UserChange::Revoke(Role::Moderator), &Actor::Operator, "", now).await;
    assert_eq!(revoke.unwrap(), ModerationOutcome::Done);
    assert_eq!(mona.get("/moderation").await.status, 404);
}

async fn readers_reply_edit_and_wait_for_review(store: impl Store + Clone) {
    let (site, slug) = site(&store).await;
    let ann = reader(&site, "ann_a").await;
    let bob = reader(&site, "bob_b").await;
    let top = posted(&post(&ann, &slug, "The tides are fascinating", None).await, &slug);
    let r1 = posted(&post(&bob, &slug, "Agreed, thanks", Some(&top)).await, &slug);
    assert!(r1.starts_with(&format!("{top}-")), "a reply lives under its parent: {r1}");
    // A reply to a reply attaches to the top-level comment.
    let r2 = posted(&post(&ann, &slug, "You're welcome", Some(&r1)).await, &slug);
    assert!(r2.starts_with(&format!("{top}-")), "{r2}");
    let page = site.get_text(&format!("/articles/{slug}")).await.1;
    let html = Html::parse_document(&page);
    let replies: Vec<_> = html
        .select(&sel(&format!("li#comment-{top} ol.replies > li")))
        .filter_map(|li| li.value().id().map(str::to_owned))
        .collect();
    assert_eq!(replies, [format!("comment-{r1}"), format!("comment-{r2}")]);
    assert!(page.contains("Comments (3)"), "replies count");
    assert!(page.contains("@bob_b"), "handles are shown");

    // The author edits within the window; nobody else can.
    let edit = format!("/articles/{slug}/comments/{top}/edit");
    let form = ann.get(&edit).await;
    assert_eq!(form.status, 200);
    assert!(texts(&form.html(), "textarea#edit-body").concat().contains("The tides are fascinating"));
    assert_eq!(bob.get(&edit).await.status, 403);
    let token = csrf(&ann, &slug).await;
    let empty = ann.post(&edit, &[("csrf_token", &token), ("body", "  ")]).await;
    assert_eq!(empty.status, 422);
    let done = ann.post(&edit, &[("csrf_token", &token), ("body", "The tides are truly fascinating")]).await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = site.get_text(&format!("/articles/{slug}")).await.1;
    assert!(page.contains("truly fascinating") && page.contains(">edited<"));

    // Three links: held for review, shown only to its author (and moderators), not counted.
    let spam = "see https://a.example https://b.example https://c.example";
    let held = posted(&post(&bob, &slug, spam, None).await, &slug);
    let mine = bob.get(&format!("/articles/{slug}")).await;
    assert!(mine.body.contains("Awaiting review") && mine.body.contains("https://c.example"));
    assert!(count(&mine).contains("(3)"), "not counted: {}", count(&mine));
    let theirs = ann.get(&format!("/articles/{slug}")).await;
    assert!(!theirs.body.contains("https://c.example"), "hidden from other readers");
    assert!(!site.get_text(&format!("/articles/{slug}")).await.1.contains("https://c.example"));
    let mona = moderator(&site, &store, "mona_m").await;
    let queue = mona.get("/moderation").await;
    assert!(queue.body.contains("Held for review") && queue.body.contains("https://c.example"));
    let approve = format!("/moderation/comments/{slug}/{held}/approve");
    let resp = mona.post(&approve, &[("csrf_token", &csrf(&mona, &slug).await)]).await;
    assert_eq!((resp.status, resp.location()), (303, Some("/moderation?done=approved")));
    let page = site.get_text(&format!("/articles/{slug}")).await.1;
    assert!(page.contains("https://c.example") && page.contains("Comments (4)"));
}

async fn a_suspended_reader_reads_but_cannot_write(store: impl Store + Clone) {
    let (site, slug) = site(&store).await;
    let ann = reader(&site, "ann_a").await;
    let mine = posted(&post(&ann, &slug, "Before the suspension", None).await, &slug);
    let bob = reader(&site, "bob_b").await;
    let theirs = posted(&post(&bob, &slug, "Bob's view", None).await, &slug);
    let mona = moderator(&site, &store, "mona_m").await;
    let token = csrf(&mona, &slug).await;
    let suspend = "/moderation/users/ann_a/suspend";
    assert_eq!(mona.post(suspend, &[("csrf_token", &token), ("days", "0")]).await.status, 400);
    assert_eq!(
        mona.post("/moderation/users/nobody_here/suspend", &[("csrf_token", &token)]).await.status,
        404
    );
    assert_eq!(mona.post("/moderation/users/mona_m/suspend", &[("csrf_token", &token)]).await.status, 403);
    let resp = mona.post(suspend, &[("csrf_token", &token), ("days", "2"), ("reason", "abuse")]).await;
    assert_eq!((resp.status, resp.location()), (303, Some("/moderation?done=suspended")));

    // Reads and logs in as before …
    assert_eq!(ann.get(&format!("/articles/{slug}")).await.status, 200);
    // … but a post answers 403 with the text kept.
    let refused = post(&ann, &slug, "My unpublished words", None).await;
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("Your account is suspended"));
    assert!(texts(&refused.html(), "textarea#comment-body").concat().contains("My unpublished words"));
    let token = csrf(&ann, &slug).await;
    let report =
        ann.post(&format!("/articles/{slug}/comments/{theirs}/report"), &[("csrf_token", &token)]).await;
    assert_eq!(report.status, 403);
    let edit = ann
        .post(
            &format!("/articles/{slug}/comments/{mine}/edit"),
            &[("csrf_token", &token), ("body", "Edited words")],
        )
        .await;
    assert_eq!(edit.status, 403);
    assert!(texts(&edit.html(), "textarea#edit-body").concat().contains("Edited words"), "the edit is kept");
    let log = mona.get("/moderation/log").await;
    assert!(log.body.contains("suspended") && log.body.contains("abuse"));
}

async fn every_refused_post_keeps_the_text(store: impl Store + Clone) {
    let (site, slug) = site(&store).await;
    let ann = reader(&site, "ann_a").await;
    let page = ann.get(&format!("/articles/{slug}")).await;
    let (token, key) = comment_form(&page);
    let path = format!("/articles/{slug}/comments");

    // The form's key already posted another text: a conflict, text kept, fresh key.
    assert_eq!(
        ann.post(&path, &[("csrf_token", &token), ("idempotency_key", &key), ("body", "First")]).await.status,
        303
    );
    let reused =
        ann.post(&path, &[("csrf_token", &token), ("idempotency_key", &key), ("body", "Second")]).await;
    assert_eq!(reused.status, 409);
    let (_, fresh) = comment_form(&reused);
    assert_ne!(fresh, key);
    assert!(texts(&reused.html(), "textarea#comment-body").concat().contains("Second"));

    // A form from before the reader last logged in: the text back with this session's token.
    assert_eq!(ann.log_out().await.status, 303);
    assert_eq!(ann.log_in("ann_a", PASSWORD, "/").await.status, 303);
    let stale =
        ann.post(&path, &[("csrf_token", &token), ("idempotency_key", &fresh), ("body", "Third")]).await;
    assert_eq!(stale.status, 403);
    let (new_token, same_key) = comment_form(&stale);
    assert_ne!(new_token, token);
    assert_eq!(same_key, fresh);
    assert!(texts(&stale.html(), "textarea#comment-body").concat().contains("Third"));
    let ok = ann
        .post(&path, &[("csrf_token", &new_token), ("idempotency_key", &same_key), ("body", "Third")])
        .await;
    assert_eq!(ok.status, 303, "posting the re-shown form works");

    // A session that ended while writing: the text, and a way to log in.
    ann.set_cookie(broadsheet::auth::session::SESSION_COOKIE, Some("ended-session-token"));
    let lost = ann
        .post(&path, &[("csrf_token", &new_token), ("idempotency_key", &same_key), ("body", "Fourth")])
        .await;
    assert_eq!(lost.status, 403);
    assert!(lost.body.contains("Log in to post your comment"));
    assert!(texts(&lost.html(), "textarea#comment-body").concat().contains("Fourth"));
    // Without any session cookie it is the login redirect, as before.
    ann.set_cookie(broadsheet::auth::session::SESSION_COOKIE, None);
    assert_eq!(ann.post(&path, &[("body", "x")]).await.status, 303);
}

async fn names_cannot_hide_behind_invisible_characters(store: impl Store + Clone) {
    let (site, _) = site(&store).await;
    let b = Browser::new(&site);
    let resp = b.sign_up("mallory", "Adm\u{200b}in", PASSWORD, "/").await;
    assert_eq!(resp.status, 422);
    assert!(resp.body.contains("invisible formatting characters"));
}

broadsheet_testkit::on_both_stores!(store:
    a_moderator_works_the_queue,
    readers_reply_edit_and_wait_for_review,
    a_suspended_reader_reads_but_cannot_write,
    every_refused_post_keeps_the_text,
    names_cannot_hide_behind_invisible_characters,
);
