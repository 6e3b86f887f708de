//! The reference every benchmark is read against.

use lambda_http::http::{HeaderValue, header};
use lambda_http::{Body, Request, Response};

/// The smallest useful `lambda_http` handler: reads nothing, touches no
/// store, renders nothing, and answers a short text. What is left of a
/// handler's time beside this is Broadsheet's own work; what is left of a
/// cold start beside `bench-hello` (this handler as a Lambda) is
/// Broadsheet's initialisation.
pub async fn hello(req: Request) -> Response<Body> {
    // Look at the request, as any handler does, so the call is not a no-op.
    let text = if req.uri().path() == "/" { "Hello, world!" } else { "Hello!" };
    let mut resp = Response::new(Body::Text(text.to_owned()));
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    resp
}
