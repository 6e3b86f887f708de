//! Configuration read once at start-up and validated.

use std::fmt;

/// The site's public origin, e.g. `https://news.example.com`.
///
/// Canonical links, feeds, share links and the sitemap are built from this,
/// never from the request's `Host` header (which a client controls).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteOrigin(String);

/// The origin is not `http(s)://host[:port]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("site origin must look like https://host or http://host:port with no path, got {0:?}")]
pub struct InvalidOrigin(pub String);

impl SiteOrigin {
    /// Parses `scheme://host[:port]` (a trailing `/` is accepted) with the
    /// URL standard's parser, and keeps the origin's canonical spelling:
    /// lower case, IDNA host, no default port.
    pub fn parse(s: &str) -> Result<SiteOrigin, InvalidOrigin> {
        let bad = || InvalidOrigin(s.to_owned());
        let url = url::Url::parse(s.trim()).map_err(|_| bad())?;
        let origin_only = matches!(url.scheme(), "http" | "https")
            && url.has_host()
            && url.path() == "/"
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !origin_only {
            return Err(bad());
        }
        Ok(SiteOrigin(url.origin().ascii_serialization()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the site is served over HTTPS (then responses carry HSTS and
    /// cookies are `Secure`).
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// The absolute URL of a local path (which must start with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.0, path)
    }
}

impl fmt::Display for SiteOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What every page needs to know about the site.
#[derive(Debug, Clone)]
pub struct Site {
    pub name: &'static str,
    pub origin: SiteOrigin,
}

impl Site {
    pub fn new(origin: SiteOrigin) -> Site {
        Site { name: "Broadsheet", origin }
    }
}

/// A required setting is missing or invalid.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// Settings shared by every Lambda function, from the environment.
#[derive(Debug, Clone)]
pub struct FunctionConfig {
    /// `BROADSHEET_TABLE`: the DynamoDB table.
    pub table: String,
    /// `BROADSHEET_SITE_ORIGIN`: the public origin.
    pub site: Site,
}

impl FunctionConfig {
    /// Reads and validates the configuration; call once in `main`.
    pub fn from_env() -> Result<FunctionConfig, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// As [`FunctionConfig::from_env`], with a custom lookup (for tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<FunctionConfig, ConfigError> {
        let table = get("BROADSHEET_TABLE")
            .filter(|t| !t.is_empty())
            .ok_or(ConfigError::Missing("BROADSHEET_TABLE"))?;
        if !crate::store::dynamo::is_valid_table_name(&table) {
            return Err(ConfigError::Invalid {
                name: "BROADSHEET_TABLE",
                reason: "3–255 characters of a-z A-Z 0-9 _ - .".into(),
            });
        }
        let origin = get("BROADSHEET_SITE_ORIGIN").ok_or(ConfigError::Missing("BROADSHEET_SITE_ORIGIN"))?;
        let origin = SiteOrigin::parse(&origin)
            .map_err(|e| ConfigError::Invalid { name: "BROADSHEET_SITE_ORIGIN", reason: e.to_string() })?;
        Ok(FunctionConfig { table, site: Site::new(origin) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        assert_eq!(
            SiteOrigin::parse("https://News.Example.com/").unwrap().as_str(),
            "https://news.example.com"
        );
        assert!(SiteOrigin::parse("http://127.0.0.1:3000").unwrap().url("/a") == "http://127.0.0.1:3000/a");
        assert_eq!(SiteOrigin::parse("https://x.example:443").unwrap().as_str(), "https://x.example");
        assert_eq!(SiteOrigin::parse("http://[::1]:3000/").unwrap().as_str(), "http://[::1]:3000");
        for bad in [
            "news.example.com",
            "ftp://x",
            "https://",
            "https://x/path",
            "https://x?q",
            "javascript:alert(1)",
            "https://user@x",
            "https://x#frag",
            "https://bad host",
        ] {
            assert!(SiteOrigin::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn config_reports_what_is_missing() {
        let err = FunctionConfig::from_lookup(|_| None).unwrap_err();
        assert!(err.to_string().contains("BROADSHEET_TABLE"));
        let err = FunctionConfig::from_lookup(|k| (k == "BROADSHEET_TABLE").then(|| "t-1".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("BROADSHEET_SITE_ORIGIN"));
        let ok = FunctionConfig::from_lookup(|k| {
            Some(if k == "BROADSHEET_TABLE" { "news".into() } else { "https://x.example".into() })
        })
        .unwrap();
        assert!(ok.site.origin.is_https());
    }
}
