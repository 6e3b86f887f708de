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
//! they are past use (old read buckets, expired sessions and counters, and
//! idempotency records after the table's 24-hour retention), so a
//! long-running local server does not grow without bound. Like TTL it is
//! lazy: a map is swept only when it has doubled since its last sweep
//! ([`Sweep`]), so no write scans the whole map, and each map holds at most
//! about twice what is still live.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::hash::Hash;
use std::ops::Bound;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use time::{OffsetDateTime, UtcOffset};

use super::trending::{Batches, TrendingParts};
use super::{
    ArticleLister, ArticleReader, ArticleWithComments, ArticleWriter, PutOutcome, RateLimiter, ReadBatch,
    ReadCounter, Refresh, Session, Sessions, StoreError, TrendingAggregator, TrendingReader, User, Users,
    take_threads,
};
use crate::auth::{IdempotencyKey, TokenHash, Username, Window};
use crate::domain::moderation::{LogEntry, ReportReason};
use crate::domain::{
    Article, ArticleSummary, Category, Comment, CommentId, CommentRef, Correction, ListingPosition,
    NewArticle, NewAuthor, Page, Slug, TrendingArticle,
};

mod authors;
mod comments;

/// How many hours of read buckets are kept behind the newest one: the
/// stand-in for the table's TTL (72 h past each hour), generous enough
/// that a read older than the 48 h window is never what is dropped first.
const KEEP_BUCKET_HOURS: i64 = 7 * 24;

/// The smallest size at which a map is swept ([`Sweep`]): below it, expired
/// entries may wait; sweeping a few hundred small entries costs nothing.
const SWEEP_MIN: usize = 1024;

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
    /// Author files by author slug (the table's `AUTHOR#` items).
    authors: HashMap<Slug, NewAuthor>,
    /// The file each article was imported from (the table's `source`).
    sources: HashMap<Slug, String>,
    /// The articles whose file says `status: unpublished` (the table's `file_unpublished`).
    file_unpublished: HashSet<Slug>,
    /// The front-page order (the GSI1 of the table), iterated in reverse.
    all: BTreeSet<ListingPosition>,
    /// One order per category (the GSI2 of the table).
    by_category: HashMap<Category, BTreeSet<ListingPosition>>,
    /// Each article's comments in thread order: each top-level comment
    /// (by id, so by creation) followed by its replies.
    comments: HashMap<Slug, BTreeMap<CommentRef, Comment>>,
    /// Who reported which comment: the table's `R#…` items.
    reports: HashSet<(Slug, CommentRef, Username)>,
    /// The moderation queue by comment id (oldest first): the table's `MODQUEUE` partition.
    queue: BTreeMap<CommentId, Queued>,
    /// The moderation log, oldest first: the table's `MODLOG` partition.
    log: Vec<LogEntry>,
    /// #TrendingNews, as the table keeps it (`store::trending`).
    trending: Trending,
    /// Accounts by canonical username.
    users: HashMap<Username, User>,
    /// Sessions by token hash.
    sessions: HashMap<TokenHash, Session>,
    sessions_sweep: Sweep,
    /// Rate-limit counters by (key, window start in epoch seconds): the
    /// table's `RATE#{key}` / `W#{start}` key.
    counters: HashMap<(String, i64), Counter>,
    counters_sweep: Sweep,
    /// Each posted form's (article, author, idempotency key) and the comment
    /// it created (the table's `I#{author}#{key}` items, in the article's
    /// partition).
    posted: HashMap<(Slug, Username, IdempotencyKey), Posted>,
    posted_sweep: Sweep,
}

/// The table's counting items: read batches by shard and id, the shards'
/// watermarks, the hourly rows, the ranking, and how often each was written.
#[derive(Debug, Default)]
struct Trending {
    batches: BTreeMap<u8, BTreeMap<String, BTreeMap<Slug, u64>>>,
    watermarks: HashMap<u8, String>,
    hours: BTreeMap<i64, HashMap<Slug, u64>>,
    ranking: Vec<TrendingArticle>,
    /// Writes per item, by the item's key as the table spells it (`PK SK`).
    writes: HashMap<String, u64>,
}

impl Trending {
    fn wrote(&mut self, pk: &str, sk: &str) {
        *self.writes.entry(format!("{pk} {sk}")).or_insert(0) += 1;
    }
}

/// A comment waiting in the moderation queue.
#[derive(Debug, Clone)]
struct Queued {
    article: Slug,
    comment: CommentRef,
    reports: u32,
    reasons: BTreeSet<ReportReason>,
}

