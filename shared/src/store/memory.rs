//! The in-memory store: the local server's default and the fast test store.
//!
//! It keeps the DynamoDB store's semantics, not just its signatures: the same
//! listing order (published, then slug, descending) and cursors, comments
//! oldest first, idempotent `put_article` that keeps the comment count, and
//! #TrendingNews from the same hourly buckets, window and ranking (the code
//! for those is shared with [`DynamoStore`](super::dynamo::DynamoStore)),
//! unique canonical usernames, sessions that end at their expiry (to the
//! whole second, as the table's TTL attribute keeps it), fixed-window
//! counters, and comment posts that are idempotent per article and change
//! the comment count together with the comments.
//! The contract suite (`tests/tests/store_contract.rs`) runs against both.
//!
//! Everything sits behind one lock that is never held across an `.await`
//! (no method awaits anything), so a request sees a consistent snapshot and a
//! write is all-or-nothing, as a DynamoDB conditional write or transaction is.
//!
//! Where DynamoDB's TTL would delete items, this store drops them itself once
//! they are past use (old read buckets, expired sessions and counters), so a
//! long-running local server does not grow without bound. Idempotency
//! records are kept as long as the comments they point to: DynamoDB keeps
//! them at least 24 hours, and a key is never reused in practice.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use time::{OffsetDateTime, UtcOffset};

use super::dynamo::{rank_trending, trending_bucket, trending_window};
use super::{
    Allowance, ArticleLister, ArticleReader, ArticleWithComments, ArticleWriter, CommentWriter,
    DeleteOutcome, PostOutcome, PutOutcome, RateLimiter, ReadCounter, Session, Sessions, StoreError,
    TrendingReader, User, Users,
};
use crate::auth::{IdempotencyKey, TokenHash, Username, Window};
use crate::domain::{
    Article, ArticleSummary, Category, Comment, CommentId, ListingPosition, NewArticle, Page, Slug,
    TrendingArticle,
};

/// How many hours of read buckets are kept behind the newest one: the
/// stand-in for the table's TTL (72 h past each hour), generous enough
/// that a read older than the 48 h window is never what is dropped first.
const KEEP_BUCKET_HOURS: i64 = 7 * 24;

/// All storage capabilities, in process memory.
///
/// Clones share the same data (an `Arc` inside), like clones of a
/// [`DynamoStore`](super::dynamo::DynamoStore) share a table.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    inner: Arc<RwLock<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Every article by slug; `summary.comment_count` is the live count.
    articles: HashMap<Slug, Article>,
    /// The front-page order (the GSI1 of the table), iterated in reverse.
    all: BTreeSet<ListingPosition>,
    /// One order per category (the GSI2 of the table).
    by_category: HashMap<Category, BTreeSet<ListingPosition>>,
    /// Each article's comments, in id (= creation) order.
    comments: HashMap<Slug, BTreeMap<CommentId, Comment>>,
    /// Hour bucket → article → (summary as of its latest read, reads).
    reads: BTreeMap<i64, HashMap<Slug, (ArticleSummary, u64)>>,
    /// Accounts by canonical username.
    users: HashMap<Username, User>,
    /// Sessions by token hash.
    sessions: HashMap<TokenHash, Session>,
    /// Rate-limit counters by (key, window start in epoch seconds): the
    /// table's `RATE#{key}` / `W#{start}` key.
    counters: HashMap<(String, i64), Counter>,
    /// Per article, each posted form's (author, idempotency key) and the
    /// comment it created (the table's `I#{author}#{key}` items, in the
    /// article's partition).
    posted: HashMap<Slug, HashMap<(Username, IdempotencyKey), CommentId>>,
}

/// One rate-limit counter.
#[derive(Debug)]
struct Counter {
    n: u32,
    /// When the table's TTL could delete it ([`Window::expires_at`]).
    expires_at: OffsetDateTime,
}

/// Times are kept in UTC, as the table keeps them, so both stores return
/// equal values, offsets included.
fn utc(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(UtcOffset::UTC)
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    // A panic while the lock was held poisons it; every write below checks
    // before it changes anything, so the data is still consistent and the
    // store stays usable rather than failing every later request.
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Adds `comment` to the article `slug` and increments its comment count,
    /// together, for tests and the sample data (readers' comments go through
    /// [`CommentWriter::post_comment`], which also records the form's key).
    /// A comment whose id is already stored is left as it is (`Ok`); an
    /// unknown article is [`StoreError::Corrupt`] (the seed data is
    /// inconsistent). Same contract as
    /// [`DynamoStore::seed_comment`](super::dynamo::DynamoStore::seed_comment).
    pub async fn seed_comment(&self, slug: &Slug, comment: Comment) -> Result<(), StoreError> {
        let mut inner = self.write();
        let Inner { articles, comments, .. } = &mut *inner;
        let Some(article) = articles.get_mut(slug) else {
            return Err(StoreError::Corrupt(format!(
                "cannot add comment {} to article {slug}: no such article",
                comment.id
            )));
        };
        let thread = comments.entry(slug.clone()).or_default();
        if thread.contains_key(&comment.id) {
            return Ok(());
        }
        thread.insert(comment.id, Comment { created_at: utc(comment.created_at), ..comment });
        article.summary.comment_count = article.summary.comment_count.saturating_add(1);
        Ok(())
    }
}

