//! Lambda entry point of the login function: wiring only (the handler is
//! [`broadsheet_login::Login`]; what happens around it is `broadsheet::startup`).

use broadsheet::startup::{function_init, run};
use broadsheet_login::LoginApp;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, store) = function_init().await;
    run(&LoginApp::new(store, config.site)).await
}
