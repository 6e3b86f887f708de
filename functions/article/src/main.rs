//! Lambda entry point of the article function: wiring only (the handler is
//! [`broadsheet_article::Article`]; what happens around it is `broadsheet::startup`).

use broadsheet::startup::{function_init, run};
use broadsheet_article::ArticleApp;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, store) = function_init().await;
    run(&ArticleApp::new(store, config.site)).await
}
