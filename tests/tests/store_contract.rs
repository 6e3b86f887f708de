//! The storage contract, written once and run against both stores.
//!
//! Every test below is a generic `async fn` over a [`Store`]; the
//! `contract_tests!` macro at the bottom instantiates each one twice, as
//! `memory::<name>` (a fresh `MemoryStore`) and `dynamo::<name>` (a fresh
//! table on the moto server; see `broadsheet_testkit::dynamo`). Run with:
//!
//! ```sh
//! bash scripts/with-moto.sh cargo test -p broadsheet-tests --test store_contract
//! ```
//!
//! Times are fixed (`datetime!`), never `now()`, so results do not depend on
//! when or how fast the suite runs. Every test runs on a two-thread runtime,
//! so the concurrency tests (`tokio::spawn`ed writers racing for one
//! username, counter or article) race for real on both stores.

use std::collections::{BTreeMap, HashSet};
use std::future::Future;

use broadsheet::auth::{CsrfToken, DisplayName, IdempotencyKey, PasswordHash, TokenHash, Username, Window};
use broadsheet::domain::{
    ArticleSummary, Category, Comment, CommentId, CommentRef, ListingPosition, NewArticle, SanitizedHtml,
    Slug,
};
use broadsheet::store::dynamo::DynamoStore;
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{
    Allowance, ArticleLister, ArticleReader, ArticleWriter, CommentWriter, DeleteOutcome, PostOutcome,
    PutOutcome, RateLimiter, ReadBatch, Session, Sessions, StoreError, TrendingAggregator, TrendingReader,
    User, Users,
};
use broadsheet_cli::serve::SiteStore;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// Seeding comments (sample data, tests of the reading side): each store's
/// inherent `seed_comment`, wrapped. Readers' comments go through
/// [`CommentWriter`], tested below.
trait SeedComments {
    fn seed(&self, slug: &Slug, comment: Comment) -> impl Future<Output = Result<(), StoreError>>;
}

impl SeedComments for MemoryStore {
    fn seed(&self, slug: &Slug, comment: Comment) -> impl Future<Output = Result<(), StoreError>> {
        self.seed_comment(slug, comment)
    }
}

impl SeedComments for DynamoStore {
    fn seed(&self, slug: &Slug, comment: Comment) -> impl Future<Output = Result<(), StoreError>> {
        self.seed_comment(slug, comment)
    }
}

/// Everything a store must do: all the site asks of it (the local server's
/// [`SiteStore`], which names every function's needs), plus writing articles
/// (import) and seeding comments. `Clone + 'static` (part of `SiteStore`) so
/// concurrency tests can hand a clone (sharing the same data) to each
/// spawned task.
trait Store: SiteStore + ArticleWriter + SeedComments {}
impl<S: SiteStore + ArticleWriter + SeedComments> Store for S {}

// ---- fixtures ------------------------------------------------------------

const T0: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
/// "Now" for listings: after every article the suite publishes, so none is scheduled.
const NOW: OffsetDateTime = datetime!(2030-01-01 00:00 UTC);

fn slug(s: &str) -> Slug {
    Slug::parse(s).expect("test slug")
}

fn article(s: &str, category: Category, published_at: OffsetDateTime) -> NewArticle {
    NewArticle {
        slug: slug(s),
        title: format!("Title of {s}"),
        category,
        author: "Ada Lovelace".into(),
        published_at,
        summary: format!("Summary of {s}"),
        body_html: SanitizedHtml::from_sanitized(format!("<p>Body of <em>{s}</em></p>")),
        words: 3,
        correction: None,
        source: format!("{s}.md"),
        unpublished: false,
    }
}

fn comment(n: i64) -> Comment {
    let created_at = T0 + Duration::minutes(n);
    Comment {
        id: CommentId::new_at(created_at),
        author: username(&format!("reader{n}")),
        author_name: format!("Reader {n}"),
        body: format!("Comment {n}\nsecond line"),
        created_at,
        parent: None,
        edited_at: None,
        held: false,
        removed: None,
        replies: 0,
    }
}

async fn put(store: &impl Store, a: &NewArticle) -> ArticleSummary {
    store.put_article(a, T0).await.expect("put_article");
    read(store, &a.slug).await
}

async fn read(store: &impl Store, slug: &Slug) -> ArticleSummary {
    store.article_page(slug, None, 0).await.expect("article_page").expect("article exists").article.summary
}

/// Posts `c` with `key` and `allowance`, and returns what the store did.
async fn post(
    store: &impl Store,
    s: &Slug,
    c: &Comment,
    key: &IdempotencyKey,
    allowance: &Allowance,
) -> PostOutcome {
    store.post_comment(s, c, key, allowance).await.expect("post")
}

async fn slugs(store: &impl Store, category: Option<Category>, limit: usize) -> Vec<String> {
    let page = store.list_articles(category, None, limit, NOW).await.expect("list_articles");
    page.items.iter().map(|a| a.slug.to_string()).collect()
}

/// Walks a listing page by page, checking that `next` is set on every page
/// but the last, and returns the pages' slugs.
async fn walk(store: &impl Store, category: Option<Category>, size: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut after: Option<ListingPosition> = None;
    loop {
        let page = store.list_articles(category, after.as_ref(), size, NOW).await.expect("list_articles");
        assert!(page.items.len() <= size, "page longer than {size}");
        let slugs: Vec<String> = page.items.iter().map(|a| a.slug.to_string()).collect();
        match page.next {
            Some(next) => {
                assert_eq!(page.items.len(), size, "a page with a `next` must be full");
                assert_eq!(Some(&next), page.items.last().map(ArticleSummary::position).as_ref());
                pages.push(slugs);
                after = Some(next);
            }
            None => {
                pages.push(slugs);
                return pages;
            }
        }
        assert!(pages.len() <= 100, "pagination does not end");
    }
}

async fn comment_pages(store: &impl Store, s: &Slug, size: usize) -> Vec<Vec<CommentId>> {
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store.article_page(s, after, size).await.expect("article_page").expect("article exists");
        let ids: Vec<CommentId> = page.comments.items.iter().map(|c| c.id).collect();
        assert!(ids.len() <= size);
        pages.push(ids);
        match page.comments.next {
            Some(next) => {
                assert_eq!(page.comments.items.len(), size, "a page with a `next` must be full");
                assert_eq!(Some(next), page.comments.items.last().map(|c| c.id));
                after = Some(next);
            }
            None => return pages,
        }
        assert!(pages.len() <= 100, "pagination does not end");
    }
}

// ---- articles ------------------------------------------------------------

async fn put_and_get_article_with_body(store: impl Store) {
    let mut a =
        article("rust-on-lambda", Category::Technology, datetime!(2026-03-01 13:00:00.123456789 +01:00));
    a.title = "Rust on Lambda — “fast” & <small> 🚀".into();
    a.summary = String::new();
    a.words = 1234;
    assert_eq!(store.put_article(&a, T0).await.expect("put"), PutOutcome::Created);

    let page = store.article_page(&a.slug, None, 50).await.expect("read").expect("found");
    let got = &page.article;
    assert_eq!(got.summary.slug, a.slug);
    assert_eq!(got.summary.title, a.title);
    assert_eq!(got.summary.category, a.category);
    assert_eq!(got.summary.author, a.author);
    assert_eq!(got.summary.published_at, a.published_at);
    assert_eq!(got.summary.published_at.offset(), time::UtcOffset::UTC, "times come back in UTC");
    assert_eq!(got.summary.summary, "");
    assert_eq!(got.summary.comment_count, 0);
    assert_eq!(got.summary.words, 1234, "the reading time's word count is kept");
    assert_eq!(got.body_html, a.body_html);
    assert!(page.comments.items.is_empty());
    assert_eq!(page.comments.next, None);

    let listed = store.list_articles(None, None, 20, NOW).await.expect("list").items;
    assert_eq!(listed, vec![got.summary.clone()], "the listing shows the same summary");
}