/// The idempotency record of one posted form.
#[derive(Debug)]
struct Posted {
    comment: CommentId,
    /// The fingerprint of the text it posted ([`body_fingerprint`]).
    body: u64,
    /// When the table's TTL could delete it: the comment's creation plus
    /// [`IDEMPOTENCY_TTL`].
    expires_at: OffsetDateTime,
}

/// When a map of expiring entries is next swept: once it has grown to twice
/// its size after the last sweep (at least [`SWEEP_MIN`]). A sweep is
/// O(n), paid for by the n/2 or more writes since the previous one, so a
/// write costs O(1) amortised, and the map never holds more than twice what
/// was live at its last sweep, or [`SWEEP_MIN`].
#[derive(Debug, Default)]
struct Sweep {
    at_len: usize,
}

impl Sweep {
    /// Keeps only the entries `live` accepts, if `map` is due a sweep.
    fn run<K: Eq + Hash, V>(&mut self, map: &mut HashMap<K, V>, live: impl FnMut(&K, &mut V) -> bool) {
        if map.len() < self.at_len {
            return;
        }
        map.retain(live);
        self.at_len = map.len().saturating_mul(2).max(SWEEP_MIN);
        // A burst that has passed should not pin its memory for good.
        if map.capacity() > self.at_len.saturating_mul(2) {
            map.shrink_to(self.at_len);
        }
    }
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
        if thread.contains_key(&comment.address()) {
            return Ok(());
        }
        if let Some(parent) = comment.parent {
            let Some(p) = thread.get_mut(&CommentRef::top(parent)) else {
                return Err(StoreError::Corrupt(format!("reply {} has no parent {parent}", comment.id)));
            };
            p.replies = p.replies.saturating_add(1);
        }
        if !comment.held {
            article.summary.comment_count = article.summary.comment_count.saturating_add(1);
        }
        thread.insert(comment.address(), Comment { created_at: utc(comment.created_at), ..comment });
        Ok(())
    }
}

impl Inner {
    fn index_mut(&mut self, category: Category) -> &mut BTreeSet<ListingPosition> {
        self.by_category.entry(category).or_default()
    }

    /// TTL's job for counters: those that expired before `window` began are
    /// past use (a window is only ever asked about while it is current).
    fn sweep_counters(&mut self, window: &Window) {
        let start = window.start;
        self.counters_sweep.run(&mut self.counters, |_, c| c.expires_at > start);
    }
}

/// A time as the table's TTL attribute keeps it: whole epoch seconds,
/// rounded down, in UTC.
fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(t.unix_timestamp()).unwrap_or_else(|_| utc(t))
}

/// A listing order newest first, strictly after `after`, from what is
/// published by `now`: the listing indexes' key condition.
fn newest_first<'a>(
    index: &'a BTreeSet<ListingPosition>,
    after: Option<&ListingPosition>,
    now: OffsetDateTime,
) -> impl Iterator<Item = &'a ListingPosition> {
    let end = match after {
        None => Bound::Unbounded,
        Some(position) => Bound::Excluded(position),
    };
    index.range::<ListingPosition, _>((Bound::Unbounded, end)).rev().skip_while(move |p| p.published_at > now)
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
        let (comments, more) = match inner.comments.get(slug) {
            Some(thread) => {
                let rest = match comments_after {
                    None => thread.range(..),
                    Some(id) => thread.range(CommentRef::top(id)..),
                };
                let rest = rest.filter(|(r, _)| Some(r.top) != comments_after).map(|(_, c)| c.clone());
                take_threads(rest, limit)
            }
            None => (Vec::new(), false),
        };
        let next = if more { comments.iter().rev().find(|c| c.parent.is_none()).map(|c| c.id) } else { None };
        Ok(Some(ArticleWithComments { article: article.clone(), comments: Page { items: comments, next } }))
    }
}

impl ArticleLister for MemoryStore {
    async fn list_articles(
        &self,
        category: Option<Category>,
        after: Option<&ListingPosition>,
        limit: usize,
        now: OffsetDateTime,
    ) -> Result<Page<ArticleSummary, ListingPosition>, StoreError> {
        let inner = self.read();
        let index = match category {
            None => Some(&inner.all),
            Some(c) => inner.by_category.get(&c),
        };
        let Some(index) = index else { return Ok(Page::empty()) };
        let summaries = newest_first(index, after, now)
            .filter_map(|p| inner.articles.get(&p.slug))
            .map(|a| a.summary.clone());
        let (items, more) = take_page(summaries, limit);
        let next = if more { items.last().map(ArticleSummary::position) } else { None };
        Ok(Page { items, next })
    }
}

