//! Comments and moderation in memory: the same outcomes, in the same order
//! of checks, as the DynamoDB transactions (`store/dynamo/comments.rs`,
//! `store/dynamo/moderation.rs`). Each method holds the write lock for its
//! whole check-then-write, so it is as atomic as a transaction.

use time::OffsetDateTime;

use super::{Inner, MemoryStore, Posted, Queued, add_event, utc};
use crate::auth::{IdempotencyKey, Username};
use crate::domain::moderation::{
    Actor, LogAction, LogEntry, QueueEntry, ReportReason, Role, SUSPENDED_FOR_GOOD, UserChange,
};
use crate::domain::{Comment, CommentRef, Removal, Slug};
use crate::store::dynamo::IDEMPOTENCY_TTL;
use crate::store::{
    Allowance, CommentWriter, DeleteOutcome, EditOutcome, Moderation, ModerationOutcome, PostOutcome,
    ReportOutcome, Reports, StoreError, body_fingerprint, deletable, editable,
};

impl Inner {
    fn is_suspended(&self, user: &Username, now: OffsetDateTime) -> bool {
        self.users.get(user).is_some_and(|u| u.is_suspended(now))
    }

    fn is_moderator(&self, user: &Username) -> bool {
        self.users.get(user).is_some_and(|u| u.moderator)
    }

    fn comment(&self, article: &Slug, at: CommentRef) -> Option<&Comment> {
        self.comments.get(article)?.get(&at)
    }

    /// Takes a comment out of every public view: deleted, or kept without
    /// its text while it has replies; the count, the parent's replies and
    /// its queue entry follow. The caller has checked it exists.
    fn take_down(&mut self, article: &Slug, at: CommentRef, by: Removal) {
        let Some(thread) = self.comments.get_mut(article) else { return };
        let Some(c) = thread.get(&at).cloned() else { return };
        if c.replies > 0 {
            if let Some(kept) = thread.get_mut(&at) {
                kept.removed = Some(by);
                kept.body = String::new();
                kept.held = false;
            }
        } else {
            thread.remove(&at);
            if let Some(parent) = c.parent.and_then(|p| thread.get_mut(&CommentRef::top(p))) {
                parent.replies = parent.replies.saturating_sub(1);
            }
        }
        if c.is_public() {
            if let Some(a) = self.articles.get_mut(article) {
                a.summary.comment_count = a.summary.comment_count.saturating_sub(1);
            }
        }
        self.queue.remove(&c.id);
    }

    fn log(&mut self, entry: LogEntry) {
        self.log.push(entry);
    }
}

impl CommentWriter for MemoryStore {
    async fn open_for_comments(&self, slug: &Slug, now: OffsetDateTime) -> Result<bool, StoreError> {
        let inner = self.read();
        Ok(inner.articles.get(slug).is_some_and(|a| !a.unpublished && a.summary.published_at <= now))
    }