async fn put_is_idempotent_and_update_keeps_comment_count(store: impl Store) {
    let mut a = article("budget", Category::Business, T0);
    assert_eq!(store.put_article(&a, T0).await.expect("put"), PutOutcome::Created);
    assert_eq!(store.put_article(&a, T0).await.expect("put"), PutOutcome::Unchanged);

    store.seed(&a.slug, comment(1)).await.expect("seed");
    store.seed(&a.slug, comment(2)).await.expect("seed");
    assert_eq!(store.put_article(&a, T0).await.expect("put"), PutOutcome::Unchanged);

    a.title = "Budget, revised".into();
    a.body_html = SanitizedHtml::from_sanitized("<p>New body</p>".into());
    assert_eq!(store.put_article(&a, T0).await.expect("put"), PutOutcome::Updated);
    assert_eq!(store.put_article(&a, T0).await.expect("put"), PutOutcome::Unchanged);

    a.words = 900;
    assert_eq!(
        store.put_article(&a, T0).await.expect("put"),
        PutOutcome::Updated,
        "a new word count is a change"
    );

    let page = store.article_page(&a.slug, None, 50).await.expect("read").expect("found");
    assert_eq!(page.article.summary.title, "Budget, revised");
    assert_eq!(page.article.summary.words, 900);
    assert_eq!(page.article.body_html.as_str(), "<p>New body</p>");
    assert_eq!(page.article.summary.comment_count, 2, "an update keeps the comment count");
    assert_eq!(page.comments.items.len(), 2, "an update keeps the comments");
    let listed = store.list_articles(None, None, 20, NOW).await.expect("list").items;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].comment_count, 2);
    assert_eq!(listed[0].title, "Budget, revised");
}

async fn update_moves_article_between_listings(store: impl Store) {
    let mut a = article("moving", Category::Health, T0);
    put(&store, &a).await;
    put(&store, &article("stays", Category::Health, T0 + Duration::hours(1))).await;
    a.category = Category::Science;
    a.published_at = T0 + Duration::hours(2);
    assert_eq!(store.put_article(&a, T0).await.expect("put"), PutOutcome::Updated);
    assert_eq!(slugs(&store, Some(Category::Health), 20).await, ["stays"]);
    assert_eq!(slugs(&store, Some(Category::Science), 20).await, ["moving"]);
    assert_eq!(slugs(&store, None, 20).await, ["moving", "stays"], "no stale copy in the front page");
}

async fn has_articles_tells_empty_from_seeded(store: impl Store) {
    assert!(!store.has_articles().await.expect("has_articles"));
    put(&store, &article("first", Category::Blog, T0)).await;
    assert!(store.has_articles().await.expect("has_articles"));
}

// ---- listings ------------------------------------------------------------

async fn listing_is_newest_first_with_ties_by_slug_descending(store: impl Store) {
    for a in [
        article("b", Category::Sports, T0),
        article("older", Category::Sports, T0 - Duration::nanoseconds(1)),
        article("a", Category::Opinion, T0),
        article("newest", Category::WorldNews, T0 + Duration::days(3)),
        article("a-b", Category::Sports, T0),
        article("c", Category::Opinion, T0),
    ] {
        put(&store, &a).await;
    }
    assert_eq!(slugs(&store, None, 20).await, ["newest", "c", "b", "a-b", "a", "older"]);
    assert_eq!(slugs(&store, None, 2).await, ["newest", "c"]);
}

async fn category_filter_lists_only_that_category(store: impl Store) {
    for (i, c) in [Category::Science, Category::Sports, Category::Science, Category::NewsAnalysis]
        .into_iter()
        .enumerate()
    {
        put(&store, &article(&format!("story-{i}"), c, T0 + Duration::hours(i as i64))).await;
    }
    assert_eq!(slugs(&store, Some(Category::Science), 20).await, ["story-2", "story-0"]);
    assert_eq!(slugs(&store, Some(Category::NewsAnalysis), 20).await, ["story-3"]);
    let empty = store.list_articles(Some(Category::Lifestyle), None, 20, NOW).await.expect("list");
    assert!(empty.items.is_empty());
    assert_eq!(empty.next, None);
}

async fn pagination_has_no_repeats_or_gaps(store: impl Store) {
    // 9 articles with ties: 9 is a multiple of 1 and 3 (the last page is
    // full and still has no `next`) and less than 20 (one page).
    let mut expected = Vec::new();
    for i in 0..9 {
        let a = article(&format!("p{i}"), Category::Environment, T0 + Duration::minutes(i / 2));
        put(&store, &a).await;
        expected.push(a);
    }
    put(&store, &article("elsewhere", Category::Blog, T0)).await;
    expected.sort_by(|x, y| (y.published_at, &y.slug).cmp(&(x.published_at, &x.slug)));
    let expected: Vec<String> = expected.iter().map(|a| a.slug.to_string()).collect();

    for size in [1, 3, 20] {
        let pages = walk(&store, Some(Category::Environment), size).await;
        assert_eq!(pages.len(), 9usize.div_ceil(size), "page count for size {size}: {pages:?}");
        assert_eq!(pages.concat(), expected, "size {size}");
    }
    for size in [1, 3, 4, 20] {
        let pages = walk(&store, None, size).await;
        assert_eq!(pages.len(), 10usize.div_ceil(size), "front page count for size {size}: {pages:?}");
        let all = pages.concat();
        assert_eq!(all.len(), 10);
        assert_eq!(all.iter().collect::<HashSet<_>>().len(), 10, "no repeats: {all:?}");
    }
}

async fn empty_listing_has_no_next(store: impl Store) {
    let page = store.list_articles(None, None, 20, NOW).await.expect("list");
    assert!(page.items.is_empty());
    assert_eq!(page.next, None);
}

// ---- article pages and comments ---------------------------------------

async fn unknown_article_is_none(store: impl Store) {
    put(&store, &article("known", Category::Blog, T0)).await;
    assert!(store.article_page(&slug("unknown"), None, 50).await.expect("read").is_none());
    let after = Some(comment(1).id);
    assert!(store.article_page(&slug("unknown"), after, 50).await.expect("read").is_none());
    assert!(store.article_page(&slug("know"), None, 50).await.expect("read").is_none());
}

async fn comments_come_oldest_first_in_pages(store: impl Store) {
    let a = article("discussed", Category::Opinion, T0);
    put(&store, &a).await;
    // Another article whose partition must not leak in.
    let other = article("discussed-too", Category::Opinion, T0);
    put(&store, &other).await;
    store.seed(&other.slug, comment(100)).await.expect("seed");

    let comments: Vec<Comment> = (0..7).map(comment).collect();
    for i in [3, 0, 6, 1, 5, 2, 4] {
        store.seed(&a.slug, comments[i].clone()).await.expect("seed");
    }
    let ids: Vec<CommentId> = comments.iter().map(|c| c.id).collect();

    let first = store.article_page(&a.slug, None, 50).await.expect("read").expect("found");
    assert_eq!(first.article.summary.comment_count, 7);
    assert_eq!(first.comments.items, comments, "all fields, oldest first");
    assert_eq!(first.comments.next, None);

    for size in [1, 3, 7] {
        let pages = comment_pages(&store, &a.slug, size).await;
        assert_eq!(pages.len(), 7usize.div_ceil(size), "page count for size {size}");
        assert_eq!(pages.concat(), ids, "size {size}");
    }

    // After a comment that no longer exists: continue from its place.
    let between = CommentId::new_at(comments[2].created_at + Duration::seconds(30));
    let page = store.article_page(&a.slug, Some(between), 2).await.expect("read").expect("found");
    assert_eq!(page.comments.items.iter().map(|c| c.id).collect::<Vec<_>>(), ids[3..5]);
    assert_eq!(page.comments.next, Some(ids[4]));
    // After the last one: an empty page, the article still there.
    let page = store.article_page(&a.slug, Some(ids[6]), 3).await.expect("read").expect("found");
    assert!(page.comments.items.is_empty());
    assert_eq!(page.comments.next, None);
    assert_eq!(page.article.summary.title, a.title);
}

