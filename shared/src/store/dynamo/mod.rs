//! The DynamoDB store: one table, single-table design.
//!
//! `docs/table-design.md` is the reference for every item type, key, index
//! and access pattern; `items.rs` is the one place that maps items to domain
//! values and back.
//!
//! * [`DynamoStore`] implements every storage trait: articles and listings
//!   here, #TrendingNews in `trending.rs`, accounts, sessions and rate
//!   limits in `accounts.rs`, comment transactions in `comments.rs`.
//! * [`client`] / [`client_with_interceptor`] build the SDK client, once, at
//!   start-up, in the region the caller names ([`loader`]: no fallback); [`DynamoStore::warm`] opens its connection during init.
//!   [`timeout_config`] and [`retry_config`] are how long it waits and how
//!   often it retries (the test clients use the same two).
//! * [`create_table`] / [`ensure_table`] create the table where no SAM
//!   template does (local runs, tests).
//! * [`RequestCounter`] counts round trips per operation (benchmarks, tests).
//!
//! Errors: anything the SDK reports after its retries becomes
//! [`StoreError::Unavailable`] with the SDK error kept as the source (the
//! handler answers `503`); an item that does not map to a domain value is
//! [`StoreError::Corrupt`] naming its key.

mod accounts;
mod authors;
mod comments;
mod counter;
mod items;
mod moderation;
mod moderation_items;
mod read_next;
mod status;
mod table;
mod trending;

use std::collections::BTreeSet;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
pub use aws_sdk_dynamodb::config::Region;
use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_types::error::display::DisplayErrorContext;

pub use counter::RequestCounter;
pub(crate) use items::IDEMPOTENCY_TTL;
pub use table::{create_table, ensure_table};
pub(crate) use trending::{bucket as trending_bucket, rank as rank_trending, window as trending_window};

use self::items::Item;
use crate::domain::{
    Article, ArticleSummary, Category, CommentId, ListingPosition, NewArticle, NewAuthor, Page, Slug,
};
use crate::store::{
    ArticleLister, ArticleReader, ArticleWithComments, ArticleWriter, BatchFailure, PutOutcome, StoreError,
    take_threads,
};

/// DynamoDB's table-name rule: 3–255 of `a-z A-Z 0-9 _ - .`.
pub fn is_valid_table_name(name: &str) -> bool {
    (3..=255).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// The root CAs of AWS service endpoints (Amazon Root CA 1–4, Starfield
/// Services Root CA G2; provenance in `shared/data/README.md`).
const AWS_ROOT_CAS: &str = include_str!("../../../data/aws-root-cas.pem");

/// The HTTPS client the SDK sends requests with: the SDK's default
/// (hyper + rustls with aws-lc), except for where its trust comes from.
///
/// By default the SDK loads the operating system's trust store, which on
/// Linux means reading and parsing every certificate under `/etc/ssl/certs`
/// — measured by the cold-start harness at about 3 ms of CPU per cold start
/// (about half of a function's start-up work, and Lambda runs it on a
/// fraction of a vCPU), to trust ~150 authorities of which DynamoDB needs
/// one. AWS endpoints are signed by Amazon Trust Services, so those roots
/// are all the client trusts: faster, and a narrower trust. Whoever points
/// the client at an HTTPS endpoint signed by another authority sets
/// `SSL_CERT_FILE` or `SSL_CERT_DIR`, and the system store (with those
/// overrides, as rustls-native-certs reads them) is used instead. Local
/// endpoints (moto, DynamoDB Local) speak plain HTTP and need no trust.
fn https_client() -> SharedHttpClient {
    let custom_trust = ["SSL_CERT_FILE", "SSL_CERT_DIR"].iter().any(|v| std::env::var_os(v).is_some());
    let trust = if custom_trust {
        TrustStore::default()
    } else {
        TrustStore::empty().with_pem_certificate(AWS_ROOT_CAS.as_bytes())
    };
    // Building a TLS context cannot fail (the Result is for future options).
    let tls = TlsContext::builder().with_trust_store(trust).build().unwrap_or_default();
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc))
        .tls_context(tls)
        .build_https()
}

