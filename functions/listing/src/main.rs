//! Lambda entry point of the listing function: wiring only (the handler is
//! [`broadsheet_listing::Listing`]; what happens around it is `broadsheet::startup`).

use broadsheet::startup::{function_init, run};
use broadsheet_listing::ListingApp;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, store) = function_init().await;
    run(&ListingApp::new(store, config.site)).await
}