async fn seeding_a_comment_twice_counts_once(store: impl Store) {
    let a = article("seeded", Category::Blog, T0);
    put(&store, &a).await;
    let c = comment(1);
    store.seed(&a.slug, c.clone()).await.expect("seed");
    store.seed(&a.slug, c).await.expect("seed again");
    let page = store.article_page(&a.slug, None, 50).await.expect("read").expect("found");
    assert_eq!(page.article.summary.comment_count, 1);
    assert_eq!(page.comments.items.len(), 1);
    let err = store.seed(&slug("missing"), comment(2)).await.expect_err("no such article");
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

// ---- trending ----------------------------------------------------------

/// `n` reads of `article` counted by one beacon environment and flushed at `at`.
async fn reads(store: &impl Store, article: &ArticleSummary, at: OffsetDateTime, n: u64) {
    let batch = ReadBatch::new(at, BTreeMap::from([(article.slug.clone(), n)]));
    store.add_reads(&batch).await.expect("add_reads");
}

async fn ranked(store: &impl Store, limit: usize) -> Vec<(String, u64)> {
    let trending = store.trending(limit).await.expect("trending");
    trending.iter().map(|t| (t.article.slug.to_string(), t.reads)).collect()
}

fn pairs(p: &[(&str, u64)]) -> Vec<(String, u64)> {
    p.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect()
}

async fn trending_counts_reads_in_the_window(store: impl Store) {
    let now = datetime!(2026-03-10 18:30 UTC);
    let a = put(&store, &article("a", Category::Science, T0)).await;
    let b = put(&store, &article("b", Category::Science, T0 + Duration::hours(1))).await;
    let c = put(&store, &article("c", Category::Sports, T0)).await;
    let old = put(&store, &article("old", Category::Sports, T0)).await;
    assert!(store.trending(20).await.expect("trending").is_empty(), "nothing ranked yet");

    // a: 3 reads spread over the window, the oldest in its first hour.
    reads(&store, &a, datetime!(2026-03-08 19:00 UTC), 1).await;
    reads(&store, &a, now - Duration::hours(5), 1).await;
    reads(&store, &a, now - Duration::minutes(1), 1).await;
    // b: 3 reads in three batches, published later than a: ranks above a on the tie.
    for _ in 0..3 {
        reads(&store, &b, now - Duration::minutes(20), 1).await;
    }
    // c: 2 reads in the window, 1 just before it.
    reads(&store, &c, now - Duration::hours(1), 1).await;
    reads(&store, &c, now - Duration::hours(47), 1).await;
    reads(&store, &c, datetime!(2026-03-08 18:59:59 UTC), 1).await;
    // old: many reads, all before the window.
    reads(&store, &old, now - Duration::hours(49), 5).await;
    // Flushed within the last few seconds: not folded yet (another flush
    // may still be in flight), counted by the next run.
    reads(&store, &a, now - Duration::seconds(2), 7).await;

    let done = store.refresh_trending(now).await.expect("refresh");
    assert_eq!((done.batches, done.reads, done.ranked), (10, 14, 3));
    assert_eq!(ranked(&store, 20).await, pairs(&[("b", 3), ("a", 3), ("c", 2)]));
    assert_eq!(store.trending(20).await.expect("trending")[0].article, b, "the ranking carries the summary");
    assert_eq!(ranked(&store, 2).await, pairs(&[("b", 3), ("a", 3)]));

    // A second run folds only what is new: nothing is counted twice.
    let again = store.refresh_trending(now + Duration::seconds(20)).await.expect("refresh");
    assert_eq!((again.batches, again.reads), (1, 7));
    assert_eq!(ranked(&store, 20).await, pairs(&[("a", 10), ("b", 3), ("c", 2)]));

    // An hour later the window has moved past the reads of its first hour.
    store.refresh_trending(now + Duration::hours(1)).await.expect("refresh");
    assert_eq!(ranked(&store, 20).await, pairs(&[("a", 9), ("b", 3), ("c", 1)]));
    // Three days later nothing is left in it.
    store.refresh_trending(now + Duration::days(3)).await.expect("refresh");
    assert!(store.trending(20).await.expect("trending").is_empty());
}

async fn trending_shows_the_article_as_it_is_now(store: impl Store) {
    let now = datetime!(2026-03-10 18:30 UTC);
    let mut new = article("a", Category::Science, T0);
    let a = put(&store, &new).await;
    reads(&store, &a, now - Duration::hours(3), 3).await;
    new.title = "Updated title".into();
    store.put_article(&new, T0 + Duration::days(1)).await.expect("update");
    store.seed(&a.slug, comment(1)).await.expect("seed");
    // Reads of slugs no article has (the beacon counts any valid slug) and
    // of a scheduled article are never ranked.
    let scheduled = put(&store, &article("later", Category::Science, now + Duration::days(1))).await;
    reads(&store, &scheduled, now - Duration::hours(1), 9).await;
    let ghost = ArticleSummary { slug: slug("no-such-article"), ..a.clone() };
    reads(&store, &ghost, now - Duration::hours(1), 9).await;

    store.refresh_trending(now).await.expect("refresh");
    let trending = store.trending(20).await.expect("trending");
    assert_eq!(trending.len(), 1);
    assert_eq!(trending[0].reads, 3);
    assert_eq!(trending[0].article, read(&store, &a.slug).await);
    assert_eq!(trending[0].article.title, "Updated title");
    assert_eq!(trending[0].article.comment_count, 1);
}

async fn concurrent_runs_count_each_batch_once(store: impl Store) {
    let now = datetime!(2026-03-10 18:30 UTC);
    let a = put(&store, &article("a", Category::Science, T0)).await;
    for i in 0..40 {
        reads(&store, &a, now - Duration::seconds(30 + i), 1).await;
    }
    let (x, y) = tokio::join!(store.refresh_trending(now), store.refresh_trending(now));
    let (x, y) = (x.expect("refresh"), y.expect("refresh"));
    assert_eq!(x.reads + y.reads, 40, "every batch claimed by exactly one run: {x:?} {y:?}");
    store.refresh_trending(now).await.expect("refresh");
    assert_eq!(ranked(&store, 20).await, pairs(&[("a", 40)]));
}

// ---- accounts ------------------------------------------------------------

/// A valid Argon2id PHC string (the store never verifies it, only keeps it).
const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

fn username(s: &str) -> Username {
    Username::parse(s).expect("test username")
}

fn user(name: &str, display: &str) -> User {
    User {
        username: username(name),
        display_name: DisplayName::parse(display).expect("test display name"),
        password_hash: PasswordHash::from_phc(PHC.into()).expect("test hash"),
        created_at: datetime!(2026-03-01 13:00:00.123456789 +01:00),
        moderator: false,
        suspended_until: None,
    }
}

async fn users_are_unique_case_insensitively(store: impl Store) {
    let alice = user("alice", "Alice Liddell");
    assert!(store.create_user(&alice).await.expect("create"), "a new name is free");

    let found = store.find_user(&username("alice")).await.expect("find").expect("found");
    assert_eq!(found, alice);
    assert_eq!(found.created_at.offset(), time::UtcOffset::UTC, "times come back in UTC");
    assert_eq!(found.password_hash.as_str(), PHC);

    // "ALICE" parses to the canonical "alice": the same account, so taken,
    // and the first account is left exactly as it was.
    let shouting = user("ALICE", "Impostor");
    assert!(!store.create_user(&shouting).await.expect("create"), "taken in any case");
    let found = store.find_user(&username("Alice")).await.expect("find").expect("found");
    assert_eq!(found.display_name.as_str(), "Alice Liddell");

    assert_eq!(store.find_user(&username("bob")).await.expect("find"), None);
    assert!(store.create_user(&user("alice2", "Another Alice")).await.expect("create"));
}

async fn concurrent_sign_ups_have_one_winner(store: impl Store) {
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move { store.create_user(&user("racer", &format!("Racer {i}"))).await })
        })
        .collect();
    let mut winners = Vec::new();
    for (i, task) in tasks.into_iter().enumerate() {
        if task.await.expect("task").expect("create") {
            winners.push(format!("Racer {i}"));
        }
    }
    assert_eq!(winners.len(), 1, "exactly one sign-up wins: {winners:?}");
    let found = store.find_user(&username("racer")).await.expect("find").expect("found");
    assert_eq!(found.display_name.as_str(), winners[0], "the winner's account is the one stored");
}

// ---- sessions ------------------------------------------------------------

fn token_hash(n: u64) -> TokenHash {
    TokenHash::from_hex(&format!("{n:064x}")).expect("test token hash")
}

fn session(n: u64, expires_at: OffsetDateTime) -> Session {
    Session {
        token_hash: token_hash(n),
        username: username("alice"),
        display_name: DisplayName::parse("Alice").expect("display name"),
        csrf_token: CsrfToken::generate(),
        moderator: false,
        created_at: T0,
        expires_at,
    }
}

async fn sessions_are_found_until_they_expire_or_are_deleted(store: impl Store) {
    // A fraction of a second: the table keeps expiry in whole epoch seconds
    // (its TTL attribute), rounded down, and so does the memory store.
    let expires = T0 + Duration::days(14) + Duration::milliseconds(750);
    let whole = T0 + Duration::days(14);
    let s = session(1, expires);
    store.create_session(&s).await.expect("create");
    let other = session(2, expires);
    store.create_session(&other).await.expect("create");

    let found = store.find_session(&token_hash(1), T0).await.expect("find").expect("found");
    assert_eq!(found, Session { expires_at: whole, ..s.clone() });
    assert_eq!(found.created_at.offset(), time::UtcOffset::UTC);
    let just_before = whole - Duration::nanoseconds(1);
    assert!(store.find_session(&token_hash(1), just_before).await.expect("find").is_some());
    // Expired: gone, whether or not TTL has deleted the item yet.
    assert_eq!(store.find_session(&token_hash(1), whole).await.expect("find"), None);
    assert_eq!(store.find_session(&token_hash(1), whole + Duration::days(3)).await.expect("find"), None);

    assert_eq!(store.find_session(&token_hash(3), T0).await.expect("find"), None, "unknown");

    // Logout: the replayed cookie's hash finds nothing; deleting twice is fine.
    store.delete_session(&token_hash(1)).await.expect("delete");
    assert_eq!(store.find_session(&token_hash(1), T0).await.expect("find"), None, "replay");
    store.delete_session(&token_hash(1)).await.expect("delete a missing session");
    let still = store.find_session(&token_hash(2), T0).await.expect("find").expect("other session");
    assert_eq!(still.csrf_token, other.csrf_token, "the other session is untouched");
}