/// Opening a connection: TCP and the TLS handshake. In-region that is a
/// few milliseconds, but a cold handshake on a Lambda's fraction of a vCPU
/// was measured at ~0.9 s (BENCHMARKS.md).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// One attempt of one request, connecting included. DynamoDB answers in
/// milliseconds; an attempt still unanswered after this is stuck, and a new
/// attempt on a fresh connection is the better bet.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// One operation, all its attempts and backoff included: the longest a
/// page waits for DynamoDB before answering `503`. A page's reads are one
/// round of concurrent operations, so this bounds the page.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(4);
/// Attempts per operation (the SDK's standard mode), for throttling, `5xx`,
/// timeouts and broken connections alike.
pub const MAX_ATTEMPTS: u32 = 3;
/// Backoff before the first retry is random up to this, doubling per retry
/// ("full jitter"): 100 ms, then 200 ms, within [`OPERATION_TIMEOUT`].
pub const INITIAL_BACKOFF: Duration = Duration::from_millis(100);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// How long the client waits for DynamoDB: [`CONNECT_TIMEOUT`],
/// [`ATTEMPT_TIMEOUT`], [`OPERATION_TIMEOUT`]. The SDK's default has no
/// attempt or operation timeout at all, so a DynamoDB that accepts a
/// request and never answers would hold a page until Lambda's own timeout
/// killed it (a bare API Gateway error, not the site's `503`). Why these
/// values: docs/site.md, "Bad input and faults". The test clients
/// (`broadsheet-testkit`) use the same.
pub fn timeout_config() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build()
}

/// How often the client retries: the SDK's standard mode (throttling,
/// `5xx`, timeouts and I/O errors are retried; a retry quota stops retry
/// storms), [`MAX_ATTEMPTS`] attempts with jittered backoff from
/// [`INITIAL_BACKOFF`] (the SDK's own default starts at 1 s, which a reader
/// waiting for a page would feel).
pub fn retry_config() -> RetryConfig {
    RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(INITIAL_BACKOFF)
        .with_max_backoff(MAX_BACKOFF)
}

/// The settings every client of the table shares, on Lambda and in the CLI:
/// the HTTPS client ([`https_client`]), [`timeout_config`] and
/// [`retry_config`], in `region`, talking to `endpoint` instead of AWS when
/// given (moto, DynamoDB Local). Credentials are the SDK's default chain;
/// the CLI adds the sources operators log in with (`infra/src/aws.rs`).
///
/// The region is always the caller's: there is no fallback, because a
/// client in a region the operator did not choose finds no table there (or
/// worse, another one of the same name).
pub fn loader(region: Region, endpoint: Option<&str>) -> aws_config::ConfigLoader {
    let loader = aws_config::defaults(BehaviorVersion::latest())
        .region(region)
        .http_client(https_client())
        .timeout_config(timeout_config())
        .retry_config(retry_config());
    match endpoint {
        Some(endpoint) => loader.endpoint_url(endpoint),
        None => loader,
    }
}

/// Builds the DynamoDB client in `region` (a function's comes from Lambda's
/// `AWS_REGION`, [`crate::config::FunctionConfig`]), talking to `endpoint`
/// instead of AWS when given.
///
/// Credentials come from the SDK's default chain even for a local endpoint;
/// local servers accept any, but some must be set (`scripts/with-moto.sh`
/// exports `AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test`).
///
/// Build it once at start-up and share it: a client holds the connection
/// pool, and a new TLS handshake per request is what makes Lambdas slow.
pub async fn client(region: Region, endpoint: Option<&str>) -> Client {
    Client::new(&loader(region, endpoint).load().await)
}

