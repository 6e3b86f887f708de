//! The item ↔ domain mapping, in one place.
//!
//! Every key format and attribute name of the table is defined here and
//! nowhere else, so `docs/table-design.md` can be checked against one file.
//! Reading is strict: an item that does not map to a domain value is
//! [`StoreError::Corrupt`] with a message naming the item's key, because
//! showing a half-parsed article would hide a bug or a bad manual edit.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use time::{OffsetDateTime, UtcOffset};

use crate::domain::timefmt;
use crate::domain::{
    Article, ArticleSummary, Category, Comment, CommentId, ListingPosition, NewArticle, SanitizedHtml, Slug,
};
use crate::store::StoreError;

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
/// The TTL attribute (epoch seconds); DynamoDB deletes expired items.
pub(crate) const EXPIRES_AT: &str = "expires_at";

/// The sort key of the article item. It sorts before every comment (`C#…`),
/// so one ascending `Query` returns the article, then its comments.
pub(crate) const ARTICLE_SK: &str = "A";
/// Upper bound of the comment range: `~` sorts after every ULID character.
pub(crate) const COMMENTS_END: &str = "C#~";
/// GSI1's only partition: every article, newest first.
pub(crate) const ALL_ARTICLES: &str = "ARTICLES";

// ---- attribute names -----------------------------------------------------

const SLUG: &str = "slug";
const TITLE: &str = "title";
const CATEGORY: &str = "category";
const AUTHOR: &str = "author";
const PUBLISHED_AT: &str = "published_at";
const SUMMARY: &str = "summary";
const BODY_HTML: &str = "body_html";
const COMMENT_COUNT: &str = "comment_count";
const ID: &str = "id";
const AUTHOR_NAME: &str = "author_name";
const BODY: &str = "body";
const CREATED_AT: &str = "created_at";
const READS: &str = "reads";

/// The attributes the listing indexes project (never `body_html`: listings
/// must stay small however long the articles are).
pub(crate) const SUMMARY_ATTRIBUTES: [&str; 7] =
    [SLUG, TITLE, CATEGORY, AUTHOR, PUBLISHED_AT, SUMMARY, COMMENT_COUNT];

// ---- keys ----------------------------------------------------------------

pub(crate) fn article_pk(slug: &Slug) -> String {
    format!("ARTICLE#{slug}")
}

