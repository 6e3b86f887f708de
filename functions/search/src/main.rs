//! Lambda entry point of the search function: wiring only (the handler is
//! [`broadsheet_search::Search`]; what happens around it is `broadsheet::startup`).

use broadsheet::startup::{function_init, run};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, store) = function_init().await;
    let index = broadsheet_search::index_init(config.region.clone()).await;
    run(&broadsheet_search::app(store, config.site, index)).await
}