impl Inner {
    fn index_mut(&mut self, category: Category) -> &mut BTreeSet<ListingPosition> {
        self.by_category.entry(category).or_default()
    }
}

/// A time as the table's TTL attribute keeps it: whole epoch seconds,
/// rounded down, in UTC.
fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.unix_timestamp()).unwrap_or_else(|_| utc(t))
}

/// Up to `limit` items and whether more follow: the shape both stores use to
/// decide `next`.
fn take_page<T>(mut items: impl Iterator<Item = T>, limit: usize) -> (Vec<T>, bool) {
    let page: Vec<T> = items.by_ref().take(limit).collect();
    let more = items.next().is_some();
    (page, more)
}

impl ArticleReader for MemoryStore {
    async fn article_page(
        &self,
        slug: &Slug,
        comments_after: Option<CommentId>,
        limit: usize,
    ) -> Result<Option<ArticleWithComments>, StoreError> {
        let inner = self.read();
        let Some(article) = inner.articles.get(slug) else { return Ok(None) };
        let start = match comments_after {
            None => Bound::Unbounded,
            Some(id) => Bound::Excluded(id),
        };
        let (comments, more) = match inner.comments.get(slug) {
            Some(thread) => take_page(thread.range((start, Bound::Unbounded)).map(|(_, c)| c.clone()), limit),
            None => (Vec::new(), false),
        };
        let next = if more { comments.last().map(|c| c.id) } else { None };
        Ok(Some(ArticleWithComments { article: article.clone(), comments: Page { items: comments, next } }))
    }
}

impl ArticleLister for MemoryStore {
    async fn list_articles(
        &self,
        category: Option<Category>,
        after: Option<&ListingPosition>,
        limit: usize,
    ) -> Result<Page<ArticleSummary, ListingPosition>, StoreError> {
        let inner = self.read();
        let index = match category {
            None => Some(&inner.all),
            Some(c) => inner.by_category.get(&c),
        };
        let Some(index) = index else { return Ok(Page::empty()) };
        let end = match after {
            None => Bound::Unbounded,
            Some(position) => Bound::Excluded(position),
        };
        let positions = index.range::<ListingPosition, _>((Bound::Unbounded, end)).rev();
        let summaries = positions.filter_map(|p| inner.articles.get(&p.slug)).map(|a| a.summary.clone());
        let (items, more) = take_page(summaries, limit);
        let next = if more { items.last().map(ArticleSummary::position) } else { None };
        Ok(Page { items, next })
    }
}

impl ArticleWriter for MemoryStore {
    async fn put_article(&self, article: &NewArticle) -> Result<PutOutcome, StoreError> {
        let mut inner = self.write();
        let (comment_count, outcome) = match inner.articles.get(&article.slug) {
            Some(existing) => {
                let s = &existing.summary;
                let unchanged = s.title == article.title
                    && s.category == article.category
                    && s.author == article.author
                    && s.published_at == article.published_at
                    && s.summary == article.summary
                    && existing.body_html == article.body_html;
                if unchanged {
                    return Ok(PutOutcome::Unchanged);
                }
                let (old_position, old_category) = (s.position(), s.category);
                let comment_count = s.comment_count;
                inner.all.remove(&old_position);
                inner.index_mut(old_category).remove(&old_position);
                (comment_count, PutOutcome::Updated)
            }
            None => (0, PutOutcome::Created),
        };
        let stored = Article {
            summary: ArticleSummary {
                slug: article.slug.clone(),
                title: article.title.clone(),
                category: article.category,
                author: article.author.clone(),
                published_at: utc(article.published_at),
                summary: article.summary.clone(),
                comment_count,
            },
            body_html: article.body_html.clone(),
        };
        let position = stored.summary.position();
        inner.all.insert(position.clone());
        inner.index_mut(article.category).insert(position);
        inner.articles.insert(article.slug.clone(), stored);
        Ok(outcome)
    }

    async fn has_articles(&self) -> Result<bool, StoreError> {
        Ok(!self.read().articles.is_empty())
    }
}

