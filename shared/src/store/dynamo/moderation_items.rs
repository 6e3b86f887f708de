//! The moderation items: reports, the queue and the log (keys and mapping;
//! docs/table-design.md lists them with the other item types).
//!
//! * `R#{comment}#{reporter}` in the article's partition: one report. `R`
//!   sorts after `I#…` and `C#~`, outside the article page's range.
//! * `MODQUEUE` / `{comment id}`: a held or reported comment waiting for a
//!   moderator; ULIDs sort by creation, so the queue reads oldest first.
//! * `MODLOG` / `{sortable time}#{ulid}`: one log entry, read newest first.
//!
//! Both moderation partitions take a write only per moderation event
//! (a held comment, a report, an action): far below a partition's
//! 1,000 writes a second however busy the comment sections are.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use time::OffsetDateTime;

use super::items::{self, Item, ItemReader, PK, SK, n, s, sortable_time};
use crate::auth::Username;
use crate::domain::moderation::{LogAction, LogEntry, LogTarget, ReportReason};
use crate::domain::{CommentId, CommentRef, Slug, timefmt};
use crate::store::StoreError;

pub(crate) const QUEUE_PK: &str = "MODQUEUE";
pub(crate) const LOG_PK: &str = "MODLOG";
const ARTICLE_SLUG: &str = "slug";
const COMMENT: &str = "comment";
pub(crate) const REPORTS: &str = "reports";
pub(crate) const REASONS: &str = "reasons";
const AT: &str = "at";
const ACTOR: &str = "actor";
const ACTION: &str = "action";
const TARGET_USER: &str = "user";
const REASON: &str = "reason";

fn key(pk: String, sk: String) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

/// One reader's report of one comment.
pub(crate) fn report_key(article: &Slug, at: CommentRef, reporter: &Username) -> Item {
    key(items::article_pk(article), format!("R#{at}#{reporter}"))
}

/// A comment's place in the queue.
pub(crate) fn queue_key(id: CommentId) -> Item {
    key(QUEUE_PK.to_owned(), id.to_string())
}

/// The attributes a queue entry's writers set (the report count and reasons
/// are `ADD`ed to by reports).
pub(crate) fn queue_attributes(article: &Slug, at: CommentRef) -> [(&'static str, AttributeValue); 2] {
    [(ARTICLE_SLUG, s(article.as_str())), (COMMENT, s(at.to_string()))]
}

/// A queue entry: which article, which comment, how many reports and why.
pub(crate) fn queue_entry_from_item(
    item: &Item,
) -> Result<(Slug, CommentRef, u32, Vec<ReportReason>), StoreError> {
    let r = ItemReader { item };
    let at = r.string(COMMENT)?;
    let at = CommentRef::parse(at).ok_or_else(|| r.corrupt(format_args!("attribute `comment` is {at:?}")))?;
    let reports = u32::try_from(r.optional_number(REPORTS)?.unwrap_or(0)).unwrap_or(u32::MAX);
    let mut reasons = match item.get(REASONS) {
        None => Vec::new(),
        Some(AttributeValue::Ss(v)) => v
            .iter()
            .map(|x| ReportReason::parse(x).ok_or_else(|| r.corrupt(format_args!("unknown reason {x:?}"))))
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(r.corrupt("attribute `reasons` is not a string set")),
    };
    reasons.sort();
    Ok((r.slug()?, at, reports, reasons))
}

/// A log entry's item, under a fresh sort key (time, then a random ULID so
/// two entries in one instant both stay).
pub(crate) fn log_item(entry: &LogEntry) -> Item {
    let mut item =
        key(LOG_PK.to_owned(), format!("{}#{}", sortable_time(entry.at), CommentId::new_at(entry.at)));
    item.extend([
        (AT.to_owned(), s(timefmt::rfc3339(entry.at))),
        (ACTOR.to_owned(), s(&entry.actor)),
        (ACTION.to_owned(), s(entry.action.as_str())),
        (REASON.to_owned(), s(&entry.reason)),
    ]);
    match &entry.target {
        LogTarget::Comment { article, id, author } => item.extend([
            (ARTICLE_SLUG.to_owned(), s(article.as_str())),
            (COMMENT.to_owned(), s(id.to_string())),
            (TARGET_USER.to_owned(), s(author.as_str())),
        ]),
        LogTarget::User(user) => {
            item.insert(TARGET_USER.to_owned(), s(user.as_str()));
        }
    }
    item
}

pub(crate) fn log_entry_from_item(item: &Item) -> Result<LogEntry, StoreError> {
    let r = ItemReader { item };
    let action = r.string(ACTION)?;
    let action =
        LogAction::parse(action).ok_or_else(|| r.corrupt(format_args!("unknown action {action:?}")))?;
    let user = r.username(TARGET_USER)?;
    let target = match r.optional_string(COMMENT)? {
        None => LogTarget::User(user),
        Some(id) => LogTarget::Comment {
            article: r.slug()?,
            id: CommentId::parse(id)
                .ok_or_else(|| r.corrupt(format_args!("attribute `comment` is {id:?}")))?,
            author: user,
        },
    };
    Ok(LogEntry {
        at: r.time(AT)?,
        actor: r.string(ACTOR)?.to_owned(),
        action,
        target,
        reason: r.string(REASON)?.to_owned(),
    })
}

/// `1` as a number attribute value (for `ADD`s).
pub(crate) fn one() -> AttributeValue {
    n(1)
}

/// A time as conditions compare it.
pub(crate) fn condition_time(t: OffsetDateTime) -> AttributeValue {
    s(sortable_time(t))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn log_entries_round_trip_for_both_targets() {
        let ann = Username::parse("ann").unwrap();
        for target in [
            LogTarget::User(ann.clone()),
            LogTarget::Comment {
                article: Slug::parse("a-story").unwrap(),
                id: CommentId::new_at(datetime!(2026-12-01 10:00 UTC)),
                author: ann.clone(),
            },
        ] {
            let entry = LogEntry {
                at: datetime!(2026-12-01 10:00:01.5 UTC),
                actor: "@mo".into(),
                action: LogAction::Removed,
                target,
                reason: "spam <b>".into(),
            };
            assert_eq!(log_entry_from_item(&log_item(&entry)).unwrap(), entry);
        }
    }

    #[test]
    fn reports_sort_outside_the_article_page() {
        let k = report_key(
            &Slug::parse("a").unwrap(),
            CommentRef::top(CommentId::new_at(datetime!(2026-12-01 10:00 UTC))),
            &Username::parse("zed").unwrap(),
        );
        let AttributeValue::S(sk) = &k[SK] else { panic!() };
        assert!(sk.as_str() > items::COMMENTS_END, "{sk}");
    }
}
