//! Lambda entry point of the article function: wiring only (the handler is
//! [`broadsheet_article::handle`]; what happens around it is `broadsheet::startup`).

use broadsheet::routes::Function;
use broadsheet::startup::{function_init, run};
use broadsheet_article::{ArticleApp, handle};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, store) = function_init().await;
    let app = ArticleApp::new(store, config.site.clone());
    run(Function::Article, &config, |req| handle(&app, req)).await
}