impl ReadCounter for MemoryStore {
    async fn record_read(&self, article: &ArticleSummary, at: OffsetDateTime) -> Result<(), StoreError> {
        let hour = trending_bucket(at);
        let mut inner = self.write();
        let newest = inner.reads.last_key_value().map_or(hour, |(h, _)| (*h).max(hour));
        let keep_from = newest.saturating_sub(KEEP_BUCKET_HOURS);
        if inner.reads.first_key_value().is_some_and(|(oldest, _)| *oldest < keep_from) {
            inner.reads = inner.reads.split_off(&keep_from);
        }
        let summary = ArticleSummary { published_at: utc(article.published_at), ..article.clone() };
        let bucket = inner.reads.entry(hour).or_default();
        // As on DynamoDB: reads are added, the summary is the latest one seen.
        let entry = bucket.entry(article.slug.clone()).or_insert_with(|| (summary.clone(), 0));
        entry.0 = summary;
        entry.1 = entry.1.saturating_add(1);
        Ok(())
    }
}

impl TrendingReader for MemoryStore {
    async fn trending(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<TrendingArticle>, StoreError> {
        let inner = self.read();
        let rows = inner.reads.range(trending_window(now)).flat_map(|(hour, bucket)| {
            bucket.values().map(move |(summary, reads)| (*hour, summary.clone(), *reads))
        });
        Ok(rank_trending(rows, limit))
    }
}

impl Users for MemoryStore {
    async fn create_user(&self, user: &User) -> Result<bool, StoreError> {
        let mut inner = self.write();
        if inner.users.contains_key(&user.username) {
            return Ok(false);
        }
        inner.users.insert(user.username.clone(), User { created_at: utc(user.created_at), ..user.clone() });
        Ok(true)
    }

    async fn find_user(&self, username: &Username) -> Result<Option<User>, StoreError> {
        Ok(self.read().users.get(username).cloned())
    }
}

impl Sessions for MemoryStore {
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        let stored = Session {
            created_at: utc(session.created_at),
            expires_at: whole_seconds(session.expires_at),
            ..session.clone()
        };
        let mut inner = self.write();
        // TTL's job: sessions over before this one began are never found again.
        let started = stored.created_at;
        inner.sessions.retain(|_, s| s.expires_at > started);
        inner.sessions.insert(stored.token_hash.clone(), stored);
        Ok(())
    }

    async fn find_session(
        &self,
        token_hash: &TokenHash,
        now: OffsetDateTime,
    ) -> Result<Option<Session>, StoreError> {
        let inner = self.read();
        Ok(inner.sessions.get(token_hash).filter(|s| now < s.expires_at).cloned())
    }

    async fn delete_session(&self, token_hash: &TokenHash) -> Result<(), StoreError> {
        self.write().sessions.remove(token_hash);
        Ok(())
    }
}

impl MemoryStore {
    /// Adds one event to `key`'s counter in `window` if `allow(current)`,
    /// returning the count after the call and whether it was added.
    fn add_event(&self, key: &str, window: &Window, allow: impl FnOnce(u32) -> bool) -> (u32, bool) {
        add_event(&mut self.write().counters, key, window, allow)
    }
}

/// Adds one event to `key`'s counter for `window` if `allow(current count)`:
/// the rate limiter's one rule, shared by `try_record` and `post_comment`.
fn add_event(
    counters: &mut HashMap<(String, i64), Counter>,
    key: &str,
    window: &Window,
    allow: impl FnOnce(u32) -> bool,
) -> (u32, bool) {
    // TTL's job: counters that expired before this window began are
    // past use (a window is only ever asked about while it is current).
    let start = window.start;
    counters.retain(|_, c| c.expires_at > start);
    let counter = counters
        .entry((key.to_owned(), window.start.unix_timestamp()))
        .or_insert(Counter { n: 0, expires_at: window.expires_at() });
    counter.expires_at = window.expires_at();
    if !allow(counter.n) {
        return (counter.n, false);
    }
    counter.n = counter.n.saturating_add(1);
    (counter.n, true)
}

impl RateLimiter for MemoryStore {
    async fn count(&self, key: &str, window: &Window) -> Result<u32, StoreError> {
        let inner = self.read();
        Ok(inner.counters.get(&(key.to_owned(), window.start.unix_timestamp())).map_or(0, |c| c.n))
    }

    async fn try_record(&self, key: &str, window: &Window, limit: u32) -> Result<bool, StoreError> {
        if limit == 0 {
            return Ok(false);
        }
        Ok(self.add_event(key, window, |n| n < limit).1)
    }