impl ArticleWriter for MemoryStore {
    async fn put_article(&self, article: &NewArticle, now: OffsetDateTime) -> Result<PutOutcome, StoreError> {
        let mut inner = self.write();
        let file_was_unpublished = inner.file_unpublished.contains(&article.slug);
        let (comment_count, correction_at, unpublished, outcome) = match inner.articles.get(&article.slug) {
            Some(existing) => {
                let s = &existing.summary;
                let same_correction =
                    existing.correction.as_ref().map(|c| &c.text) == article.correction.as_ref();
                let unchanged = s.title == article.title
                    && s.category == article.category
                    && s.author == article.author
                    && s.published_at == article.published_at
                    && s.summary == article.summary
                    && s.words == article.words
                    && same_correction
                    && file_was_unpublished == article.unpublished
                    && existing.body_html == article.body_html;
                if unchanged {
                    inner.sources.insert(article.slug.clone(), article.source.clone());
                    return Ok(PutOutcome::Unchanged);
                }
                let correction_at =
                    if same_correction { existing.correction.as_ref().map(|c| c.at) } else { None };
                // The file's `status:` did not change: keep the status a
                // command may have given the article since.
                let unpublished = if file_was_unpublished == article.unpublished {
                    existing.unpublished
                } else {
                    article.unpublished
                };
                let (old_position, old_category) = (s.position(), s.category);
                let comment_count = s.comment_count;
                inner.all.remove(&old_position);
                inner.index_mut(old_category).remove(&old_position);
                (comment_count, correction_at, unpublished, PutOutcome::Updated)
            }
            None => (0, None, article.unpublished, PutOutcome::Created),
        };
        let now = utc(now);
        let stored = Article {
            summary: ArticleSummary {
                slug: article.slug.clone(),
                title: article.title.clone(),
                category: article.category,
                author: article.author.clone(),
                published_at: utc(article.published_at),
                summary: article.summary.clone(),
                comment_count,
                words: article.words,
                updated_at: (outcome == PutOutcome::Updated).then_some(now),
            },
            body_html: article.body_html.clone(),
            correction: article
                .correction
                .as_ref()
                .map(|text| Correction { text: text.clone(), at: correction_at.unwrap_or(now) }),
            unpublished,
        };
        if !unpublished {
            let position = stored.summary.position();
            inner.all.insert(position.clone());
            inner.index_mut(article.category).insert(position);
        }
        inner.articles.insert(article.slug.clone(), stored);
        inner.sources.insert(article.slug.clone(), article.source.clone());
        if article.unpublished {
            inner.file_unpublished.insert(article.slug.clone());
        } else {
            inner.file_unpublished.remove(&article.slug);
        }
        Ok(outcome)
    }

    async fn set_published(
        &self,
        slug: &Slug,
        published: bool,
        _now: OffsetDateTime,
    ) -> Result<Option<bool>, StoreError> {
        let mut inner = self.write();
        let Some(article) = inner.articles.get_mut(slug) else { return Ok(None) };
        if article.unpublished != published {
            return Ok(Some(false));
        }
        article.unpublished = !published;
        let (position, category) = (article.summary.position(), article.summary.category);
        if published {
            inner.all.insert(position.clone());
            inner.index_mut(category).insert(position);
        } else {
            inner.all.remove(&position);
            inner.index_mut(category).remove(&position);
        }
        Ok(Some(true))
    }

    async fn article_source(&self, slug: &Slug) -> Result<Option<String>, StoreError> {
        Ok(self.read().sources.get(slug).cloned())
    }

    async fn put_author(&self, author: &NewAuthor) -> Result<PutOutcome, StoreError> {
        Ok(self.write_author(author))
    }

    async fn has_articles(&self) -> Result<bool, StoreError> {
        Ok(!self.read().articles.is_empty())
    }

    async fn searchable_articles(&self) -> Result<Vec<Article>, StoreError> {
        Ok(self.read().articles.values().filter(|a| !a.unpublished).cloned().collect())
    }
}

impl ReadCounter for MemoryStore {
    async fn add_reads(&self, batch: &ReadBatch) -> Result<(), StoreError> {
        let mut inner = self.write();
        let shard = batch.shard();
        let t = &mut inner.trending;
        t.wrote(&format!("READS#{shard:02}"), &batch.id());
        t.batches.entry(shard).or_default().insert(batch.id(), batch.reads.clone());
        Ok(())
    }
}