// ---- rate limits ---------------------------------------------------------

fn window(at: OffsetDateTime) -> Window {
    Window::containing(at, Duration::minutes(1))
}

async fn rate_limits_count_per_key_and_window(store: impl Store) {
    let w = window(T0);
    let next = window(T0 + Duration::minutes(1));
    let unlimited = u32::MAX;
    assert_eq!(store.count("login-user#alice", &w).await.expect("count"), 0);
    assert!(store.try_record("login-user#alice", &w, unlimited).await.expect("try"));
    assert!(store.try_record("login-user#alice", &w, unlimited).await.expect("try"));
    assert_eq!(store.count("login-user#alice", &w).await.expect("count"), 2);
    // Keys and windows are independent.
    assert_eq!(store.count("login-user#bob", &w).await.expect("count"), 0);
    assert_eq!(store.count("login-user#alice", &next).await.expect("count"), 0);
    assert!(store.try_record("login-user#alice", &next, unlimited).await.expect("try"));
    assert_eq!(store.count("login-user#alice", &w).await.expect("count"), 2);

    // try_record stops at the limit.
    for expected in [true, true, true, false, false] {
        assert_eq!(store.try_record("comment#alice", &w, 3).await.expect("try"), expected);
    }
    assert_eq!(store.count("comment#alice", &w).await.expect("count"), 3);
    assert!(store.try_record("comment#alice", &w, 4).await.expect("try"));
    assert!(!store.try_record("comment#alice", &w, 4).await.expect("try"));
    assert!(store.try_record("comment#alice", &next, 3).await.expect("try"), "a new window");
    // A limit of zero allows nothing, not even a first event.
    assert!(!store.try_record("comment#bob", &w, 0).await.expect("try"));
    assert_eq!(store.count("comment#bob", &w).await.expect("count"), 0);
    // Keys are caller-chosen text: anything goes, kept apart exactly.
    let odd = "login-addr#2001:db8::/64#ünïcode #";
    assert!(store.try_record(odd, &w, 1).await.expect("try"));
    assert_eq!(store.count(odd, &w).await.expect("count"), 1);
    assert_eq!(store.count("login-addr#2001:db8::/64", &w).await.expect("count"), 0);
}

async fn released_events_make_room_and_never_go_below_zero(store: impl Store) {
    let w = window(T0);
    let key = "login-addr#198.51.100.7#alice";
    for _ in 0..2 {
        assert!(store.try_record(key, &w, 2).await.expect("try"));
    }
    assert!(!store.try_record(key, &w, 2).await.expect("try"), "full");
    store.release(key, &w).await.expect("release");
    assert_eq!(store.count(key, &w).await.expect("count"), 1);
    assert!(store.try_record(key, &w, 2).await.expect("try"), "the released place is free again");
    for _ in 0..4 {
        store.release(key, &w).await.expect("release");
    }
    assert_eq!(store.count(key, &w).await.expect("count"), 0, "never below zero");
    // Releasing what was never recorded is not an error and changes nothing.
    store.release("login-user#nobody", &w).await.expect("release");
    assert_eq!(store.count("login-user#nobody", &w).await.expect("count"), 0);
    assert!(store.try_record(key, &window(T0 + Duration::minutes(1)), 1).await.expect("try"));
}

async fn concurrent_events_are_counted_exactly(store: impl Store) {
    let w = window(T0);
    let tries: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.try_record("comment#racer", &w, 5).await })
        })
        .collect();
    // Twenty reservations and twenty releases racing on one key.
    let key = "login-user#racer";
    for _ in 0..20 {
        assert!(store.try_record(key, &w, u32::MAX).await.expect("try"));
    }
    let releases: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.release(key, &w).await })
        })
        .collect();
    let mut allowed = 0;
    for task in tries {
        allowed += usize::from(task.await.expect("task").expect("try"));
    }
    for task in releases {
        task.await.expect("task").expect("release");
    }
    assert_eq!(allowed, 5, "concurrent callers cannot overshoot the limit");
    assert_eq!(store.count("comment#racer", &w).await.expect("count"), 5);
    assert_eq!(store.count(key, &w).await.expect("count"), 0, "every release counted");
}

// ---- posting and deleting comments ---------------------------------------

/// The article's page: its comment count and every comment id, oldest first.
/// An allowance that never runs out, for tests about something else.
fn unlimited() -> Allowance {
    Allowance {
        key: "comment#anyone".into(),
        window: Window::containing(T0, Duration::minutes(1)),
        limit: u32::MAX,
    }
}

async fn allowance_is_used_only_by_stored_comments(store: impl Store) {
    let a = article("limited", Category::Opinion, T0);
    put(&store, &a).await;
    let window = Window::containing(T0, Duration::minutes(1));
    let allowance = Allowance { key: "comment#reader".into(), window, limit: 2 };
    let by_reader = |n: i64| Comment { author: username("reader"), ..comment(n) };
    let (k1, k2, k3, k4) = (
        IdempotencyKey::generate(),
        IdempotencyKey::generate(),
        IdempotencyKey::generate(),
        IdempotencyKey::generate(),
    );
    let first = by_reader(1);
    assert_eq!(post(&store, &a.slug, &first, &k1, &allowance).await, PostOutcome::Created(first.id));
    // A double submit and a post to a missing article use none of the allowance.
    let resubmit = Comment { body: first.body.clone(), ..by_reader(2) };
    assert_eq!(post(&store, &a.slug, &resubmit, &k1, &allowance).await, PostOutcome::Duplicate(first.id));
    assert_eq!(
        post(&store, &slug("missing"), &by_reader(3), &k2, &allowance).await,
        PostOutcome::NoSuchArticle
    );
    assert_eq!(store.count("comment#reader", &window).await.expect("count"), 1);
    let second = by_reader(4);
    assert_eq!(post(&store, &a.slug, &second, &k3, &allowance).await, PostOutcome::Created(second.id));
    // Now it is used up: refused, nothing written…
    assert_eq!(post(&store, &a.slug, &by_reader(5), &k4, &allowance).await, PostOutcome::RateLimited);
    assert_eq!(thread(&store, &a.slug).await, (2, vec![first.id, second.id]));
    assert_eq!(store.count("comment#reader", &window).await.expect("count"), 2);
    // …but a double submit still lands on its comment (duplicate wins), and
    // the refused key is still unused in the next window.
    let resubmit = Comment { body: first.body.clone(), ..by_reader(6) };
    assert_eq!(post(&store, &a.slug, &resubmit, &k1, &allowance).await, PostOutcome::Duplicate(first.id));
    let next = Allowance {
        window: Window::containing(T0 + Duration::minutes(1), Duration::minutes(1)),
        ..allowance.clone()
    };
    let third = by_reader(7);
    assert_eq!(post(&store, &a.slug, &third, &k4, &next).await, PostOutcome::Created(third.id));
    let none = Allowance { limit: 0, ..allowance };
    assert_eq!(
        post(&store, &a.slug, &by_reader(8), &IdempotencyKey::generate(), &none).await,
        PostOutcome::RateLimited
    );
    assert_eq!(thread(&store, &a.slug).await, (3, vec![first.id, second.id, third.id]));
}

async fn thread(store: &impl Store, s: &Slug) -> (u64, Vec<CommentId>) {
    let page = store.article_page(s, None, 100).await.expect("read").expect("article exists");
    assert_eq!(page.comments.next, None, "fits one page");
    (page.article.summary.comment_count, page.comments.items.iter().map(|c| c.id).collect())
}

