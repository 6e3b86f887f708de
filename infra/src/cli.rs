//! The `broadsheet` command line: what each subcommand means and does.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use broadsheet::config::{OriginSecret, Site, SiteOrigin};
use broadsheet::store::dynamo::{self, DynamoStore};
use broadsheet::store::memory::MemoryStore;
use broadsheet::store::{ArticleWriter, StoreError};
use broadsheet_index::{INDEX_KEY, IndexBucket, SearchIndex};
use clap::{Args, Parser, Subcommand};

use crate::aws;
use crate::import::{self, ImportFailure};
use crate::publishing::{self, PublishingError, SlugArgs};
use crate::serve::{self, Apps, SiteStore};
use crate::users::{UserCommand, UserError};

/// Where the sample articles live in the source tree; `serve` seeds from here.
pub const SAMPLE_CONTENT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/content");

/// Broadsheet's operator CLI.
#[derive(Debug, Parser)]
#[command(name = "broadsheet", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the whole site locally (in-memory store unless --dynamodb-endpoint is given).
    Serve(ServeArgs),
    /// Manage the DynamoDB table.
    #[command(subcommand)]
    Table(TableCommand),
    /// Import Markdown articles (YAML front matter) from a directory into DynamoDB.
    Import(ImportArgs),
    /// Withdraw an article: its page answers 410 Gone and it leaves every listing (comments kept).
    Unpublish(SlugArgs),
    /// Put a withdrawn article back.
    Republish(SlugArgs),
    /// Grant or revoke the moderator role, suspend or unsuspend a reader.
    #[command(subcommand)]
    User(UserCommand),
    /// Show the AWS region and credentials the other commands would use (sends nothing to DynamoDB).
    Credentials(EndpointArgs),
}