    async fn release(&self, key: &str, window: &Window) -> Result<(), StoreError> {
        if let Some(counter) = self.write().counters.get_mut(&(key.to_owned(), window.start.unix_timestamp()))
        {
            counter.n = counter.n.saturating_sub(1);
        }
        Ok(())
    }
}

impl CommentWriter for MemoryStore {
    async fn post_comment(
        &self,
        article: &Slug,
        comment: &Comment,
        key: &IdempotencyKey,
        allowance: &Allowance,
    ) -> Result<PostOutcome, StoreError> {
        let mut inner = self.write();
        let Inner { articles, comments, posted, counters, .. } = &mut *inner;
        // The same order of checks as the DynamoDB transaction's reasons:
        // the key (scoped to the author), the article, then the allowance,
        // which is consumed only when everything else succeeds.
        let scoped = (comment.author.clone(), key.clone());
        if let Some(id) = posted.get(article).and_then(|keys| keys.get(&scoped)) {
            return Ok(PostOutcome::Duplicate(*id));
        }
        let Some(stored_article) = articles.get_mut(article) else {
            return Ok(PostOutcome::NoSuchArticle);
        };
        let thread = comments.entry(article.clone()).or_default();
        if thread.contains_key(&comment.id) {
            return Err(StoreError::Corrupt(format!(
                "cannot post comment {} to article {article}: a comment with that id is already stored",
                comment.id
            )));
        }
        let limit = allowance.limit;
        if !add_event(counters, &allowance.key, &allowance.window, |n| n < limit).1 {
            return Ok(PostOutcome::RateLimited);
        }
        thread.insert(comment.id, Comment { created_at: utc(comment.created_at), ..comment.clone() });
        posted.entry(article.clone()).or_default().insert(scoped, comment.id);
        let count = &mut stored_article.summary.comment_count;
        *count = count.saturating_add(1);
        Ok(PostOutcome::Created(comment.id))
    }

    async fn delete_comment(
        &self,
        article: &Slug,
        id: CommentId,
        author: &Username,
    ) -> Result<DeleteOutcome, StoreError> {
        let mut inner = self.write();
        let Inner { articles, comments, .. } = &mut *inner;
        let Some(thread) = comments.get_mut(article) else { return Ok(DeleteOutcome::NotFound) };
        let Some(comment) = thread.get(&id) else { return Ok(DeleteOutcome::NotFound) };
        if comment.author != *author {
            return Ok(DeleteOutcome::NotAuthor);
        }
        thread.remove(&id);
        if let Some(stored_article) = articles.get_mut(article) {
            let count = &mut stored_article.summary.comment_count;
            *count = count.saturating_sub(1);
        }
        Ok(DeleteOutcome::Deleted)
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::domain::SanitizedHtml;

    fn article(slug: &str) -> NewArticle {
        NewArticle {
            slug: Slug::parse(slug).unwrap(),
            title: slug.into(),
            category: Category::Health,
            author: "A".into(),
            published_at: datetime!(2026-11-26 18:00 +02:00),
            summary: String::new(),
            body_html: SanitizedHtml::from_sanitized(String::new()),
        }
    }

    #[tokio::test]
    async fn moving_an_article_to_another_category_moves_its_listing() {
        let store = MemoryStore::new();
        let mut a = article("a");
        store.put_article(&a).await.unwrap();
        a.category = Category::Science;
        assert_eq!(store.put_article(&a).await.unwrap(), PutOutcome::Updated);
        assert!(store.list_articles(Some(Category::Health), None, 10).await.unwrap().items.is_empty());
        assert_eq!(store.list_articles(Some(Category::Science), None, 10).await.unwrap().items.len(), 1);
        assert_eq!(store.list_articles(None, None, 10).await.unwrap().items.len(), 1);
    }

    #[tokio::test]
    async fn times_come_back_in_utc() {
        let store = MemoryStore::new();
        store.put_article(&article("a")).await.unwrap();
        let page = store.list_articles(None, None, 1).await.unwrap();
        assert_eq!(page.items[0].published_at.offset(), UtcOffset::UTC);
    }

    #[tokio::test]
    async fn old_read_buckets_are_dropped() {
        let store = MemoryStore::new();
        store.put_article(&article("a")).await.unwrap();
        let summary = store.list_articles(None, None, 1).await.unwrap().items.remove(0);
        let t = datetime!(2026-11-26 18:00 UTC);
        store.record_read(&summary, t - time::Duration::days(30)).await.unwrap();
        store.record_read(&summary, t).await.unwrap();
        assert_eq!(store.read().reads.len(), 1);
        assert_eq!(store.trending(t, 10).await.unwrap()[0].reads, 1);
    }
}
