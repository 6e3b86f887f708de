//! The item ↔ domain mapping, in one place.
//!
//! Every key format and attribute name of the table is defined here and
//! nowhere else, so `docs/table-design.md` can be checked against one file.
//! Reading is strict: an item that does not map to a domain value is
//! [`StoreError::Corrupt`] with a message naming the item's key, because
//! showing a half-parsed article would hide a bug or a bad manual edit.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;
use time::{Duration, OffsetDateTime, UtcOffset};

use crate::auth::{CsrfToken, DisplayName, IdempotencyKey, PasswordHash, TokenHash, Username, Window};
use crate::domain::timefmt;
use crate::domain::{
    Article, ArticleSummary, Author, Category, Comment, CommentId, CommentRef, Correction, ListingPosition,
    NewArticle, NewAuthor, ReadNext, Removal, SanitizedHtml, Slug, TrendingArticle,
};
use crate::store::{ReadBatch, Session, StoreError, User, body_fingerprint};

/// One DynamoDB item.
pub(crate) type Item = HashMap<String, AttributeValue>;

// ---- key attributes and index names -------------------------------------

pub(crate) const PK: &str = "PK";
pub(crate) const SK: &str = "SK";
pub(crate) const GSI1: &str = "GSI1";
pub(crate) const GSI1PK: &str = "GSI1PK";
pub(crate) const GSI1SK: &str = "GSI1SK";
pub(crate) const GSI2: &str = "GSI2";
pub(crate) const GSI2PK: &str = "GSI2PK";
pub(crate) const GSI2SK: &str = "GSI2SK";
pub(crate) const GSI3: &str = "GSI3";
pub(crate) const GSI3PK: &str = "GSI3PK";
pub(crate) const GSI3SK: &str = "GSI3SK";
/// The TTL attribute (epoch seconds); DynamoDB deletes expired items.
pub(crate) const EXPIRES_AT: &str = "expires_at";

/// The sort key of the article item. It sorts before every comment (`C#…`),
/// so one ascending `Query` returns the article, then its comments.
pub(crate) const ARTICLE_SK: &str = "A";
/// Upper bound of the comment range: `~` sorts after every ULID character.
pub(crate) const COMMENTS_END: &str = "C#~";
/// GSI1's only partition: every article, newest first.
pub(crate) const ALL_ARTICLES: &str = "ARTICLES";
/// The sort key of an author's item (`PK = AUTHOR#{slug}`).
const AUTHOR_SK: &str = "PROFILE";
/// The key (`PK` and `SK`) of the one item holding every section's newest
/// stories for "More in {Category}".
pub(crate) const READ_NEXT: &str = "READNEXT";
/// The sort key of an account item (`PK = USER#{username}`).
const USER_SK: &str = "U";
/// The sort key of a session item (`PK = SESSION#{token hash}`).
const SESSION_SK: &str = "S";
/// How long a comment form's idempotency key is remembered: far longer than
/// anyone keeps a form open and resubmits it, short enough that the records
/// do not pile up (DynamoDB's TTL removes them).
pub(crate) const IDEMPOTENCY_TTL: Duration = Duration::hours(24);

// ---- attribute names -----------------------------------------------------

const SLUG: &str = "slug";
const TITLE: &str = "title";
const CATEGORY: &str = "category";
const AUTHOR: &str = "author";
const PUBLISHED_AT: &str = "published_at";
const SUMMARY: &str = "summary";
const BODY_HTML: &str = "body_html";
const COMMENT_COUNT: &str = "comment_count";
/// Words in the body (the reading time); absent on items written before it was counted.
const WORDS: &str = "words";
/// When a re-import last changed the article (RFC 3339); absent if never.
const UPDATED_AT: &str = "updated_at";
/// The correction note's text and date; both absent without one.
const CORRECTION: &str = "correction";
const CORRECTION_AT: &str = "correction_at";
/// The file the article was imported from (`NewArticle::source`).
pub(crate) const SOURCE: &str = "source";
/// `true` on a withdrawn article (which then has no index keys), and on its
/// trending rows (which #TrendingNews then skips); absent otherwise.
pub(crate) const UNPUBLISHED: &str = "unpublished";
/// `true` when the article's file says `status: unpublished`; absent otherwise.
const FILE_UNPUBLISHED: &str = "file_unpublished";
/// An author's name and bio (the author item).
const NAME: &str = "name";
const BIO: &str = "bio";
const ID: &str = "id";
const AUTHOR_NAME: &str = "author_name";
const BODY: &str = "body";
const CREATED_AT: &str = "created_at";
const READS: &str = "reads";
const USERNAME: &str = "username";
const DISPLAY_NAME: &str = "display_name";
const PASSWORD_HASH: &str = "password_hash";
const CSRF_TOKEN: &str = "csrf_token";
const COMMENT_ID: &str = "comment_id";
const RATE_COUNT: &str = "n";
pub(crate) const PARENT: &str = "parent";
pub(crate) const EDITED_AT: &str = "edited_at";
/// `true` while a comment is held for review; absent once published.
pub(crate) const HELD: &str = "held";
/// Who removed a comment kept for its replies (`moderator` / `author`).
pub(crate) const REMOVED: &str = "removed";
/// A top-level comment's number of replies.
pub(crate) const REPLIES: &str = "replies";
const BODY_FINGERPRINT: &str = "body_fp";
/// `true` on an account holding the moderator role (and on its sessions).
pub(crate) const MODERATOR: &str = "moderator";
/// When an account's suspension ends ([`sortable_time`], so conditions can compare).
pub(crate) const SUSPENDED_UNTIL: &str = "suspended_until";

/// The attributes the listing indexes project (never `body_html`: listings
/// must stay small however long the articles are).
pub(crate) const SUMMARY_ATTRIBUTES: [&str; 9] =
    [SLUG, TITLE, CATEGORY, AUTHOR, PUBLISHED_AT, SUMMARY, COMMENT_COUNT, WORDS, UPDATED_AT];

// ---- keys ----------------------------------------------------------------

/// What every article item's partition key begins with.
pub(crate) const ARTICLE_PK_PREFIX: &str = "ARTICLE#";

pub(crate) fn article_pk(slug: &Slug) -> String {
    format!("{ARTICLE_PK_PREFIX}{slug}")
}

