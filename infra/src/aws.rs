//! How the CLI reaches DynamoDB: the region and credentials an operator has
//! set up for the AWS CLI, and nothing it has not.
//!
//! * **Region**: `AWS_REGION` (or `AWS_DEFAULT_REGION`), else the `region`
//!   of the profile in use — the stack's region, as docs/deploy.md sets it
//!   once. There is no default: a client in a region the operator did not
//!   choose would find no table there, or another table of the same name.
//!   Only for a local endpoint (`--dynamodb-endpoint`: moto, DynamoDB Local),
//!   which ignores regions except to keep tables apart, is
//!   [`LOCAL_REGION`] assumed.
//! * **Credentials**: the SDK's default chain — environment variables, the
//!   shared config and credentials files (static keys, `source_profile` +
//!   `role_arn`, **SSO** / IAM Identity Center, **`credential_process`**),
//!   web identity, ECS and EC2 instance metadata. This crate turns on the
//!   `sso` and `credentials-process` features of `aws-config` for that; the
//!   functions, which run on their role's environment credentials, are
//!   built without them (`default-members` in the workspace `Cargo.toml`).
//!
//! `broadsheet credentials` ([`describe`]) shows what was found without
//! touching the table.

use std::fmt;
use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_config::environment::EnvironmentVariableRegionProvider;
use aws_config::meta::region::RegionProviderChain;
use aws_config::profile::ProfileFileRegionProvider;
use aws_sdk_dynamodb::config::ProvideCredentials;
use aws_sdk_dynamodb::error::DisplayErrorContext;
use broadsheet::store::dynamo::{self, Region};

/// The region assumed for a local endpoint when none is configured (moto
/// and DynamoDB Local keep each region's tables apart, so `serve`, `table
/// create` and `import` must agree on one; `scripts/with-moto.sh` exports it).
pub const LOCAL_REGION: &str = "us-east-1";

/// The CLI cannot reach AWS as configured.
#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error(
        "no AWS region is configured: set AWS_REGION to the stack's region (or `region` in your \
         AWS profile); the CLI has no default region"
    )]
    NoRegion,
    #[error("no usable AWS credentials ({0}); for an SSO profile, log in first: aws sso login")]
    Credentials(String),
}

/// The SDK settings for a DynamoDB client: the shared ones
/// ([`dynamo::loader`]) in the operator's region, with their credentials.
pub async fn sdk_config(endpoint: Option<&str>) -> Result<SdkConfig, AwsError> {
    let region = match (configured_region().await, endpoint) {
        (Some(region), _) => region,
        (None, Some(_)) => Region::new(LOCAL_REGION),
        (None, None) => return Err(AwsError::NoRegion),
    };
    Ok(dynamo::loader(region, endpoint).load().await)
}

/// The DynamoDB client for `endpoint` (AWS when `None`).
pub async fn client(endpoint: Option<&str>) -> Result<aws_sdk_dynamodb::Client, AwsError> {
    Ok(aws_sdk_dynamodb::Client::new(&sdk_config(endpoint).await?))
}

/// The region the environment or the profile names, if any.
async fn configured_region() -> Option<Region> {
    RegionProviderChain::first_try(EnvironmentVariableRegionProvider::new())
        .or_else(ProfileFileRegionProvider::new())
        .region()
        .await
}

/// What `broadsheet credentials` prints: where requests would go and as
/// whom, never a secret.
#[derive(Debug)]
pub struct Identity {
    pub region: String,
    pub endpoint: Option<String>,
    /// The access key id, all but its last four characters hidden.
    pub access_key: String,
    pub account: Option<String>,
    pub expires: Option<SystemTime>,
}

/// Resolves the region and credentials as [`sdk_config`] does, and fetches
/// the credentials (running a `credential_process`, reading the SSO token
/// cache and exchanging the token, assuming a role …), without sending
/// anything to DynamoDB.
pub async fn describe(endpoint: Option<&str>) -> Result<Identity, AwsError> {
    let config = sdk_config(endpoint).await?;
    let provider = config.credentials_provider().ok_or_else(|| AwsError::Credentials("none found".into()))?;
    let credentials = provider
        .provide_credentials()
        .await
        .map_err(|e| AwsError::Credentials(DisplayErrorContext(&e).to_string()))?;
    let key = credentials.access_key_id();
    let shown = key.len().saturating_sub(4);
    Ok(Identity {
        region: config.region().map(ToString::to_string).unwrap_or_default(),
        endpoint: endpoint.map(str::to_owned),
        access_key: format!("{}{}", "*".repeat(shown.min(16)), key.get(shown..).unwrap_or_default()),
        account: credentials.account_id().map(|a| a.as_str().to_owned()),
        expires: credentials.expiry(),
    })
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "region      {}", self.region)?;
        writeln!(f, "endpoint    {}", self.endpoint.as_deref().unwrap_or("AWS"))?;
        write!(f, "access key  {}", self.access_key)?;
        if let Some(account) = &self.account {
            write!(f, "\naccount     {account}")?;
        }
        if let Some(expires) = self.expires {
            let expires = time::OffsetDateTime::from(expires);
            let shown = expires.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
            write!(f, "\nexpires     {shown}")?;
        }
        Ok(())
    }
}