async fn posting_shows_the_comment_at_once_and_counts_it(store: impl Store) {
    let a = article("debated", Category::Opinion, T0);
    put(&store, &a).await;
    let first = comment(1);
    let key = IdempotencyKey::generate();
    assert_eq!(post(&store, &a.slug, &first, &key, &unlimited()).await, PostOutcome::Created(first.id));
    // Read-after-write: the very next page load shows it, with its count.
    let page = store.article_page(&a.slug, None, 50).await.expect("read").expect("found");
    assert_eq!(page.comments.items, vec![first.clone()], "all fields, and no idempotency record");
    assert_eq!(page.article.summary.comment_count, 1);

    // A double submit: the same key and text with the fresh comment a second
    // request would build. Nothing is written; the answer names the first comment.
    let mut resubmit = comment(2);
    resubmit.author = first.author.clone();
    resubmit.body = first.body.clone();
    assert_eq!(post(&store, &a.slug, &resubmit, &key, &unlimited()).await, PostOutcome::Duplicate(first.id));
    assert_eq!(thread(&store, &a.slug).await, (1, vec![first.id]));

    let second = comment(3);
    let posted = post(&store, &a.slug, &second, &IdempotencyKey::generate(), &unlimited()).await;
    assert_eq!(posted, PostOutcome::Created(second.id));
    assert_eq!(thread(&store, &a.slug).await, (2, vec![first.id, second.id]));
}

async fn idempotency_keys_belong_to_one_article(store: impl Store) {
    let a = article("first-article", Category::Opinion, T0);
    let b = article("second-article", Category::Opinion, T0);
    put(&store, &a).await;
    put(&store, &b).await;
    let key = IdempotencyKey::generate();
    let on_a = comment(1);
    assert_eq!(post(&store, &a.slug, &on_a, &key, &unlimited()).await, PostOutcome::Created(on_a.id));

    // Another reader using the same key posts a comment of their own: keys
    // are scoped to their author, so a key can never turn someone's post
    // into a silent "duplicate" of another reader's comment.
    let mut other = comment(2);
    other.author = username("mallory");
    assert_eq!(post(&store, &a.slug, &other, &key, &unlimited()).await, PostOutcome::Created(other.id));
    // The original author replaying it is a duplicate.
    let mut replay = comment(4);
    replay.author = on_a.author.clone();
    replay.body = on_a.body.clone();
    assert_eq!(post(&store, &a.slug, &replay, &key, &unlimited()).await, PostOutcome::Duplicate(on_a.id));
    // The same key on another article never reveals the first article's
    // comment: the record lives in the article's own partition.
    let on_b = comment(3);
    assert_eq!(post(&store, &b.slug, &on_b, &key, &unlimited()).await, PostOutcome::Created(on_b.id));
    assert_eq!(thread(&store, &a.slug).await, (2, vec![on_a.id, other.id]));
    assert_eq!(thread(&store, &b.slug).await, (1, vec![on_b.id]));
}

/// A withdrawn or scheduled story takes no comment: the comment function
/// asks before it posts (the transaction itself only needs the article).
async fn comments_are_closed_on_withdrawn_and_scheduled_stories(store: impl Store) {
    let story = article("withdrawn", Category::Opinion, T0);
    put(&store, &story).await;
    let open = |at| store.open_for_comments(&story.slug, at);
    assert!(open(T0).await.expect("read"));
    assert!(!open(T0 - Duration::seconds(1)).await.expect("read"), "scheduled until T0");
    store.set_published(&story.slug, false, T0).await.expect("unpublish");
    assert!(!open(T0 + Duration::hours(1)).await.expect("read"), "withdrawn");
    store.set_published(&story.slug, true, T0).await.expect("republish");
    assert!(open(T0 + Duration::hours(1)).await.expect("read"));
    let missing = Slug::parse("no-such-story").expect("a slug");
    assert!(!store.open_for_comments(&missing, T0).await.expect("read"));
}

async fn posting_to_an_unknown_article_writes_nothing(store: impl Store) {
    let missing = article("not-yet", Category::Science, T0);
    let key = IdempotencyKey::generate();
    let c = comment(1);
    assert_eq!(post(&store, &missing.slug, &c, &key, &unlimited()).await, PostOutcome::NoSuchArticle);
    assert!(store.article_page(&missing.slug, None, 50).await.expect("read").is_none());
    // Once the article exists it has no comments, and the key is unused:
    // neither the comment nor the idempotency record was written.
    put(&store, &missing).await;
    assert_eq!(thread(&store, &missing.slug).await, (0, vec![]));
    assert_eq!(post(&store, &missing.slug, &c, &key, &unlimited()).await, PostOutcome::Created(c.id));
    assert_eq!(thread(&store, &missing.slug).await, (1, vec![c.id]));
}

async fn concurrent_posts_are_all_counted(store: impl Store) {
    let a = article("viral", Category::WorldNews, T0);
    put(&store, &a).await;
    let comments: Vec<Comment> = (0..20).map(comment).collect();
    let tasks: Vec<_> = comments
        .iter()
        .cloned()
        .map(|c| {
            let (store, slug) = (store.clone(), a.slug.clone());
            tokio::spawn(async move {
                store.post_comment(&slug, &c, &IdempotencyKey::generate(), &unlimited()).await
            })
        })
        .collect();
    for (task, c) in tasks.into_iter().zip(&comments) {
        // `Duplicate` of its own id: an attempt whose answer was lost had
        // landed, and the retry found its record; the reader gets the same
        // comment either way, stored and counted once (checked below).
        match task.await.expect("task").expect("post") {
            PostOutcome::Created(id) | PostOutcome::Duplicate(id) => assert_eq!(id, c.id),
            other => panic!("{other:?}"),
        }
    }
    let ids: Vec<CommentId> = comments.iter().map(|c| c.id).collect();
    let page = store.article_page(&a.slug, None, 7).await.expect("read").expect("found");
    assert_eq!(page.article.summary.comment_count, 20, "no increment lost, none twice");
    assert_eq!(comment_pages(&store, &a.slug, 7).await.concat(), ids, "every comment, oldest first");
}

async fn concurrent_double_submits_create_one_comment(store: impl Store) {
    let a = article("double-clicked", Category::WorldNews, T0);
    put(&store, &a).await;
    let key = IdempotencyKey::generate();
    // Each submit of the same form builds its own comment (own id), as the
    // handler does per request; only the key is shared.
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (store, slug, key) = (store.clone(), a.slug.clone(), key.clone());
            let mut c = comment(i);
            c.author = username("double-clicker");
            c.body = "the same text".into();
            tokio::spawn(async move { store.post_comment(&slug, &c, &key, &unlimited()).await })
        })
        .collect();
    let mut created = Vec::new();
    let mut duplicates = Vec::new();
    for task in tasks {
        match task.await.expect("task").expect("post") {
            PostOutcome::Created(id) => created.push(id),
            PostOutcome::Duplicate(id) => duplicates.push(id),
            other => panic!("the article exists and the allowance is unlimited: {other:?}"),
        }
    }
    assert_eq!(created.len(), 1, "one submit wins: {created:?}");
    assert_eq!(duplicates, vec![created[0]; 9], "the others name the winner's comment");
    assert_eq!(thread(&store, &a.slug).await, (1, created));
}

async fn only_the_author_deletes_a_comment(store: impl Store) {
    let a = article("moderated", Category::Blog, T0);
    put(&store, &a).await;
    let comments: Vec<Comment> = (1..=3).map(comment).collect();
    for c in &comments {
        post(&store, &a.slug, c, &IdempotencyKey::generate(), &unlimited()).await;
    }
    let ids: Vec<CommentId> = comments.iter().map(|c| c.id).collect();
    let target = &comments[1];

    let outcome = store
        .delete_comment(&a.slug, CommentRef::top(target.id), &username("reader1"))
        .await
        .expect("delete");
    assert_eq!(outcome, DeleteOutcome::NotAuthor);
    assert_eq!(thread(&store, &a.slug).await, (3, ids.clone()), "nothing changed");

    let author = target.author.clone();
    assert_eq!(
        store.delete_comment(&a.slug, CommentRef::top(target.id), &author).await.expect("delete"),
        DeleteOutcome::Deleted
    );
    assert_eq!(thread(&store, &a.slug).await, (2, vec![ids[0], ids[2]]));

    assert_eq!(
        store.delete_comment(&a.slug, CommentRef::top(target.id), &author).await.expect("delete"),
        DeleteOutcome::NotFound
    );
    let unknown = CommentId::new_at(T0);
    assert_eq!(
        store.delete_comment(&a.slug, CommentRef::top(unknown), &author).await.expect("delete"),
        DeleteOutcome::NotFound
    );
    // A comment id from another article's partition is not found here.
    let elsewhere = slug("elsewhere");
    assert_eq!(
        store
            .delete_comment(&elsewhere, CommentRef::top(ids[0]), &username("reader1"))
            .await
            .expect("delete"),
        DeleteOutcome::NotFound
    );
    assert_eq!(thread(&store, &a.slug).await, (2, vec![ids[0], ids[2]]));
}