/// `C#{top}` for a top-level comment, `C#{top}#{reply}` for a reply: a
/// reply sorts right after its parent and before the next top-level comment
/// (`#` sorts before every ULID character), so one ascending `Query` reads
/// whole threads in order.
pub(crate) fn comment_sk(at: CommentRef) -> String {
    match at.reply {
        None => format!("C#{}", at.top),
        Some(reply) => format!("C#{}#{reply}", at.top),
    }
}

/// The first sort key after thread `top` (the comment and all its replies).
pub(crate) fn after_thread_sk(top: CommentId) -> String {
    format!("C#{top}#~")
}

/// `AUTHOR#{slug}`: the author item's partition, and GSI3's partition of
/// the author's stories.
pub(crate) fn author_pk(author: &Slug) -> String {
    format!("AUTHOR#{author}")
}

/// The primary key of an author item.
pub(crate) fn author_key(author: &Slug) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(author_pk(author))),
        (SK.to_owned(), AttributeValue::S(AUTHOR_SK.to_owned())),
    ])
}

/// The primary key of the read-next item.
pub(crate) fn read_next_key() -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(READ_NEXT.to_owned())),
        (SK.to_owned(), AttributeValue::S(READ_NEXT.to_owned())),
    ])
}

pub(crate) fn category_pk(category: Category) -> String {
    format!("CATEGORY#{}", category.slug())
}

/// `2026-11-26T18:00:00.000000000Z`: always 9 fraction digits and UTC, so
/// that string order is time order (RFC 3339 as `time` prints it drops
/// trailing zeros, which breaks that).
pub(crate) fn sortable_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:09}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.nanosecond()
    )
}

/// The sort key of both listing indexes: newest first is descending order,
/// and equal times fall back to the slug, so every article has one place.
pub(crate) fn listing_sk(position: &ListingPosition) -> String {
    format!("{}#{}", sortable_time(position.published_at), position.slug)
}

/// The exclusive upper bound of the listing sort keys of articles published
/// by `now`: `{sortable now}#~`, since `~` sorts after every slug character
/// (slugs are `a-z`, `0-9` and `-`), so an article published exactly at
/// `now` is inside it and one a nanosecond later is not.
pub(crate) fn published_by(now: OffsetDateTime) -> String {
    format!("{}#~", sortable_time(now))
}

/// The primary key of an article item.
pub(crate) fn article_key(slug: &Slug) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(article_pk(slug))),
        (SK.to_owned(), AttributeValue::S(ARTICLE_SK.to_owned())),
    ])
}

/// The primary key of a comment item.
pub(crate) fn comment_key(article: &Slug, at: CommentRef) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(article_pk(article))),
        (SK.to_owned(), AttributeValue::S(comment_sk(at))),
    ])
}

/// `I#{author}#{key}`: the idempotency record of one comment form, in the
/// article's own partition and scoped to the reader who posted it (another
/// reader's post with the same key is a post of its own, never a silent
/// "duplicate" of someone else's comment). `I` sorts after `C#~`, so these
/// items are never inside the article page's `SK BETWEEN "A" AND "C#~"`
/// range; usernames contain no `#`.
pub(crate) fn idempotency_sk(author: &Username, key: &IdempotencyKey) -> String {
    format!("I#{author}#{key}")
}

/// The primary key of an idempotency record.
pub(crate) fn idempotency_key(article: &Slug, author: &Username, key: &IdempotencyKey) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(article_pk(article))),
        (SK.to_owned(), AttributeValue::S(idempotency_sk(author, key))),
    ])
}

/// The primary key of an account: `USER#{canonical username}`.
pub(crate) fn user_key(username: &Username) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(format!("USER#{username}"))),
        (SK.to_owned(), AttributeValue::S(USER_SK.to_owned())),
    ])
}

/// The primary key of a session: `SESSION#{SHA-256 of the token, hex}`.
pub(crate) fn session_key(token_hash: &TokenHash) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(format!("SESSION#{token_hash}"))),
        (SK.to_owned(), AttributeValue::S(SESSION_SK.to_owned())),
    ])
}

/// The primary key of one rate-limit counter: `RATE#{key}`, `W#{window
/// start, epoch seconds}`. The window's length is not in the key: a caller
/// uses each key with one window length (the key names the policy).
pub(crate) fn rate_key(key: &str, window: &Window) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(format!("RATE#{key}"))),
        (SK.to_owned(), AttributeValue::S(format!("W#{}", window.start.unix_timestamp()))),
    ])
}

/// The hour bucket a read at `t` counts in: hours since the Unix epoch.
pub(crate) fn hour_index(t: OffsetDateTime) -> i64 {
    t.unix_timestamp().div_euclid(3600)
}

