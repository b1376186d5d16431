//! `make load`: the full load test against the local API (LOCAL_API_URL,
//! default http://127.0.0.1:3000), with its figures.

use std::time::Duration;

use api_tests::load::{LoadConfig, run};

fn main() -> std::process::ExitCode {
    let base_url =
        std::env::var("LOCAL_API_URL").unwrap_or_else(|_| "http://127.0.0.1:3000".to_owned());
    let number = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let config = LoadConfig {
        base_url,
        workers: number("LOAD_WORKERS", 16),
        distinct_per_worker: number("LOAD_USERS", 40),
        shared: 5,
        writes_per_user: number("LOAD_WRITES", 3),
        deadline: Duration::from_secs(number("LOAD_SECONDS", 120) as u64),
    };
    println!(
        "Load test against {} ({} workers)",
        config.base_url, config.workers
    );
    let report = run(&config);
    println!("{}", report.summary());
    for lost in report.lost_writes.iter().take(10) {
        println!("  lost: {lost}");
    }
    if report.server_errors() == 0 && report.transport_errors == 0 && report.lost_writes.is_empty()
    {
        println!("held: zero 5xx, zero lost writes");
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
