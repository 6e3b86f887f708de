//! The moderation contract: replies, edits, reports, removals, approvals,
//! holds and standing behave the same on both stores (docs/moderation.md),
//! including when two requests race for the same comment.

#![allow(clippy::unwrap_used)] // a failed unwrap in a test is a failed test

use broadsheet::auth::{DisplayName, IdempotencyKey, PasswordHash, Username, Window};
use broadsheet::domain::moderation::{Actor, LogAction, LogTarget, ReportReason, Role, UserChange};
use broadsheet::domain::{
    Category, Comment, CommentId, CommentRef, NewArticle, Removal, SanitizedHtml, Slug,
};
use broadsheet::store::{
    Allowance, ArticleWriter, DeleteOutcome, EditOutcome, ModerationOutcome, PostOutcome, ReportOutcome, User,
};
use broadsheet_cli::serve::SiteStore;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

trait Store: SiteStore + ArticleWriter {}
impl<S: SiteStore + ArticleWriter> Store for S {}

const T0: OffsetDateTime = datetime!(2026-03-01 12:00 UTC);
const PHC: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

fn username(s: &str) -> Username {
    Username::parse(s).unwrap()
}

fn slug() -> Slug {
    Slug::parse("a-story").unwrap()
}

/// A username that lives as long as the test (futures borrow their arguments).
fn u(name: &str) -> &'static Username {
    Box::leak(Box::new(username(name)))
}

fn moderator(name: &str) -> &'static Actor {
    Box::leak(Box::new(Actor::Moderator(username(name))))
}

fn s() -> &'static Slug {
    static SLUG: std::sync::LazyLock<Slug> = std::sync::LazyLock::new(slug);
    &SLUG
}

/// An article with readers `ann`, `bob` and moderators `mona`, `maxi`.
async fn setup(store: &impl Store) -> Slug {
    let a = NewArticle {
        slug: slug(),
        title: "A story".into(),
        category: Category::Opinion,
        author: "Ada".into(),
        published_at: T0,
        summary: "S".into(),
        body_html: SanitizedHtml::from_sanitized("<p>B</p>".into()),
        words: 1,
        correction: None,
        source: "story.md".into(),
        unpublished: false,
    };
    store.put_article(&a, time::OffsetDateTime::now_utc()).await.unwrap();
    for name in ["ann", "bob", "mona", "maxi"] {
        let u = User::new(
            username(name),
            DisplayName::parse(name).unwrap(),
            PasswordHash::from_phc(PHC.into()).unwrap(),
            T0,
        );
        assert!(store.create_user(&u).await.unwrap());
    }
    for m in ["mona", "maxi"] {
        let done = store.change_user(
            u(m),
            UserChange::Grant(Role::Moderator),
            &Actor::Operator,
            "",
            T0 - Duration::hours(1),
        );
        assert_eq!(done.await.unwrap(), ModerationOutcome::Done);
    }
    a.slug
}

fn unlimited() -> Allowance {
    Allowance {
        key: "comment#anyone".into(),
        window: Window::containing(T0, Duration::minutes(1)),
        limit: u32::MAX,
    }
}

fn by(author: &str, minutes: i64, body: &str) -> Comment {
    Comment::new(username(author), author.to_owned(), body.to_owned(), T0 + Duration::minutes(minutes))
}

fn reply(author: &str, minutes: i64, parent: &Comment) -> Comment {
    Comment { parent: Some(parent.id), ..by(author, minutes, "a reply") }
}

async fn post(store: &impl Store, c: &Comment) -> PostOutcome {
    store.post_comment(s(), c, &IdempotencyKey::generate(), &unlimited()).await.unwrap()
}

async fn posted(store: &impl Store, c: &Comment) -> Comment {
    assert_eq!(post(store, c).await, PostOutcome::Created(c.id), "{c:?}");
    store.find_comment(s(), c.address()).await.unwrap().unwrap()
}

/// The article's count and its first page of comments (up to `limit` threads).
async fn page(store: &impl Store, limit: usize) -> (u64, Vec<Comment>, Option<CommentId>) {
    let p = store.article_page(s(), None, limit).await.unwrap().unwrap();
    (p.article.summary.comment_count, p.comments.items, p.comments.next)
}