/// The start of hour bucket `hour`.
fn hour_start(hour: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(hour.saturating_mul(3600)).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `TRENDING#2026-11-26T18`: the partition of one hour's reads.
pub(crate) fn trending_pk(hour: i64) -> String {
    let t = hour_start(hour);
    format!("TRENDING#{:04}-{:02}-{:02}T{:02}", t.year(), u8::from(t.month()), t.day(), t.hour())
}

/// When a bucket's rows expire: 72 h after the end of its hour, well past
/// the 48 h window, so TTL's lazy deletion never removes a row still read.
pub(crate) fn trending_expires_at(hour: i64) -> i64 {
    hour.saturating_add(1).saturating_mul(3600).saturating_add(72 * 3600)
}

// ---- writing -------------------------------------------------------------

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// What an import writes to an article item (everything but its keys and
/// its comment count, with the index keys that follow from the content):
/// the attributes to `SET`, and those to `REMOVE` (an update that no longer
/// carries a correction, a new article with no `updated_at`).
pub(crate) fn article_content(
    article: &NewArticle,
    updated_at: Option<OffsetDateTime>,
    correction_at: Option<OffsetDateTime>,
    unpublished: bool,
) -> (Vec<(&'static str, AttributeValue)>, Vec<&'static str>) {
    let mut set = vec![
        (SLUG, s(article.slug.as_str())),
        (TITLE, s(&article.title)),
        (CATEGORY, s(article.category.slug())),
        (AUTHOR, s(&article.author)),
        (PUBLISHED_AT, s(timefmt::rfc3339(article.published_at))),
        (SUMMARY, s(&article.summary)),
        (BODY_HTML, s(article.body_html.as_str())),
        (WORDS, n(article.words)),
        (SOURCE, s(&article.source)),
    ];
    let mut remove = Vec::new();
    let (status_set, status_remove) =
        listing_keys(&article.slug, article.published_at, article.category, &article.author, unpublished);
    set.extend(status_set);
    remove.extend(status_remove);
    if article.unpublished {
        set.push((FILE_UNPUBLISHED, AttributeValue::Bool(true)));
    } else {
        remove.push(FILE_UNPUBLISHED);
    }
    match updated_at {
        Some(t) => set.push((UPDATED_AT, s(timefmt::rfc3339(t)))),
        None => remove.push(UPDATED_AT),
    }
    match (&article.correction, correction_at) {
        (Some(text), Some(at)) => {
            set.push((CORRECTION, s(text)));
            set.push((CORRECTION_AT, s(timefmt::rfc3339(at))));
        }
        _ => remove.extend([CORRECTION, CORRECTION_AT]),
    }
    (set, remove)
}

/// What makes an article listed or not: a published article has the index
/// keys (so the listing indexes, and the author index when its byline has an
/// address, hold it); a withdrawn one has `unpublished` and no index keys,
/// so the sparse indexes drop it and no listing, author page, feed or
/// sitemap query can return it.
pub(crate) fn listing_keys(
    slug: &Slug,
    published_at: OffsetDateTime,
    category: Category,
    author: &str,
    unpublished: bool,
) -> (Vec<(&'static str, AttributeValue)>, Vec<&'static str>) {
    const INDEX_KEYS: [&str; 6] = [GSI1PK, GSI1SK, GSI2PK, GSI2SK, GSI3PK, GSI3SK];
    if unpublished {
        return (vec![(UNPUBLISHED, AttributeValue::Bool(true))], INDEX_KEYS.to_vec());
    }
    let listing = listing_sk(&ListingPosition { published_at, slug: slug.clone() });
    let mut set = vec![
        (GSI1PK, s(ALL_ARTICLES)),
        (GSI1SK, s(listing.clone())),
        (GSI2PK, s(category_pk(category))),
        (GSI2SK, s(listing.clone())),
    ];
    let mut remove = vec![UNPUBLISHED];
    match crate::domain::author_slug(author) {
        Some(author) => set.extend([(GSI3PK, s(author_pk(&author))), (GSI3SK, s(listing))]),
        None => remove.extend([GSI3PK, GSI3SK]),
    }
    (set, remove)
}

/// Whether a published article `item` with byline `author` lacks the
/// author-index keys it should carry (it was stored before author pages).
pub(crate) fn lacks_author_keys(item: &Item, author: &str) -> bool {
    crate::domain::author_slug(author).is_some() && !item.contains_key(GSI3PK)
}

/// An author item, keys included.
pub(crate) fn author_item(author: &NewAuthor) -> Item {
    let mut item = author_key(&author.author.slug);
    item.insert(SLUG.to_owned(), s(author.author.slug.as_str()));
    item.insert(NAME.to_owned(), s(&author.author.name));
    item.insert(SOURCE.to_owned(), s(&author.source));
    if let Some(bio) = &author.author.bio {
        item.insert(BIO.to_owned(), s(bio));
    }
    item
}

/// An author from its item.
pub(crate) fn author_from_item(item: &Item) -> Result<NewAuthor, StoreError> {
    let r = ItemReader { item };
    Ok(NewAuthor {
        author: Author {
            slug: r.slug()?,
            name: r.string(NAME)?.to_owned(),
            bio: r.optional_string(BIO)?.map(str::to_owned),
        },
        source: r.optional_string(SOURCE)?.unwrap_or_default().to_owned(),
    })
}

/// One story of the read-next item: what its link shows, nothing more (no
/// summary, no comment count), so twelve sections' lists stay one small item.
pub(crate) fn read_next_entry(a: &ArticleSummary) -> AttributeValue {
    AttributeValue::M(HashMap::from([
        (SLUG.to_owned(), s(a.slug.as_str())),
        (TITLE.to_owned(), s(&a.title)),
        (CATEGORY.to_owned(), s(a.category.slug())),
        (AUTHOR.to_owned(), s(&a.author)),
        (PUBLISHED_AT.to_owned(), s(timefmt::rfc3339(a.published_at))),
        (WORDS.to_owned(), n(a.words)),
    ]))
}

/// The read-next item's lists, one attribute per section (its slug).
pub(crate) fn read_next_from_item(item: &Item) -> Result<ReadNext, StoreError> {
    let mut next = ReadNext::default();
    for category in Category::ALL {
        let Some(AttributeValue::L(list)) = item.get(category.slug()) else { continue };
        let mut stories = Vec::with_capacity(list.len());
        for entry in list {
            let AttributeValue::M(entry) = entry else {
                return Err(StoreError::Corrupt(format!(
                    "read-next entry of {} is not a map",
                    category.slug()
                )));
            };
            let r = ItemReader { item: entry };
            stories.push(ArticleSummary {
                slug: r.slug()?,
                title: r.string(TITLE)?.to_owned(),
                category: r.category()?,
                author: r.string(AUTHOR)?.to_owned(),
                published_at: r.time(PUBLISHED_AT)?,
                summary: String::new(),
                comment_count: 0,
                words: u32::try_from(r.optional_number(WORDS)?.unwrap_or(0)).unwrap_or(u32::MAX),
                updated_at: None,
            });
        }
        next.by_category.insert(category, stories);
    }
    Ok(next)
}

/// The name of the comment-count attribute, for update expressions.
pub(crate) const COMMENT_COUNT_ATTR: &str = COMMENT_COUNT;
/// The name of the read-count attribute, for update expressions.
pub(crate) const READS_ATTR: &str = READS;
/// The name of a rate-limit counter's count attribute, for update expressions.
pub(crate) const RATE_COUNT_ATTR: &str = RATE_COUNT;

/// The summary attributes a trending row repeats, so #TrendingNews can be
/// shown without reading the articles.
pub(crate) fn summary_attributes(summary: &ArticleSummary) -> Vec<(&'static str, AttributeValue)> {
    vec![
        (SLUG, s(summary.slug.as_str())),
        (TITLE, s(&summary.title)),
        (CATEGORY, s(summary.category.slug())),
        (AUTHOR, s(&summary.author)),
        (PUBLISHED_AT, s(timefmt::rfc3339(summary.published_at))),
        (SUMMARY, s(&summary.summary)),
        (COMMENT_COUNT, n(summary.comment_count)),
        (WORDS, n(summary.words)),
    ]
    .into_iter()
    .chain(summary.updated_at.map(|t| (UPDATED_AT, s(timefmt::rfc3339(t)))))
    .collect()
}

/// A comment item, keys included.
pub(crate) fn comment_item(article: &Slug, comment: &Comment) -> Item {
    let mut item = HashMap::from([
        (PK.to_owned(), s(article_pk(article))),
        (SK.to_owned(), s(comment_sk(comment.address()))),
        (ID.to_owned(), s(comment.id.to_string())),
        (AUTHOR.to_owned(), s(comment.author.as_str())),
        (AUTHOR_NAME.to_owned(), s(&comment.author_name)),
        (BODY.to_owned(), s(&comment.body)),
        (CREATED_AT.to_owned(), s(timefmt::rfc3339(comment.created_at))),
        (REPLIES.to_owned(), n(comment.replies)),
    ]);
    if let Some(parent) = comment.parent {
        item.insert(PARENT.to_owned(), s(parent.to_string()));
    }
    if let Some(t) = comment.edited_at {
        item.insert(EDITED_AT.to_owned(), s(timefmt::rfc3339(t)));
    }
    if comment.held {
        item.insert(HELD.to_owned(), AttributeValue::Bool(true));
    }
    if let Some(by) = comment.removed {
        item.insert(REMOVED.to_owned(), s(by.as_str()));
    }
    item
}

/// The idempotency record of a posted comment: which comment the form's key
/// created, and when DynamoDB's TTL may forget it (the comment's creation
/// time, i.e. the request's clock, plus [`IDEMPOTENCY_TTL`]).
pub(crate) fn idempotency_item(article: &Slug, key: &IdempotencyKey, comment: &Comment) -> Item {
    let mut item = idempotency_key(article, &comment.author, key);
    item.extend([
        (COMMENT_ID.to_owned(), s(comment.id.to_string())),
        (AUTHOR.to_owned(), s(comment.author.as_str())),
        (BODY_FINGERPRINT.to_owned(), s(format!("{:016x}", body_fingerprint(&comment.body)))),
        (EXPIRES_AT.to_owned(), n((comment.created_at + IDEMPOTENCY_TTL).unix_timestamp())),
    ]);
    item
}

/// An account item, keys included.
pub(crate) fn user_item(user: &User) -> Item {
    let mut item = user_key(&user.username);
    item.extend([
        (USERNAME.to_owned(), s(user.username.as_str())),
        (DISPLAY_NAME.to_owned(), s(user.display_name.as_str())),
        (PASSWORD_HASH.to_owned(), s(user.password_hash.as_str())),
        (CREATED_AT.to_owned(), s(timefmt::rfc3339(user.created_at))),
    ]);
    if user.moderator {
        item.insert(MODERATOR.to_owned(), AttributeValue::Bool(true));
    }
    if let Some(until) = user.suspended_until {
        item.insert(SUSPENDED_UNTIL.to_owned(), s(sortable_time(until)));
    }
    item
}

/// A session item, keys included. `expires_at` is whole epoch seconds (the
/// TTL attribute's format), rounded down: a session never outlives the
/// instant it was given.
pub(crate) fn session_item(session: &Session) -> Item {
    let mut item = session_key(&session.token_hash);
    item.extend([
        (USERNAME.to_owned(), s(session.username.as_str())),
        (DISPLAY_NAME.to_owned(), s(session.display_name.as_str())),
        (CSRF_TOKEN.to_owned(), s(session.csrf_token.as_str())),
        (CREATED_AT.to_owned(), s(timefmt::rfc3339(session.created_at))),
        (EXPIRES_AT.to_owned(), n(session.expires_at.unix_timestamp())),
    ]);
    if session.moderator {
        item.insert(MODERATOR.to_owned(), AttributeValue::Bool(true));
    }
    item
}

/// The `expires_at` value of a rate-limit counter in `window`.
pub(crate) fn rate_expires_at(window: &Window) -> AttributeValue {
    n(window.expires_at().unix_timestamp())
}

// ---- reading -------------------------------------------------------------

/// Reads attributes of one item, naming the item in every error.
pub(crate) struct ItemReader<'a> {
    pub(crate) item: &'a Item,
}

impl<'a> ItemReader<'a> {
    pub(crate) fn corrupt(&self, problem: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt(format!("item {}: {problem}", describe_key(self.item)))
    }

    pub(crate) fn string(&self, name: &str) -> Result<&'a str, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::S(v)) => Ok(v),
            Some(_) => Err(self.corrupt(format_args!("attribute `{name}` is not a string"))),
            None => Err(self.corrupt(format_args!("attribute `{name}` is missing"))),
        }
    }

    pub(crate) fn number(&self, name: &str) -> Result<u64, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::N(v)) => v
                .parse()
                .map_err(|_| self.corrupt(format_args!("attribute `{name}` is not a whole number: {v:?}"))),
            Some(_) => Err(self.corrupt(format_args!("attribute `{name}` is not a number"))),
            None => Err(self.corrupt(format_args!("attribute `{name}` is missing"))),
        }
    }

    pub(crate) fn optional_string(&self, name: &str) -> Result<Option<&'a str>, StoreError> {
        match self.item.get(name) {
            None => Ok(None),
            Some(_) => self.string(name).map(Some),
        }
    }

    pub(crate) fn optional_number(&self, name: &str) -> Result<Option<u64>, StoreError> {
        match self.item.get(name) {
            None => Ok(None),
            Some(_) => self.number(name).map(Some),
        }
    }

    /// A boolean attribute written only when true: absent is `false`.
    pub(crate) fn flag(&self, name: &str) -> Result<bool, StoreError> {
        match self.item.get(name) {
            None => Ok(false),
            Some(AttributeValue::Bool(b)) => Ok(*b),
            Some(_) => Err(self.corrupt(format_args!("attribute `{name}` is not a boolean"))),
        }
    }

    pub(crate) fn epoch_seconds(&self, name: &str) -> Result<OffsetDateTime, StoreError> {
        let invalid = || self.corrupt(format_args!("attribute `{name}` is not a time in epoch seconds"));
        let secs = match self.item.get(name) {
            Some(AttributeValue::N(v)) => v.parse::<i64>().map_err(|_| invalid())?,
            Some(_) => return Err(self.corrupt(format_args!("attribute `{name}` is not a number"))),
            None => return Err(self.corrupt(format_args!("attribute `{name}` is missing"))),
        };
        OffsetDateTime::from_unix_timestamp(secs).map_err(|_| invalid())
    }

    pub(crate) fn username(&self, name: &str) -> Result<Username, StoreError> {
        let v = self.string(name)?;
        match Username::parse(v) {
            // Stored names are canonical; one that parses to another spelling
            // was not written by this code.
            Ok(u) if u.as_str() == v => Ok(u),
            _ => Err(self.corrupt(format_args!("attribute `{name}` is not a canonical username: {v:?}"))),
        }
    }

    pub(crate) fn csrf_token(&self) -> Result<CsrfToken, StoreError> {
        // The error never repeats the stored value: it is a secret.
        CsrfToken::parse(self.string(CSRF_TOKEN)?)
            .ok_or_else(|| self.corrupt("attribute `csrf_token` is not a CSRF token"))
    }

    pub(crate) fn display_name(&self) -> Result<DisplayName, StoreError> {
        let v = self.string(DISPLAY_NAME)?;
        DisplayName::from_stored(v)
            .map_err(|e| self.corrupt(format_args!("attribute `display_name` is invalid ({e}): {v:?}")))
    }

    pub(crate) fn time(&self, name: &str) -> Result<OffsetDateTime, StoreError> {
        let v = self.string(name)?;
        timefmt::parse_rfc3339(v).map_err(|e| {
            self.corrupt(format_args!("attribute `{name}` is not an RFC 3339 time ({e}): {v:?}"))
        })
    }

    pub(crate) fn optional_time(&self, name: &str) -> Result<Option<OffsetDateTime>, StoreError> {
        match self.item.get(name) {
            None => Ok(None),
            Some(_) => self.time(name).map(Some),
        }
    }

    pub(crate) fn slug(&self) -> Result<Slug, StoreError> {
        let v = self.string(SLUG)?;
        Slug::parse(v).map_err(|e| self.corrupt(format_args!("attribute `slug` is invalid ({e}): {v:?}")))
    }

    pub(crate) fn category(&self) -> Result<Category, StoreError> {
        let v = self.string(CATEGORY)?;
        Category::from_slug(v).ok_or_else(|| self.corrupt(format_args!("unknown category {v:?}")))
    }
}

