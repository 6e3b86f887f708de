//! What the benchmarks read: the sample content, realistic comments, and
//! logged-in readers.

use std::path::Path;

use broadsheet::auth::{IdempotencyKey, TokenHash, Username};
use broadsheet::config::Site;
use broadsheet::domain::moderation::ReportReason;
use broadsheet::domain::{Comment, CommentId, CommentRef, Slug};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{
    Allowance, ArticleReader, ArticleWithComments, CommentWriter, DeleteOutcome, EditOutcome, PostOutcome,
    ReportOutcome, Reports, Session, Sessions, StoreError, User, Users,
};
use broadsheet_cli::cli::SAMPLE_CONTENT;
use broadsheet_testkit::content::FIXTURE_ORIGIN;
pub use broadsheet_testkit::content::{LoggedIn, log_in, slug};
use time::OffsetDateTime;

/// The origin the benchmarks' site claims: the one the `infra/events/`
/// fixtures send as `Origin`, so their POSTs pass the same-site check.
pub const SITE_ORIGIN: &str = FIXTURE_ORIGIN;

/// The sample article the fixtures name; it gets [`MANY_COMMENTS`] comments.
pub const MANY_COMMENTS_SLUG: &str = "vell-river-otters-return-after-thirty-year-absence";
/// A sample article that gets [`SOME_COMMENTS`] comments (the page-weight budget's article).
pub const SOME_COMMENTS_SLUG: &str = "return-of-the-repair-cafe";
/// A sample article left without comments.
pub const NO_COMMENTS_SLUG: &str = "our-libraries-are-not-a-luxury";

/// A full first page of comments (`COMMENTS_PAGE_SIZE`).
pub const MANY_COMMENTS: usize = 50;
/// The comment count of the page-weight budget ("an article with 10 comments").
pub const SOME_COMMENTS: usize = 10;

/// The site every benchmark serves.
pub fn site() -> Site {
    broadsheet_testkit::content::site(SITE_ORIGIN)
}

/// A memory store with the sample content (`infra/content/`, through the
/// real importer) and comments on two articles: [`MANY_COMMENTS`] on
/// [`MANY_COMMENTS_SLUG`], [`SOME_COMMENTS`] on [`SOME_COMMENTS_SLUG`].
///
/// # Panics
/// If the sample content does not import (the importer's tests would fail too).
pub async fn seeded_store() -> MemoryStore {
    let store = MemoryStore::new();
    broadsheet_cli::import::import_dir(&store, Path::new(SAMPLE_CONTENT))
        .await
        .expect("sample content imports");
    for (name, n) in [(MANY_COMMENTS_SLUG, MANY_COMMENTS), (SOME_COMMENTS_SLUG, SOME_COMMENTS)] {
        let slug = slug(name);
        for comment in sample_comments(n) {
            store.seed_comment(&slug, comment).await.expect("the sample article exists");
        }
    }
    store
}

/// What readers write, of the lengths they write it: one line to a few
/// paragraphs (30–435 characters, 207 on average), some with a line break
/// or a link, so the view's line and link handling is exercised as on a
/// real thread.
const COMMENT_TEXTS: [&str; 8] = [
    "Great to see this reported properly. Thank you.",
    "I walk along the Vell most mornings and had no idea. Does anyone know whether the stretch below the weir is part of the survey, or only the upper river?",
    "This is the third story this month about the river getting cleaner, and I think it deserves saying: it is the result of twenty years of unglamorous work by volunteers who counted, cleared and reported. Credit where it is due.",
    "Photos from last spring here: https://example.org/vell-otters-2026 (not mine, a friend's).\nWorth a look if you doubt it.",
    "Good news, but I would be careful about drawing conclusions from one season of sightings. Populations fluctuate, and a mild winter can bring animals into view that were always there. I hope the follow-up survey next year is reported as prominently as this one.",
    "Agreed with the comment above.",
    "My grandfather used to say there were otters at the mill when he was a boy, and that they went when the tannery opened upstream. It closed in 1994. It has taken thirty years for the river to recover from thirty years of that tannery. That is the real story here, and I wish the article had said more about it.\n\nStill, lovely to read something hopeful on a Monday. More of this, please.",
    "Does the council plan to keep the path by the bend closed during the breeding season? Last year it reopened in April and there were dogs off the lead everywhere. A sign is not enough; somebody has to enforce it, and that costs money the council says it does not have. Perhaps the otter trust could fund a warden for the spring months? Happy to contribute, and I suspect many readers would be too. https://example.org/otter-trust/donate",
];