/// Like [`client`], with `counter` attached to count every request the
/// client sends (benchmarks and round-trip budget tests).
pub async fn client_with_interceptor(
    region: Region,
    endpoint: Option<&str>,
    counter: RequestCounter,
) -> Client {
    let sdk_config = loader(region, endpoint).load().await;
    Client::from_conf(aws_sdk_dynamodb::config::Builder::from(&sdk_config).interceptor(counter).build())
}

/// Whether a conditional write was applied: `Ok(false)` when DynamoDB
/// refused it because its condition did not hold, the store's error for
/// any other failure.
fn applied<T, E, R>(result: Result<T, SdkError<E, R>>) -> Result<bool, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err) if err.code() == Some("ConditionalCheckFailedException") => Ok(false),
        Err(err) => Err(unavailable(err)),
    }
}

/// Maps an SDK (or SDK builder) error to [`StoreError::Unavailable`],
/// keeping it as the source so the log shows the whole cause chain.
fn unavailable<E>(err: E) -> StoreError
where
    E: std::error::Error + Send + Sync + 'static,
{
    StoreError::Unavailable(Box::new(err))
}

/// DynamoDB's `Limit` is an `i32` of at least 1.
fn query_limit(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX).max(1)
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

/// Maps up to `limit` rows and says whether more exist: either a row beyond
/// `limit` came back, or DynamoDB stopped early (`LastEvaluatedKey` with
/// fewer rows than asked for means its 1 MB page limit cut the page short).
fn take_page<'a, T>(
    rows: impl Iterator<Item = &'a Item>,
    limit: usize,
    truncated: bool,
    map: impl Fn(&Item) -> Result<T, StoreError>,
) -> Result<(Vec<T>, bool), StoreError> {
    let mut out = Vec::new();
    let mut more = truncated;
    for row in rows {
        if out.len() == limit {
            more = true;
            break;
        }
        out.push(map(row)?);
    }
    Ok((out, more))
}

/// The DynamoDB implementation of every storage trait, over one table.
///
/// Cheap to clone (the SDK client is reference-counted): build it once per
/// Lambda instance and borrow it into the handler.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    /// One item, strongly consistent (`GetItem`): for reads that follow a
    /// write the same reader just made, or a cancelled transaction whose
    /// outcome an eventually consistent read could contradict.
    pub(crate) async fn get_consistent(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item)
    }

    /// One attribute of one item, strongly consistent: a `GetItem` projecting
    /// only `attribute`, so a large item (an article with its body) is not
    /// sent whole. `None` if the item or the attribute is missing.
    pub(crate) async fn get_attribute_consistent(
        &self,
        key: Item,
        attribute: &str,
    ) -> Result<Option<AttributeValue>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .projection_expression("#attribute")
            .expression_attribute_names("#attribute", attribute)
            .consistent_read(true)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(out.item.and_then(|mut item| item.remove(attribute)))
    }

    /// Up to `limit` + 2 of an article's items, strongly consistent and in
    /// order, from sort key `from` to the end of its comments: the article
    /// and its first comments (`from` = the article's key), or the comments
    /// after a cursor's thread.
    fn article_rows(&self, pk: String, from: &str, limit: usize) -> QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.table)
            .key_condition_expression("#pk = :pk AND #sk BETWEEN :from AND :to")
            .expression_attribute_names("#pk", items::PK)
            .expression_attribute_names("#sk", items::SK)
            .expression_attribute_values(":pk", s(pk))
            .expression_attribute_values(":from", s(from))
            .expression_attribute_values(":to", s(items::COMMENTS_END))
            .scan_index_forward(true)
            .limit(query_limit(limit.saturating_add(2)))
            .consistent_read(true)
    }

    /// A store over `table`, using `client` (see [`client`]).
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore { client, table: table.into() }
    }

    /// The table this store reads and writes.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Makes one cheap request (a `GetItem` of a key that never exists) so
    /// the TLS connection is open before the first reader arrives: measured,
    /// a cold first call took ~900 ms against ~21 ms once warmed during
    /// Lambda init. A failure is only logged: the real request will retry
    /// and report it properly.
    pub async fn warm(&self) {
        let result = self
            .client
            .get_item()
            .table_name(&self.table)
            .key(items::PK, s("WARMUP"))
            .key(items::SK, s("WARMUP"))
            .send()
            .await;
        if let Err(err) = result {
            tracing::warn!(table = %self.table, error = %DisplayErrorContext(&err), "warming the DynamoDB connection failed");
        }
    }
}