    async fn post_comment(
        &self,
        article: &Slug,
        comment: &Comment,
        key: &IdempotencyKey,
        allowance: &Allowance,
    ) -> Result<PostOutcome, StoreError> {
        let mut inner = self.write();
        inner.sweep_counters(&allowance.window);
        let now = comment.created_at;
        {
            let Inner { posted, posted_sweep, .. } = &mut *inner;
            // TTL's job: records past their retention may go. Until swept they
            // still count, as an expired item does until TTL deletes it.
            posted_sweep.run(posted, |_, p| p.expires_at > now);
        }
        // The same order of checks as the DynamoDB transaction's reasons.
        let scoped = (article.clone(), comment.author.clone(), key.clone());
        if let Some(record) = inner.posted.get(&scoped) {
            return Ok(if record.body == body_fingerprint(&comment.body) {
                PostOutcome::Duplicate(record.comment)
            } else {
                PostOutcome::KeyReused(record.comment)
            });
        }
        // Open for comments: published by now and not withdrawn (the
        // table's condition on the article's listing key).
        let open =
            inner.articles.get(article).is_some_and(|a| !a.unpublished && a.summary.published_at <= now);
        if !open {
            return Ok(PostOutcome::NoSuchArticle);
        }
        if let Some(parent) = comment.parent {
            let ok = inner
                .comment(article, CommentRef::top(parent))
                .is_some_and(|p| p.parent.is_none() && p.removed.is_none() && !p.held);
            if !ok {
                return Ok(PostOutcome::NoSuchParent);
            }
        }
        if inner.is_suspended(&comment.author, now) {
            return Ok(PostOutcome::Suspended);
        }
        if inner.comment(article, comment.address()).is_some() {
            return Err(StoreError::Corrupt(format!(
                "cannot post comment {} to article {article}: a comment with that id is already stored",
                comment.id
            )));
        }
        let limit = allowance.limit;
        if !add_event(&mut inner.counters, &allowance.key, &allowance.window, |n| n < limit).1 {
            return Ok(PostOutcome::RateLimited);
        }
        let Inner { articles, comments, posted, queue, .. } = &mut *inner;
        let thread = comments.entry(article.clone()).or_default();
        if let Some(parent) = comment.parent.and_then(|p| thread.get_mut(&CommentRef::top(p))) {
            parent.replies = parent.replies.saturating_add(1);
        }
        let stored =
            Comment { created_at: utc(now), replies: 0, removed: None, edited_at: None, ..comment.clone() };
        thread.insert(comment.address(), stored);
        posted.insert(
            scoped,
            Posted {
                comment: comment.id,
                body: body_fingerprint(&comment.body),
                expires_at: now + IDEMPOTENCY_TTL,
            },
        );
        if comment.held {
            queue.insert(
                comment.id,
                Queued {
                    article: article.clone(),
                    comment: comment.address(),
                    reports: 0,
                    reasons: Default::default(),
                },
            );
        } else if let Some(a) = articles.get_mut(article) {
            a.summary.comment_count = a.summary.comment_count.saturating_add(1);
        }
        Ok(PostOutcome::Created(comment.id))
    }

    async fn delete_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        author: &Username,
    ) -> Result<DeleteOutcome, StoreError> {
        let mut inner = self.write();
        if let Err(refused) = deletable(inner.comment(article, at), author) {
            return Ok(refused);
        }
        inner.take_down(article, at, Removal::ByAuthor);
        Ok(DeleteOutcome::Deleted)
    }

    async fn edit_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        author: &Username,
        body: &str,
        now: OffsetDateTime,
        window: time::Duration,
    ) -> Result<EditOutcome, StoreError> {
        let mut inner = self.write();
        if let Err(refused) = editable(inner.comment(article, at), author, now, window) {
            return Ok(refused);
        }
        if inner.is_suspended(author, now) {
            return Ok(EditOutcome::Suspended);
        }
        if let Some(c) = inner.comments.get_mut(article).and_then(|t| t.get_mut(&at)) {
            c.body = body.to_owned();
            c.edited_at = Some(utc(now));
        }
        Ok(EditOutcome::Edited)
    }

    async fn find_comment(&self, article: &Slug, at: CommentRef) -> Result<Option<Comment>, StoreError> {
        Ok(self.read().comment(article, at).cloned())
    }
}

impl Reports for MemoryStore {
    async fn report_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        reporter: &Username,
        reason: ReportReason,
        now: OffsetDateTime,
    ) -> Result<ReportOutcome, StoreError> {
        let mut inner = self.write();
        let Some(c) = inner.comment(article, at).filter(|c| c.is_public()) else {
            return Ok(ReportOutcome::NotFound);
        };
        if c.author == *reporter {
            return Ok(ReportOutcome::OwnComment);
        }
        let id = c.id;
        if inner.is_suspended(reporter, now) {
            return Ok(ReportOutcome::Suspended);
        }
        if !inner.reports.insert((article.clone(), at, reporter.clone())) {
            return Ok(ReportOutcome::AlreadyReported);
        }
        let entry = inner.queue.entry(id).or_insert_with(|| Queued {
            article: article.clone(),
            comment: at,
            reports: 0,
            reasons: Default::default(),
        });
        entry.reports = entry.reports.saturating_add(1);
        entry.reasons.insert(reason);
        Ok(ReportOutcome::Reported)
    }
}

