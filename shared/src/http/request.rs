//! Reading requests: strictly, so malformed input is a `400`, never a guess.

use lambda_http::http::{HeaderMap, Method, header};
use lambda_http::request::RequestContext;
use lambda_http::{Request, RequestExt};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, PercentEncode, percent_decode, utf8_percent_encode};

/// Everything but RFC 3986's unreserved characters is escaped, so an encoded
/// value is safe in any URL part (query value, path segment, mailto field).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// Percent-encodes `s` as one URL component.
pub fn encode_component(s: &str) -> PercentEncode<'_> {
    utf8_percent_encode(s, COMPONENT)
}

use super::AppError;

/// Decodes one percent-encoded component (a query value, a path segment, a
/// form field). `+` is a space when `plus_is_space` (query strings and forms).
///
/// Unlike `form_urlencoded`, which silently keeps a bad `%zz` and replaces
/// invalid UTF-8, this rejects both: docs/site.md#bad-input-and-faults wants a `400` for them.
pub fn decode_component(raw: &str, plus_is_space: bool) -> Result<String, AppError> {
    let bytes = raw.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let ok =
                bytes.len() > i + 2 && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit();
            if !ok {
                return Err(AppError::BadRequest("malformed percent-encoding"));
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    let spaced;
    let input = if plus_is_space && raw.contains('+') {
        spaced = raw.replace('+', " ");
        spaced.as_bytes()
    } else {
        bytes
    };
    percent_decode(input)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| AppError::BadRequest("request is not valid UTF-8"))
}

/// The path the site's routes are matched against: the request's path
/// without an API Gateway stage in front of it. Every handler routes on this,
/// never on `req.uri().path()`.
///
/// API Gateway matches routes without the stage, and Broadsheet's routes are
/// declared that way. But `lambda_http` builds the request's URI with the
/// stage in front (`/prod/articles/x`) for a REST API (v1) event and for an
/// HTTP API event from a named stage, unless `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH`
/// is set; for the `$default` stage (Broadsheet's HTTP API, function URLs,
/// `cargo lambda watch`, `sam local start-api`) it leaves the path alone. So a
/// first segment equal to the request's (non-`$default`) stage is removed
/// here, which is right whether that variable is set or not. The one
/// ambiguity: a stage named like a top-level segment of the site (`articles`,
/// `category`, `login`, …) would be stripped from paths that never had it, so
/// never name a stage so.
pub fn route_path(req: &Request) -> &str {
    let path = req.uri().path();
    let stage = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.stage.as_deref(),
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.as_deref(),
        _ => None,
    };
    match stage {
        Some(stage) if !stage.is_empty() && stage != "$default" => strip_stage(path, stage),
        _ => path,
    }
}

/// `/{stage}/rest` → `/rest`, `/{stage}` → `/`; any other path unchanged.
fn strip_stage<'p>(path: &'p str, stage: &str) -> &'p str {
    match path.strip_prefix('/').and_then(|p| p.strip_prefix(stage)) {
        Some("") => "/",
        Some(rest) if rest.starts_with('/') => rest,
        _ => path,
    }
}

/// A decoded `application/x-www-form-urlencoded` string (query or form body).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses and decodes every pair; any malformed pair makes the whole input a `400`.
    pub fn parse(raw: &str) -> Result<Query, AppError> {
        let mut pairs = Vec::new();
        for part in raw.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            pairs.push((decode_component(k, true)?, decode_component(v, true)?));
        }
        Ok(Query(pairs))
    }

    /// The request's query string, decoded.
    pub fn of(req: &Request) -> Result<Query, AppError> {
        Query::parse(req.uri().query().unwrap_or(""))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What the response side needs to know about the request, captured once.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub method: Method,
    pub path: String,
    /// Lambda's request id, or one made up by the local server.
    pub request_id: String,
    /// The client asked for JSON rather than HTML (errors answer in kind).
    pub wants_json: bool,
    pub if_none_match: Option<String>,
    /// The content coding the client accepts best (`Accept-Encoding`).
    pub encoding: super::compress::Encoding,
}

impl RequestInfo {
    pub fn of(req: &Request) -> RequestInfo {
        let request_id = req
            .lambda_context_ref()
            .map(|c| c.request_id.clone())
            .filter(|id| !id.is_empty())
            .or_else(|| header_str(req.headers(), "x-request-id").map(str::to_owned))
            .unwrap_or_else(|| ulid::Ulid::new().to_string());
        RequestInfo {
            method: req.method().clone(),
            path: route_path(req).to_owned(),
            request_id,
            wants_json: wants_json(req.headers()),
            if_none_match: header_str(req.headers(), header::IF_NONE_MATCH.as_str()).map(str::to_owned),
            encoding: super::compress::Encoding::negotiate(header_str(
                req.headers(),
                header::ACCEPT_ENCODING.as_str(),
            )),
        }
    }

    pub fn is_head(&self) -> bool {
        self.method == Method::HEAD
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// True when `Accept` prefers JSON over HTML (API clients, `curl -H 'Accept: application/json'`).
fn wants_json(headers: &HeaderMap) -> bool {
    let Some(accept) = header_str(headers, "accept") else { return false };
    let mut json = None;
    let mut html = None;
    for (i, item) in accept.split(',').enumerate() {
        let media = item.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match media.as_str() {
            "application/json" => json = json.or(Some(i)),
            "text/html" | "application/xhtml+xml" => html = html.or(Some(i)),
            _ => {}
        }
    }
    match (json, html) {
        (Some(j), Some(h)) => j < h,
        (Some(_), None) => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_strictly() {
        assert_eq!(decode_component("a%20b+c", true).unwrap(), "a b c");
        assert_eq!(decode_component("a+b", false).unwrap(), "a+b");
        assert_eq!(decode_component("%C3%A9", true).unwrap(), "é");
        for bad in ["%", "%2", "%zz", "%C3", "%FF"] {
            assert!(matches!(decode_component(bad, true), Err(AppError::BadRequest(_))), "{bad}");
        }
    }

    #[test]
    fn parses_queries() {
        let q = Query::parse("after=abc&x=1&after=def&flag").unwrap();
        assert_eq!(q.get("after"), Some("abc"));
        assert_eq!(q.get("flag"), Some(""));
        assert_eq!(q.get("missing"), None);
        assert!(Query::parse("a=%E0%A4%A").is_err());
        assert_eq!(Query::parse("").unwrap(), Query::default());
    }

    #[test]
    fn stage_prefixes_are_stripped_once() {
        assert_eq!(strip_stage("/prod/articles/x", "prod"), "/articles/x");
        assert_eq!(strip_stage("/prod", "prod"), "/");
        assert_eq!(strip_stage("/prod/", "prod"), "/");
        assert_eq!(strip_stage("/production/x", "prod"), "/production/x");
        assert_eq!(strip_stage("/articles/prod", "prod"), "/articles/prod");
        assert_eq!(strip_stage("/prod/prod/x", "prod"), "/prod/x");
    }

    #[test]
    fn content_negotiation() {
        let mut h = HeaderMap::new();
        assert!(!wants_json(&h));
        h.insert("accept", "application/json".parse().unwrap());
        assert!(wants_json(&h));
        h.insert("accept", "text/html,application/xhtml+xml,application/json;q=0.9".parse().unwrap());
        assert!(!wants_json(&h));
        h.insert("accept", "*/*".parse().unwrap());
        assert!(!wants_json(&h));
    }
}