async fn comment_pages_stay_ordered_after_deletes(store: impl Store) {
    let a = article("pruned", Category::Environment, T0);
    put(&store, &a).await;
    let comments: Vec<Comment> = (0..9).map(comment).collect();
    for i in [4, 0, 8, 2, 6, 1, 7, 3, 5] {
        store
            .post_comment(&a.slug, &comments[i], &IdempotencyKey::generate(), &unlimited())
            .await
            .expect("post");
    }
    for i in [0, 4, 8] {
        let c = &comments[i];
        let outcome = store.delete_comment(&a.slug, CommentRef::top(c.id), &c.author).await.expect("delete");
        assert_eq!(outcome, DeleteOutcome::Deleted);
    }
    let left: Vec<CommentId> = [1, 2, 3, 5, 6, 7].iter().map(|&i| comments[i].id).collect();
    assert_eq!(thread(&store, &a.slug).await, (6, left.clone()));
    for size in [1, 2, 4, 6] {
        let pages = comment_pages(&store, &a.slug, size).await;
        assert_eq!(pages.len(), 6usize.div_ceil(size), "page count for size {size}");
        assert_eq!(pages.concat(), left, "size {size}");
    }
    // A cursor naming a deleted comment continues from its place.
    let page = store.article_page(&a.slug, Some(comments[4].id), 2).await.expect("read").expect("found");
    assert_eq!(page.comments.items.iter().map(|c| c.id).collect::<Vec<_>>(), left[3..5]);
}

// ---- corrections and identity -------------------------------------------

async fn an_update_records_its_time_and_an_unchanged_put_does_not(store: impl Store) {
    let (t1, t2, t3) = (T0 + Duration::days(1), T0 + Duration::days(2), T0 + Duration::days(3));
    let mut a = article("harbour", Category::WorldNews, T0);
    assert_eq!(store.put_article(&a, t1).await.expect("put"), PutOutcome::Created);
    assert_eq!(read(&store, &a.slug).await.updated_at, None, "a new article has no update");

    assert_eq!(store.put_article(&a, t2).await.expect("put"), PutOutcome::Unchanged);
    assert_eq!(read(&store, &a.slug).await.updated_at, None, "an unchanged file changes nothing");

    a.title = "Harbour, corrected".into();
    assert_eq!(store.put_article(&a, t2).await.expect("put"), PutOutcome::Updated);
    assert_eq!(store.put_article(&a, t3).await.expect("put"), PutOutcome::Unchanged);
    let page = store.article_page(&a.slug, None, 5).await.expect("read").expect("found");
    assert_eq!(page.article.summary.updated_at, Some(t2));
    assert_eq!(page.article.summary.published_at, T0, "the publication time stays");
    let listed = store.list_articles(None, None, 5, NOW).await.expect("list").items;
    assert_eq!(listed[0].updated_at, Some(t2), "listings (feeds, sitemap) carry the update");
    let in_category = store.list_articles(Some(Category::WorldNews), None, 5, NOW).await.expect("list").items;
    assert_eq!(in_category[0].updated_at, Some(t2));
}

async fn a_correction_is_dated_by_the_import_that_added_it(store: impl Store) {
    let (t1, t2, t3, t4) =
        (T0 + Duration::days(1), T0 + Duration::days(2), T0 + Duration::days(3), T0 + Duration::days(4));
    let mut a = article("ferry", Category::Business, T0);
    store.put_article(&a, t1).await.expect("put");
    let correction = |store_page: &broadsheet::store::ArticleWithComments| {
        store_page.article.correction.as_ref().map(|c| (c.text.clone(), c.at))
    };

    a.correction = Some("The ferry runs from March, not May.".into());
    assert_eq!(store.put_article(&a, t2).await.expect("put"), PutOutcome::Updated);
    let page = store.article_page(&a.slug, None, 5).await.expect("read").expect("found");
    assert_eq!(correction(&page), Some(("The ferry runs from March, not May.".into(), t2)));
    assert_eq!(page.article.summary.updated_at, Some(t2));

    // Another change keeps the correction's date; the article's update moves.
    a.body_html = SanitizedHtml::from_sanitized("<p>Revised again.</p>".into());
    assert_eq!(store.put_article(&a, t3).await.expect("put"), PutOutcome::Updated);
    let page = store.article_page(&a.slug, None, 5).await.expect("read").expect("found");
    assert_eq!(correction(&page), Some(("The ferry runs from March, not May.".into(), t2)));
    assert_eq!(page.article.summary.updated_at, Some(t3));

    // A new text is a new correction; removing it removes the note.
    a.correction = Some("The ferry runs from April.".into());
    store.put_article(&a, t4).await.expect("put");
    let page = store.article_page(&a.slug, None, 5).await.expect("read").expect("found");
    assert_eq!(correction(&page), Some(("The ferry runs from April.".into(), t4)));
    a.correction = None;
    assert_eq!(store.put_article(&a, t4).await.expect("put"), PutOutcome::Updated);
    let page = store.article_page(&a.slug, None, 5).await.expect("read").expect("found");
    assert_eq!(correction(&page), None);
}

async fn an_article_remembers_the_file_it_came_from(store: impl Store) {
    let mut a = article("tide", Category::Science, T0);
    assert_eq!(store.article_source(&a.slug).await.expect("source"), None, "no such article");
    store.put_article(&a, T0).await.expect("put");
    assert_eq!(store.article_source(&a.slug).await.expect("source").as_deref(), Some("tide.md"));
    // The source alone is not content: a moved file is no update.
    a.source = "science/tide.md".into();
    assert_eq!(store.put_article(&a, T0 + Duration::hours(1)).await.expect("put"), PutOutcome::Unchanged);
    assert_eq!(store.article_source(&a.slug).await.expect("source").as_deref(), Some("science/tide.md"));
    assert_eq!(read(&store, &a.slug).await.updated_at, None);
}

// ---- scheduling ----------------------------------------------------------

async fn a_scheduled_article_is_listed_from_its_time_on(store: impl Store) {
    let at = T0 + Duration::days(30);
    put(&store, &article("old", Category::Sports, T0)).await;
    put(&store, &article("scheduled", Category::Sports, at)).await;
    put(&store, &article("later", Category::Sports, at + Duration::nanoseconds(1))).await;
    let slugs = |page: Vec<ArticleSummary>| page.into_iter().map(|a| a.slug.to_string()).collect::<Vec<_>>();

    for category in [None, Some(Category::Sports)] {
        let before = store.list_articles(category, None, 10, at - Duration::seconds(1)).await.expect("list");
        assert_eq!(slugs(before.items), ["old"], "not before its time");
        let on_time = store.list_articles(category, None, 10, at).await.expect("list");
        assert_eq!(slugs(on_time.items), ["scheduled", "old"], "at its time exactly, not a nanosecond early");
        let after = store.list_articles(category, None, 10, NOW).await.expect("list");
        assert_eq!(slugs(after.items), ["later", "scheduled", "old"]);
    }

    // Scheduled articles never shorten a page or leak through a cursor.
    let first = store.list_articles(None, None, 1, at).await.expect("list");
    assert_eq!(slugs(first.items), ["scheduled"]);
    let next = first.next.expect("more");
    let second = store.list_articles(None, Some(&next), 1, at).await.expect("list");
    assert_eq!(slugs(second.items), ["old"]);
    assert_eq!(second.next, None);
    let early = ListingPosition { published_at: NOW, slug: slug("zzz") };
    let from_future = store.list_articles(None, Some(&early), 10, at).await.expect("list");
    assert_eq!(slugs(from_future.items), ["scheduled", "old"], "a cursor from the future is bounded by now");
}

/// What the search index is built from: every article that is not withdrawn,
/// scheduled ones included, bodies and all (comments are not articles).
async fn searchable_articles_are_all_but_the_withdrawn(store: impl Store) {
    put(&store, &article("kept", Category::Sports, T0)).await;
    put(&store, &article("scheduled", Category::Science, NOW + Duration::days(365))).await;
    put(&store, &article("gone", Category::Sports, T0)).await;
    assert_eq!(store.set_published(&slug("gone"), false, NOW).await.expect("unpublish"), Some(true));
    let mut found: Vec<(String, bool)> = store
        .searchable_articles()
        .await
        .expect("searchable")
        .into_iter()
        .map(|a| (a.summary.slug.to_string(), a.body_html.as_str().is_empty()))
        .collect();
    found.sort();
    assert_eq!(found, [("kept".to_owned(), false), ("scheduled".to_owned(), false)]);
    assert_eq!(store.set_published(&slug("gone"), true, NOW).await.expect("republish"), Some(true));
    assert_eq!(store.searchable_articles().await.expect("searchable").len(), 3, "back in");
}

