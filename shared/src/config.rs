//! Configuration read once at start-up and validated.

use std::fmt;

use crate::store::dynamo::Region;

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

    /// Whether the host is a name reserved for examples and placeholders
    /// (`.invalid`, `.example`, `example.com`/`.net`/`.org`, RFC 2606), which
    /// no reader can ever reach: a deployed site configured with one would
    /// refuse every form, so a function refuses to start with it instead.
    pub fn is_placeholder(&self) -> bool {
        let url = url::Url::parse(&self.0).ok();
        let host = url.as_ref().and_then(url::Url::host_str).unwrap_or_default().trim_end_matches('.');
        let under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
        ["invalid", "example", "example.com", "example.net", "example.org"].into_iter().any(under)
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
    /// Set when the site runs behind its CDN: requests without the CDN's
    /// secret header are refused (`403`), so nobody can bypass the edge
    /// cache and its limits by calling the API directly.
    pub origin_secret: Option<OriginSecret>,
}

impl Site {
    pub fn new(origin: SiteOrigin) -> Site {
        Site { name: "Broadsheet", origin, origin_secret: None }
    }

    /// The site behind a CDN that proves itself with `secret`.
    pub fn behind_cdn(mut self, secret: OriginSecret) -> Site {
        self.origin_secret = Some(secret);
        self
    }
}

/// The header the CDN adds to every request it forwards to the origin.
pub const ORIGIN_SECRET_HEADER: &str = "x-origin-verify";

/// Shortest origin secret accepted: a secret short enough to guess would
/// make the check decoration.
pub const MIN_ORIGIN_SECRET_LEN: usize = 32;

/// The shared secret between the CDN and the origin (`BROADSHEET_ORIGIN_SECRET`,
/// the stack's `NoEcho` parameter `OriginSecret`). Never printed.
#[derive(Clone)]
pub struct OriginSecret(String);

impl OriginSecret {
    /// At least [`MIN_ORIGIN_SECRET_LEN`] visible ASCII characters (what an
    /// HTTP header can carry unchanged).
    pub fn parse(raw: &str) -> Result<OriginSecret, String> {
        if raw.len() < MIN_ORIGIN_SECRET_LEN {
            return Err(format!("must be at least {MIN_ORIGIN_SECRET_LEN} characters"));
        }
        if !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return Err("must be visible ASCII characters (no spaces)".to_owned());
        }
        Ok(OriginSecret(raw.to_owned()))
    }

    /// Whether a request's header value is the secret, in constant time.
    pub fn matches(&self, presented: Option<&[u8]>) -> bool {
        use subtle::ConstantTimeEq as _;
        presented.is_some_and(|p| bool::from(p.ct_eq(self.0.as_bytes())))
    }
}

impl fmt::Debug for OriginSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OriginSecret(…)")
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
    /// `AWS_REGION`, which Lambda always sets: the table's region. Read here
    /// rather than left to the SDK's chain, so that a run without it (a
    /// local emulator set up by hand) fails at start-up instead of reaching
    /// for a table in some default region.
    pub region: Region,
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
        if origin.is_placeholder() {
            return Err(ConfigError::Invalid {
                name: "BROADSHEET_SITE_ORIGIN",
                reason: format!(
                    "{origin} is a placeholder no reader can reach, and every form POST would be \
                     refused; deploy with SiteOrigin set to the site's real origin (the stack's \
                     ApiUrl output without a domain)"
                ),
            });
        }
        let region = get("AWS_REGION").filter(|r| !r.is_empty()).ok_or(ConfigError::Missing("AWS_REGION"))?;
        let mut site = Site::new(origin);
        // Empty (the template's default): no CDN in front, no check.
        if let Some(raw) = get("BROADSHEET_ORIGIN_SECRET").filter(|s| !s.is_empty()) {
            let secret = OriginSecret::parse(&raw)
                .map_err(|reason| ConfigError::Invalid { name: "BROADSHEET_ORIGIN_SECRET", reason })?;
            site = site.behind_cdn(secret);
        }
        Ok(FunctionConfig { table, site, region: Region::new(region) })
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
        let env = |origin: &'static str| {
            move |k: &str| match k {
                "BROADSHEET_TABLE" => Some("news".to_owned()),
                "BROADSHEET_SITE_ORIGIN" => Some(origin.to_owned()),
                "AWS_REGION" => Some("eu-west-1".to_owned()),
                _ => None,
            }
        };
        let ok = FunctionConfig::from_lookup(env("https://news.example.co.uk/")).unwrap();
        assert_eq!(ok.site.origin.as_str(), "https://news.example.co.uk", "a pasted trailing slash is fine");
        assert_eq!(ok.region.as_ref(), "eu-west-1");
        for placeholder in ["https://example.invalid", "https://news.example.com", "https://x.example:8443/"]
        {
            let err = FunctionConfig::from_lookup(env(placeholder)).unwrap_err();
            assert!(err.to_string().contains("placeholder"), "{placeholder}: {err}");
        }
        let no_region = |k: &str| if k == "AWS_REGION" { None } else { env("https://news.test")(k) };
        let err = FunctionConfig::from_lookup(no_region).unwrap_err();
        assert!(err.to_string().contains("AWS_REGION"), "{err}");
    }

    #[test]
    fn the_origin_secret_is_optional_long_and_never_printed() {
        let env = |secret: Option<&'static str>| {
            move |k: &str| match k {
                "BROADSHEET_TABLE" => Some("news".to_owned()),
                "BROADSHEET_SITE_ORIGIN" => Some("https://news.test".to_owned()),
                "AWS_REGION" => Some("eu-west-1".to_owned()),
                "BROADSHEET_ORIGIN_SECRET" => secret.map(str::to_owned),
                _ => None,
            }
        };
        assert!(FunctionConfig::from_lookup(env(None)).unwrap().site.origin_secret.is_none());
        assert!(
            FunctionConfig::from_lookup(env(Some(""))).unwrap().site.origin_secret.is_none(),
            "the default"
        );
        let long = "0123456789abcdef0123456789abcdef-x";
        let site = FunctionConfig::from_lookup(env(Some(long))).unwrap().site;
        let secret = site.origin_secret.as_ref().unwrap();
        assert!(secret.matches(Some(long.as_bytes())));
        assert!(!secret.matches(Some(&long.as_bytes()[1..])));
        assert!(!secret.matches(None));
        assert!(!format!("{site:?}").contains(long), "Debug hides it");
        for bad in ["short", "0123456789abcdef 0123456789abcdef"] {
            let err = FunctionConfig::from_lookup(env(Some(bad))).unwrap_err().to_string();
            assert!(err.contains("BROADSHEET_ORIGIN_SECRET") && !err.contains(bad), "{err}");
        }
    }

    #[test]
    fn placeholders() {
        let p = |s: &str| SiteOrigin::parse(s).unwrap().is_placeholder();
        assert!(p("https://example.invalid"));
        assert!(p("https://EXAMPLE.com/"));
        assert!(p("https://www.example.org:443"));
        assert!(p("http://site.example:3000"));
        assert!(!p("https://news.examples.com"));
        assert!(!p("https://abc123.execute-api.eu-west-1.amazonaws.com"));
        assert!(!p("http://127.0.0.1:3000"));
        assert!(!p("http://[::1]:3000"));
    }
}
