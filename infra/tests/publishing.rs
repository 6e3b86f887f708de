//! `broadsheet unpublish|republish SLUG` through the real binary against a
//! fresh table on the test server: the article leaves the listings and its
//! status says so, and comes back; an unknown slug is a clear error with exit
//! status 1, a malformed one a usage error, changing nothing.

use std::process::{Command, Output};

use broadsheet::store::dynamo::DynamoStore;
use broadsheet::store::{ArticleLister as _, ArticleReader as _, ArticleWriter as _};
use broadsheet_testkit::content::article;
use broadsheet_testkit::dynamo::{endpoint, fresh_table};
use time::OffsetDateTime;

fn broadsheet(table: &str, args: &[&str]) -> (i32, String, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .args(args)
        .args(["--dynamodb-endpoint", &endpoint(), "--table", table])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("broadsheet runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn unpublish_and_republish_from_the_command_line() {
    let (client, table) = fresh_table().await;
    let store = DynamoStore::new(client, table.clone());
    let a = article("otters-return");
    store.put_article(&a, OffsetDateTime::now_utc()).await.expect("put");
    let listed = || async {
        store.list_articles(None, None, 10, OffsetDateTime::now_utc()).await.expect("list").items.len()
    };
    assert_eq!(listed().await, 1);

    let (code, stdout, stderr) = broadsheet(&table, &["unpublish", "otters-return"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), "otters-return: unpublished");
    assert_eq!(listed().await, 0);
    assert!(store.article_page(&a.slug, None, 1).await.expect("read").expect("kept").article.unpublished);

    let (code, stdout, _) = broadsheet(&table, &["unpublish", "otters-return"]);
    assert_eq!((code, stdout.trim()), (0, "otters-return: already unpublished; nothing changed"));

    let (code, stdout, stderr) = broadsheet(&table, &["republish", "otters-return"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), "otters-return: republished");
    assert_eq!(listed().await, 1);

    let (code, _, stderr) = broadsheet(&table, &["unpublish", "no-such-story"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("no article has the slug `no-such-story`"), "{stderr}");
    let (code, _, _) = broadsheet(&table, &["unpublish", "Not A Slug"]);
    assert_eq!(code, 2, "a usage error");
    assert_eq!(listed().await, 1, "nothing changed");
}
