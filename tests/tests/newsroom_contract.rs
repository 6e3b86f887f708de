//! The newsroom contract: author pages and "More in {Category}" behave the
//! same on both stores, through imports, moves between sections,
//! unpublishing, republishing and scheduled times (docs/table-design.md).

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::domain::{Author, Category, NewArticle, NewAuthor, ReadNext, Slug};
use broadsheet::store::{ArticleWriter, AuthorReader, PutOutcome, ReadNextReader};
use broadsheet_testkit::content::{article, slug};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

trait Store: AuthorReader + ReadNextReader + ArticleWriter {}
impl<S: AuthorReader + ReadNextReader + ArticleWriter> Store for S {}

const NOW: OffsetDateTime = datetime!(2026-11-25 12:00 UTC);

/// A story by `author` in `category`, `hours` before [`NOW`] (negative: scheduled).
fn story(name: &str, author: &str, category: Category, hours: i64) -> NewArticle {
    NewArticle {
        author: author.into(),
        category,
        published_at: NOW - Duration::hours(hours),
        ..article(name)
    }
}

fn slugs(items: &[broadsheet::domain::ArticleSummary]) -> Vec<&str> {
    items.iter().map(|a| a.slug.as_str()).collect()
}

fn read_next_slugs(next: &ReadNext, of: &NewArticle, now: OffsetDateTime) -> Vec<String> {
    let summary = broadsheet::domain::ArticleSummary {
        slug: of.slug.clone(),
        title: of.title.clone(),
        category: of.category,
        author: of.author.clone(),
        published_at: of.published_at,
        summary: String::new(),
        comment_count: 0,
        words: 0,
        updated_at: None,
    };
    next.for_article(&summary, now).into_iter().map(|a| a.slug.to_string()).collect()
}

async fn author_pages_page_newest_first_and_skip_what_readers_cannot_see(store: impl Store) {
    let ada = slug("ada-pell");
    for i in 0..5 {
        store.put_article(&story(&format!("ada-{i}"), "Ada Pell", Category::Science, i), NOW).await.unwrap();
    }
    store.put_article(&story("ada-later", "Ada  PELL", Category::Health, -24), NOW).await.unwrap();
    store.put_article(&story("bob-0", "Bob Ray", Category::Science, 0), NOW).await.unwrap();

    let page = store.author_page(&ada, None, 3, NOW).await.unwrap();
    assert_eq!(page.author, None, "no author file yet");
    assert_eq!(slugs(&page.articles.items), ["ada-0", "ada-1", "ada-2"], "newest first, scheduled left out");
    let next = page.articles.next.expect("a second page");
    let page = store.author_page(&ada, Some(&next), 3, NOW).await.unwrap();
    assert_eq!(slugs(&page.articles.items), ["ada-3", "ada-4"]);
    assert_eq!(page.articles.next, None);

    // The scheduled story appears by itself when its time comes.
    let later = store.author_page(&ada, None, 1, NOW + Duration::hours(25)).await.unwrap();
    assert_eq!(slugs(&later.articles.items), ["ada-later"]);

    // Unpublished: off the page; republished: back.
    assert_eq!(store.set_published(&slug("ada-0"), false, NOW).await.unwrap(), Some(true));
    let page = store.author_page(&ada, None, 10, NOW).await.unwrap();
    assert_eq!(slugs(&page.articles.items), ["ada-1", "ada-2", "ada-3", "ada-4"]);
    store.set_published(&slug("ada-0"), true, NOW).await.unwrap();
    assert_eq!(store.author_page(&ada, None, 1, NOW).await.unwrap().articles.items[0].slug.as_str(), "ada-0");

    // A changed byline moves the story to the other author's page.
    store.put_article(&story("ada-4", "Bob Ray", Category::Science, 4), NOW).await.unwrap();
    let bob = store.author_page(&slug("bob-ray"), None, 10, NOW).await.unwrap();
    assert_eq!(slugs(&bob.articles.items), ["bob-0", "ada-4"]);
    assert_eq!(store.author_page(&ada, None, 10, NOW).await.unwrap().articles.items.len(), 4);

    // Nobody: no file, no stories.
    let nobody = store.author_page(&slug("nobody"), None, 10, NOW).await.unwrap();
    assert_eq!((nobody.author, nobody.articles.items.len()), (None, 0));
}

async fn author_files_are_idempotent(store: impl Store) {
    let file = NewAuthor {
        author: Author { slug: slug("ada-pell"), name: "Ada Pell".into(), bio: Some("Science.".into()) },
        source: "authors/ada-pell.md".into(),
    };
    assert_eq!(store.put_author(&file).await.unwrap(), PutOutcome::Created);
    assert_eq!(store.put_author(&file).await.unwrap(), PutOutcome::Unchanged);
    let page = store.author_page(&slug("ada-pell"), None, 10, NOW).await.unwrap();
    assert_eq!(page.author.as_ref(), Some(&file.author));

    let no_bio = NewAuthor { author: Author { bio: None, ..file.author.clone() }, ..file.clone() };
    assert_eq!(store.put_author(&no_bio).await.unwrap(), PutOutcome::Updated);
    let page = store.author_page(&slug("ada-pell"), None, 10, NOW).await.unwrap();
    assert_eq!(page.author.unwrap().bio, None, "a removed bio is gone");
}

