//! Lambda entry point of the #TrendingNews aggregator: wiring only (the run
//! is [`broadsheet_trending::run_once`]). Its event is EventBridge's
//! scheduled event, of which nothing is used.

use broadsheet::startup::function_init;
use broadsheet_trending::run_once;
use lambda_http::lambda_runtime::{self, LambdaEvent, service_fn};
use time::OffsetDateTime;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let (_, store) = function_init().await;
    let store = &store;
    lambda_runtime::run(service_fn(move |_: LambdaEvent<serde_json::Value>| async move {
        run_once(store, OffsetDateTime::now_utc()).await.map(|_| ()).map_err(lambda_http::Error::from)
    }))
    .await
}
