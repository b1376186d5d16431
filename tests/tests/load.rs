//! A short, bounded load test against the local API (the full one is `make load`).

use std::time::Duration;

use api_tests::http::base_url;
use api_tests::load::{LoadConfig, run};

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn concurrent_writes_of_distinct_and_shared_users_lose_nothing_and_never_5xx() {
    let report = run(&LoadConfig {
        base_url: base_url(),
        workers: 8,
        distinct_per_worker: 6,
        shared: 3,
        writes_per_user: 2,
        deadline: Duration::from_secs(60),
    });
    println!("{}", report.summary());
    assert!(!report.stopped_by_deadline, "{}", report.summary());
    assert_eq!(
        report.server_errors() + report.transport_errors,
        0,
        "{}",
        report.summary()
    );
    assert_eq!(
        report.by_status.get(&204),
        Some(&(8 * 9 * 2)),
        "{}",
        report.summary()
    );
    assert!(report.lost_writes.is_empty(), "{:#?}", report.lost_writes);
}
