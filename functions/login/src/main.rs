//! Lambda entry point of the login function: wiring only (the handler is
//! [`broadsheet_login::handle`]; what happens around it is `broadsheet::startup`).

use broadsheet::routes::Function;
use broadsheet::startup::{function_init, run};
use broadsheet_login::{LoginApp, handle};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, store) = function_init().await;
    let app = LoginApp::new(store, config.site.clone());
    run(Function::Login, &config, |req| handle(&app, req)).await
}