impl ArticleReader for DynamoStore {
    // Strongly consistent (base table, so it can be): a reader who has just
    // posted or deleted a comment is redirected here and must see the
    // change and the matching count. Listings read the GSIs, which only
    // offer eventual consistency; their counts may lag by a moment.
    async fn article_page(
        &self,
        slug: &Slug,
        comments_after: Option<CommentId>,
        limit: usize,
    ) -> Result<Option<ArticleWithComments>, StoreError> {
        let pk = items::article_pk(slug);
        let (article, (comments, more)) = match comments_after {
            None => {
                // ONE round trip (for threads that fit one `Query` page): the
                // article item (SK "A") sorts right before its comments
                // ("C#<ulid>…"), and nothing else sorts between.
                let mut rows = self.thread_rows(&pk, items::ARTICLE_SK.to_owned(), limit).await?.into_iter();
                let Some(first) = rows.next() else { return Ok(None) };
                if items::sort_key(&first) != Some(items::ARTICLE_SK) {
                    return Ok(None);
                }
                let article = items::article_from_item(&first)?;
                (
                    article,
                    take_threads(
                        rows.map(|r| items::comment_from_item(&r))
                            .collect::<Result<Vec<_>, _>>()?
                            .into_iter(),
                        limit,
                    ),
                )
            }
            Some(after) => {
                // The article comes from a GetItem sent at the same time as
                // the comments' Query, not after.
                let get = self.get_consistent(items::article_key(slug));
                let query = self.thread_rows(&pk, items::after_thread_sk(after), limit);
                let (got, queried) = futures::join!(get, query);
                let Some(item) = got? else { return Ok(None) };
                let article = items::article_from_item(&item)?;
                let rows = queried?;
                (
                    article,
                    take_threads(
                        rows.iter().map(items::comment_from_item).collect::<Result<Vec<_>, _>>()?.into_iter(),
                        limit,
                    ),
                )
            }
        };
        let next = if more { comments.iter().rev().find(|c| c.parent.is_none()).map(|c| c.id) } else { None };
        Ok(Some(ArticleWithComments { article, comments: Page { items: comments, next } }))
    }
}

impl DynamoStore {
    /// An article's items from sort key `from` on, in order, until one more
    /// top-level comment than `limit` (each with its replies) has been read,
    /// or the comments end: pages count top-level comments, and a thread is
    /// never cut. Usually one `Query`; a page whose threads have many replies
    /// takes more, each asking for what is still missing.
    async fn thread_rows(&self, pk: &str, from: String, limit: usize) -> Result<Vec<Item>, StoreError> {
        let mut rows = Vec::new();
        let mut tops = 0;
        let mut start = None;
        loop {
            // What is still missing, and half again for the replies among it.
            let missing = limit.saturating_add(1).saturating_sub(tops);
            let wanted = missing.saturating_add(missing / 2);
            let out = self
                .article_rows(pk.to_owned(), &from, wanted)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            for row in out.items() {
                if items::is_top_level_comment(row) {
                    tops += 1;
                }
                rows.push(row.clone());
            }
            start = out.last_evaluated_key;
            if start.is_none() || tops > limit {
                return Ok(rows);
            }
        }
    }
}

