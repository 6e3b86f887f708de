//! Lambda entry point of the comment function: wiring only.

use broadsheet_comment::{CommentApp, handle};
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (config, store) = broadsheet::startup::function_init().await;
    let app = CommentApp { store, site: config.site };
    lambda_http::run(service_fn(|req| async { Ok::<_, std::convert::Infallible>(handle(&app, req).await) }))
        .await
}