pub(crate) fn comment_sk(id: CommentId) -> String {
    format!("C#{id}")
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

/// The primary key of an article item.
pub(crate) fn article_key(slug: &Slug) -> Item {
    HashMap::from([
        (PK.to_owned(), AttributeValue::S(article_pk(slug))),
        (SK.to_owned(), AttributeValue::S(ARTICLE_SK.to_owned())),
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

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// The content attributes of an article item (everything but its keys and
/// its comment count), with the index keys that follow from them.
pub(crate) fn article_content(article: &NewArticle) -> Vec<(&'static str, AttributeValue)> {
    let position = ListingPosition { published_at: article.published_at, slug: article.slug.clone() };
    let listing = listing_sk(&position);
    vec![
        (SLUG, s(article.slug.as_str())),
        (TITLE, s(&article.title)),
        (CATEGORY, s(article.category.slug())),
        (AUTHOR, s(&article.author)),
        (PUBLISHED_AT, s(timefmt::rfc3339(article.published_at))),
        (SUMMARY, s(&article.summary)),
        (BODY_HTML, s(article.body_html.as_str())),
        (GSI1PK, s(ALL_ARTICLES)),
        (GSI1SK, s(listing.clone())),
        (GSI2PK, s(category_pk(article.category))),
        (GSI2SK, s(listing)),
    ]
}

/// The name of the comment-count attribute, for update expressions.
pub(crate) const COMMENT_COUNT_ATTR: &str = COMMENT_COUNT;
/// The name of the read-count attribute, for update expressions.
pub(crate) const READS_ATTR: &str = READS;

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
    ]
}

/// A comment item, keys included.
pub(crate) fn comment_item(article: &Slug, comment: &Comment) -> Item {
    HashMap::from([
        (PK.to_owned(), s(article_pk(article))),
        (SK.to_owned(), s(comment_sk(comment.id))),
        (ID.to_owned(), s(comment.id.to_string())),
        (AUTHOR.to_owned(), s(&comment.author)),
        (AUTHOR_NAME.to_owned(), s(&comment.author_name)),
        (BODY.to_owned(), s(&comment.body)),
        (CREATED_AT.to_owned(), s(timefmt::rfc3339(comment.created_at))),
    ])
}

// ---- reading -------------------------------------------------------------

/// Reads attributes of one item, naming the item in every error.
struct Reader<'a> {
    item: &'a Item,
}

impl<'a> Reader<'a> {
    fn corrupt(&self, problem: impl std::fmt::Display) -> StoreError {
        StoreError::Corrupt(format!("item {}: {problem}", describe_key(self.item)))
    }

    fn string(&self, name: &str) -> Result<&'a str, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::S(v)) => Ok(v),
            Some(_) => Err(self.corrupt(format_args!("attribute `{name}` is not a string"))),
            None => Err(self.corrupt(format_args!("attribute `{name}` is missing"))),
        }
    }

    fn number(&self, name: &str) -> Result<u64, StoreError> {
        match self.item.get(name) {
            Some(AttributeValue::N(v)) => v
                .parse()
                .map_err(|_| self.corrupt(format_args!("attribute `{name}` is not a whole number: {v:?}"))),
            Some(_) => Err(self.corrupt(format_args!("attribute `{name}` is not a number"))),
            None => Err(self.corrupt(format_args!("attribute `{name}` is missing"))),
        }
    }

    fn time(&self, name: &str) -> Result<OffsetDateTime, StoreError> {
        let v = self.string(name)?;
        timefmt::parse_rfc3339(v).map_err(|e| {
            self.corrupt(format_args!("attribute `{name}` is not an RFC 3339 time ({e}): {v:?}"))
        })
    }

    fn slug(&self) -> Result<Slug, StoreError> {
        let v = self.string(SLUG)?;
        Slug::parse(v).map_err(|e| self.corrupt(format_args!("attribute `slug` is invalid ({e}): {v:?}")))
    }

    fn category(&self) -> Result<Category, StoreError> {
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

/// An article summary: from an article item, a listing-index projection or a
/// trending row (they share the attribute names).
pub(crate) fn summary_from_item(item: &Item) -> Result<ArticleSummary, StoreError> {
    let r = Reader { item };
    Ok(ArticleSummary {
        slug: r.slug()?,
        title: r.string(TITLE)?.to_owned(),
        category: r.category()?,
        author: r.string(AUTHOR)?.to_owned(),
        published_at: r.time(PUBLISHED_AT)?,
        summary: r.string(SUMMARY)?.to_owned(),
        comment_count: r.number(COMMENT_COUNT)?,
    })
}

/// A whole article from its item.
pub(crate) fn article_from_item(item: &Item) -> Result<Article, StoreError> {
    let summary = summary_from_item(item)?;
    let body = Reader { item }.string(BODY_HTML)?;
    // The body was sanitised by the importer before it was written; the
    // table is trusted storage (see `SanitizedHtml::from_sanitized`).
    Ok(Article { summary, body_html: SanitizedHtml::from_sanitized(body.to_owned()) })
}

/// The content of a stored article as the importer wrote it, to tell an
/// unchanged re-import from an update.
pub(crate) fn new_article_from_item(item: &Item) -> Result<NewArticle, StoreError> {
    let Article { summary, body_html } = article_from_item(item)?;
    Ok(NewArticle {
        slug: summary.slug,
        title: summary.title,
        category: summary.category,
        author: summary.author,
        published_at: summary.published_at,
        summary: summary.summary,
        body_html,
    })
}

/// A comment from its item.
pub(crate) fn comment_from_item(item: &Item) -> Result<Comment, StoreError> {
    let r = Reader { item };
    let id = r.string(ID)?;
    let id = CommentId::parse(id)
        .ok_or_else(|| r.corrupt(format_args!("attribute `id` is not a ULID: {id:?}")))?;
    Ok(Comment {
        id,
        author: r.string(AUTHOR)?.to_owned(),
        author_name: r.string(AUTHOR_NAME)?.to_owned(),
        body: r.string(BODY)?.to_owned(),
        created_at: r.time(CREATED_AT)?,
    })
}

/// A trending row: the article as of its latest read in that hour, and the
/// hour's read count.
pub(crate) fn trending_row_from_item(item: &Item) -> Result<(ArticleSummary, u64), StoreError> {
    Ok((summary_from_item(item)?, Reader { item }.number(READS)?))
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
        }
    }

    fn article_item(a: &NewArticle, comments: u64) -> Item {
        let mut item = article_key(&a.slug);
        item.extend(article_content(a).into_iter().map(|(k, v)| (k.to_owned(), v)));
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
        assert_eq!(new_article_from_item(&item).unwrap(), a);
    }

    #[test]
    fn comment_and_trending_rows_round_trip() {
        let slug = Slug::parse("x").unwrap();
        let c = Comment {
            id: CommentId::new_at(datetime!(2026-11-26 18:00 UTC)),
            author: "ada".into(),
            author_name: "Ada L.".into(),
            body: "line 1\nline 2".into(),
            created_at: datetime!(2026-11-26 18:00:00.123 UTC),
        };
        let item = comment_item(&slug, &c);
        assert_eq!(sort_key(&item), Some(comment_sk(c.id).as_str()));
        assert_eq!(comment_from_item(&item).unwrap(), c);

        let summary = article_from_item(&article_item(&new_article(), 2)).unwrap().summary;
        let mut row: Item =
            summary_attributes(&summary).into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
        row.insert(READS.into(), n(5));
        assert_eq!(trending_row_from_item(&row).unwrap(), (summary, 5));
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
                author: "a".into(),
                author_name: "A".into(),
                body: "b".into(),
                created_at: datetime!(2026-11-26 18:00 UTC),
            },
        );
        c.insert(ID.into(), s("nope"));
        assert!(matches!(comment_from_item(&c), Err(StoreError::Corrupt(m)) if m.contains("SK=C#")));
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
