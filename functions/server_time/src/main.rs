use jiff::tz::TimeZone;
use server_time::{ROUTES, ServerTime, handler};
use shared::clock::SystemClock;
use shared::report::Reporter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    shared::telemetry::init();
    // No AWS client unless error reporting is on: its secret is the only
    // AWS call this function makes.
    let reporter = Reporter::from_env(env!("CARGO_PKG_NAME"), None).await;
    let deps = ServerTime {
        clock: SystemClock,
        // Lambda runs in UTC (TZ=:UTC). Naming the zone, rather than asking
        // the system, gives the same answer ("UTC") on every machine.
        zone: TimeZone::UTC,
    };
    shared::lambda::serve(env!("CARGO_PKG_NAME"), ROUTES, reporter, |event| {
        handler(&deps, event)
    })
    .await
}