impl Moderation for MemoryStore {
    async fn remove_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        moderator: &Username,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<ModerationOutcome, StoreError> {
        let mut inner = self.write();
        if !inner.is_moderator(moderator) {
            return Ok(ModerationOutcome::NotModerator);
        }
        let Some(c) = inner.comment(article, at).filter(|c| c.removed.is_none()).cloned() else {
            return Ok(ModerationOutcome::NotFound);
        };
        inner.take_down(article, at, Removal::ByModerator);
        inner.log(LogEntry::on_comment(utc(now), moderator, LogAction::Removed, article, &c, reason));
        Ok(ModerationOutcome::Done)
    }

    async fn approve_comment(
        &self,
        article: &Slug,
        at: CommentRef,
        moderator: &Username,
        now: OffsetDateTime,
    ) -> Result<ModerationOutcome, StoreError> {
        let mut inner = self.write();
        if !inner.is_moderator(moderator) {
            return Ok(ModerationOutcome::NotModerator);
        }
        let Some(c) = inner.comment(article, at).cloned() else { return Ok(ModerationOutcome::NotFound) };
        if !inner.queue.contains_key(&c.id) {
            return Ok(ModerationOutcome::NotFound);
        }
        inner.queue.remove(&c.id);
        let action = if c.held {
            if let Some(stored) = inner.comments.get_mut(article).and_then(|t| t.get_mut(&at)) {
                stored.held = false;
            }
            if let Some(a) = inner.articles.get_mut(article) {
                a.summary.comment_count = a.summary.comment_count.saturating_add(1);
            }
            LogAction::Approved
        } else {
            LogAction::DismissedReports
        };
        inner.log(LogEntry::on_comment(utc(now), moderator, action, article, &c, ""));
        Ok(ModerationOutcome::Done)
    }

    async fn change_user(
        &self,
        user: &Username,
        change: UserChange,
        actor: &Actor,
        reason: &str,
        now: OffsetDateTime,
    ) -> Result<ModerationOutcome, StoreError> {
        let mut inner = self.write();
        if let Actor::Moderator(m) = actor {
            if !inner.is_moderator(m) {
                return Ok(ModerationOutcome::NotModerator);
            }
        }
        let Some(account) = inner.users.get_mut(user) else { return Ok(ModerationOutcome::NotFound) };
        match change {
            UserChange::Grant(Role::Moderator) => account.moderator = true,
            UserChange::Revoke(Role::Moderator) => account.moderator = false,
            UserChange::Suspend(until) => {
                account.suspended_until = Some(utc(until.unwrap_or(SUSPENDED_FOR_GOOD)))
            }
            UserChange::Unsuspend => account.suspended_until = None,
        }
        inner.log(LogEntry::on_user(utc(now), actor, change, user, reason));
        Ok(ModerationOutcome::Done)
    }

    async fn is_moderator(&self, user: &Username) -> Result<bool, StoreError> {
        Ok(self.read().is_moderator(user))
    }

    async fn moderation_queue(&self, limit: usize) -> Result<Vec<QueueEntry>, StoreError> {
        let inner = self.read();
        Ok(inner
            .queue
            .values()
            .filter_map(|q| {
                let comment = inner.comment(&q.article, q.comment)?.clone();
                Some(QueueEntry {
                    article: q.article.clone(),
                    comment,
                    reports: q.reports,
                    reasons: q.reasons.iter().copied().collect(),
                })
            })
            .take(limit)
            .collect())
    }

    async fn moderation_log(&self, limit: usize) -> Result<Vec<LogEntry>, StoreError> {
        Ok(self.read().log.iter().rev().take(limit).cloned().collect())
    }
}