impl TrendingAggregator for MemoryStore {
    async fn refresh_trending(&self, now: OffsetDateTime) -> Result<Refresh, StoreError> {
        crate::store::trending::refresh(self, now).await
    }
}

impl TrendingParts for MemoryStore {
    async fn watermark(&self, shard: u8) -> Result<Option<String>, StoreError> {
        Ok(self.read().trending.watermarks.get(&shard).cloned())
    }

    async fn pending(
        &self,
        shard: u8,
        after: Option<&str>,
        upto: &str,
        max: usize,
    ) -> Result<Batches, StoreError> {
        let inner = self.read();
        let Some(batches) = inner.trending.batches.get(&shard) else { return Ok(Vec::new()) };
        let from = after.map_or(Bound::Unbounded, |a| Bound::Excluded(a.to_owned()));
        let range = batches.range((from, Bound::Included(upto.to_owned())));
        Ok(range.take(max).map(|(id, reads)| (id.clone(), reads.clone())).collect())
    }

    async fn claim(&self, shard: u8, old: Option<&str>, new: &str) -> Result<bool, StoreError> {
        let mut inner = self.write();
        let t = &mut inner.trending;
        if t.watermarks.get(&shard).map(String::as_str) != old {
            return Ok(false);
        }
        t.wrote("TRENDING", &format!("WATERMARK#{shard:02}"));
        t.watermarks.insert(shard, new.to_owned());
        // What the table's TTL does for folded batches (later, lazily).
        if let Some(batches) = t.batches.get_mut(&shard) {
            *batches = batches.split_off(&format!("{new}~"));
        }
        Ok(true)
    }

    async fn add_to_hour(&self, hour: i64, slug: &Slug, reads: u64) -> Result<(), StoreError> {
        let mut inner = self.write();
        let t = &mut inner.trending;
        t.wrote(&format!("TRENDING#{hour}"), &format!("ARTICLE#{slug}"));
        let newest = t.hours.last_key_value().map_or(hour, |(h, _)| (*h).max(hour));
        let keep_from = newest.saturating_sub(KEEP_BUCKET_HOURS);
        if t.hours.first_key_value().is_some_and(|(oldest, _)| *oldest < keep_from) {
            t.hours = t.hours.split_off(&keep_from);
        }
        let n = t.hours.entry(hour).or_default().entry(slug.clone()).or_insert(0);
        *n = n.saturating_add(reads);
        Ok(())
    }

    async fn hour_rows(&self, hour: i64) -> Result<Vec<(Slug, u64)>, StoreError> {
        let inner = self.read();
        let rows = inner.trending.hours.get(&hour).into_iter().flatten();
        Ok(rows.map(|(slug, n)| (slug.clone(), *n)).collect())
    }

    async fn article_summary(&self, slug: &Slug) -> Result<Option<(ArticleSummary, bool)>, StoreError> {
        let inner = self.read();
        Ok(inner.articles.get(slug).map(|a| {
            (ArticleSummary { published_at: utc(a.summary.published_at), ..a.summary.clone() }, a.unpublished)
        }))
    }

    async fn put_ranking(&self, ranking: &[TrendingArticle], _at: OffsetDateTime) -> Result<(), StoreError> {
        let mut inner = self.write();
        inner.trending.wrote("TRENDING", "RANKING");
        inner.trending.ranking = ranking.to_vec();
        Ok(())
    }
}

impl TrendingReader for MemoryStore {
    async fn trending(&self, limit: usize) -> Result<Vec<TrendingArticle>, StoreError> {
        Ok(self.read().trending.ranking.iter().take(limit).cloned().collect())
    }
}

impl MemoryStore {
    /// How many times each counting item (read batches, watermarks, hourly
    /// rows, the ranking) was written, by the item's key as the table
    /// spells it (`PK SK`): the write pressure a crowd puts on one item,
    /// for the tests and the spike benchmark.
    pub fn trending_writes_per_item(&self) -> HashMap<String, u64> {
        self.read().trending.writes.clone()
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
        let Inner { sessions, sessions_sweep, .. } = &mut *inner;
        // TTL's job: sessions over before this one began are never found again.
        let started = stored.created_at;
        sessions_sweep.run(sessions, |_, s| s.expires_at > started);
        sessions.insert(stored.token_hash.clone(), stored);
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
        let mut inner = self.write();
        inner.sweep_counters(window);
        add_event(&mut inner.counters, key, window, allow)
    }
}

