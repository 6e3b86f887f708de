//! Building responses: headers every response carries, cache policy, ETags.

use std::sync::LazyLock;

use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use maud::Markup;

use super::compress::{self, Encoding};
use super::error::cause_chain;
use super::request::encode_component;
use super::{AppError, RequestInfo};
use crate::config::Site;
use crate::viewer::Viewer;
use crate::views;

/// How a response may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cache {
    /// Anonymous, shareable: `public` with these lifetimes, and an `ETag`.
    Public(Freshness),
    /// Never stored anywhere (errors, anything that depends on a session or
    /// sets a cookie).
    NoStore,
}

/// How long a public response may be used, in seconds (RFC 9111, RFC 5861).
/// docs/site.md#caching gives the values per page type and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// How long a browser may reuse it without asking (`max-age`).
    pub max_age: u32,
    /// How long a shared cache, the CDN, may (`s-maxage`).
    pub s_maxage: u32,
    /// After that, how long the CDN may keep serving it while it fetches a
    /// fresh copy in the background (`stale-while-revalidate`): readers
    /// never wait for the origin on a popular page.
    pub stale_while_revalidate: u32,
    /// How long it may be served when the origin is failing (`stale-if-error`):
    /// an outage shows yesterday's front page rather than an error.
    pub stale_if_error: u32,
}

/// A day: how long any public page may stand in for an origin that fails.
const ONE_DAY: u32 = 86_400;

/// Front, category and author pages, #TrendingNews: they change with every
/// story and every minute's reads, so a minute at the edge and in the browser.
pub const LISTING_CACHE: Cache = Cache::Public(Freshness {
    max_age: 60,
    s_maxage: 60,
    stale_while_revalidate: 60,
    stale_if_error: ONE_DAY,
});

/// An article page (for a reader who is not logged in): the story changes
/// rarely (a correction, which can also be pushed out by invalidation), its
/// comments more often; five minutes at the edge, a minute in the browser.
pub const ARTICLE_CACHE: Cache = Cache::Public(Freshness {
    max_age: 60,
    s_maxage: 300,
    stale_while_revalidate: 300,
    stale_if_error: ONE_DAY,
});

/// Feeds, the sitemap and robots.txt: polled by machines, which need nothing
/// newer than a quarter of an hour.
pub const FEED_CACHE: Cache = Cache::Public(Freshness {
    max_age: 300,
    s_maxage: 900,
    stale_while_revalidate: 900,
    stale_if_error: ONE_DAY,
});

impl Cache {
    /// The `Cache-Control` value.
    pub fn header(self) -> String {
        match self {
            Cache::Public(f) => format!(
                "public, max-age={}, s-maxage={}, stale-while-revalidate={}, stale-if-error={}",
                f.max_age, f.s_maxage, f.stale_while_revalidate, f.stale_if_error
            ),
            Cache::NoStore => NO_STORE.to_owned(),
        }
    }
}

/// What every response that must never be stored by anyone says.
const NO_STORE: &str = "private, no-store";

static CSP: LazyLock<String> = LazyLock::new(|| {
    format!(
        "default-src 'none'; style-src {}; img-src 'self'; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
        views::style_csp_source()
    )
});

/// Builds responses for one request: knows the site (HSTS), the request
/// (HEAD, `If-None-Match`, request id, JSON errors) and the viewer (a page for
/// a logged-in reader is never cacheable, whatever the handler asked for).
#[derive(Debug, Clone, Copy)]
pub struct Responder<'a> {
    pub site: &'a Site,
    pub info: &'a RequestInfo,
    pub viewer: &'a Viewer,
}