// ---- unpublishing --------------------------------------------------------

async fn listed(store: &impl Store, category: Option<Category>) -> Vec<String> {
    let page = store.list_articles(category, None, 20, NOW).await.expect("list");
    page.items.into_iter().map(|a| a.slug.to_string()).collect()
}

async fn an_unpublished_article_leaves_every_listing_and_keeps_its_comments(store: impl Store) {
    let now = T0 + Duration::days(2);
    let kept = put(&store, &article("kept", Category::Health, T0)).await;
    let gone = put(&store, &article("gone", Category::Health, T0 + Duration::hours(1))).await;
    store.seed(&gone.slug, comment(1)).await.expect("seed");
    reads(&store, &gone, now - Duration::hours(2), 3).await;
    reads(&store, &kept, now - Duration::hours(1), 1).await;
    store.refresh_trending(now).await.expect("refresh");

    assert_eq!(store.set_published(&gone.slug, false, now).await.expect("unpublish"), Some(true));
    assert_eq!(store.set_published(&gone.slug, false, now).await.expect("again"), Some(false), "no-op");
    assert_eq!(store.set_published(&slug("nobody"), false, now).await.expect("unknown"), None);

    assert_eq!(listed(&store, None).await, ["kept"]);
    assert_eq!(listed(&store, Some(Category::Health)).await, ["kept"]);
    store.refresh_trending(now).await.expect("refresh");
    let trending = store.trending(20).await.expect("trending");
    assert_eq!(trending.iter().map(|t| t.article.slug.to_string()).collect::<Vec<_>>(), ["kept"]);
    let page = store.article_page(&gone.slug, None, 10).await.expect("read").expect("still stored");
    assert!(page.article.unpublished);
    assert_eq!(page.comments.items.len(), 1, "comments are kept");
    assert_eq!(page.article.summary.comment_count, 1);
    assert!(
        !store.article_page(&kept.slug, None, 1).await.expect("read").expect("found").article.unpublished
    );

    assert_eq!(store.set_published(&gone.slug, true, now).await.expect("republish"), Some(true));
    assert_eq!(listed(&store, None).await, ["gone", "kept"]);
    assert_eq!(listed(&store, Some(Category::Health)).await, ["gone", "kept"]);
    store.refresh_trending(now).await.expect("refresh");
    let trending = store.trending(20).await.expect("trending");
    assert_eq!(trending[0].article.slug, gone.slug, "its reads count again");
    assert_eq!(trending[0].reads, 3);
    assert!(
        !store.article_page(&gone.slug, None, 1).await.expect("read").expect("found").article.unpublished
    );
}

async fn the_files_status_line_and_the_command_take_turns(store: impl Store) {
    let (t1, t2, t3) = (T0 + Duration::days(1), T0 + Duration::days(2), T0 + Duration::days(3));
    let mut a = article("turns", Category::Sports, T0);
    a.unpublished = true;
    assert_eq!(store.put_article(&a, t1).await.expect("put"), PutOutcome::Created);
    assert!(listed(&store, None).await.is_empty(), "imported unpublished");

    // A command wins over an unchanged file, and over a change to other lines.
    store.set_published(&a.slug, true, t1).await.expect("republish");
    assert_eq!(store.put_article(&a, t2).await.expect("put"), PutOutcome::Unchanged);
    a.title = "Turns, edited".into();
    assert_eq!(store.put_article(&a, t2).await.expect("put"), PutOutcome::Updated);
    assert_eq!(listed(&store, None).await, ["turns"], "the republish holds");
    assert_eq!(listed(&store, Some(Category::Sports)).await, ["turns"]);

    // A change to the status line wins over the command.
    a.unpublished = false;
    assert_eq!(store.put_article(&a, t3).await.expect("put"), PutOutcome::Updated);
    store.set_published(&a.slug, false, t3).await.expect("unpublish");
    a.unpublished = true;
    assert_eq!(store.put_article(&a, t3).await.expect("put"), PutOutcome::Updated);
    assert!(listed(&store, None).await.is_empty());
    a.unpublished = false;
    store.put_article(&a, t3).await.expect("put");
    assert_eq!(listed(&store, None).await, ["turns"]);
    assert_eq!(listed(&store, Some(Category::Sports)).await, ["turns"]);
}

// ---- instantiation -----------------------------------------------------

broadsheet_testkit::on_both_stores!(store:
    put_and_get_article_with_body,
    an_update_records_its_time_and_an_unchanged_put_does_not,
    a_correction_is_dated_by_the_import_that_added_it,
    an_article_remembers_the_file_it_came_from,
    a_scheduled_article_is_listed_from_its_time_on,
    searchable_articles_are_all_but_the_withdrawn,
    an_unpublished_article_leaves_every_listing_and_keeps_its_comments,
    the_files_status_line_and_the_command_take_turns,
    put_is_idempotent_and_update_keeps_comment_count,
    update_moves_article_between_listings,
    has_articles_tells_empty_from_seeded,
    listing_is_newest_first_with_ties_by_slug_descending,
    category_filter_lists_only_that_category,
    pagination_has_no_repeats_or_gaps,
    empty_listing_has_no_next,
    unknown_article_is_none,
    comments_come_oldest_first_in_pages,
    seeding_a_comment_twice_counts_once,
    trending_counts_reads_in_the_window,
    trending_shows_the_article_as_it_is_now,
    concurrent_runs_count_each_batch_once,
    users_are_unique_case_insensitively,
    concurrent_sign_ups_have_one_winner,
    sessions_are_found_until_they_expire_or_are_deleted,
    rate_limits_count_per_key_and_window,
    released_events_make_room_and_never_go_below_zero,
    concurrent_events_are_counted_exactly,
    posting_shows_the_comment_at_once_and_counts_it,
    idempotency_keys_belong_to_one_article,
    posting_to_an_unknown_article_writes_nothing,
    comments_are_closed_on_withdrawn_and_scheduled_stories,
    concurrent_posts_are_all_counted,
    concurrent_double_submits_create_one_comment,
    only_the_author_deletes_a_comment,
    comment_pages_stay_ordered_after_deletes,
    allowance_is_used_only_by_stored_comments,
);

// ---- DynamoDB only: round trips and faults -----------------------------

/// The round-trip budgets of docs/table-design.md, counted on the wire.
mod dynamo_only {
    use aws_sdk_dynamodb::types::AttributeValue;
    use broadsheet_testkit::dynamo::{fresh_counted_store, fresh_table, test_client};

    use super::*;

    fn counts(pairs: &[(&str, usize)]) -> std::collections::BTreeMap<String, usize> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[tokio::test]
    async fn requests_per_operation() {
        let (store, counter) = fresh_counted_store().await;
        let a = put(&store, &article("counted", Category::Health, T0)).await;
        for i in 0..3 {
            store.seed_comment(&a.slug, comment(i)).await.expect("seed");
        }

        counter.reset();
        let first = store.article_page(&a.slug, None, 2).await.expect("read").expect("found");
        assert_eq!(counter.snapshot(), counts(&[("Query", 1)]), "first article page: one Query");

        counter.reset();
        store.article_page(&a.slug, first.comments.next, 2).await.expect("read").expect("found");
        assert_eq!(counter.snapshot(), counts(&[("GetItem", 1), ("Query", 1)]), "later page");

        counter.reset();
        store.list_articles(Some(Category::Health), None, 20, NOW).await.expect("list");
        store.has_articles().await.expect("has_articles");
        assert_eq!(counter.snapshot(), counts(&[("Query", 2)]), "listing and has_articles");

        counter.reset();
        reads(&store, &a, T0, 3).await;
        assert_eq!(counter.snapshot(), counts(&[("PutItem", 1)]), "a beacon flush: one new item");

        counter.reset();
        store.trending(20).await.expect("trending");
        assert_eq!(counter.snapshot(), counts(&[("GetItem", 1)]), "#TrendingNews: one GetItem");

        // The aggregator, once a minute: per shard a watermark and a Query,
        // a claim where there is something new; one ADD per article and
        // hour; a Query per hour of the window; a GetItem per candidate;
        // one PutItem of the ranking.
        counter.reset();
        store.refresh_trending(T0 + Duration::minutes(1)).await.expect("refresh");
        assert_eq!(
            counter.snapshot(),
            counts(&[("GetItem", 16 + 1), ("PutItem", 1), ("Query", 16 + 48), ("UpdateItem", 1 + 1)]),
            "aggregator run"
        );

        counter.reset();
        store.put_article(&article("counted", Category::Health, T0), T0).await.expect("put");
        assert_eq!(counter.snapshot(), counts(&[("GetItem", 1)]), "an unchanged import does not write");

        counter.reset();
        store.warm().await;
        assert_eq!(counter.total(), 1);
    }

