//! Lambda entry point of the listing function: wiring only (the handler is
//! [`broadsheet_listing::handle`]; what happens around it is `broadsheet::startup`).

use broadsheet::routes::Function;
use broadsheet::startup::{function_init, run};
use broadsheet_listing::{Listing, handle};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, store) = function_init().await;
    let app = Listing { store, site: config.site.clone() };
    run(Function::Listing, &config, |req| handle(&app, req)).await
}