impl Responder<'_> {
    /// An HTML page.
    pub fn html(&self, status: StatusCode, page: Markup, cache: Cache) -> Response<Body> {
        self.body(status, "text/html; charset=utf-8", page.into_string(), cache)
    }

    /// Any textual body with its content type, compressed when the client
    /// accepts it and the body is worth it ([`compress::MIN_BYTES`]).
    pub fn body(
        &self,
        status: StatusCode,
        content_type: &'static str,
        body: String,
        cache: Cache,
    ) -> Response<Body> {
        let cache = if self.viewer.reader().is_some() { Cache::NoStore } else { cache };
        let encoding =
            if body.len() >= compress::MIN_BYTES { self.info.encoding } else { Encoding::Identity };
        // The tag is of the page, plus the coding it goes out in (another
        // representation, another tag).
        let tag = |hash: u128, coding: Encoding| format!("\"{hash:032x}{}\"", coding.etag_suffix());
        let mut hash = None;
        if status == StatusCode::OK && matches!(cache, Cache::Public(_)) {
            let page_hash = xxhash_rust::xxh3::xxh3_128(body.as_bytes());
            let expected = tag(page_hash, encoding);
            if self.info.if_none_match.as_deref().is_some_and(|inm| etag_matches(inm, &expected)) {
                let mut resp = self.finish(StatusCode::NOT_MODIFIED, Body::Empty, cache);
                insert(&mut resp, header::ETAG, &expected);
                return resp;
            }
            hash = Some(page_hash);
        }
        let (body, encoding) = match encoding.encode(body.as_bytes()) {
            Some(bytes) => (Body::Binary(bytes), encoding),
            // Identity, or (never seen) an encoder error: send it as it is.
            None => (Body::Text(body), Encoding::Identity),
        };
        let etag = hash.map(|h| tag(h, encoding));
        let len = body.len();
        let body = if self.info.is_head() { Body::Empty } else { body };
        let mut resp = self.finish(status, body, cache);
        insert(&mut resp, header::CONTENT_TYPE, content_type);
        insert(&mut resp, header::CONTENT_LENGTH, &len.to_string());
        if let Some(coding) = encoding.header() {
            insert(&mut resp, header::CONTENT_ENCODING, coding);
        }
        if let Some(tag) = etag {
            insert(&mut resp, header::ETAG, &tag);
        }
        resp
    }

    /// A fixed image that is never stored (the read beacon's pixel): every
    /// request for it must reach the function, so no cache, no `ETag`, no `304`.
    pub fn uncached_image(&self, content_type: &'static str, bytes: &'static [u8]) -> Response<Body> {
        let body = if self.info.is_head() { Body::Empty } else { Body::Binary(bytes.to_vec()) };
        let mut resp = self.finish(StatusCode::OK, body, Cache::NoStore);
        insert(&mut resp, header::CONTENT_TYPE, content_type);
        insert(&mut resp, header::CONTENT_LENGTH, &bytes.len().to_string());
        resp
    }

    /// `303 See Other` to a local path (post/redirect/get).
    pub fn see_other(&self, location: &str) -> Response<Body> {
        let mut resp = self.finish(StatusCode::SEE_OTHER, Body::Empty, Cache::NoStore);
        insert(&mut resp, header::LOCATION, location);
        resp
    }

    /// The one place an [`AppError`] becomes a response: the internal cause
    /// is logged with the request id, the client gets the public text only.
    pub fn error(&self, err: AppError) -> Response<Body> {
        self.error_with_form(err, None)
    }

    /// [`Responder::error`], except that an HTML client gets `form` instead
    /// of the error page when one is given: the form the reader sent, shown
    /// again with what they typed (a `503` must not lose it). Status,
    /// `Retry-After`, cache policy and log line are the error's, as for any
    /// error; a JSON client gets the JSON error.
    pub fn error_with_form(&self, err: AppError, form: Option<Markup>) -> Response<Body> {
        if let AppError::LoginRequired { return_to } = &err {
            let target = format!("/login?return_to={}", encode_component(return_to));
            return self.see_other(&target);
        }
        let status = err.status();
        if err.is_server_fault() {
            tracing::error!(request_id = %self.info.request_id, path = %self.info.path,
                status = status.as_u16(), error = %cause_chain(&err), "request failed");
        } else {
            tracing::info!(request_id = %self.info.request_id, path = %self.info.path,
                status = status.as_u16(), error = %err, "request rejected");
        }
        let (heading, message) = err.public_text();
        let mut resp = if self.info.wants_json {
            let json = serde_json::json!({ "error": { "status": status.as_u16(), "message": message } });
            self.body(status, "application/json", json.to_string(), Cache::NoStore)
        } else {
            let page = form.unwrap_or_else(|| {
                views::error_page(self.site, self.viewer, status.as_u16(), heading, message)
            });
            self.html(status, page, Cache::NoStore)
        };
        if let AppError::MethodNotAllowed { allow } = &err {
            insert(&mut resp, header::ALLOW, &allow.join(", "));
        }
        if let Some(secs) = err.retry_after() {
            insert(&mut resp, header::RETRY_AFTER, &secs.to_string());
        }
        resp
    }

    /// Status, body, and the headers every response carries.
    fn finish(&self, status: StatusCode, body: Body, cache: Cache) -> Response<Body> {
        let mut resp = Response::new(body);
        *resp.status_mut() = status;
        insert(&mut resp, header::CACHE_CONTROL, &cache.header());
        // A page differs by coding; a cached anonymous page must not be
        // served to a logged-in reader (the CDN keys on the session cookie
        // instead, docs/site.md#caching); errors answer JSON to JSON clients.
        insert(&mut resp, header::VARY, "Accept-Encoding, Cookie, Accept");
        insert(&mut resp, header::CONTENT_SECURITY_POLICY, &CSP);
        insert(&mut resp, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        insert(&mut resp, header::REFERRER_POLICY, "strict-origin-when-cross-origin");
        insert(&mut resp, header::X_FRAME_OPTIONS, "DENY");
        if self.site.origin.is_https() {
            insert(&mut resp, header::STRICT_TRANSPORT_SECURITY, "max-age=63072000; includeSubDomains");
        }
        resp
    }
}