fn ids(comments: &[Comment]) -> Vec<CommentId> {
    comments.iter().map(|c| c.id).collect()
}

// ---- replies -------------------------------------------------------------

async fn replies_sit_under_their_parent_and_pages_count_threads(store: impl Store) {
    setup(&store).await;
    let first = posted(&store, &by("ann", 1, "first")).await;
    let second = posted(&store, &by("bob", 2, "second")).await;
    // Posted after `second`, shown under `first`.
    let r1 = posted(&store, &reply("bob", 3, &first)).await;
    let r2 = posted(&store, &reply("ann", 4, &first)).await;
    let parent = store.find_comment(s(), first.address()).await.unwrap().unwrap();
    assert_eq!(parent.replies, 2);
    assert_eq!(r1.address(), CommentRef { top: first.id, reply: Some(r1.id) });

    let (count, comments, next) = page(&store, 50).await;
    assert_eq!(count, 4, "replies count");
    assert_eq!(ids(&comments), [first.id, r1.id, r2.id, second.id]);
    assert_eq!(next, None);

    // A page of one thread: the first comment with all its replies.
    let (_, comments, next) = page(&store, 1).await;
    assert_eq!(ids(&comments), [first.id, r1.id, r2.id]);
    assert_eq!(next, Some(first.id));
    let later = store.article_page(s(), Some(first.id), 1).await.unwrap().unwrap();
    assert_eq!(ids(&later.comments.items), [second.id]);
    assert_eq!(later.comments.next, None);
}

async fn a_reply_needs_a_live_top_level_parent(store: impl Store) {
    setup(&store).await;
    let top = posted(&store, &by("ann", 1, "top")).await;
    let r = posted(&store, &reply("bob", 2, &top)).await;
    // A reply to a reply is refused by the store (the handler attaches it
    // to the top-level comment before it gets here).
    assert_eq!(post(&store, &reply("ann", 3, &r)).await, PostOutcome::NoSuchParent);
    let held = posted(&store, &Comment { held: true, ..by("bob", 6, "held") }).await;
    assert_eq!(post(&store, &reply("ann", 7, &held)).await, PostOutcome::NoSuchParent, "held");
    let nowhere = by("ann", 4, "gone");
    assert_eq!(post(&store, &reply("ann", 5, &nowhere)).await, PostOutcome::NoSuchParent);
    let (count, comments, _) = page(&store, 50).await;
    assert_eq!((count, comments.len()), (2, 3), "nothing written (the held one is not counted)");
    assert_eq!(store.find_comment(s(), top.address()).await.unwrap().unwrap().replies, 1);
}

// ---- removing ------------------------------------------------------------

async fn a_removed_comment_leaves_views_and_count_with_its_log_entry(store: impl Store) {
    setup(&store).await;
    let c = posted(&store, &by("ann", 1, "rude")).await;
    assert_eq!(
        store.remove_comment(s(), c.address(), u("ann"), "no", T0).await.unwrap(),
        ModerationOutcome::NotModerator,
        "a reader is not a moderator"
    );
    assert_eq!(page(&store, 50).await.0, 1, "nothing changed");
    let removed = store.remove_comment(s(), c.address(), u("mona"), "rude", T0 + Duration::hours(1));
    assert_eq!(removed.await.unwrap(), ModerationOutcome::Done);
    let (count, comments, _) = page(&store, 50).await;
    assert_eq!((count, comments.len()), (0, 0));
    let log = store.moderation_log(10).await.unwrap();
    let entry = log.iter().find(|e| e.action == LogAction::Removed).unwrap();
    assert_eq!(entry.actor, "@mona");
    assert_eq!(entry.reason, "rude");
    assert_eq!(entry.target, LogTarget::Comment { article: slug(), id: c.id, author: username("ann") });
    assert_eq!(
        store.remove_comment(s(), c.address(), u("mona"), "again", T0).await.unwrap(),
        ModerationOutcome::NotFound
    );
}

