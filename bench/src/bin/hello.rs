//! `bench-hello`: a hello-world `lambda_http` function, the reference for
//! cold start and binary size. It is shaped like the functions (tokio main,
//! `lambda_http::run`, logging initialised) minus Broadsheet itself: no
//! configuration, no DynamoDB client, no views.

use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    let handler =
        |req| async { Ok::<_, std::convert::Infallible>(broadsheet_bench::hello::hello(req).await) };
    lambda_http::run(service_fn(handler)).await
}
