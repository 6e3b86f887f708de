//! The search index's S3 path against moto's S3 (`scripts/with-moto.sh`
//! serves it on the same port as DynamoDB): publish, load at "cold start",
//! refresh only when the object changed, keep serving when S3 fails.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use std::path::Path;
use std::time::Duration;

use broadsheet::domain::Article;
use broadsheet::store::ArticleWriter;
use broadsheet::store::dynamo::Region;
use broadsheet::store::memory::MemoryStore;
use broadsheet_cli::cli::SAMPLE_CONTENT;
use broadsheet_index::{BucketError, IndexBucket, LiveIndex, SearchIndex};
use time::OffsetDateTime;

fn endpoint() -> String {
    std::env::var("BROADSHEET_TEST_DYNAMODB_ENDPOINT")
        .expect("run under scripts/with-moto.sh, which serves S3 on the same port")
}

/// A fresh bucket of a random name on moto.
async fn fresh_bucket() -> IndexBucket {
    let name = format!("bs-index-{:016x}", rand::random::<u64>());
    let endpoint = endpoint();
    let bucket = IndexBucket::connect(Region::new("us-east-1"), Some(&endpoint), &name).await;
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(&endpoint)
        .load()
        .await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build(),
    );
    s3.create_bucket().bucket(&name).send().await.unwrap();
    bucket
}

async fn sample_articles() -> Vec<Article> {
    let store = MemoryStore::new();
    broadsheet_cli::import::import_dir(&store, Path::new(SAMPLE_CONTENT)).await.unwrap();
    store.searchable_articles().await.unwrap()
}

fn titles(index: &SearchIndex, q: &str) -> Vec<String> {
    let r = index.search(q, 0, 20, OffsetDateTime::now_utc()).unwrap();
    r.hits.into_iter().map(|h| h.slug.to_string()).collect()
}

#[tokio::test]
async fn a_published_index_loads_and_refreshes_only_when_it_changes() {
    let bucket = fresh_bucket().await;
    bucket.check().await.unwrap();
    let articles = sample_articles().await;
    bucket.publish(&SearchIndex::build(&articles).unwrap()).await.unwrap();

    let live = LiveIndex::from_bucket(bucket.clone(), Duration::from_secs(3600)).await;
    let index = live.index().await.expect("loaded at start");
    assert_eq!(index.len() as usize, articles.len());
    let otters = "vell-river-otters-return-after-thirty-year-absence";
    assert_eq!(titles(&index, "otters").first().map(String::as_str), Some(otters));
    assert!(!live.refresh().await.unwrap(), "same ETag: nothing downloaded");

    // The otters story withdrawn: the next published index leaves it out.
    let fewer: Vec<Article> =
        articles.iter().filter(|a| a.summary.slug.as_str() != otters).cloned().collect();
    bucket.publish(&SearchIndex::build(&fewer).unwrap()).await.unwrap();
    assert!(live.refresh().await.unwrap(), "a new ETag: the new index is loaded");
    let index = live.index().await.unwrap();
    assert!(!titles(&index, "otters").contains(&otters.to_owned()));
}

#[tokio::test]
async fn a_missing_index_or_bucket_is_a_clear_error_and_the_loaded_index_stays() {
    let bucket = fresh_bucket().await;
    assert!(matches!(bucket.fetch().await, Err(BucketError::Missing { .. })));
    assert_eq!(bucket.etag().await.unwrap(), None);
    let live = LiveIndex::from_bucket(bucket.clone(), Duration::from_secs(3600)).await;
    assert!(live.index().await.is_none(), "nothing to serve: searches answer 503");

    let gone =
        IndexBucket::connect(Region::new("us-east-1"), Some(&endpoint()), "bs-no-such-bucket-here").await;
    let err = gone.check().await.unwrap_err();
    assert!(err.to_string().contains("bs-no-such-bucket-here"), "{err}");

    // Loaded once, then S3 fails: the loaded index keeps answering.
    bucket.publish(&SearchIndex::build(&sample_articles().await).unwrap()).await.unwrap();
    assert!(live.refresh().await.unwrap());
    let broken = IndexBucket::connect(Region::new("us-east-1"), Some("http://127.0.0.1:9"), "bs-x").await;
    assert!(broken.etag().await.is_err());
    assert!(live.index().await.is_some());
}

#[test]
fn an_index_survives_its_archive() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let articles = rt.block_on(sample_articles());
    let built = SearchIndex::build(&articles).unwrap();
    let loaded = SearchIndex::from_bundle(built.to_bundle().unwrap()).unwrap();
    assert_eq!(loaded.len(), built.len());
    assert_eq!(titles(&loaded, "\"first winter\""), titles(&built, "\"first winter\""));
    assert_eq!(titles(&loaded, "fished"), titles(&built, "fished"));
}
