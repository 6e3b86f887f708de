//! `broadsheet user …` through the real binary against a fresh table on the
//! test server: roles and suspensions change and are logged; an unknown user
//! or a bad role is a clear error with exit status 1, changing nothing.

use std::process::{Command, Output};

use broadsheet::auth::{DisplayName, PasswordHash, Username};
use broadsheet::domain::moderation::LogAction;
use broadsheet::store::dynamo::DynamoStore;
use broadsheet::store::{Moderation as _, User, Users as _};
use broadsheet_testkit::dynamo::{endpoint, fresh_table};

const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

fn user(table: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_broadsheet"))
        .arg("user")
        .args(args)
        .args(["--dynamodb-endpoint", &endpoint(), "--table", table])
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("broadsheet runs")
}

fn says(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn roles_and_suspensions_from_the_command_line() {
    let (client, table) = fresh_table().await;
    let store = DynamoStore::new(client, table.clone());
    let ann = Username::parse("ann_a").expect("username");
    let account = User::new(
        ann.clone(),
        DisplayName::parse("Ann").expect("name"),
        PasswordHash::from_phc(PHC.into()).expect("hash"),
        time::OffsetDateTime::now_utc(),
    );
    assert!(store.create_user(&account).await.expect("create"));

    let (code, stdout, stderr) = says(&user(&table, &["grant", "ann_a", "moderator"]));
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.trim(), "@ann_a is now a moderator");
    assert!(store.find_user(&ann).await.expect("find").expect("found").moderator);

    let (code, stdout, stderr) =
        says(&user(&table, &["suspend", "ann_a", "--days", "3", "--reason", "spam"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.starts_with("@ann_a is suspended until "), "{stdout}");
    let found = store.find_user(&ann).await.expect("find").expect("found");
    assert!(found.is_suspended(time::OffsetDateTime::now_utc()));
    assert_eq!(says(&user(&table, &["unsuspend", "ann_a"])).0, 0);
    assert_eq!(says(&user(&table, &["revoke", "ann_a", "moderator"])).0, 0);
    let found = store.find_user(&ann).await.expect("find").expect("found");
    assert!(!found.moderator && found.suspended_until.is_none());

    let log = store.moderation_log(10).await.expect("log");
    let actions: Vec<_> = log.iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [LogAction::Revoked, LogAction::Unsuspended, LogAction::Suspended, LogAction::Granted]
    );
    assert!(log.iter().all(|e| e.actor == "operator (command line)"));
    assert_eq!(log[2].reason, "spam");

    // Bad input: a clear message, exit status 1 (or clap's 2 for usage), nothing changed.
    let (code, _, stderr) = says(&user(&table, &["grant", "nobody_here", "moderator"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("no account named \"nobody_here\""), "{stderr}");
    let (code, _, stderr) = says(&user(&table, &["grant", "ann_a", "admin"]));
    assert_eq!(code, 2, "a usage error");
    assert!(stderr.contains("the only role is `moderator`"), "{stderr}");
    let (code, _, stderr) = says(&user(&table, &["suspend", "ann_a", "--days", "0"]));
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = says(&user(&table, &["grant", "Not A Name!", "moderator"]));
    assert_eq!(code, 1);
    assert!(stderr.contains("is not a valid username"), "{stderr}");
    assert_eq!(store.moderation_log(10).await.expect("log").len(), 4, "nothing more logged");
}
