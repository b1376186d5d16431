use get_users::{ROUTES, handler};
use shared::clock::SystemClock;
use shared::config::StoreConfig;
use shared::identity::AuthMode;
use shared::store::DynamoStore;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    let config = StoreConfig::from_env()?;
    let auth = AuthMode::from_env()?;
    let store = DynamoStore::connect(&config);
    store.warm_up_by_scanning().await;
    shared::lambda::serve(env!("CARGO_PKG_NAME"), ROUTES, |event| {
        handler(&store, &SystemClock, auth, event)
    })
    .await
}