/// `PK=… SK=…` of an item, for error messages.
pub(crate) fn describe_key(item: &Item) -> String {
    let key = |name: &str| match item.get(name) {
        Some(AttributeValue::S(v)) => v.clone(),
        _ => String::from("?"),
    };
    format!("PK={} SK={}", key(PK), key(SK))
}

/// The sort key of an item, if it has one (to tell the article item from
/// comment items in one `Query`).
pub(crate) fn sort_key(item: &Item) -> Option<&str> {
    match item.get(SK) {
        Some(AttributeValue::S(v)) => Some(v),
        _ => None,
    }
}

/// Whether an item of an article's partition is a top-level comment
/// (`C#{ulid}`, not a reply's `C#{top}#{reply}`).
pub(crate) fn is_top_level_comment(item: &Item) -> bool {
    sort_key(item).and_then(|sk| sk.strip_prefix("C#")).is_some_and(|rest| !rest.contains('#'))
}

/// An article summary: from an article item, a listing-index projection or a
/// trending row (they share the attribute names).
pub(crate) fn summary_from_item(item: &Item) -> Result<ArticleSummary, StoreError> {
    let r = ItemReader { item };
    Ok(ArticleSummary {
        slug: r.slug()?,
        title: r.string(TITLE)?.to_owned(),
        category: r.category()?,
        author: r.string(AUTHOR)?.to_owned(),
        published_at: r.time(PUBLISHED_AT)?,
        summary: r.string(SUMMARY)?.to_owned(),
        comment_count: r.number(COMMENT_COUNT)?,
        words: u32::try_from(r.optional_number(WORDS)?.unwrap_or(0)).unwrap_or(u32::MAX),
        updated_at: r.optional_time(UPDATED_AT)?,
    })
}