    #[tokio::test]
    async fn requests_per_account_and_comment_operation() {
        let (store, counter) = fresh_counted_store().await;
        let a = put(&store, &article("counted", Category::Health, T0)).await;

        counter.reset();
        let u = user("counted", "Counted");
        assert!(store.create_user(&u).await.expect("create"));
        assert!(!store.create_user(&u).await.expect("create"));
        store.find_user(&u.username).await.expect("find");
        assert_eq!(counter.snapshot(), counts(&[("GetItem", 1), ("PutItem", 2)]), "users");

        counter.reset();
        store.create_session(&session(1, T0 + Duration::days(1))).await.expect("create");
        store.find_session(&token_hash(1), T0).await.expect("find");
        store.delete_session(&token_hash(1)).await.expect("delete");
        let expected = counts(&[("DeleteItem", 1), ("GetItem", 1), ("PutItem", 1)]);
        assert_eq!(counter.snapshot(), expected, "sessions");

        counter.reset();
        let w = window(T0);
        store.count("k", &w).await.expect("count");
        assert!(store.try_record("k", &w, 1).await.expect("try"));
        assert!(!store.try_record("k", &w, 1).await.expect("try"));
        store.release("k", &w).await.expect("release");
        assert_eq!(counter.snapshot(), counts(&[("GetItem", 1), ("UpdateItem", 3)]), "rate limits");

        let key = IdempotencyKey::generate();
        let c = comment(1);
        counter.reset();
        post(&store, &a.slug, &c, &key, &unlimited()).await;
        assert_eq!(counter.snapshot(), counts(&[("TransactWriteItems", 1)]), "post");
        counter.reset();
        post(&store, &slug("nowhere"), &comment(2), &key, &unlimited()).await;
        assert_eq!(counter.snapshot(), counts(&[("TransactWriteItems", 1)]), "post, no article");
        counter.reset();
        let replay = Comment { author: c.author.clone(), body: c.body.clone(), ..comment(3) };
        post(&store, &a.slug, &replay, &key, &unlimited()).await;
        let expected = counts(&[("GetItem", 1), ("TransactWriteItems", 1)]);
        assert_eq!(counter.snapshot(), expected, "post, duplicate");

        counter.reset();
        store.delete_comment(&a.slug, CommentRef::top(c.id), &username("someone")).await.expect("delete");
        assert_eq!(counter.snapshot(), counts(&[("GetItem", 1)]), "delete, not the author");
        counter.reset();
        store.delete_comment(&a.slug, CommentRef::top(c.id), &c.author).await.expect("delete");
        assert_eq!(counter.snapshot(), expected, "delete: read the comment, then one transaction");
    }

    /// The items that DynamoDB's TTL must eventually remove carry
    /// `expires_at` in epoch seconds, and live where the design says.
    #[tokio::test]
    async fn expiring_items_carry_their_ttl() {
        let (client, table) = fresh_table().await;
        let store = DynamoStore::new(client.clone(), table.clone());
        let get = |pk: String, sk: String| {
            let (client, table) = (client.clone(), table.clone());
            async move {
                let out = client
                    .get_item()
                    .table_name(table)
                    .key("PK", AttributeValue::S(pk))
                    .key("SK", AttributeValue::S(sk))
                    .send()
                    .await
                    .expect("get item");
                out.item.expect("item exists")
            }
        };
        let epoch = |t: OffsetDateTime| AttributeValue::N(t.unix_timestamp().to_string());

        let a = put(&store, &article("ttl", Category::Health, T0)).await;
        let key = IdempotencyKey::generate();
        let c = comment(1);
        post(&store, &a.slug, &c, &key, &unlimited()).await;
        let record = get("ARTICLE#ttl".into(), format!("I#{}#{key}", c.author)).await;
        assert_eq!(record["comment_id"], AttributeValue::S(c.id.to_string()));
        assert_eq!(record["author"], AttributeValue::S(c.author.to_string()));
        assert_eq!(record["expires_at"], epoch(c.created_at + Duration::hours(24)));

        let expires = T0 + Duration::days(14);
        store.create_session(&session(7, expires)).await.expect("create");
        let item = get(format!("SESSION#{}", token_hash(7)), "S".into()).await;
        assert_eq!(item["expires_at"], epoch(expires));
        assert_eq!(item["username"], AttributeValue::S("alice".into()));

        let w = window(T0);
        assert!(store.try_record("login-addr#192.0.2.1", &w, 5).await.expect("try"));
        let item = get("RATE#login-addr#192.0.2.1".into(), format!("W#{}", w.start.unix_timestamp())).await;
        assert_eq!(item["n"], AttributeValue::N("1".into()));
        assert_eq!(item["expires_at"], epoch(w.expires_at()));

        store.create_user(&user("alice", "Alice")).await.expect("create");
        let item = get("USER#alice".into(), "U".into()).await;
        assert!(!item.contains_key("expires_at"), "accounts never expire");
    }

    #[tokio::test]
    async fn malformed_sessions_and_accounts_are_corrupt() {
        let (client, table) = fresh_table().await;
        let store = DynamoStore::new(client.clone(), table.clone());
        store.create_user(&user("alice", "Alice")).await.expect("create");
        store.create_session(&session(1, T0 + Duration::days(1))).await.expect("create");
        for (pk, sk, attribute) in [
            ("USER#alice".to_owned(), "U", "password_hash"),
            (format!("SESSION#{}", token_hash(1)), "S", "username"),
        ] {
            client
                .update_item()
                .table_name(&table)
                .key("PK", AttributeValue::S(pk.clone()))
                .key("SK", AttributeValue::S(sk.into()))
                .update_expression("SET #a = :v")
                .expression_attribute_names("#a", attribute)
                .expression_attribute_values(":v", AttributeValue::S("NOT VALID".into()))
                .send()
                .await
                .expect("damage the item");
        }
        match store.find_user(&username("alice")).await {
            Err(StoreError::Corrupt(msg)) => {
                assert!(msg.contains("USER#alice") && !msg.contains("NOT VALID"), "{msg}")
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
        match store.find_session(&token_hash(1), T0).await {
            Err(StoreError::Corrupt(msg)) => assert!(msg.contains("SESSION#"), "{msg}"),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn malformed_items_are_corrupt_naming_their_key() {
        let (client, table) = fresh_table().await;
        let store = DynamoStore::new(client.clone(), table.clone());
        let a = put(&store, &article("damaged", Category::Health, T0)).await;
        client
            .update_item()
            .table_name(&table)
            .key("PK", AttributeValue::S("ARTICLE#damaged".into()))
            .key("SK", AttributeValue::S("A".into()))
            .update_expression("SET category = :c")
            .expression_attribute_values(":c", AttributeValue::S("weather".into()))
            .send()
            .await
            .expect("damage the item");
        match store.article_page(&a.slug, None, 50).await {
            Err(StoreError::Corrupt(msg)) => assert!(msg.contains("ARTICLE#damaged"), "{msg}"),
            other => panic!("expected Corrupt, got {other:?}"),
        }
        // Re-importing repairs it.
        let fixed = article("damaged", Category::Health, T0);
        assert_eq!(store.put_article(&fixed, T0).await.expect("put"), PutOutcome::Updated);
        assert!(store.article_page(&a.slug, None, 50).await.expect("read").is_some());
    }

    #[tokio::test]
    async fn sdk_failures_are_unavailable_with_their_source() {
        let store = DynamoStore::new(test_client(None).await, "no-such-table");
        let err = store.list_articles(None, None, 20, NOW).await.expect_err("no table");
        match &err {
            StoreError::Unavailable(source) => {
                let chain = format!("{:?}", source);
                assert!(chain.contains("ResourceNotFound"), "{chain}");
            }
            other => panic!("expected Unavailable, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn ensure_table_creates_once() {
        let client = test_client(None).await;
        let name = broadsheet_testkit::dynamo::unique_table_name();
        assert!(broadsheet::store::dynamo::ensure_table(&client, &name).await.expect("ensure"));
        assert!(!broadsheet::store::dynamo::ensure_table(&client, &name).await.expect("ensure"));
        let ttl = client.describe_time_to_live().table_name(&name).send().await.expect("describe ttl");
        let ttl = ttl.time_to_live_description().expect("ttl description");
        assert_eq!(ttl.attribute_name(), Some("expires_at"));
    }
}
