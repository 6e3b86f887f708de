//! `broadsheet serve`: the whole site on one local HTTP server.
//!
//! Every route of [`broadsheet::routes::ROUTES`] (the same table the tests
//! check against `template.yaml`) is dispatched to the very handler the Lambda
//! runs, with the request converted to the `lambda_http::Request` a Lambda
//! would receive. Nothing here knows about pages.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use broadsheet::config::Site;
use broadsheet::edge;
use broadsheet::http::{AppError, route_path};
use broadsheet::routes::{Function, resolve};
use broadsheet::store::{
    ArticleLister, ArticleReader, CommentWriter, RateLimiter, ReadCounter, Sessions, TrendingReader, Users,
};
use broadsheet_article::ArticleApp;
use broadsheet_comment::CommentApp;
use broadsheet_listing::ListingApp;
use broadsheet_login::LoginApp;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use lambda_http::RequestExt;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;
use lambda_http::request::RequestContext;
use tokio::net::TcpListener;

/// Largest body the local server reads before answering `413` itself; the
/// functions enforce the site's real 64 KiB limit (as they must on Lambda).
const MAX_READ_BYTES: usize = 6 * 1024 * 1024;

/// Every function's handler state, sharing one store.
#[derive(Debug)]
pub struct Apps<S> {
    pub site: Site,
    pub listing: ListingApp<S>,
    pub article: ArticleApp<S>,
    pub login: LoginApp<S>,
    pub comment: CommentApp<S>,
}

/// What every store behind the local server must be able to do.
pub trait SiteStore:
    ArticleLister
    + ArticleReader
    + ReadCounter
    + TrendingReader
    + Users
    + Sessions
    + RateLimiter
    + CommentWriter
    + Clone
    + 'static
{
}
impl<T> SiteStore for T where
    T: ArticleLister
        + ArticleReader
        + ReadCounter
        + TrendingReader
        + Users
        + Sessions
        + RateLimiter
        + CommentWriter
        + Clone
        + 'static
{
}

impl<S: SiteStore> Apps<S> {
    pub fn new(store: S, site: Site) -> Self {
        Apps {
            listing: ListingApp::new(store.clone(), site.clone()),
            article: ArticleApp::new(store.clone(), site.clone()),
            login: LoginApp::new(store.clone(), site.clone()),
            comment: CommentApp::new(store, site.clone()),
            site,
        }
    }
}

/// Serves until the task is dropped or the listener fails.
pub async fn serve<S: SiteStore>(listener: TcpListener, apps: Arc<Apps<S>>) -> std::io::Result<()> {
    loop {
        let (stream, peer) = listener.accept().await?;
        let apps = apps.clone();
        tokio::spawn(async move {
            let svc = hyper::service::service_fn(move |req| {
                let apps = apps.clone();
                async move { Ok::<_, Infallible>(dispatch(&apps, req, peer).await) }
            });
            if let Err(e) =
                hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await
            {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
}

/// Binds `127.0.0.1:0` and serves in the background: for tests.
pub async fn spawn<S: SiteStore>(
    apps: Arc<Apps<S>>,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let handle = tokio::spawn(async move {
        if let Err(e) = serve(listener, apps).await {
            tracing::error!(error = %e, "local server stopped");
        }
    });
    Ok((addr, handle))
}

async fn dispatch<S: SiteStore>(
    apps: &Apps<S>,
    req: hyper::Request<Incoming>,
    peer: SocketAddr,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let context = context(&parts.method, parts.uri.path(), peer);
    let resp = match Limited::new(body, MAX_READ_BYTES).collect().await {
        Ok(collected) => {
            let bytes = collected.to_bytes();
            let body = if bytes.is_empty() {
                lambda_http::Body::Empty
            } else {
                match String::from_utf8(bytes.to_vec()) {
                    Ok(text) => lambda_http::Body::Text(text),
                    Err(e) => lambda_http::Body::Binary(e.into_bytes()),
                }
            };
            route(apps, lambda_http::Request::from_parts(parts, body).with_request_context(context)).await
        }
        Err(_) => {
            let req = lambda_http::Request::from_parts(parts, lambda_http::Body::Empty);
            edge::serve(&apps.listing, req.with_request_context(context), Err(AppError::PayloadTooLarge))
                .await
        }
    };
    into_hyper(resp)
}

/// Resolves the request against every function's routes, once, and hands
/// it to the function that owns it. A path no function owns is answered by
/// the listing function's edge, in the site's layout.
async fn route<S: SiteStore>(
    apps: &Apps<S>,
    req: lambda_http::Request,
) -> lambda_http::Response<lambda_http::Body> {
    let routed = resolve(req.method().as_str(), route_path(&req));
    match routed.as_ref().map(|m| m.spec.function) {
        Ok(Function::Listing) | Err(_) => edge::serve(&apps.listing, req, routed).await,
        Ok(Function::Article) => edge::serve(&apps.article, req, routed).await,
        Ok(Function::Login) => edge::serve(&apps.login, req, routed).await,
        Ok(Function::Comment) => edge::serve(&apps.comment, req, routed).await,
    }
}

/// The request context API Gateway (HTTP API) would attach: the handlers read
/// the client address for throttling from it, never from a header.
fn context(method: &http::Method, path: &str, peer: SocketAddr) -> RequestContext {
    let mut ctx = ApiGatewayV2httpRequestContext::default();
    ctx.stage = Some("$default".to_owned());
    ctx.request_id = Some(ulid::Ulid::new().to_string());
    ctx.http.method = method.clone();
    ctx.http.path = Some(path.to_owned());
    ctx.http.protocol = Some("HTTP/1.1".to_owned());
    ctx.http.source_ip = Some(peer.ip().to_string());
    RequestContext::ApiGatewayV2(ctx)
}

fn into_hyper(resp: lambda_http::Response<lambda_http::Body>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = resp.into_parts();
    let bytes = match body {
        lambda_http::Body::Empty => Bytes::new(),
        lambda_http::Body::Text(t) => Bytes::from(t),
        lambda_http::Body::Binary(b) => Bytes::from(b),
        _ => Bytes::new(),
    };
    hyper::Response::from_parts(parts, Full::new(bytes))
}