/// A whole article from its item.
pub(crate) fn article_from_item(item: &Item) -> Result<Article, StoreError> {
    let summary = summary_from_item(item)?;
    let r = ItemReader { item };
    let body = r.string(BODY_HTML)?;
    let correction = match (r.optional_string(CORRECTION)?, r.optional_time(CORRECTION_AT)?) {
        (Some(text), Some(at)) => Some(Correction { text: text.to_owned(), at }),
        (None, None) => None,
        _ => return Err(r.corrupt("`correction` and `correction_at` must come together")),
    };
    // The body was sanitised by the importer before it was written; the
    // table is trusted storage (see `SanitizedHtml::from_sanitized`).
    Ok(Article {
        summary,
        body_html: SanitizedHtml::from_sanitized(body.to_owned()),
        correction,
        unpublished: r.flag(UNPUBLISHED)?,
    })
}

/// The content of a stored article as the importer wrote it, to tell an
/// unchanged re-import from an update, with its correction's date (kept
/// when a re-import carries the same correction).
pub(crate) fn new_article_from_item(item: &Item) -> Result<(NewArticle, Option<OffsetDateTime>), StoreError> {
    let Article { summary, body_html, correction, .. } = article_from_item(item)?;
    let source = ItemReader { item }.optional_string(SOURCE)?.unwrap_or_default().to_owned();
    let correction_at = correction.as_ref().map(|c| c.at);
    let article = NewArticle {
        slug: summary.slug,
        title: summary.title,
        category: summary.category,
        author: summary.author,
        published_at: summary.published_at,
        summary: summary.summary,
        body_html,
        words: summary.words,
        correction: correction.map(|c| c.text),
        source,
        unpublished: ItemReader { item }.flag(FILE_UNPUBLISHED)?,
    };
    Ok((article, correction_at))
}

/// A comment from its item.
pub(crate) fn comment_from_item(item: &Item) -> Result<Comment, StoreError> {
    let r = ItemReader { item };
    let id = r.string(ID)?;
    let id = CommentId::parse(id)
        .ok_or_else(|| r.corrupt(format_args!("attribute `id` is not a ULID: {id:?}")))?;
    let parent = match r.optional_string(PARENT)? {
        None => None,
        Some(p) => Some(
            CommentId::parse(p)
                .ok_or_else(|| r.corrupt(format_args!("attribute `parent` is not a ULID: {p:?}")))?,
        ),
    };
    let removed = match r.optional_string(REMOVED)? {
        None => None,
        Some(v) => {
            Some(Removal::parse(v).ok_or_else(|| r.corrupt(format_args!("attribute `removed` is {v:?}")))?)
        }
    };
    Ok(Comment {
        id,
        parent,
        author: r.username(AUTHOR)?,
        author_name: r.string(AUTHOR_NAME)?.to_owned(),
        body: r.string(BODY)?.to_owned(),
        created_at: r.time(CREATED_AT)?,
        edited_at: r.optional_string(EDITED_AT)?.map(|_| r.time(EDITED_AT)).transpose()?,
        held: r.flag(HELD)?,
        removed,
        replies: u32::try_from(r.optional_number(REPLIES)?.unwrap_or(0)).unwrap_or(u32::MAX),
    })
}

