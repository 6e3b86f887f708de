//! Lambda entry point of the listing function: wiring only.

use broadsheet_listing::{Listing, handle};
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (config, store) = broadsheet::startup::function_init().await;
    let app = Listing { store, site: config.site };
    lambda_http::run(service_fn(|req| async { Ok::<_, std::convert::Infallible>(handle(&app, req).await) }))
        .await
}