/// Which listing index a newest-first `Query` reads, and its partition.
pub(crate) struct ListingIndex {
    index: &'static str,
    pk_name: &'static str,
    sk_name: &'static str,
    pk: String,
}

impl ListingIndex {
    /// GSI1 (every article) or GSI2 (one section).
    fn of(category: Option<Category>) -> Self {
        match category {
            None => ListingIndex {
                index: items::GSI1,
                pk_name: items::GSI1PK,
                sk_name: items::GSI1SK,
                pk: items::ALL_ARTICLES.to_owned(),
            },
            Some(c) => ListingIndex {
                index: items::GSI2,
                pk_name: items::GSI2PK,
                sk_name: items::GSI2SK,
                pk: items::category_pk(c),
            },
        }
    }

    /// GSI3: one author's stories.
    pub(crate) fn author(author: &Slug) -> Self {
        ListingIndex {
            index: items::GSI3,
            pk_name: items::GSI3PK,
            sk_name: items::GSI3SK,
            pk: items::author_pk(author),
        }
    }
}

impl DynamoStore {
    /// One newest-first page of a listing index: one `Query` whose key
    /// condition bounds the sort key (which begins with the fixed-width
    /// publication time) by `now`, so scheduled articles are never read.
    pub(crate) async fn listing_query(
        &self,
        listing: ListingIndex,
        after: Option<&ListingPosition>,
        limit: usize,
        now: time::OffsetDateTime,
    ) -> Result<Page<ArticleSummary, ListingPosition>, StoreError> {
        // One bound on the sort key does both jobs: below the cursor, and
        // nothing published after `now` (scheduled articles are never read).
        let published = items::published_by(now);
        let before = match after {
            Some(position) => items::listing_sk(position).min(published),
            None => published,
        };
        let query = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(listing.index)
            .key_condition_expression("#pk = :pk AND #sk < :before")
            .expression_attribute_names("#pk", listing.pk_name)
            .expression_attribute_names("#sk", listing.sk_name)
            .expression_attribute_values(":pk", s(listing.pk))
            .expression_attribute_values(":before", s(before))
            .scan_index_forward(false)
            // One more than shown, to know whether an "Older stories" link is due.
            .limit(query_limit(limit.saturating_add(1)));
        let out = query.send().await.map_err(unavailable)?;
        let truncated = out.last_evaluated_key().is_some();
        let (articles, more) = take_page(out.items().iter(), limit, truncated, items::summary_from_item)?;
        let next = if more { articles.last().map(ArticleSummary::position) } else { None };
        Ok(Page { items: articles, next })
    }
}

impl ArticleLister for DynamoStore {
    async fn list_articles(
        &self,
        category: Option<Category>,
        after: Option<&ListingPosition>,
        limit: usize,
        now: time::OffsetDateTime,
    ) -> Result<Page<ArticleSummary, ListingPosition>, StoreError> {
        self.listing_query(ListingIndex::of(category), after, limit, now).await
    }
}

