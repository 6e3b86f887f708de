//! Lambda entry point of the comment function: wiring only (the handler is
//! [`broadsheet_comment::Comments`]; what happens around it is `broadsheet::startup`).

use broadsheet::startup::{function_init, run};
use broadsheet_comment::CommentApp;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, store) = function_init().await;
    run(&CommentApp::new(store, config.site)).await
}