/// `n` comments by `n` different readers, a few minutes apart, oldest first.
pub fn sample_comments(n: usize) -> Vec<Comment> {
    let start = OffsetDateTime::now_utc() - time::Duration::days(1);
    (0..n)
        .map(|i| {
            let at = start + time::Duration::minutes(7 * i as i64);
            Comment::new(
                Username::parse(&format!("reader_{i:02}")).expect("a valid username"),
                format!("Reader {i}"),
                COMMENT_TEXTS[i % COMMENT_TEXTS.len()].to_owned(),
                at,
            )
        })
        .collect()
}

/// A new one-time form key, as the article page puts in every comment form.
pub fn idempotency_key() -> String {
    IdempotencyKey::generate().as_str().to_owned()
}

/// The store behind the comment benchmark: `S` with its rate limit lifted,
/// and nothing else changed.
///
/// A reader may post 5 comments a minute; the benchmark posts hundreds of
/// thousands. Rather than creating a reader per 5 posts (which would measure
/// session churn), every call goes to `S` unchanged except that the post's
/// [`Allowance`] carries an unreachable limit: the reader's counter is still
/// read, incremented and stored inside the posting transaction — exactly the
/// work of an allowed post — only the verdict can no longer be "too many".
/// Posts, sessions and reads are `S`'s own code: every method hands back
/// `S`'s own future, so the wrapper adds no work of its own to what is timed.
#[derive(Debug, Clone)]
pub struct Unthrottled<S>(pub S);

impl<S: ArticleReader> ArticleReader for Unthrottled<S> {
    fn article_page(
        &self,
        slug: &Slug,
        comments_after: Option<CommentId>,
        limit: usize,
    ) -> impl Future<Output = Result<Option<ArticleWithComments>, StoreError>> + Send {
        self.0.article_page(slug, comments_after, limit)
    }
}

impl<S: CommentWriter> CommentWriter for Unthrottled<S> {
    fn open_for_comments(
        &self,
        slug: &Slug,
        now: time::OffsetDateTime,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.0.open_for_comments(slug, now)
    }

    fn post_comment(
        &self,
        article: &Slug,
        comment: &Comment,
        key: &IdempotencyKey,
        allowance: &Allowance,
    ) -> impl Future<Output = Result<PostOutcome, StoreError>> + Send {
        // The counter is still read, incremented and stored inside the
        // posting transaction; only the limit is out of reach.
        let lifted = Allowance { limit: u32::MAX, ..allowance.clone() };
        async move { self.0.post_comment(article, comment, key, &lifted).await }
    }

    fn delete_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        author: &Username,
    ) -> impl Future<Output = Result<DeleteOutcome, StoreError>> + Send {
        self.0.delete_comment(article, at, author)
    }

    fn edit_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        author: &Username,
        body: &str,
        now: OffsetDateTime,
        window: time::Duration,
    ) -> impl Future<Output = Result<EditOutcome, StoreError>> + Send {
        self.0.edit_comment(article, at, author, body, now, window)
    }

    fn find_comment(
        &self,
        article: &Slug,
        at: CommentRef,
    ) -> impl Future<Output = Result<Option<Comment>, StoreError>> + Send {
        self.0.find_comment(article, at)
    }
}

impl<S: Reports> Reports for Unthrottled<S> {
    fn report_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        reporter: &Username,
        reason: ReportReason,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<ReportOutcome, StoreError>> + Send {
        self.0.report_comment(article, at, reporter, reason, now)
    }
}

impl<S: Users> Users for Unthrottled<S> {
    fn create_user(&self, user: &User) -> impl Future<Output = Result<bool, StoreError>> + Send {
        self.0.create_user(user)
    }

    fn find_user(
        &self,
        username: &Username,
    ) -> impl Future<Output = Result<Option<User>, StoreError>> + Send {
        self.0.find_user(username)
    }
}

impl<S: Sessions> Sessions for Unthrottled<S> {
    fn create_session(&self, session: &Session) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.0.create_session(session)
    }

    fn find_session(
        &self,
        token_hash: &TokenHash,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<Session>, StoreError>> + Send {
        self.0.find_session(token_hash, now)
    }

    fn delete_session(&self, token_hash: &TokenHash) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.0.delete_session(token_hash)
    }
}