async fn a_removed_comment_with_replies_stays_as_a_placeholder(store: impl Store) {
    setup(&store).await;
    let top = posted(&store, &by("ann", 1, "top")).await;
    let r = posted(&store, &reply("bob", 2, &top)).await;
    let done = store.remove_comment(s(), top.address(), u("mona"), "off-topic", T0).await.unwrap();
    assert_eq!(done, ModerationOutcome::Done);
    let (count, comments, _) = page(&store, 50).await;
    assert_eq!(count, 1, "the reply still counts");
    assert_eq!(ids(&comments), [top.id, r.id]);
    assert_eq!(comments[0].removed, Some(Removal::ByModerator));
    assert_eq!(comments[0].body, "", "its text is gone");
    // Nobody can reply to it any more.
    assert_eq!(post(&store, &reply("ann", 3, &top)).await, PostOutcome::NoSuchParent);
    // Removing the reply leaves the placeholder's thread empty but intact.
    let done = store.remove_comment(s(), r.address(), u("mona"), "x", T0).await.unwrap();
    assert_eq!(done, ModerationOutcome::Done);
    let (count, comments, _) = page(&store, 50).await;
    assert_eq!((count, ids(&comments)), (0, vec![top.id]));
}

async fn an_author_deleting_a_comment_with_replies_keeps_the_thread(store: impl Store) {
    setup(&store).await;
    let top = posted(&store, &by("ann", 1, "top")).await;
    let r = posted(&store, &reply("bob", 2, &top)).await;
    let delete = store.delete_comment(s(), top.address(), u("ann"));
    assert_eq!(delete.await.unwrap(), DeleteOutcome::Deleted);
    let (count, comments, _) = page(&store, 50).await;
    assert_eq!((count, ids(&comments)), (1, vec![top.id, r.id]));
    assert_eq!(comments[0].removed, Some(Removal::ByAuthor));
    let delete = store.delete_comment(s(), r.address(), u("bob"));
    assert_eq!(delete.await.unwrap(), DeleteOutcome::Deleted);
    assert_eq!(store.find_comment(s(), top.address()).await.unwrap().unwrap().replies, 0);
}

async fn two_moderators_removing_at_once_remove_once(store: impl Store) {
    setup(&store).await;
    for round in 0..5 {
        let c = posted(&store, &by("ann", round, "x")).await;
        let (a, b) = tokio::join!(
            store.remove_comment(s(), c.address(), u("mona"), "a", T0),
            store.remove_comment(s(), c.address(), u("maxi"), "b", T0),
        );
        let mut outcomes = [a.unwrap(), b.unwrap()];
        outcomes.sort_by_key(|o| format!("{o:?}"));
        assert_eq!(outcomes, [ModerationOutcome::Done, ModerationOutcome::NotFound], "round {round}");
    }
    assert_eq!(page(&store, 50).await.0, 0, "counted down once each");
    let removals =
        store.moderation_log(100).await.unwrap().into_iter().filter(|e| e.action == LogAction::Removed);
    assert_eq!(removals.count(), 5, "one log entry per removal");
}

async fn remove_and_edit_racing_end_removed(store: impl Store) {
    setup(&store).await;
    for round in 0..5 {
        let c = posted(&store, &by("ann", round, "original")).await;
        let (removed, edited) = tokio::join!(
            store.remove_comment(s(), c.address(), u("mona"), "r", T0),
            store.edit_comment(s(), c.address(), u("ann"), "edited", c.created_at, Duration::minutes(15)),
        );
        assert_eq!(removed.unwrap(), ModerationOutcome::Done, "round {round}");
        assert!(matches!(edited.unwrap(), EditOutcome::Edited | EditOutcome::NotFound));
        assert_eq!(store.find_comment(s(), c.address()).await.unwrap(), None, "round {round}");
    }
    assert_eq!(page(&store, 50).await.0, 0);
}

// ---- reports and the queue -----------------------------------------------

