//! Lambda entry point of the comment function: wiring only (the handler is
//! [`broadsheet_comment::handle`]; what happens around it is `broadsheet::startup`).

use broadsheet::routes::Function;
use broadsheet::startup::{function_init, run};
use broadsheet_comment::{CommentApp, handle};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, store) = function_init().await;
    let app = CommentApp { store, site: config.site.clone() };
    run(Function::Comment, &config, |req| handle(&app, req)).await
}
