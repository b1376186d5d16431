use delete_user::{ROUTES, handler};
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
    // Its role may only delete: the connection is warmed by deleting a key
    // no user can have. The error reporter's secret is read meanwhile.
    let ((), reporter) = tokio::join!(
        store.warm_up_by_deleting(),
        Reporter::from_env(env!("CARGO_PKG_NAME"), Some(&aws))
    );
    shared::lambda::serve(env!("CARGO_PKG_NAME"), ROUTES, reporter, |event| {
        handler(&store, auth, event)
    })
    .await
}