async fn a_reader_reports_a_comment_once(store: impl Store) {
    setup(&store).await;
    let c = posted(&store, &by("ann", 1, "spam spam")).await;
    let report = |who: &'static str, reason| store.report_comment(s(), c.address(), u(who), reason, T0);
    assert_eq!(report("ann", ReportReason::Spam).await.unwrap(), ReportOutcome::OwnComment);
    // The same reader twice at once: one report.
    let (a, b) = tokio::join!(report("bob", ReportReason::Spam), report("bob", ReportReason::Abuse));
    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(outcomes, [ReportOutcome::AlreadyReported, ReportOutcome::Reported]);
    assert_eq!(report("bob", ReportReason::Other).await.unwrap(), ReportOutcome::AlreadyReported);
    assert_eq!(report("mona", ReportReason::OffTopic).await.unwrap(), ReportOutcome::Reported);
    let queue = store.moderation_queue(10).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].reports, 2);
    assert_eq!(queue[0].comment.body, "spam spam");
    assert_eq!(queue[0].reasons.len(), 2, "{:?}", queue[0].reasons);
    assert!(queue[0].reasons.contains(&ReportReason::OffTopic));
    let gone = CommentRef::top(CommentId::new_at(T0));
    let missing = store.report_comment(s(), gone, u("bob"), ReportReason::Spam, T0).await.unwrap();
    assert_eq!(missing, ReportOutcome::NotFound);

    // Dismissing the reports empties the queue and keeps the comment.
    let done = store.approve_comment(s(), c.address(), u("mona"), T0).await.unwrap();
    assert_eq!(done, ModerationOutcome::Done);
    assert!(store.moderation_queue(10).await.unwrap().is_empty());
    assert_eq!(page(&store, 50).await.0, 1);
    let log = store.moderation_log(1).await.unwrap();
    assert_eq!(log[0].action, LogAction::DismissedReports);
    let again = store.approve_comment(s(), c.address(), u("mona"), T0).await.unwrap();
    assert_eq!(again, ModerationOutcome::NotFound, "nothing left to approve");
}

async fn a_held_comment_waits_uncounted_until_approved(store: impl Store) {
    setup(&store).await;
    let early = posted(&store, &by("bob", 0, "early")).await;
    let held = posted(&store, &Comment { held: true, ..by("ann", 1, "buy at the casino") }).await;
    assert!(held.held);
    let (count, comments, _) = page(&store, 50).await;
    assert_eq!(count, 1, "not counted while held");
    assert_eq!(ids(&comments), [early.id, held.id], "the store returns it; views decide who sees it");
    let queue = store.moderation_queue(10).await.unwrap();
    assert_eq!((queue.len(), queue[0].comment.held, queue[0].reports), (1, true, 0));
    // Held comments cannot be reported (nobody else sees them).
    let report = store.report_comment(s(), held.address(), u("bob"), ReportReason::Spam, T0);
    assert_eq!(report.await.unwrap(), ReportOutcome::NotFound);
    let not_mod = store.approve_comment(s(), held.address(), u("bob"), T0).await.unwrap();
    assert_eq!(not_mod, ModerationOutcome::NotModerator);
    let (a, b) = tokio::join!(
        store.approve_comment(s(), held.address(), u("mona"), T0),
        store.approve_comment(s(), held.address(), u("maxi"), T0),
    );
    let mut outcomes = [a.unwrap(), b.unwrap()];
    outcomes.sort_by_key(|o| format!("{o:?}"));
    assert_eq!(outcomes, [ModerationOutcome::Done, ModerationOutcome::NotFound]);
    let (count, _, _) = page(&store, 50).await;
    assert_eq!(count, 2, "counted once approved, once");
    assert!(!store.find_comment(s(), held.address()).await.unwrap().unwrap().held);
    assert!(store.moderation_queue(10).await.unwrap().is_empty());
    assert_eq!(store.moderation_log(1).await.unwrap()[0].action, LogAction::Approved);
}

async fn removing_a_held_comment_changes_no_count(store: impl Store) {
    setup(&store).await;
    let held = posted(&store, &Comment { held: true, ..by("ann", 1, "held") }).await;
    let done = store.remove_comment(s(), held.address(), u("mona"), "spam", T0).await.unwrap();
    assert_eq!(done, ModerationOutcome::Done);
    assert_eq!(page(&store, 50).await.0, 0);
    assert!(store.moderation_queue(10).await.unwrap().is_empty());
}

