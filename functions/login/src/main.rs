//! Lambda entry point of the login function: wiring only.

use broadsheet_login::{LoginApp, handle};
use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (config, store) = broadsheet::startup::function_init().await;
    let app = LoginApp::new(store, config.site);
    lambda_http::run(service_fn(|req| async { Ok::<_, std::convert::Infallible>(handle(&app, req).await) }))
        .await
}