impl DynamoStore {
    /// Gives an unchanged article stored before author pages existed its
    /// author-index keys (its caller refreshes its section's read-next list): what
    /// a re-import of the same files does once after the upgrade. The
    /// content is untouched, so the article stays `Unchanged`.
    async fn backfill_index_keys(&self, article: &NewArticle) -> Result<(), StoreError> {
        let (set, remove) = items::listing_keys(
            &article.slug,
            article.published_at,
            article.category,
            &article.author,
            false,
        );
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::article_key(&article.slug)))
            .condition_expression("attribute_exists(PK)");
        status::with_changes(request, Vec::new(), set, remove).send().await.map_err(unavailable)?;
        Ok(())
    }

    /// [`ArticleWriter::put_article`], leaving the sections whose "More in"
    /// lists it changed in `stale` for the caller to refresh.
    async fn write_article(
        &self,
        article: &NewArticle,
        now: time::OffsetDateTime,
        stale: &mut BTreeSet<Category>,
    ) -> Result<PutOutcome, StoreError> {
        // Import is not a hot path: read first, so re-importing unchanged
        // content writes nothing (and costs no write capacity), and so an
        // update knows the correction date and the status it keeps.
        let current = self.get_consistent(items::article_key(&article.slug)).await?;
        let mut correction_at = None;
        let mut unpublished = article.unpublished;
        let mut was_unpublished = false;
        if let Some(item) = &current {
            was_unpublished = items::is_withdrawn(item).unwrap_or(false);
            // An existing item that no longer maps is overwritten below:
            // re-importing is how a damaged article gets repaired.
            if let Ok((existing, stored_correction_at)) = items::new_article_from_item(item) {
                let same_source = existing.source == article.source;
                let existing = NewArticle { source: article.source.clone(), ..existing };
                if existing == *article {
                    if !same_source {
                        self.claim_source(article).await?;
                    }
                    if !was_unpublished && items::lacks_author_keys(item, &article.author) {
                        self.backfill_index_keys(article).await?;
                        stale.insert(article.category);
                    }
                    return Ok(PutOutcome::Unchanged);
                }
                if existing.correction == article.correction {
                    correction_at = stored_correction_at;
                }
                // The file's `status:` did not change: the article keeps the
                // status a command may have given it since.
                if existing.unpublished == article.unpublished {
                    unpublished = was_unpublished;
                }
            }
        }
        let correction_at = article.correction.as_ref().map(|_| correction_at.unwrap_or(now));
        let updated_at = current.is_some().then_some(now);
        // One UpdateItem for both cases: SET the content and index keys,
        // and the comment count only if absent, so a comment posted
        // concurrently is never lost. Created or updated: the read above
        // knows, and UPDATED_OLD catches an item created between the read and
        // this write (a new item has no old values; an update of attributes
        // that all keep their values may also return none, hence the read).
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::article_key(&article.slug)))
            .expression_attribute_names("#count", items::COMMENT_COUNT_ATTR)
            .expression_attribute_values(":zero", AttributeValue::N("0".into()))
            .return_values(ReturnValue::UpdatedOld);
        let (set, remove) = items::article_content(article, updated_at, correction_at, unpublished);
        let sets = vec![String::from("#count = if_not_exists(#count, :zero)")];
        let out = status::with_changes(request, sets, set, remove).send().await.map_err(unavailable)?;
        if current.is_some() && unpublished != was_unpublished {
            self.flag_trending_rows(&article.slug, unpublished, now).await?;
        }
        // The sections whose newest stories may have changed: the article's,
        // and the one it left.
        let left = current.as_ref().and_then(|item| items::summary_from_item(item).ok()).map(|a| a.category);
        stale.insert(article.category);
        stale.extend(left);
        let existed = current.is_some() || out.attributes().is_some_and(|old| !old.is_empty());
        Ok(if existed { PutOutcome::Updated } else { PutOutcome::Created })
    }

    /// Refreshes the "More in" list of each section in `stale`.
    async fn refresh_read_next_of(
        &self,
        stale: BTreeSet<Category>,
        now: time::OffsetDateTime,
    ) -> Result<(), StoreError> {
        for category in stale {
            self.refresh_read_next(category, now).await?;
        }
        Ok(())
    }

    /// Records the importing file as an unchanged article's source (an
    /// article stored before sources were recorded): one `UpdateItem` that
    /// touches nothing else, so the article stays `Unchanged`.
    async fn claim_source(&self, article: &NewArticle) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(items::article_key(&article.slug)))
            .update_expression("SET #source = :source")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_names("#source", items::SOURCE)
            .expression_attribute_values(":source", s(&article.source))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