async fn the_queue_is_oldest_first_and_the_log_newest_first(store: impl Store) {
    setup(&store).await;
    let a = posted(&store, &by("ann", 1, "a")).await;
    let b = posted(&store, &Comment { held: true, ..by("ann", 2, "b") }).await;
    let c = posted(&store, &by("ann", 3, "c")).await;
    for x in [&c, &a] {
        store.report_comment(s(), x.address(), u("bob"), ReportReason::Spam, T0).await.unwrap();
    }
    let queue = store.moderation_queue(10).await.unwrap();
    assert_eq!(queue.iter().map(|e| e.comment.id).collect::<Vec<_>>(), [a.id, b.id, c.id]);
    assert_eq!(store.moderation_queue(2).await.unwrap().len(), 2);
    for (i, x) in [&a, &b, &c].into_iter().enumerate() {
        let at = T0 + Duration::minutes(10 + i as i64);
        store.remove_comment(s(), x.address(), u("mona"), &format!("r{i}"), at).await.unwrap();
    }
    let log = store.moderation_log(2).await.unwrap();
    assert_eq!(log.iter().map(|e| e.reason.as_str()).collect::<Vec<_>>(), ["r2", "r1"]);
}

// ---- standing ------------------------------------------------------------

async fn roles_and_suspensions_change_with_a_log_entry(store: impl Store) {
    setup(&store).await;
    let nobody = store.change_user(u("nobody"), UserChange::Unsuspend, &Actor::Operator, "", T0);
    assert_eq!(nobody.await.unwrap(), ModerationOutcome::NotFound);
    assert!(store.find_user(u("mona")).await.unwrap().unwrap().moderator);
    let revoke = store.change_user(u("maxi"), UserChange::Revoke(Role::Moderator), &Actor::Operator, "", T0);
    // (Log entries made in the same instant have no order: the next is later.)
    assert_eq!(revoke.await.unwrap(), ModerationOutcome::Done);
    assert!(!store.find_user(u("maxi")).await.unwrap().unwrap().moderator);
    // A revoked moderator can act no more; a reader cannot suspend anyone.
    for actor in ["maxi", "bob"] {
        let suspend = store.change_user(u("ann"), UserChange::Suspend(None), moderator(actor), "", T0);
        assert_eq!(suspend.await.unwrap(), ModerationOutcome::NotModerator, "{actor}");
    }
    let until = T0 + Duration::days(3);
    let later = T0 + Duration::minutes(1);
    let suspend =
        store.change_user(u("ann"), UserChange::Suspend(Some(until)), moderator("mona"), "abuse", later);
    assert_eq!(suspend.await.unwrap(), ModerationOutcome::Done);
    let ann = store.find_user(u("ann")).await.unwrap().unwrap();
    assert_eq!(ann.suspended_until, Some(until));
    assert!(ann.is_suspended(T0) && !ann.is_suspended(until));
    let log = store.moderation_log(10).await.unwrap();
    assert_eq!((log[0].action, log[0].actor.as_str()), (LogAction::Suspended, "@mona"));
    assert_eq!(log[0].target, LogTarget::User(username("ann")));
    assert_eq!(log[1].action, LogAction::Revoked);
    assert_eq!(log[1].actor, "operator (command line)");
    // A moderator acting on their own account is checked too.
    let own = store.change_user(u("mona"), UserChange::Revoke(Role::Moderator), moderator("mona"), "", T0);
    assert_eq!(own.await.unwrap(), ModerationOutcome::Done);
    let again = store.change_user(u("mona"), UserChange::Grant(Role::Moderator), moderator("mona"), "", T0);
    assert_eq!(again.await.unwrap(), ModerationOutcome::NotModerator);
}