/// The rule every response leaves the edge under: one that sets a cookie is
/// never stored by a shared cache (nor by the browser), whatever its
/// handler asked for, since the cookie would be handed to every reader the
/// cache served the page to. Called once per response, by `edge::serve`.
pub fn keep_cookies_private(resp: &mut Response<Body>) {
    if resp.headers().contains_key(header::SET_COOKIE) {
        insert(resp, header::CACHE_CONTROL, NO_STORE);
        resp.headers_mut().remove(header::ETAG);
    }
}

/// Whether a `Cache-Control` value lets a shared cache store the response.
pub fn shared_cache_may_store(cache_control: &str) -> bool {
    let directives: Vec<String> = cache_control.split(',').map(|d| d.trim().to_ascii_lowercase()).collect();
    let has = |name: &str| directives.iter().any(|d| d == name || d.starts_with(&format!("{name}=")));
    has("public") && !has("private") && !has("no-store") && (has("s-maxage") || has("max-age"))
}

/// Adds a `Set-Cookie` header (several may be set on one response).
pub fn append_cookie(resp: &mut Response<Body>, cookie: &str) {
    if let Ok(v) = HeaderValue::from_str(cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Sets `Retry-After` (seconds) on a response that is not an [`AppError`] page,
/// e.g. a form re-shown with a `429`.
pub fn set_retry_after(resp: &mut Response<Body>, secs: u64) {
    insert(resp, header::RETRY_AFTER, &secs.to_string());
}

fn insert(resp: &mut Response<Body>, name: header::HeaderName, value: &str) {
    // Every value set here is ASCII we built ourselves; a failure would be a bug, not input.
    if let Ok(v) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, v);
    }
}

/// `If-None-Match` handling (RFC 9110 §13.1.2): weak comparison, lists, `*`.
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_values() {
        assert_eq!(
            ARTICLE_CACHE.header(),
            "public, max-age=60, s-maxage=300, stale-while-revalidate=300, stale-if-error=86400"
        );
        assert_eq!(Cache::NoStore.header(), "private, no-store");
        for c in [LISTING_CACHE, ARTICLE_CACHE, FEED_CACHE] {
            assert!(shared_cache_may_store(&c.header()));
        }
        for v in ["private, no-store", "public, no-store, max-age=60", "private, max-age=60", "no-cache", ""]
        {
            assert!(!shared_cache_may_store(v), "{v}");
        }
    }

    #[test]
    fn a_response_setting_a_cookie_is_never_stored() {
        let mut resp = Response::new(Body::Empty);
        insert(&mut resp, header::CACHE_CONTROL, &LISTING_CACHE.header());
        insert(&mut resp, header::ETAG, "\"x\"");
        keep_cookies_private(&mut resp);
        assert!(shared_cache_may_store(resp.headers()[header::CACHE_CONTROL].to_str().unwrap()));
        append_cookie(&mut resp, "a=b; Secure");
        keep_cookies_private(&mut resp);
        assert_eq!(resp.headers()[header::CACHE_CONTROL], "private, no-store");
        assert!(!resp.headers().contains_key(header::ETAG));
    }

    #[test]
    fn etag_comparison() {
        assert!(etag_matches("\"abc\"", "\"abc\""));
        assert!(etag_matches("W/\"abc\"", "\"abc\""));
        assert!(etag_matches("\"x\", \"abc\"", "\"abc\""));
        assert!(etag_matches("*", "\"abc\""));
        assert!(!etag_matches("\"abd\"", "\"abc\""));
        assert!(!etag_matches("", "\"abc\""));
    }
}
