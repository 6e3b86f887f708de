//! The storage contract, written once and run against both stores.
//!
//! Every test below is a generic `async fn` over a [`Store`]; the
//! `contract_tests!` macro at the bottom instantiates each one twice, as
//! `memory::<name>` (a fresh `MemoryStore`) and `dynamo::<name>` (a fresh
//! table on the moto server; see `broadsheet_tests::dynamo`). Run with:
//!
//! ```sh
//! bash scripts/with-moto.sh cargo test -p broadsheet-tests --test store_contract
//! ```
//!
//! Times are fixed (`datetime!`), never `now()`, so results do not depend on
//! when or how fast the suite runs.

use std::collections::HashSet;
use std::future::Future;

use broadsheet::domain::{
    ArticleSummary, Category, Comment, CommentId, ListingPosition, NewArticle, SanitizedHtml, Slug,
};
use broadsheet::store::dynamo::DynamoStore;
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{
    ArticleLister, ArticleReader, ArticleWriter, PutOutcome, ReadCounter, StoreError, TrendingReader,
};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// Adding comments: not a storage trait yet (the comment function will
/// bring one), so each store's inherent `seed_comment` is wrapped here.
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

/// Everything a store must do.
trait Store: ArticleReader + ArticleLister + ArticleWriter + ReadCounter + TrendingReader + SeedComments {}
impl<S> Store for S where
    S: ArticleReader + ArticleLister + ArticleWriter + ReadCounter + TrendingReader + SeedComments
{
}

// ---- fixtures ------------------------------------------------------------

const T0: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);

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
    }
}

fn comment(n: i64) -> Comment {
    let created_at = T0 + Duration::minutes(n);
    Comment {
        id: CommentId::new_at(created_at),
        author: format!("reader{n}"),
        author_name: format!("Reader {n}"),
        body: format!("Comment {n}\nsecond line"),
        created_at,
    }
}

async fn put(store: &impl Store, a: &NewArticle) -> ArticleSummary {
    store.put_article(a).await.expect("put_article");
    store.article_page(&a.slug, None, 0).await.expect("article_page").expect("article exists").article.summary
}

async fn slugs(store: &impl Store, category: Option<Category>, limit: usize) -> Vec<String> {
    let page = store.list_articles(category, None, limit).await.expect("list_articles");
    page.items.iter().map(|a| a.slug.to_string()).collect()
}