async fn a_suspended_reader_cannot_post_report_or_edit(store: impl Store) {
    setup(&store).await;
    let mine = posted(&store, &by("ann", 1, "mine")).await;
    let theirs = posted(&store, &by("bob", 2, "theirs")).await;
    let until = T0 + Duration::days(1);
    let suspend = store.change_user(u("ann"), UserChange::Suspend(Some(until)), &Actor::Operator, "", T0);
    assert_eq!(suspend.await.unwrap(), ModerationOutcome::Done);
    let window = Window::containing(T0 + Duration::minutes(5), Duration::minutes(1));
    let allowance = Allowance { key: "comment#ann".into(), window, limit: 1 };
    let c = by("ann", 5, "while suspended");
    let key = IdempotencyKey::generate();
    assert_eq!(store.post_comment(s(), &c, &key, &allowance).await.unwrap(), PostOutcome::Suspended);
    let report = store.report_comment(s(), theirs.address(), u("ann"), ReportReason::Spam, T0);
    assert_eq!(report.await.unwrap(), ReportOutcome::Suspended);
    let edit =
        store.edit_comment(s(), mine.address(), u("ann"), "new", mine.created_at, Duration::minutes(15));
    assert_eq!(edit.await.unwrap(), EditOutcome::Suspended);
    assert_eq!(page(&store, 50).await.0, 2, "nothing written");
    assert!(store.moderation_queue(10).await.unwrap().is_empty());
    // The allowance was not used: after the suspension ends the post goes through.
    let later = Comment { created_at: until, ..c.clone() };
    assert_eq!(store.post_comment(s(), &later, &key, &allowance).await.unwrap(), PostOutcome::Created(c.id));
}

// ---- edits and form keys -------------------------------------------------

async fn authors_edit_within_the_window(store: impl Store) {
    setup(&store).await;
    let c = posted(&store, &by("ann", 1, "typo")).await;
    let window = Duration::minutes(15);
    let edit = |who: &'static str, at: OffsetDateTime| {
        store.edit_comment(s(), c.address(), u(who), "fixed", at, window)
    };
    assert_eq!(edit("bob", c.created_at).await.unwrap(), EditOutcome::NotAuthor);
    assert_eq!(edit("ann", c.created_at + window).await.unwrap(), EditOutcome::TooLate);
    let at = c.created_at + Duration::minutes(14);
    assert_eq!(edit("ann", at).await.unwrap(), EditOutcome::Edited);
    let edited = store.find_comment(s(), c.address()).await.unwrap().unwrap();
    assert_eq!((edited.body.as_str(), edited.edited_at), ("fixed", Some(at)));
    assert_eq!(page(&store, 50).await.0, 1, "an edit changes no count");
    let gone = CommentRef::top(CommentId::new_at(T0));
    let missing = store.edit_comment(s(), gone, u("ann"), "x", at, window).await.unwrap();
    assert_eq!(missing, EditOutcome::NotFound);
}

async fn a_form_key_reused_for_other_text_is_a_conflict(store: impl Store) {
    setup(&store).await;
    let key = IdempotencyKey::generate();
    let first = by("ann", 1, "first text");
    assert_eq!(
        store.post_comment(s(), &first, &key, &unlimited()).await.unwrap(),
        PostOutcome::Created(first.id)
    );
    let same = Comment { id: CommentId::new_at(T0), ..first.clone() };
    assert_eq!(
        store.post_comment(s(), &same, &key, &unlimited()).await.unwrap(),
        PostOutcome::Duplicate(first.id)
    );
    let other = by("ann", 2, "other text");
    assert_eq!(
        store.post_comment(s(), &other, &key, &unlimited()).await.unwrap(),
        PostOutcome::KeyReused(first.id)
    );
    assert_eq!(page(&store, 50).await.0, 1);
}

broadsheet_testkit::on_both_stores!(store:
    replies_sit_under_their_parent_and_pages_count_threads,
    a_reply_needs_a_live_top_level_parent,
    a_removed_comment_leaves_views_and_count_with_its_log_entry,
    a_removed_comment_with_replies_stays_as_a_placeholder,
    an_author_deleting_a_comment_with_replies_keeps_the_thread,
    two_moderators_removing_at_once_remove_once,
    remove_and_edit_racing_end_removed,
    a_reader_reports_a_comment_once,
    a_held_comment_waits_uncounted_until_approved,
    removing_a_held_comment_changes_no_count,
    the_queue_is_oldest_first_and_the_log_newest_first,
    roles_and_suspensions_change_with_a_log_entry,
    a_suspended_reader_cannot_post_report_or_edit,
    authors_edit_within_the_window,
    a_form_key_reused_for_other_text_is_a_conflict,
);