impl ArticleWriter for DynamoStore {
    async fn put_article(
        &self,
        article: &NewArticle,
        now: time::OffsetDateTime,
    ) -> Result<PutOutcome, StoreError> {
        let mut stale = BTreeSet::new();
        let outcome = self.write_article(article, now, &mut stale).await?;
        self.refresh_read_next_of(stale, now).await?;
        Ok(outcome)
    }

    async fn put_articles(
        &self,
        articles: &[NewArticle],
        now: time::OffsetDateTime,
    ) -> Result<Vec<PutOutcome>, BatchFailure> {
        // Each section's "More in" list once for the whole batch, not once
        // per article: an import of hundreds of stories touches twelve.
        let mut stale = BTreeSet::new();
        let mut outcomes = Vec::with_capacity(articles.len());
        for (written, article) in articles.iter().enumerate() {
            match self.write_article(article, now, &mut stale).await {
                Ok(outcome) => outcomes.push(outcome),
                Err(source) => {
                    // What was written keeps its sections' lists right.
                    let _ = self.refresh_read_next_of(stale, now).await;
                    return Err(BatchFailure { written, source });
                }
            }
        }
        let written = articles.len();
        self.refresh_read_next_of(stale, now).await.map_err(|source| BatchFailure { written, source })?;
        Ok(outcomes)
    }

    async fn set_published(
        &self,
        slug: &Slug,
        published: bool,
        now: time::OffsetDateTime,
    ) -> Result<Option<bool>, StoreError> {
        let Some(item) = self.get_consistent(items::article_key(slug)).await? else { return Ok(None) };
        if items::is_withdrawn(&item)? != published {
            return Ok(Some(false));
        }
        self.apply_status(&item, !published, now).await?;
        Ok(Some(true))
    }

    async fn article_source(&self, slug: &Slug) -> Result<Option<String>, StoreError> {
        match self.get_attribute_consistent(items::article_key(slug), items::SOURCE).await? {
            Some(AttributeValue::S(source)) if !source.is_empty() => Ok(Some(source)),
            _ => Ok(None),
        }
    }

    async fn put_author(&self, author: &NewAuthor) -> Result<PutOutcome, StoreError> {
        self.write_author(author).await
    }

    async fn has_articles(&self) -> Result<bool, StoreError> {
        let out = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(items::GSI1)
            .key_condition_expression("#pk = :pk")
            .expression_attribute_names("#pk", items::GSI1PK)
            .expression_attribute_values(":pk", s(items::ALL_ARTICLES))
            .limit(1)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(!out.items().is_empty())
    }

    async fn searchable_articles(&self) -> Result<Vec<Article>, StoreError> {
        let mut out = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let page = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression(
                    "begins_with(#pk, :article) AND #sk = :a AND attribute_not_exists(#unpublished)",
                )
                .expression_attribute_names("#pk", items::PK)
                .expression_attribute_names("#sk", items::SK)
                .expression_attribute_names("#unpublished", items::UNPUBLISHED)
                .expression_attribute_values(":article", s(items::ARTICLE_PK_PREFIX))
                .expression_attribute_values(":a", s(items::ARTICLE_SK))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(unavailable)?;
            for item in page.items() {
                out.push(items::article_from_item(item)?);
            }
            match page.last_evaluated_key {
                Some(key) if !key.is_empty() => start = Some(key),
                _ => return Ok(out),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    #[test]
    fn the_aws_trust_store_is_five_certificates() {
        let blocks: Vec<&str> = AWS_ROOT_CAS.split("-----BEGIN CERTIFICATE-----").skip(1).collect();
        assert_eq!(blocks.len(), 5, "Amazon Root CA 1–4 and Starfield Services Root CA G2");
        for block in blocks {
            let (body, _) = block.split_once("-----END CERTIFICATE-----").expect("a complete PEM block");
            let der = STANDARD.decode(body.split_whitespace().collect::<String>()).expect("base64");
            assert_eq!(der.first(), Some(&0x30), "a DER SEQUENCE");
        }
    }
}
