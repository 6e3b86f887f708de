//! Lambda entry point of the article function: wiring only.

use broadsheet_article::{ArticleApp, handle};
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (config, store) = broadsheet::startup::function_init().await;
    let app = ArticleApp::new(store, config.site);
    lambda_http::run(service_fn(|req| async { Ok::<_, std::convert::Infallible>(handle(&app, req).await) }))
        .await
}