/// DynamoDB requests per operation behind each new route, counted (the
/// session lookup every logged-in route adds is one `GetItem` more, sent
/// concurrently with nothing: see docs/moderation.md#cost).
mod requests {
    use std::collections::BTreeMap;

    use broadsheet::store::{CommentWriter as _, Moderation as _, Reports as _};
    use broadsheet_testkit::dynamo::fresh_counted_store;

    use super::*;

    fn counts(pairs: &[(&str, usize)]) -> BTreeMap<String, usize> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[tokio::test]
    async fn requests_per_moderation_operation() {
        let (store, counter) = fresh_counted_store().await;
        setup(&store).await;
        let top = posted(&store, &by("ann", 1, "top")).await;
        let held = Comment { held: true, ..by("ann", 2, "held") };

        let check =
            async |what: &str,
                   expected: &[(&str, usize)],
                   op: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>| {
                counter.reset();
                op.await;
                assert_eq!(counter.snapshot(), counts(expected), "{what}");
            };
        let reply = reply("bob", 3, &top);
        check(
            "reply",
            &[("TransactWriteItems", 1)],
            Box::pin(async { assert!(matches!(post(&store, &reply).await, PostOutcome::Created(_))) }),
        )
        .await;
        check(
            "held post",
            &[("TransactWriteItems", 1)],
            Box::pin(async { assert!(matches!(post(&store, &held).await, PostOutcome::Created(_))) }),
        )
        .await;
        check(
            "report",
            &[("GetItem", 1), ("TransactWriteItems", 1)],
            Box::pin(async {
                let r =
                    store.report_comment(s(), top.address(), u("bob"), ReportReason::Spam, T0).await.unwrap();
                assert_eq!(r, ReportOutcome::Reported);
            }),
        )
        .await;
        check(
            "edit",
            &[("GetItem", 1), ("TransactWriteItems", 1)],
            Box::pin(async {
                let e = store
                    .edit_comment(s(), top.address(), u("ann"), "new", top.created_at, Duration::minutes(15))
                    .await
                    .unwrap();
                assert_eq!(e, EditOutcome::Edited);
            }),
        )
        .await;
        check(
            "queue page (2 entries)",
            &[("GetItem", 3), ("Query", 1)],
            Box::pin(async {
                assert!(store.is_moderator(u("mona")).await.unwrap());
                assert_eq!(store.moderation_queue(100).await.unwrap().len(), 2);
            }),
        )
        .await;
        check(
            "approve",
            &[("GetItem", 1), ("TransactWriteItems", 1)],
            Box::pin(async {
                let a = store.approve_comment(s(), held.address(), u("mona"), T0).await.unwrap();
                assert_eq!(a, ModerationOutcome::Done);
            }),
        )
        .await;
        check(
            "remove",
            &[("GetItem", 1), ("TransactWriteItems", 1)],
            Box::pin(async {
                let r = store.remove_comment(s(), top.address(), u("mona"), "x", T0).await.unwrap();
                assert_eq!(r, ModerationOutcome::Done);
            }),
        )
        .await;
        check(
            "suspend",
            &[("TransactWriteItems", 1)],
            Box::pin(async {
                let c = store
                    .change_user(u("bob"), UserChange::Suspend(None), moderator("mona"), "", T0)
                    .await
                    .unwrap();
                assert_eq!(c, ModerationOutcome::Done);
            }),
        )
        .await;
        check(
            "log page",
            &[("GetItem", 1), ("Query", 1)],
            Box::pin(async {
                assert!(store.is_moderator(u("mona")).await.unwrap());
                assert!(!store.moderation_log(100).await.unwrap().is_empty());
            }),
        )
        .await;
    }
}
