//! The moderation function fed real API Gateway events from `infra/events/`
//! (HTTP API v2 to the handler, a function URL through
//! `broadsheet::startup::invoke`): the ordinary `404` for anyone who is not a
//! moderator, and a moderator's removal, approval and suspension.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::auth::{DisplayName, PasswordHash};
use broadsheet::domain::moderation::{Actor, Role, UserChange};
use broadsheet::domain::{CommentRef, Slug};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{Moderation as _, ModerationOutcome, User, Users as _};
use broadsheet_moderation::{ModerationApp, handle};
use broadsheet_testkit::content::{
    FIXTURE_ORIGIN, FIXTURE_SESSION, FIXTURE_SESSION_CSRF, FIXTURE_SLUG as SLUG, LoggedIn, comment,
    fixture_store, log_in_moderator, site, slug, username,
};
use broadsheet_testkit::events::{Event, form, invoke, text};
use time::OffsetDateTime;

const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

/// The fixtures' store with a comment on the article, and a logged-in
/// moderator (`mona`, holding the role on her account).
async fn app() -> (ModerationApp<MemoryStore>, CommentRef, LoggedIn) {
    let store = fixture_store().await;
    let c = comment("fixture_reader", "An advert", OffsetDateTime::now_utc());
    store.seed_comment(&slug(SLUG), c.clone()).await.unwrap();
    let account = |name: &str| {
        let hash = PasswordHash::from_phc(PHC.into()).unwrap();
        User::new(username(name), DisplayName::parse(name).unwrap(), hash, OffsetDateTime::now_utc())
    };
    let mona = account("mona");
    assert!(store.create_user(&mona).await.unwrap());
    assert!(store.create_user(&account("fixture_reader")).await.unwrap());
    let grant = UserChange::Grant(Role::Moderator);
    let granted = store.change_user(&mona.username, grant, &Actor::Operator, "", OffsetDateTime::now_utc());
    assert_eq!(granted.await.unwrap(), ModerationOutcome::Done);
    let session = log_in_moderator(&store, "mona", "Mona").await;
    (ModerationApp::new(store, site(FIXTURE_ORIGIN)), c.address(), session)
}

fn get(path: &str, cookie: Option<&str>) -> Event {
    let event = Event::load("listing-front.json").with_path(path);
    match cookie {
        Some(c) => event.with_cookies(&[c]),
        None => event,
    }
}

fn post(path: &str, cookie: &str, fields: &[(&str, &str)]) -> Event {
    Event::load("comment-post.json").with_path(path).with_cookies(&[cookie]).with_form(&form(fields))
}

async fn still_there(app: &ModerationApp<MemoryStore>, at: CommentRef) -> bool {
    use broadsheet::store::CommentWriter as _;
    app.store.find_comment(&Slug::parse(SLUG).unwrap(), at).await.unwrap().is_some()
}

#[tokio::test]
async fn anyone_but_a_moderator_gets_the_ordinary_404() {
    let (app, at, _) = app().await;
    let reader = format!("__Host-bs_session={FIXTURE_SESSION}");
    for (who, cookie) in [("anonymous", None), ("a reader", Some(reader.as_str()))] {
        for path in ["/moderation", "/moderation/log"] {
            let resp = handle(&app, get(path, cookie).request()).await;
            assert_eq!(resp.status(), 404, "{who} {path}");
            assert!(text(&resp).contains("Page not found"), "the site's own 404 page");
        }
    }
    let remove = format!("/articles/{SLUG}/comments/{at}/remove");
    let resp = handle(
        &app,
        post(&remove, &reader, &[("csrf_token", FIXTURE_SESSION_CSRF), ("reason", "x")]).request(),
    )
    .await;
    assert_eq!(resp.status(), 404);
    assert!(still_there(&app, at).await, "nothing changed");
}

#[tokio::test]
async fn a_moderator_works_through_http_api_and_function_url_events() {
    let (app, at, mona) = app().await;
    let queue = handle(&app, get("/moderation", Some(&mona.cookie)).request()).await;
    assert_eq!(queue.status(), 200);
    assert_eq!(queue.headers()["cache-control"], "private, no-store");
    assert!(text(&queue).contains("Nothing is waiting for review."));

    // Without the form's token: refused, nothing changed.
    let remove = format!("/articles/{SLUG}/comments/{at}/remove");
    let forged =
        handle(&app, post(&remove, &mona.cookie, &[("csrf_token", "forged"), ("reason", "x")]).request())
            .await;
    assert_eq!(forged.status(), 403);
    assert!(still_there(&app, at).await);

    // Through a function URL, the way a deployed function receives it.
    let event = Event::load("comment-delete.function-url.json")
        .with_path(&remove)
        .with_cookies(&[&mona.cookie])
        .with_form(&form(&[
            ("csrf_token", &mona.csrf),
            ("reason", "advertising"),
            ("return_to", "/moderation"),
        ]));
    let answer = invoke(&app, &event.json()).await;
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(answer.header("location"), Some("/moderation?done=removed"));
    assert!(!still_there(&app, at).await, "removed");

    let suspend = post(
        "/moderation/users/fixture_reader/suspend",
        &mona.cookie,
        &[("csrf_token", &mona.csrf), ("days", "7")],
    );
    let resp = handle(&app, suspend.request()).await;
    assert_eq!(resp.status(), 303);
    let log = handle(&app, get("/moderation/log", Some(&mona.cookie)).request()).await;
    let page = text(&log);
    assert!(
        page.contains("removed comment") && page.contains("advertising") && page.contains("@fixture_reader")
    );
}
