//! What every Lambda function does, in one place:
//!
//! * before it serves ([`function_init`]): logs, configuration, the DynamoDB
//!   client — once per cold start, never per request;
//! * around every event it serves ([`run`], [`invoke`]): a guard against
//!   events `lambda_http` cannot convert without panicking; the rest is the
//!   request edge's ([`crate::edge`]).
//!
//! A function's `main` is three lines: `function_init`, build the app,
//! `run(&app)`.

use std::convert::Infallible;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use lambda_http::http::HeaderMap;
use lambda_http::http::header::HOST;
use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::request::LambdaRequest;
use lambda_http::{Adapter, Request, Service, service_fn};
use serde::Serialize;

use crate::config::FunctionConfig;
use crate::edge::{self, App, Handler};
use crate::http::{AppError, MAX_BODY_BYTES};
use crate::store::Sessions;
use crate::store::dynamo::{self, DynamoStore};

/// Initialises logging, reads and validates the configuration, builds the
/// DynamoDB client and warms its connection (a first call during init costs
/// milliseconds; made on the first request it would cost a TLS handshake).
///
/// A missing or invalid setting is a clear log line and exit code 1, not a
/// panic at the first request. A panic after that (a bug) is logged as one
/// JSON line at `ERROR` before the process aborts ([`crate::telemetry::log_panics`]).
pub async fn function_init() -> (FunctionConfig, DynamoStore) {
    crate::telemetry::init_json();
    crate::telemetry::log_panics();
    let config = match FunctionConfig::from_env() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "invalid configuration; exiting");
            std::process::exit(1);
        }
    };
    let client = dynamo::client(config.region.clone(), None).await;
    let store = DynamoStore::new(client, config.table.clone());
    store.warm().await;
    (config, store)
}

/// Serves Lambda events with `app` until the runtime stops: what every
/// function's `main` ends with, in place of `lambda_http::run`.
///
/// Each event goes through [`invoke`]. The edge never fails (every error is
/// already its response), so the only invocation errors left are events
/// that are not HTTP events at all, which `lambda_runtime` reports itself.
pub async fn run<S, H>(app: &App<S, H>) -> Result<(), lambda_http::Error>
where
    S: Sessions + Sync,
    H: Handler<S>,
{
    lambda_runtime::run(service_fn(move |event: LambdaEvent<LambdaRequest>| async move {
        Ok::<_, Infallible>(invoke(app, event).await)
    }))
    .await
}

/// Answers one Lambda event the way [`run`] does, and returns the response in
/// the shape its origin expects (API Gateway v2 / function URL: `cookies`;
/// REST API v1: `multiValueHeaders`) — `lambda_http`'s own serialisation.
/// Tests feed it the fixtures in `infra/events/`.
///
/// The event is checked before `lambda_http` converts it (see [`guard`]);
/// one it cannot convert safely is answered `400` (`413` for a body over the
/// site's limit) by the edge without reaching the handler. Everything else
/// is the edge's: [`edge::handle`].
pub async fn invoke<S, H>(app: &App<S, H>, event: LambdaEvent<LambdaRequest>) -> impl Serialize + use<S, H>
where
    S: Sessions + Sync,
    H: Handler<S>,
{
    let LambdaEvent { mut payload, context } = event;
    let mut rejection = guard(&mut payload);
    let serve = service_fn(|req: Request| {
        let rejection = rejection.take();
        async move {
            let resp = match rejection {
                None => edge::handle(app, req).await,
                Some(err) => edge::serve(app, req, Err(err)).await,
            };
            Ok::<_, Infallible>(resp)
        }
    });
    match Adapter::from(serve).call(LambdaEvent::new(payload, context)).await {
        Ok(resp) => resp,
        Err(never) => match never {},
    }
}