async fn read_next_is_the_section_s_newest_others(store: impl Store) {
    // Times around the real clock: the memory store computes the lists when
    // they are read, the table keeps them from the writes.
    let now = OffsetDateTime::now_utc();
    let at = |name: &str, category, hours: i64| NewArticle {
        published_at: now - Duration::hours(hours),
        ..story(name, "Ada Pell", category, 0)
    };
    let tech = |name: &str, hours| at(name, Category::Technology, hours);
    for (i, name) in ["t0", "t1", "t2", "t3", "t4", "t5", "t6"].into_iter().enumerate() {
        store.put_article(&tech(name, i as i64 + 1), now).await.unwrap();
    }
    store.put_article(&tech("t-soon", -1), now).await.unwrap();
    store.put_article(&at("h0", Category::Health, 1), now).await.unwrap();

    let next = store.read_next().await.unwrap();
    assert_eq!(read_next_slugs(&next, &tech("t5", 6), now), ["t0", "t1", "t2", "t3"]);
    assert_eq!(read_next_slugs(&next, &tech("t0", 1), now), ["t1", "t2", "t3", "t4"], "never itself");
    let h = at("h0", Category::Health, 1);
    assert!(read_next_slugs(&next, &h, now).is_empty(), "the only health story has no others");

    // Unpublished stories leave the list; the next newest takes the place.
    store.set_published(&slug("t1"), false, now).await.unwrap();
    let next = store.read_next().await.unwrap();
    assert_eq!(read_next_slugs(&next, &tech("t6", 7), now), ["t0", "t2", "t3", "t4"]);

    // A story moved to another section leaves this one's list and joins that one's.
    store.put_article(&at("t0", Category::Health, 1), now).await.unwrap();
    let next = store.read_next().await.unwrap();
    assert_eq!(read_next_slugs(&next, &tech("t6", 7), now), ["t2", "t3", "t4", "t5"]);
    let h1 = at("h1", Category::Health, 9);
    let mut health = read_next_slugs(&next, &h1, now);
    health.sort();
    assert_eq!(health, ["h0", "t0"], "both published an hour ago");
}

/// On DynamoDB the list is written by the article writes; a scheduled story
/// rides along and shows once its time has come, with no write in between.
async fn a_scheduled_story_joins_read_next_by_itself(store: impl Store) {
    let now = OffsetDateTime::now_utc();
    let soon =
        NewArticle { published_at: now + Duration::seconds(2), ..story("soon", "A", Category::Sports, 0) };
    store.put_article(&story("old", "A", Category::Sports, 48), now).await.unwrap();
    store.put_article(&soon, now).await.unwrap();
    let viewer = story("viewer", "A", Category::Sports, 24);
    let next = store.read_next().await.unwrap();
    assert_eq!(read_next_slugs(&next, &viewer, now), ["old"]);
    // Read again later (the memory store computes the list at read time,
    // the table keeps it: both must now show the story).
    let later = now + Duration::seconds(3);
    assert_eq!(read_next_slugs(&store.read_next().await.unwrap(), &viewer, later), ["soon", "old"]);
    let _: &Slug = &soon.slug;
}

broadsheet_testkit::on_both_stores!(store:
    author_pages_page_newest_first_and_skip_what_readers_cannot_see,
    author_files_are_idempotent,
    read_next_is_the_section_s_newest_others,
    a_scheduled_story_joins_read_next_by_itself,
);

/// A table from before author pages: its articles carry no author-index keys
/// and there is no read-next item. Re-importing the same files (every
/// article `Unchanged`) fills both in, writing no content.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reimporting_backfills_a_table_from_before_author_pages() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let (client, table) = broadsheet_testkit::dynamo::fresh_table().await;
    let store = broadsheet::store::dynamo::DynamoStore::new(client.clone(), table.clone());
    let now = OffsetDateTime::now_utc();
    let old =
        NewArticle { published_at: now - Duration::hours(1), ..story("old", "Ada Pell", Category::Blog, 0) };
    store.put_article(&old, now).await.unwrap();
    let key = |pk: &str, sk: &str| {
        std::collections::HashMap::from([
            ("PK".to_owned(), AttributeValue::S(pk.to_owned())),
            ("SK".to_owned(), AttributeValue::S(sk.to_owned())),
        ])
    };
    client
        .update_item()
        .table_name(&table)
        .set_key(Some(key("ARTICLE#old", "A")))
        .update_expression("REMOVE GSI3PK, GSI3SK")
        .send()
        .await
        .unwrap();
    client.delete_item().table_name(&table).set_key(Some(key("READNEXT", "READNEXT"))).send().await.unwrap();
    assert!(store.author_page(&slug("ada-pell"), None, 10, now).await.unwrap().articles.items.is_empty());

    assert_eq!(store.put_article(&old, now).await.unwrap(), PutOutcome::Unchanged);
    let page = store.author_page(&slug("ada-pell"), None, 10, now).await.unwrap();
    assert_eq!(slugs(&page.articles.items), ["old"]);
    let viewer = story("viewer", "B", Category::Blog, 48);
    assert_eq!(read_next_slugs(&store.read_next().await.unwrap(), &viewer, now), ["old"]);
}