/// Adds one event to `key`'s counter for `window` if `allow(current count)`:
/// the rate limiter's one rule, shared by `try_record` and `post_comment`
/// (each sweeps the counters first: [`Inner::sweep_counters`]).
fn add_event(
    counters: &mut HashMap<(String, i64), Counter>,
    key: &str,
    window: &Window,
    allow: impl FnOnce(u32) -> bool,
) -> (u32, bool) {
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

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;
    use crate::domain::SanitizedHtml;
    use crate::store::{Allowance, CommentWriter, PostOutcome};

    fn article(slug: &str) -> NewArticle {
        NewArticle {
            slug: Slug::parse(slug).unwrap(),
            title: slug.into(),
            category: Category::Health,
            author: "A".into(),
            published_at: datetime!(2026-11-26 18:00 +02:00),
            summary: String::new(),
            body_html: SanitizedHtml::from_sanitized(String::new()),
            words: 0,
            correction: None,
            source: format!("{slug}.md"),
            unpublished: false,
        }
    }

    #[tokio::test]
    async fn moving_an_article_to_another_category_moves_its_listing() {
        let store = MemoryStore::new();
        let mut a = article("a");
        store.put_article(&a, OffsetDateTime::now_utc()).await.unwrap();
        a.category = Category::Science;
        assert_eq!(store.put_article(&a, OffsetDateTime::now_utc()).await.unwrap(), PutOutcome::Updated);
        assert!(
            store
                .list_articles(Some(Category::Health), None, 10, OffsetDateTime::now_utc())
                .await
                .unwrap()
                .items
                .is_empty()
        );
        assert_eq!(
            store
                .list_articles(Some(Category::Science), None, 10, OffsetDateTime::now_utc())
                .await
                .unwrap()
                .items
                .len(),
            1
        );
        assert_eq!(
            store.list_articles(None, None, 10, OffsetDateTime::now_utc()).await.unwrap().items.len(),
            1
        );
    }

    #[tokio::test]
    async fn times_come_back_in_utc() {
        let store = MemoryStore::new();
        store.put_article(&article("a"), OffsetDateTime::now_utc()).await.unwrap();
        let page = store.list_articles(None, None, 1, OffsetDateTime::now_utc()).await.unwrap();
        assert_eq!(page.items[0].published_at.offset(), UtcOffset::UTC);
    }

    #[tokio::test]
    async fn old_hours_and_folded_batches_are_dropped() {
        let store = MemoryStore::new();
        store.put_article(&article("a"), OffsetDateTime::now_utc()).await.unwrap();
        let slug = Slug::parse("a").unwrap();
        let t = datetime!(2026-11-26 18:00 UTC);
        for at in [t - time::Duration::days(30), t] {
            store.add_reads(&ReadBatch::new(at, BTreeMap::from([(slug.clone(), 1)]))).await.unwrap();
        }
        store.refresh_trending(t + time::Duration::minutes(1)).await.unwrap();
        {
            let inner = store.read();
            assert_eq!(inner.trending.hours.len(), 1, "the 30-day-old hour is gone");
            assert!(inner.trending.batches.values().all(BTreeMap::is_empty), "folded batches are gone");
        }
        assert_eq!(store.trending(10).await.unwrap()[0].reads, 1);
    }

    // ---- pruning: a long run stays bounded, and no write scans a map ----

    const T0: OffsetDateTime = datetime!(2026-11-26 18:00 UTC);

    fn minutes(m: i64) -> OffsetDateTime {
        T0 + time::Duration::minutes(m)
    }

    /// The sweep size a map of expired entries never outgrows for long.
    fn bound() -> usize {
        2 * SWEEP_MIN
    }

    /// One event for `key` in `window`, whatever the count.
    async fn record(store: &MemoryStore, key: &str, window: &Window) {
        assert!(store.try_record(key, window, u32::MAX).await.unwrap());
    }

    #[tokio::test]
    async fn counters_are_swept_in_bulk_not_on_every_write_and_stay_bounded() {
        let store = MemoryStore::new();
        let window = |m: i64| Window::containing(minutes(m), time::Duration::minutes(1));
        for k in 0..10 {
            record(&store, &format!("early#{k}"), &window(0)).await;
        }
        // A day later those ten are long expired, but one write is no
        // reason to scan the map for them.
        record(&store, "late", &window(24 * 60)).await;
        assert_eq!(store.read().counters.len(), 11);
        // A week of windows, five keys each: the map holds about what is
        // live (a counter lives an hour past its window), never all of it.
        let mut most = 0;
        for m in 0..7 * 24 * 60 {
            for k in 0..5 {
                record(&store, &format!("key#{k}"), &window(24 * 60 + m)).await;
            }
            most = most.max(store.read().counters.len());
        }
        assert!(most <= bound(), "{most} counters held");
        assert!(!store.read().counters.keys().any(|(key, _)| key.starts_with("early#")));
        // Counting still works across sweeps.
        assert_eq!(store.count("key#0", &window(24 * 60 + 7 * 24 * 60 - 1)).await.unwrap(), 1);
    }

    fn session_at(n: u64, created_at: OffsetDateTime, lasts: time::Duration) -> Session {
        Session {
            token_hash: TokenHash::from_hex(&format!("{n:064x}")).unwrap(),
            username: Username::parse("reader").unwrap(),
            display_name: crate::auth::DisplayName::parse("Reader").unwrap(),
            csrf_token: crate::auth::CsrfToken::generate(),
            moderator: false,
            created_at,
            expires_at: created_at + lasts,
        }
    }

    #[tokio::test]
    async fn expired_sessions_are_swept_in_bulk_and_stay_bounded() {
        let store = MemoryStore::new();
        let hour = time::Duration::hours(1);
        for n in 0..10 {
            store.create_session(&session_at(n, T0, hour)).await.unwrap();
        }
        store.create_session(&session_at(10, minutes(24 * 60), hour)).await.unwrap();
        assert_eq!(store.read().sessions.len(), 11, "a login scanned every session");
        // Expired but not yet swept is still not found.
        let first = session_at(0, T0, hour).token_hash;
        assert_eq!(store.find_session(&first, minutes(24 * 60)).await.unwrap(), None);
        let mut most = 0;
        for n in 0..20_000 {
            store
                .create_session(&session_at(100 + n, minutes(24 * 60 + i64::try_from(n).unwrap()), hour))
                .await
                .unwrap();
            most = most.max(store.read().sessions.len());
        }
        assert!(most <= bound(), "{most} sessions held");
        assert!(!store.read().sessions.contains_key(&first));
    }

    fn comment_at(at: OffsetDateTime) -> Comment {
        Comment::new(Username::parse("reader").unwrap(), "Reader".into(), "Hello".into(), at)
    }

    fn unlimited(at: OffsetDateTime) -> Allowance {
        Allowance {
            key: "comment#reader".into(),
            window: Window::containing(at, time::Duration::minutes(1)),
            limit: u32::MAX,
        }
    }

    #[tokio::test]
    async fn idempotency_records_are_dropped_after_their_retention() {
        let store = MemoryStore::new();
        store.put_article(&article("a"), OffsetDateTime::now_utc()).await.unwrap();
        let slug = Slug::parse("a").unwrap();
        let post = |at: OffsetDateTime, key: IdempotencyKey| {
            let store = store.clone();
            let slug = slug.clone();
            async move { store.post_comment(&slug, &comment_at(at), &key, &unlimited(at)).await.unwrap() }
        };
        let first_key = IdempotencyKey::generate();
        let PostOutcome::Created(first) = post(T0, first_key.clone()).await else { panic!("not created") };
        // Within the retention a resubmitted form is still recognised.
        assert_eq!(post(minutes(23 * 60), first_key.clone()).await, PostOutcome::Duplicate(first));
        // A month of comments, one every five minutes.
        let mut most = 0;
        for n in 1..=30 * 24 * 12 {
            assert!(matches!(
                post(minutes(5 * n), IdempotencyKey::generate()).await,
                PostOutcome::Created(_)
            ));
            most = most.max(idempotency_records(&store));
        }
        assert!(most <= bound(), "{most} idempotency records held");
        assert!(!remembers(&store, &slug, &first_key), "a month-old idempotency record is still held");
        // The comments themselves stay.
        assert_eq!(store.read().articles[&slug].summary.comment_count, 1 + 30 * 24 * 12);
    }

    fn idempotency_records(store: &MemoryStore) -> usize {
        store.read().posted.len()
    }

    fn remembers(store: &MemoryStore, slug: &Slug, key: &IdempotencyKey) -> bool {
        let author = Username::parse("reader").unwrap();
        store.read().posted.contains_key(&(slug.clone(), author, key.clone()))
    }
}