/// Checks an event before `lambda_http` turns it into a [`Request`], because
/// that conversion panics on some malformed events: it `expect`s a body
/// marked `isBase64Encoded` to be valid base64, and `unwrap`s the URL it
/// builds from `Host` (or the context's domain name), `X-Forwarded-Proto`,
/// the stage, the path and the raw query string. A panic is not an error the
/// runtime can report here: the release profile has `panic = "abort"`
/// (smaller, faster binaries), so `lambda_runtime`'s `catch_unwind` never
/// runs and the process dies — the reader gets a 502 and the next event a
/// cold start. API Gateway itself never sends such events, but a function
/// URL, a test console or a direct invoke can, and no input may panic.
///
/// Also answers a body over the site's 64 KiB limit with `413` here, before
/// anything decodes or copies up to 6 MB of it.
///
/// On a bad event, returns the error to answer after emptying the parts of
/// the event that made it unsafe (body, path, query, host), so that it then
/// converts safely into a request that carries the reader's `Accept` and the
/// request id, for an error page in the right format.
fn guard(event: &mut LambdaRequest) -> Option<AppError> {
    let problem = match &*event {
        LambdaRequest::ApiGatewayV1(ag) => check(&EventParts {
            body: ag.body.as_deref(),
            base64: ag.is_base64_encoded,
            headers: &ag.headers,
            domain_name: ag.request_context.domain_name.as_deref(),
            stage: ag.request_context.stage.as_deref(),
            path: ag.path.as_deref().unwrap_or_default(),
            raw_query: None,
        }),
        LambdaRequest::ApiGatewayV2(ag) => check(&EventParts {
            body: ag.body.as_deref(),
            base64: ag.is_base64_encoded,
            headers: &ag.headers,
            domain_name: ag.request_context.domain_name.as_deref(),
            stage: ag.request_context.stage.as_deref(),
            path: ag.raw_path.as_deref().unwrap_or_default(),
            raw_query: ag.raw_query_string.as_deref(),
        }),
        _ => None,
    }?;
    match event {
        LambdaRequest::ApiGatewayV1(ag) => {
            ag.body = None;
            ag.is_base64_encoded = false;
            ag.path = Some("/".to_owned());
            ag.query_string_parameters = Default::default();
            ag.multi_value_query_string_parameters = Default::default();
            for headers in [&mut ag.headers, &mut ag.multi_value_headers] {
                headers.remove(HOST);
                headers.remove(X_FORWARDED_PROTO);
            }
            ag.request_context.domain_name = None;
            ag.request_context.stage = None;
        }
        LambdaRequest::ApiGatewayV2(ag) => {
            ag.body = None;
            ag.is_base64_encoded = false;
            ag.raw_path = Some("/".to_owned());
            ag.raw_query_string = None;
            ag.headers.remove(HOST);
            ag.headers.remove(X_FORWARDED_PROTO);
            ag.request_context.domain_name = None;
            ag.request_context.stage = None;
        }
        _ => {}
    }
    Some(problem)
}

const X_FORWARDED_PROTO: &str = "x-forwarded-proto";

/// What `lambda_http` reads from an event to build a request's body and URI.
struct EventParts<'a> {
    body: Option<&'a str>,
    base64: bool,
    headers: &'a HeaderMap,
    domain_name: Option<&'a str>,
    stage: Option<&'a str>,
    path: &'a str,
    /// API Gateway v2's `rawQueryString`, appended to the URI unescaped (v1's
    /// query maps are re-encoded by `lambda_http`, so they are always valid).
    raw_query: Option<&'a str>,
}

