//! [`IndexBucket`]: the published index, one S3 object.
//!
//! `broadsheet import` (and `unpublish`/`republish`) build the index from
//! the table and put it as one object, [`INDEX_KEY`]; S3 replaces an object
//! atomically, so a reader gets the old archive or the new one, never half
//! of each. The search function loads it at cold start and, at most once a
//! minute, asks for the object's `ETag` (`HeadObject`, a few hundred bytes):
//! only a changed `ETag` makes it download the archive again. One object
//! means nothing to clean up and one key to grant (docs/iam.md).

use aws_sdk_s3::Client;
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_s3::primitives::ByteStream;
use broadsheet::store::dynamo::{self, Region};

use crate::engine::{IndexError, SearchIndex};

/// The key of the published index in its bucket.
pub const INDEX_KEY: &str = "search/index.tar";

/// Why the bucket could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    #[error("S3 bucket {bucket}: {message}")]
    S3 { bucket: String, message: String },
    #[error(
        "S3 bucket {bucket} holds no search index yet ({INDEX_KEY}): run broadsheet import with --index-bucket"
    )]
    Missing { bucket: String },
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The local server's store could not be read to build the index.
    #[error("storage: {0}")]
    Store(String),
}

/// The archive and the `ETag` it was read with.
#[derive(Debug)]
pub struct Fetched {
    pub index: SearchIndex,
    pub etag: String,
    /// The archive's size in bytes.
    pub bytes: usize,
}

/// The bucket the index is published to.
#[derive(Debug, Clone)]
pub struct IndexBucket {
    client: Client,
    bucket: String,
}

impl IndexBucket {
    /// A client for `bucket` with the site's HTTP, timeout and retry
    /// settings (`broadsheet::store::dynamo::loader`). With an `endpoint`
    /// (moto, a local S3) requests use path-style addressing
    /// (`http://host/bucket/key`), which local servers need; AWS gets
    /// virtual-hosted addressing.
    pub async fn connect(region: Region, endpoint: Option<&str>, bucket: &str) -> IndexBucket {
        let config = dynamo::loader(region, endpoint).load().await;
        Self::from_config(&config, endpoint.is_some(), bucket)
    }

    /// As [`IndexBucket::connect`], from an SDK configuration built elsewhere
    /// (the CLI's, with the operator's credential sources).
    pub fn from_config(config: &aws_config::SdkConfig, path_style: bool, bucket: &str) -> IndexBucket {
        let s3 = aws_sdk_s3::config::Builder::from(config).force_path_style(path_style).build();
        IndexBucket { client: Client::from_conf(s3), bucket: bucket.to_owned() }
    }

    pub fn name(&self) -> &str {
        &self.bucket
    }

    fn error(&self, err: impl std::error::Error) -> BucketError {
        BucketError::S3 { bucket: self.bucket.clone(), message: DisplayErrorContext(&err).to_string() }
    }

    /// Checks that the bucket exists and answers (`HeadBucket`): the CLI
    /// asks before it changes anything.
    pub async fn check(&self) -> Result<(), BucketError> {
        self.client.head_bucket().bucket(&self.bucket).send().await.map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Builds nothing: puts `index` as the published archive.
    pub async fn publish(&self, index: &SearchIndex) -> Result<usize, BucketError> {
        let bytes = index.to_bundle()?;
        let size = bytes.len();
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(INDEX_KEY)
            .content_type("application/x-tar")
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| self.error(e))?;
        Ok(size)
    }

    /// The published archive's `ETag`, or `None` if nothing is published.
    pub async fn etag(&self) -> Result<Option<String>, BucketError> {
        match self.client.head_object().bucket(&self.bucket).key(INDEX_KEY).send().await {
            Ok(head) => Ok(head.e_tag),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_not_found()) => Ok(None),
            Err(e) => Err(self.error(e)),
        }
    }

    /// Downloads and opens the published index.
    pub async fn fetch(&self) -> Result<Fetched, BucketError> {
        let out = match self.client.get_object().bucket(&self.bucket).key(INDEX_KEY).send().await {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.code() == Some("NoSuchKey")) => {
                return Err(BucketError::Missing { bucket: self.bucket.clone() });
            }
            Err(e) => return Err(self.error(e)),
        };
        let etag = out.e_tag.clone().unwrap_or_default();
        // One buffer of the announced size, filled as the body arrives: the
        // index is then served from it as it is (no second copy).
        let announced = out.content_length.and_then(|n| usize::try_from(n).ok()).unwrap_or(0);
        let mut data = Vec::with_capacity(announced);
        let mut body = out.body;
        while let Some(chunk) = body.try_next().await.map_err(|e| self.error(e))? {
            data.extend_from_slice(&chunk);
        }
        let bytes = data.len();
        let index = SearchIndex::from_bundle(data)?;
        Ok(Fetched { index, etag, bytes })
    }
}
