use get_users::{ROUTES, handler};
use shared::clock::SystemClock;
use shared::config::StoreConfig;
use shared::identity::AuthMode;
use shared::report::Reporter;
use shared::store::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let config = StoreConfig::from_env()?;
    let auth = AuthMode::from_env()?;
    let aws = shared::aws::load().await?;
    let store = DynamoStore::connect(&aws, &config);
    // Warming the store and reading the error reporter's secret (when one
    // is configured) are independent: both happen during init, together.
    let ((), reporter) = tokio::join!(
        store.warm_up_by_scanning(),
        Reporter::from_env(env!("CARGO_PKG_NAME"), Some(&aws))
    );
    shared::lambda::serve(env!("CARGO_PKG_NAME"), ROUTES, reporter, |event| {
        handler(&store, &SystemClock, auth, event)
    })
    .await
}
