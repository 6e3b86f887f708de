//! Lambda entry point of the moderation function: wiring only (the handler
//! is [`broadsheet_moderation::Moderators`]; what happens around it is `broadsheet::startup`).

use broadsheet::startup::{function_init, run};
use broadsheet_moderation::ModerationApp;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (config, store) = function_init().await;
    run(&ModerationApp::new(store, config.site)).await
}