/// An account from its item.
pub(crate) fn user_from_item(item: &Item) -> Result<User, StoreError> {
    let r = ItemReader { item };
    // The error says only that the hash does not parse, never the hash.
    let password_hash = PasswordHash::from_phc(r.string(PASSWORD_HASH)?.to_owned())
        .map_err(|_| r.corrupt("attribute `password_hash` is not a PHC string"))?;
    Ok(User {
        username: r.username(USERNAME)?,
        display_name: r.display_name()?,
        password_hash,
        created_at: r.time(CREATED_AT)?,
        moderator: r.flag(MODERATOR)?,
        suspended_until: r.optional_string(SUSPENDED_UNTIL)?.map(|_| r.time(SUSPENDED_UNTIL)).transpose()?,
    })
}

/// A session from its item; `token_hash` is the one it was looked up by
/// (the item's key is derived from it).
pub(crate) fn session_from_item(item: &Item, token_hash: &TokenHash) -> Result<Session, StoreError> {
    let r = ItemReader { item };
    Ok(Session {
        token_hash: token_hash.clone(),
        username: r.username(USERNAME)?,
        display_name: r.display_name()?,
        csrf_token: r.csrf_token()?,
        moderator: r.flag(MODERATOR)?,
        created_at: r.time(CREATED_AT)?,
        expires_at: r.epoch_seconds(EXPIRES_AT)?,
    })
}

/// The count of a rate-limit counter item (or of the attributes an
/// `UpdateItem` returned), saturating at `u32::MAX`.
pub(crate) fn rate_count_from_item(item: &Item) -> Result<u32, StoreError> {
    let count = ItemReader { item }.number(RATE_COUNT)?;
    Ok(u32::try_from(count).unwrap_or(u32::MAX))
}

/// The comment an idempotency record points to.
pub(crate) fn idempotent_comment_id(item: &Item) -> Result<CommentId, StoreError> {
    let r = ItemReader { item };
    let id = r.string(COMMENT_ID)?;
    CommentId::parse(id)
        .ok_or_else(|| r.corrupt(format_args!("attribute `comment_id` is not a ULID: {id:?}")))
}

/// The fingerprint of the text an idempotency record's form posted;
/// `None` for records written before fingerprints were kept.
pub(crate) fn idempotent_body_fingerprint(item: &Item) -> Result<Option<u64>, StoreError> {
    let r = ItemReader { item };
    r.optional_string(BODY_FINGERPRINT)?
        .map(|v| u64::from_str_radix(v, 16).map_err(|_| r.corrupt("attribute `body_fp` is not hex")))
        .transpose()
}

/// Whether a trending row belongs to a withdrawn article (#TrendingNews skips it).
pub(crate) fn is_withdrawn(item: &Item) -> Result<bool, StoreError> {
    ItemReader { item }.flag(UNPUBLISHED)
}

/// An hourly trending row: the article and its reads that hour. (Rows
/// written before reads were aggregated also carry a summary; it is unused.)
pub(crate) fn trending_row_from_item(item: &Item) -> Result<(Slug, u64), StoreError> {
    let r = ItemReader { item };
    Ok((r.slug()?, r.number(READS)?))
}

// ---- counting reads (store::trending) -------------------------------------

/// The partition of the aggregator's state and the ranking.
const TRENDING: &str = "TRENDING";
const RANKING_SK: &str = "RANKING";
/// A watermark's attribute: the last batch id folded.
pub(crate) const WATERMARK_ATTR: &str = "after";
const ARTICLES_ATTR: &str = "articles";
const COMPUTED_AT: &str = "computed_at";
/// The name of a trending row's slug attribute, for update expressions.
pub(crate) const SLUG_ATTR: &str = SLUG;
/// How long a read batch is kept: long past the aggregator's next run, so a
/// stalled aggregator that resumes within two days still counts it.
const READ_BATCH_TTL: Duration = Duration::days(2);

/// `READS#07`: one of the read batches' partitions.
pub(crate) fn reads_pk(shard: u8) -> String {
    format!("READS#{shard:02}")
}

/// A read batch, keys included.
pub(crate) fn read_batch_item(batch: &ReadBatch) -> Item {
    let reads = batch.reads.iter().map(|(slug, n)| (slug.to_string(), self::n(n))).collect();
    HashMap::from([
        (PK.to_owned(), s(reads_pk(batch.shard()))),
        (SK.to_owned(), s(batch.id())),
        (READS.to_owned(), AttributeValue::M(reads)),
        (EXPIRES_AT.to_owned(), n((batch.at() + READ_BATCH_TTL).unix_timestamp())),
    ])
}

/// A read batch's id and reads.
pub(crate) fn read_batch_from_item(item: &Item) -> Result<(String, BTreeMap<Slug, u64>), StoreError> {
    let r = ItemReader { item };
    let id = r.string(SK)?.to_owned();
    let Some(AttributeValue::M(map)) = item.get(READS) else {
        return Err(r.corrupt("attribute `reads` is not a map"));
    };
    let mut reads = BTreeMap::new();
    for (slug, v) in map {
        let slug =
            Slug::parse(slug).map_err(|_| r.corrupt(format_args!("`reads` names a bad slug {slug:?}")))?;
        let count = v.as_n().ok().and_then(|n| n.parse::<u64>().ok());
        reads.insert(slug, count.ok_or_else(|| r.corrupt("`reads` holds a value that is not a count"))?);
    }
    Ok((id, reads))
}

/// A shard's watermark item key.
pub(crate) fn watermark_key(shard: u8) -> Item {
    HashMap::from([(PK.to_owned(), s(TRENDING)), (SK.to_owned(), s(format!("WATERMARK#{shard:02}")))])
}

pub(crate) fn watermark_from_item(item: &Item) -> Result<String, StoreError> {
    Ok(ItemReader { item }.string(WATERMARK_ATTR)?.to_owned())
}

/// The ranking item's key.
pub(crate) fn ranking_key() -> Item {
    HashMap::from([(PK.to_owned(), s(TRENDING)), (SK.to_owned(), s(RANKING_SK))])
}