/// The error an event earns, if any. The URI is checked by building it the
/// way `lambda_http` 1.x does (`build_request_uri` and `apigw_path_with_stage`
/// in its `request.rs`), with the same parsers; the tests in
/// `functions/*/tests/events.rs` feed it each malformed event that makes
/// `lambda_http::request::from_str` panic.
fn check(parts: &EventParts<'_>) -> Option<AppError> {
    if let Some(body) = parts.body {
        // Base64 takes 4 characters per 3 bytes.
        let limit = if parts.base64 { MAX_BODY_BYTES.div_ceil(3) * 4 } else { MAX_BODY_BYTES };
        if body.len() > limit {
            return Some(AppError::PayloadTooLarge);
        }
        if parts.base64 && STANDARD.decode(body).is_err() {
            return Some(AppError::BadRequest("the request body is not valid base64"));
        }
    }
    let path = with_stage(parts.stage, parts.path);
    let host = parts.headers.get(HOST).and_then(|h| h.to_str().ok()).or(parts.domain_name);
    let url = match host {
        None => url::Url::parse(&format!("http://localhost{path}")).map(|u| u.path().to_owned()),
        Some(host) => {
            let scheme =
                parts.headers.get(X_FORWARDED_PROTO).and_then(|s| s.to_str().ok()).unwrap_or("https");
            url::Url::parse(&format!("{scheme}://{host}{path}")).map(String::from)
        }
    };
    let Ok(mut uri) = url else {
        return Some(AppError::BadRequest("the request's host or path is malformed"));
    };
    if let Some(query) = parts.raw_query.filter(|q| !q.is_empty()) {
        uri.push('?');
        uri.push_str(query);
    }
    if lambda_http::http::Uri::try_from(uri).is_err() {
        return Some(AppError::BadRequest("the request's URL is malformed"));
    }
    None
}

/// The path `lambda_http` puts in the URI: the stage in front unless it is
/// `$default`, already there, or `AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH` is set.
/// ([`route_path`] takes it off again for routing.)
fn with_stage(stage: Option<&str>, path: &str) -> String {
    if std::env::var("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_ok() {
        return path.to_owned();
    }
    match stage {
        None | Some("$default") => path.to_owned(),
        Some(stage) if path.starts_with(&format!("/{stage}/")) => path.to_owned(),
        Some(stage) => format!("/{stage}{path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts<'a>(headers: &'a HeaderMap, path: &'a str, raw_query: Option<&'a str>) -> EventParts<'a> {
        EventParts {
            body: None,
            base64: false,
            headers,
            domain_name: Some("abc.execute-api.eu-west-1.amazonaws.com"),
            stage: Some("$default"),
            path,
            raw_query,
        }
    }

    #[test]
    fn well_formed_parts_pass() {
        let h = HeaderMap::new();
        assert!(check(&parts(&h, "/articles/x", Some("after=abc%20def&x"))).is_none());
        assert!(check(&parts(&h, "/a b/é", None)).is_none(), "the URL parser escapes paths itself");
        let body = STANDARD.encode(vec![b'a'; MAX_BODY_BYTES]);
        assert!(check(&EventParts { body: Some(&body), base64: true, ..parts(&h, "/", None) }).is_none());
    }

    #[test]
    fn malformed_parts_are_client_errors() {
        let h = HeaderMap::new();
        let bad_request = |p: &EventParts<'_>| matches!(check(p), Some(AppError::BadRequest(_)));
        assert!(bad_request(&EventParts { body: Some("not base64!"), base64: true, ..parts(&h, "/", None) }));
        assert!(bad_request(&parts(&h, "/", Some("q=a b"))));
        assert!(bad_request(&EventParts { domain_name: Some("bad host"), ..parts(&h, "/", None) }));
        let mut proto = HeaderMap::new();
        proto.insert(X_FORWARDED_PROTO, "no scheme".parse().unwrap());
        assert!(bad_request(&parts(&proto, "/", None)));
        let big = "a".repeat(MAX_BODY_BYTES + 1);
        assert!(matches!(
            check(&EventParts { body: Some(&big), ..parts(&h, "/", None) }),
            Some(AppError::PayloadTooLarge)
        ));
    }

    #[test]
    fn stage_goes_in_front_like_lambda_http_puts_it() {
        assert_eq!(with_stage(None, "/x"), "/x");
        assert_eq!(with_stage(Some("$default"), "/x"), "/x");
        assert_eq!(with_stage(Some("prod"), "/x"), "/prod/x");
        assert_eq!(with_stage(Some("prod"), "/prod/x"), "/prod/x");
    }
}