/// Where DynamoDB is.
#[derive(Debug, Args)]
pub struct EndpointArgs {
    /// DynamoDB endpoint, e.g. http://127.0.0.1:8000 for a local server (default: AWS).
    #[arg(long, env = "BROADSHEET_DYNAMODB_ENDPOINT")]
    pub dynamodb_endpoint: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TableCommand {
    /// Create the table with its indexes and TTL (does nothing if it exists).
    Create(DynamoArgs),
}

/// Which DynamoDB table to use.
#[derive(Debug, Args)]
pub struct DynamoArgs {
    /// DynamoDB endpoint, e.g. http://127.0.0.1:8000 for a local server (default: AWS).
    /// For `serve`, the in-memory store unless given: the table is then
    /// created if missing and seeded with the sample content if it has no articles.
    #[arg(long, env = "BROADSHEET_DYNAMODB_ENDPOINT")]
    pub dynamodb_endpoint: Option<String>,
    /// Table name.
    #[arg(long, env = "BROADSHEET_TABLE", default_value = "broadsheet")]
    pub table: String,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub dynamo: DynamoArgs,
    /// Public origin for canonical links and feeds (default: http://ADDR).
    #[arg(long, env = "BROADSHEET_SITE_ORIGIN")]
    pub origin: Option<String>,
    /// Directory of articles to seed an empty store with.
    #[arg(long, default_value = SAMPLE_CONTENT)]
    pub content: PathBuf,
    /// Seconds between #TrendingNews refreshes (the deployed aggregator runs every 60).
    #[arg(long, default_value_t = serve::TRENDING_EVERY.as_secs(), value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub trending_every: u64,
    /// Refuse (403) requests without this value in `x-origin-verify`, as the
    /// functions do behind the CDN (for running behind a local HTTP cache).
    #[arg(long, env = "BROADSHEET_ORIGIN_SECRET", hide_env_values = true)]
    pub origin_secret: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Directory of `*.md` files (searched recursively). Not the sample content, unless
    /// --dynamodb-endpoint points at a local server.
    pub dir: PathBuf,
    #[command(flatten)]
    pub dynamo: DynamoArgs,
    #[command(flatten)]
    pub index: IndexArgs,
}

/// Where the search index is published (docs/deploy.md, "Search").
#[derive(Debug, Args)]
pub struct IndexArgs {
    /// S3 bucket the search function loads its index from (the stack's IndexBucket
    /// output). After the table is written, the index is rebuilt from it and published
    /// there. Without it, the index is left as it was, and the command says so.
    #[arg(long, env = "BROADSHEET_INDEX_BUCKET")]
    pub index_bucket: Option<String>,
    /// S3 endpoint, e.g. http://127.0.0.1:5000 for moto (default: AWS); path-style addressing.
    #[arg(long, env = "BROADSHEET_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
}

/// Why a command failed; printed to stderr by `main`.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Origin(#[from] broadsheet::config::InvalidOrigin),
    #[error("invalid table name {0:?}: use 3–255 of a-z A-Z 0-9 _ - .")]
    TableName(String),
    #[error("{0}")]
    Aws(#[from] crate::aws::AwsError),
    #[error(
        "{0} is the sample content, made-up articles for local runs and tests; import your \
         newsroom's own directory into a real table"
    )]
    SampleContent(String),
    #[error("storage: {0}")]
    Store(#[from] StoreError),
    #[error("invalid S3 bucket name {0:?}: use 3–63 of a-z 0-9 . - (the stack's IndexBucket output)")]
    BucketName(String),
    #[error("search index: {0}; nothing was changed")]
    BucketUnusable(broadsheet_index::BucketError),
    #[error("search index: {0}; the table was changed, so run the command again to publish the index")]
    Publish(broadsheet_index::BucketError),
    #[error("{0}")]
    Import(#[from] ImportFailure),
    #[error("{0}")]
    User(#[from] UserError),
    #[error("{0}")]
    Publishing(#[from] PublishingError),
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
    #[error("--origin-secret {0}")]
    OriginSecret(String),
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Serve(args) => serve_site(args).await,
        Command::Table(TableCommand::Create(args)) => {
            let client = dynamo_client(&args).await?;
            let created = dynamo::ensure_table(&client, &args.table).await?;
            println!("table {} {}", args.table, if created { "created" } else { "already exists" });
            Ok(())
        }
        Command::User(command) => {
            let client = dynamo_client(command.dynamo()).await?;
            let store = DynamoStore::new(client, command.dynamo().table.clone());
            println!("{}", command.apply(&store).await?);
            Ok(())
        }
        Command::Import(args) => {
            refuse_sample_content(&args.dir, args.dynamo.dynamodb_endpoint.as_deref())?;
            let client = dynamo_client(&args.dynamo).await?;
            let store = DynamoStore::new(client, args.dynamo.table.clone());
            let bucket = index_bucket(&args.index).await?;
            let report = import::import_dir(&store, &args.dir).await?;
            println!("{report}");
            publish_index(&store, bucket.as_ref()).await
        }
        Command::Unpublish(args) => set_published(args, false).await,
        Command::Republish(args) => set_published(args, true).await,
        Command::Credentials(args) => {
            println!("{}", aws::describe(args.dynamodb_endpoint.as_deref()).await?);
            Ok(())
        }
    }
}

async fn set_published(args: SlugArgs, published: bool) -> Result<(), CliError> {
    let client = dynamo_client(&args.dynamo).await?;
    let store = DynamoStore::new(client, args.dynamo.table.clone());
    let bucket = index_bucket(&args.index).await?;
    println!("{}", publishing::set_published(&store, &args.slug, published).await?);
    publish_index(&store, bucket.as_ref()).await
}

/// The index bucket the arguments name, checked (`HeadBucket`) before
/// anything is written, so a wrong name or missing grant changes nothing.
async fn index_bucket(args: &IndexArgs) -> Result<Option<IndexBucket>, CliError> {
    let Some(name) = &args.index_bucket else { return Ok(None) };
    if !is_valid_bucket_name(name) {
        return Err(CliError::BucketName(name.clone()));
    }
    let endpoint = args.s3_endpoint.as_deref();
    let config = aws::sdk_config(endpoint).await?;
    let bucket = IndexBucket::from_config(&config, endpoint.is_some(), name);
    bucket.check().await.map_err(CliError::BucketUnusable)?;
    Ok(Some(bucket))
}

/// S3's bucket naming rule, in short: 3–63 of lower-case letters, digits,
/// dots and hyphens, starting and ending with a letter or digit.
fn is_valid_bucket_name(name: &str) -> bool {
    let edge = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit());
    (3..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        && edge(name.as_bytes().first())
        && edge(name.as_bytes().last())
}

/// Rebuilds the search index from every searchable article in the table
/// and publishes it, or says that the index was left alone.
async fn publish_index<S: ArticleWriter>(store: &S, bucket: Option<&IndexBucket>) -> Result<(), CliError> {
    let Some(bucket) = bucket else {
        // A note, not the command's result: stdout stays what the command did to the table.
        eprintln!("note: search index not published: no --index-bucket (BROADSHEET_INDEX_BUCKET) given");
        return Ok(());
    };
    let articles = store.searchable_articles().await?;
    let index = SearchIndex::build(&articles).map_err(|e| CliError::Publish(e.into()))?;
    let bytes = bucket.publish(&index).await.map_err(CliError::Publish)?;
    println!(
        "search index: {} articles, {bytes} bytes, published to s3://{}/{INDEX_KEY}",
        index.len(),
        bucket.name()
    );
    Ok(())
}

async fn dynamo_client(args: &DynamoArgs) -> Result<aws_sdk_dynamodb::Client, CliError> {
    if !dynamo::is_valid_table_name(&args.table) {
        return Err(CliError::TableName(args.table.clone()));
    }
    Ok(aws::client(args.dynamodb_endpoint.as_deref()).await?)
}

/// The sample articles belong in local stores and tests, never in a real
/// table: an import of them into AWS is refused (a local endpoint is fine).
fn refuse_sample_content(dir: &Path, endpoint: Option<&str>) -> Result<(), CliError> {
    let sample = Path::new(SAMPLE_CONTENT).canonicalize().ok();
    if endpoint.is_none() && sample.is_some() && dir.canonicalize().ok() == sample {
        return Err(CliError::SampleContent(dir.display().to_string()));
    }
    Ok(())
}

async fn serve_site(args: ServeArgs) -> Result<(), CliError> {
    let origin = match &args.origin {
        Some(o) => SiteOrigin::parse(o)?,
        None => SiteOrigin::parse(&format!("http://{}", args.addr))?,
    };
    let mut site = Site::new(origin);
    if let Some(raw) = args.origin_secret.as_deref().filter(|s| !s.is_empty()) {
        site = site.behind_cdn(OriginSecret::parse(raw).map_err(CliError::OriginSecret)?);
    }
    match &args.dynamo.dynamodb_endpoint {
        None => {
            let store = MemoryStore::new();
            seed(&store, &args).await?;
            run_server(&args, Apps::new(store, site), "memory").await
        }
        Some(_) => {
            let table = &args.dynamo.table;
            let client = dynamo_client(&args.dynamo).await?;
            if dynamo::ensure_table(&client, table).await? {
                tracing::info!(%table, "created table");
            }
            let store = DynamoStore::new(client, table.clone());
            seed(&store, &args).await?;
            run_server(&args, Apps::new(store, site), "dynamodb").await
        }
    }
}

/// Imports the sample content into a store that has no articles yet.
async fn seed<S: ArticleWriter>(store: &S, args: &ServeArgs) -> Result<(), CliError> {
    if !store.has_articles().await? {
        let report = import::import_dir(store, &args.content).await?;
        tracing::info!(%report, dir = %args.content.display(), "seeded the store");
    }
    Ok(())
}

async fn run_server<S: SiteStore>(args: &ServeArgs, apps: Apps<S>, store: &str) -> Result<(), CliError> {
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let addr = listener.local_addr()?;
    tracing::info!(store, "Broadsheet is serving on http://{addr}/ (Ctrl-C stops it)");
    let apps = Arc::new(apps);
    let every = std::time::Duration::from_secs(args.trending_every);
    tokio::select! {
        r = serve::serve(listener, apps.clone()) => r?,
        () = serve::aggregate_trending(apps, every) => {}
        _ = tokio::signal::ctrl_c() => tracing::info!("stopping"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_content_goes_only_to_local_tables() {
        let sample = Path::new(SAMPLE_CONTENT);
        let err = refuse_sample_content(sample, None).unwrap_err();
        assert!(err.to_string().contains("sample content"), "{err}");
        let same_dir_spelled_otherwise = sample.join("../content");
        assert!(refuse_sample_content(&same_dir_spelled_otherwise, None).is_err());
        assert!(refuse_sample_content(sample, Some("http://127.0.0.1:8000")).is_ok());
        let own = tempfile::tempdir().unwrap();
        assert!(refuse_sample_content(own.path(), None).is_ok());
    }

    #[test]
    fn bucket_names() {
        for ok in ["broadsheet-index-123", "a.b-c", "abc"] {
            assert!(is_valid_bucket_name(ok), "{ok}");
        }
        for bad in ["ab", "Broadsheet", "-abc", "abc-", "a_b", "s3://abc", &"a".repeat(64)] {
            assert!(!is_valid_bucket_name(bad), "{bad}");
        }
    }
}