/// Walks a listing page by page, checking that `next` is set on every page
/// but the last, and returns the pages' slugs.
async fn walk(store: &impl Store, category: Option<Category>, size: usize) -> Vec<Vec<String>> {
    let mut pages = Vec::new();
    let mut after: Option<ListingPosition> = None;
    loop {
        let page = store.list_articles(category, after.as_ref(), size).await.expect("list_articles");
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
    assert_eq!(store.put_article(&a).await.expect("put"), PutOutcome::Created);

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
    assert_eq!(got.body_html, a.body_html);
    assert!(page.comments.items.is_empty());
    assert_eq!(page.comments.next, None);

    let listed = store.list_articles(None, None, 20).await.expect("list").items;
    assert_eq!(listed, vec![got.summary.clone()], "the listing shows the same summary");
}

async fn put_is_idempotent_and_update_keeps_comment_count(store: impl Store) {
    let mut a = article("budget", Category::Business, T0);
    assert_eq!(store.put_article(&a).await.expect("put"), PutOutcome::Created);
    assert_eq!(store.put_article(&a).await.expect("put"), PutOutcome::Unchanged);

    store.seed(&a.slug, comment(1)).await.expect("seed");
    store.seed(&a.slug, comment(2)).await.expect("seed");
    assert_eq!(store.put_article(&a).await.expect("put"), PutOutcome::Unchanged);

    a.title = "Budget, revised".into();
    a.body_html = SanitizedHtml::from_sanitized("<p>New body</p>".into());
    assert_eq!(store.put_article(&a).await.expect("put"), PutOutcome::Updated);
    assert_eq!(store.put_article(&a).await.expect("put"), PutOutcome::Unchanged);

    let page = store.article_page(&a.slug, None, 50).await.expect("read").expect("found");
    assert_eq!(page.article.summary.title, "Budget, revised");
    assert_eq!(page.article.body_html.as_str(), "<p>New body</p>");
    assert_eq!(page.article.summary.comment_count, 2, "an update keeps the comment count");
    assert_eq!(page.comments.items.len(), 2, "an update keeps the comments");
    let listed = store.list_articles(None, None, 20).await.expect("list").items;
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
    assert_eq!(store.put_article(&a).await.expect("put"), PutOutcome::Updated);
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
    let empty = store.list_articles(Some(Category::Lifestyle), None, 20).await.expect("list");
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
    let page = store.list_articles(None, None, 20).await.expect("list");
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

async fn trending_counts_reads_in_the_window(store: impl Store) {
    let now = datetime!(2026-03-10 18:30 UTC);
    let a = put(&store, &article("a", Category::Science, T0)).await;
    let b = put(&store, &article("b", Category::Science, T0 + Duration::hours(1))).await;
    let c = put(&store, &article("c", Category::Sports, T0)).await;
    let old = put(&store, &article("old", Category::Sports, T0)).await;

    // a: 3 reads spread over the window, the oldest in its first hour.
    store.record_read(&a, datetime!(2026-03-08 19:00 UTC)).await.expect("read");
    store.record_read(&a, now - Duration::hours(5)).await.expect("read");
    store.record_read(&a, now).await.expect("read");
    // b: 3 reads, published later than a: ranks above a on the tie.
    for _ in 0..3 {
        store.record_read(&b, now - Duration::minutes(20)).await.expect("read");
    }
    // c: 2 reads in the window, 1 just before it.
    store.record_read(&c, now - Duration::hours(1)).await.expect("read");
    store.record_read(&c, now - Duration::hours(47)).await.expect("read");
    store.record_read(&c, datetime!(2026-03-08 18:59:59 UTC)).await.expect("read");
    // old: many reads, all before the window.
    for _ in 0..5 {
        store.record_read(&old, now - Duration::hours(49)).await.expect("read");
    }

    let trending = store.trending(now, 20).await.expect("trending");
    let got: Vec<(String, u64)> = trending.iter().map(|t| (t.article.slug.to_string(), t.reads)).collect();
    assert_eq!(got, [("b".into(), 3), ("a".into(), 3), ("c".into(), 2)]);
    assert_eq!(trending[0].article, b, "the row carries the article's summary");

    let top2 = store.trending(now, 2).await.expect("trending");
    assert_eq!(top2.iter().map(|t| t.article.slug.as_str()).collect::<Vec<_>>(), ["b", "a"]);

    // An hour later the window has moved past the reads of its first hour.
    let later = store.trending(now + Duration::hours(1), 20).await.expect("trending");
    let got: Vec<(String, u64)> = later.iter().map(|t| (t.article.slug.to_string(), t.reads)).collect();
    assert_eq!(got, [("b".into(), 3), ("a".into(), 2), ("c".into(), 1)]);
}

async fn trending_shows_the_newest_summary(store: impl Store) {
    let now = datetime!(2026-03-10 18:30 UTC);
    let mut a = put(&store, &article("a", Category::Science, T0)).await;
    store.record_read(&a, now - Duration::hours(3)).await.expect("read");
    a.title = "Updated title".into();
    a.comment_count = 4;
    store.record_read(&a, now - Duration::hours(1)).await.expect("read");
    let mut stale = a.clone();
    stale.title = "Stale title".into();
    store.record_read(&stale, now - Duration::hours(2)).await.expect("read");

    let trending = store.trending(now, 20).await.expect("trending");
    assert_eq!(trending.len(), 1);
    assert_eq!(trending[0].reads, 3);
    assert_eq!(trending[0].article, a);
    assert!(store.trending(now + Duration::days(3), 20).await.expect("trending").is_empty());
}

// ---- instantiation -----------------------------------------------------

macro_rules! contract_tests {
    ($($name:ident),+ $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(broadsheet::store::memory::MemoryStore::new()).await;
                }
            )+
        }

        mod dynamo {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(broadsheet_tests::dynamo::fresh_store().await).await;
                }
            )+
        }
    };
}

contract_tests!(
    put_and_get_article_with_body,
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
    trending_shows_the_newest_summary,
);

// ---- DynamoDB only: round trips and faults -----------------------------

/// The round-trip budgets of PRODUCT.md §5, counted on the wire.
mod dynamo_only {
    use aws_sdk_dynamodb::types::AttributeValue;
    use broadsheet_tests::dynamo::{fresh_counted_store, fresh_table, test_client};

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
        store.list_articles(Some(Category::Health), None, 20).await.expect("list");
        store.has_articles().await.expect("has_articles");
        assert_eq!(counter.snapshot(), counts(&[("Query", 2)]), "listing and has_articles");

        counter.reset();
        store.record_read(&a, T0).await.expect("read");
        assert_eq!(counter.snapshot(), counts(&[("UpdateItem", 1)]), "record_read");

        counter.reset();
        store.trending(T0, 20).await.expect("trending");
        assert_eq!(counter.snapshot(), counts(&[("Query", 48)]), "trending: one Query per hour");

        counter.reset();
        store.put_article(&article("counted", Category::Health, T0)).await.expect("put");
        assert_eq!(counter.snapshot(), counts(&[("GetItem", 1)]), "an unchanged import does not write");

        counter.reset();
        store.warm().await;
        assert_eq!(counter.total(), 1);
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
        assert_eq!(store.put_article(&fixed).await.expect("put"), PutOutcome::Updated);
        assert!(store.article_page(&a.slug, None, 50).await.expect("read").is_some());
    }

    #[tokio::test]
    async fn sdk_failures_are_unavailable_with_their_source() {
        let store = DynamoStore::new(test_client(None).await, "no-such-table");
        let err = store.list_articles(None, None, 20).await.expect_err("no table");
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
        let name = broadsheet_tests::dynamo::unique_table_name();
        assert!(broadsheet::store::dynamo::ensure_table(&client, &name).await.expect("ensure"));
        assert!(!broadsheet::store::dynamo::ensure_table(&client, &name).await.expect("ensure"));
        let ttl = client.describe_time_to_live().table_name(&name).send().await.expect("describe ttl");
        let ttl = ttl.time_to_live_description().expect("ttl description");
        assert_eq!(ttl.attribute_name(), Some("expires_at"));
    }
}