/// The ranking item: each article's summary and reads, in order.
pub(crate) fn ranking_item(ranking: &[TrendingArticle], at: OffsetDateTime) -> Item {
    let articles = ranking
        .iter()
        .map(|t| {
            let mut m: Item =
                summary_attributes(&t.article).into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            m.insert(READS.to_owned(), n(t.reads));
            AttributeValue::M(m)
        })
        .collect();
    let mut item = ranking_key();
    item.insert(ARTICLES_ATTR.to_owned(), AttributeValue::L(articles));
    item.insert(COMPUTED_AT.to_owned(), n(at.unix_timestamp()));
    item
}

pub(crate) fn ranking_from_item(item: &Item) -> Result<Vec<TrendingArticle>, StoreError> {
    let r = ItemReader { item };
    let Some(AttributeValue::L(list)) = item.get(ARTICLES_ATTR) else {
        return Err(r.corrupt("attribute `articles` is not a list"));
    };
    list.iter()
        .map(|v| match v {
            AttributeValue::M(m) => Ok(TrendingArticle {
                article: summary_from_item(m)?,
                reads: ItemReader { item: m }.number(READS)?,
            }),
            _ => Err(r.corrupt("`articles` holds something that is not a map")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn new_article() -> NewArticle {
        NewArticle {
            slug: Slug::parse("rust-on-lambda").unwrap(),
            title: "Rust on Lambda".into(),
            category: Category::NewsAnalysis,
            author: "Ada".into(),
            published_at: datetime!(2026-11-26 19:00:00.5 +01:00),
            summary: "".into(),
            body_html: SanitizedHtml::from_sanitized("<p>Hi</p>".into()),
            words: 1,
            correction: None,
            source: "news/rust.md".into(),
            unpublished: false,
        }
    }

    fn article_item(a: &NewArticle, comments: u64) -> Item {
        let mut item = article_key(&a.slug);
        let corrected = a.correction.as_ref().map(|_| datetime!(2026-11-27 09:00 UTC));
        item.extend(article_content(a, None, corrected, false).0.into_iter().map(|(k, v)| (k.to_owned(), v)));
        item.insert(COMMENT_COUNT.into(), n(comments));
        item
    }

    #[test]
    fn sortable_time_is_fixed_width_utc() {
        assert_eq!(sortable_time(datetime!(2026-11-26 19:00:00 +01:00)), "2026-11-26T18:00:00.000000000Z");
        assert_eq!(
            sortable_time(datetime!(2026-01-02 03:04:05.000000007 UTC)),
            "2026-01-02T03:04:05.000000007Z"
        );
        let a = sortable_time(datetime!(2026-11-26 18:00:00.5 UTC));
        let b = sortable_time(datetime!(2026-11-26 18:00:00.25 UTC));
        let c = sortable_time(datetime!(2026-11-26 18:00:01 UTC));
        assert!(b < a && a < c);
    }

    #[test]
    fn article_round_trips() {
        let a = new_article();
        let item = article_item(&a, 7);
        assert_eq!(describe_key(&item), "PK=ARTICLE#rust-on-lambda SK=A");
        assert_eq!(item[GSI1SK], s("2026-11-26T18:00:00.500000000Z#rust-on-lambda"));
        assert_eq!(item[GSI2PK], s("CATEGORY#news-analysis"));
        let back = article_from_item(&item).unwrap();
        assert_eq!(back.summary.comment_count, 7);
        assert_eq!(back.summary.published_at, a.published_at);
        assert_eq!(back.body_html, a.body_html);
        assert_eq!(new_article_from_item(&item).unwrap(), (a.clone(), None));
        assert_eq!(back.correction, None);
        assert_eq!(back.summary.updated_at, None);

        let corrected = NewArticle { correction: Some("It was Tuesday.".into()), ..a };
        let item = article_item(&corrected, 0);
        let back = article_from_item(&item).unwrap();
        let at = datetime!(2026-11-27 09:00 UTC);
        assert_eq!(back.correction, Some(Correction { text: "It was Tuesday.".into(), at }));
        assert_eq!(new_article_from_item(&item).unwrap(), (corrected, Some(at)));
    }

    #[test]
    fn comment_and_trending_rows_round_trip() {
        let slug = Slug::parse("x").unwrap();
        let c = Comment {
            id: CommentId::new_at(datetime!(2026-11-26 18:00 UTC)),
            author: Username::parse("ada").unwrap(),
            author_name: "Ada L.".into(),
            body: "line 1\nline 2".into(),
            created_at: datetime!(2026-11-26 18:00:00.123 UTC),
            parent: None,
            edited_at: None,
            held: false,
            removed: None,
            replies: 0,
        };
        let item = comment_item(&slug, &c);
        assert_eq!(sort_key(&item), Some(comment_sk(c.address()).as_str()));
        assert_eq!(comment_from_item(&item).unwrap(), c);

        // A row as the aggregator writes it, and as rows written before it
        // (with a summary) still read.
        let summary = article_from_item(&article_item(&new_article(), 2)).unwrap().summary;
        let bare: Item = HashMap::from([(SLUG.into(), s(summary.slug.as_str())), (READS.into(), n(5))]);
        assert_eq!(trending_row_from_item(&bare).unwrap(), (summary.slug.clone(), 5));
        let mut old: Item =
            summary_attributes(&summary).into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        old.insert(READS.into(), n(5));
        assert_eq!(trending_row_from_item(&old).unwrap(), (summary.slug.clone(), 5));

        let ranking = vec![TrendingArticle { article: summary, reads: 7 }];
        let item = ranking_item(&ranking, datetime!(2026-11-26 18:00 UTC));
        assert_eq!(ranking_from_item(&item).unwrap(), ranking);

        let batch = ReadBatch::new(datetime!(2026-11-26 18:00 UTC), BTreeMap::from([(slug.clone(), 3)]));
        let item = read_batch_item(&batch);
        assert_eq!(item[PK], s(reads_pk(batch.shard())));
        assert_eq!(read_batch_from_item(&item).unwrap(), (batch.id(), batch.reads.clone()));
    }

    #[test]
    fn corrupt_items_name_their_key() {
        let a = new_article();
        let cases: [(&str, Option<AttributeValue>, &str); 6] = [
            (CATEGORY, Some(s("weather")), "unknown category"),
            (SLUG, Some(s("Not A Slug")), "slug"),
            (PUBLISHED_AT, Some(s("yesterday")), "published_at"),
            (COMMENT_COUNT, Some(s("3")), "comment_count"),
            (COMMENT_COUNT, Some(n("-1")), "comment_count"),
            (BODY_HTML, None, "body_html"),
        ];
        for (name, value, needle) in cases {
            let mut item = article_item(&a, 0);
            match value {
                Some(v) => item.insert(name.to_owned(), v),
                None => item.remove(name),
            };
            match article_from_item(&item) {
                Err(StoreError::Corrupt(msg)) => {
                    assert!(msg.contains("PK=ARTICLE#rust-on-lambda SK=A"), "{msg}");
                    assert!(msg.contains(needle), "{msg}");
                }
                other => panic!("{name}: expected Corrupt, got {other:?}"),
            }
        }
        let mut c = comment_item(
            &a.slug,
            &Comment {
                id: CommentId::new_at(datetime!(2026-11-26 18:00 UTC)),
                author: Username::parse("ann").unwrap(),
                author_name: "A".into(),
                body: "b".into(),
                created_at: datetime!(2026-11-26 18:00 UTC),
                parent: None,
                edited_at: None,
                held: false,
                removed: None,
                replies: 0,
            },
        );
        c.insert(ID.into(), s("nope"));
        assert!(matches!(comment_from_item(&c), Err(StoreError::Corrupt(m)) if m.contains("SK=C#")));
    }

    const PHC: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";

    fn user() -> User {
        User {
            username: Username::parse("ada").unwrap(),
            display_name: DisplayName::parse("Ada L.").unwrap(),
            password_hash: PasswordHash::from_phc(PHC.into()).unwrap(),
            created_at: datetime!(2026-11-26 18:00:00.25 UTC),
            moderator: false,
            suspended_until: None,
        }
    }

    #[test]
    fn account_items_round_trip_and_reject_bad_values() {
        let u = user();
        let item = user_item(&u);
        assert_eq!(describe_key(&item), "PK=USER#ada SK=U");
        assert_eq!(user_from_item(&item).unwrap(), u);

        for (name, value, needle) in [
            (USERNAME, s("Ada"), "canonical"),
            (PASSWORD_HASH, s("hunter2"), "PHC"),
            (DISPLAY_NAME, s(""), "display_name"),
        ] {
            let mut bad = item.clone();
            bad.insert(name.to_owned(), value);
            match user_from_item(&bad) {
                Err(StoreError::Corrupt(msg)) => {
                    assert!(msg.contains("USER#ada") && msg.contains(needle), "{msg}");
                    assert!(!msg.contains("hunter2"), "never echo a stored hash: {msg}");
                }
                other => panic!("{name}: expected Corrupt, got {other:?}"),
            }
        }
    }

    #[test]
    fn session_items_keep_expiry_in_whole_epoch_seconds() {
        let hash = TokenHash::from_hex(&"ab".repeat(32)).unwrap();
        let session = Session {
            token_hash: hash.clone(),
            username: Username::parse("ada").unwrap(),
            display_name: DisplayName::parse("Ada").unwrap(),
            csrf_token: CsrfToken::generate(),
            moderator: false,
            created_at: datetime!(2026-11-26 18:00:00.5 UTC),
            expires_at: datetime!(2026-12-10 18:00:00.75 UTC),
        };
        let item = session_item(&session);
        assert_eq!(describe_key(&item), format!("PK=SESSION#{} SK=S", "ab".repeat(32)));
        assert_eq!(item[EXPIRES_AT], n(datetime!(2026-12-10 18:00 UTC).unix_timestamp()));
        let back = session_from_item(&item, &hash).unwrap();
        assert_eq!(back, Session { expires_at: datetime!(2026-12-10 18:00 UTC), ..session });
        let mut bad = item.clone();
        bad.insert(EXPIRES_AT.into(), s("soon"));
        assert!(
            matches!(session_from_item(&bad, &hash), Err(StoreError::Corrupt(m)) if m.contains("expires_at"))
        );
    }

    #[test]
    fn rate_keys_and_counts() {
        let w = Window::containing(datetime!(2026-11-26 18:07:42 UTC), Duration::minutes(15));
        let key = rate_key("login-user#ada", &w);
        assert_eq!(
            describe_key(&key),
            format!("PK=RATE#login-user#ada SK=W#{}", datetime!(2026-11-26 18:00 UTC).unix_timestamp())
        );
        assert_eq!(rate_expires_at(&w), n(datetime!(2026-11-26 19:15 UTC).unix_timestamp()));
        let mut item = key;
        item.insert(RATE_COUNT.into(), n(3));
        assert_eq!(rate_count_from_item(&item).unwrap(), 3);
        item.insert(RATE_COUNT.into(), n(u64::MAX));
        assert_eq!(rate_count_from_item(&item).unwrap(), u32::MAX);
    }

    #[test]
    fn idempotency_records_sort_outside_the_article_page_range() {
        let slug = Slug::parse("x").unwrap();
        let key = IdempotencyKey::generate();
        let at = datetime!(2026-11-26 18:00 UTC);
        let c = Comment {
            id: CommentId::new_at(at),
            author: Username::parse("ada").unwrap(),
            author_name: "Ada".into(),
            body: "b".into(),
            created_at: at,
            parent: None,
            edited_at: None,
            held: false,
            removed: None,
            replies: 0,
        };
        let item = idempotency_item(&slug, &key, &c);
        let sk = sort_key(&item).unwrap();
        assert_eq!(sk, format!("I#ada#{key}"), "scoped to the author");
        assert!(sk > COMMENTS_END && sk.as_bytes()[0] > ARTICLE_SK.as_bytes()[0], "{sk}");
        assert_eq!(item[PK], s("ARTICLE#x"));
        assert_eq!(item[EXPIRES_AT], n((at + Duration::hours(24)).unix_timestamp()));
        assert_eq!(idempotent_comment_id(&item).unwrap(), c.id);
        assert_eq!(describe_key(&comment_key(&slug, c.address())), format!("PK=ARTICLE#x SK=C#{}", c.id));
    }

    #[test]
    fn trending_keys_use_utc_hours() {
        let t = datetime!(2026-11-26 19:59:59 +01:00);
        let h = hour_index(t);
        assert_eq!(trending_pk(h), "TRENDING#2026-11-26T18");
        assert_eq!(trending_pk(h - 18), "TRENDING#2026-11-26T00");
        assert_eq!(trending_pk(h - 19), "TRENDING#2026-11-25T23");
        assert_eq!(trending_expires_at(h), datetime!(2026-11-29 19:00 UTC).unix_timestamp());
        assert_eq!(hour_index(datetime!(1969-12-31 23:30 UTC)), -1);
    }
}
