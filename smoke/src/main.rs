//! `smoke <base-url>`: runs the smoke checks and exits non-zero if any fails.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(base_url) = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("API_URL").ok())
    else {
        eprintln!(
            "usage: smoke <base-url>   (or set API_URL), for example smoke http://127.0.0.1:3000"
        );
        return ExitCode::from(2);
    };
    println!("Smoke checks against {base_url}");
    let outcomes = smoke::run(&base_url);
    let mut failed = 0;
    for outcome in &outcomes {
        match &outcome.result {
            Ok(()) => println!("  PASS  {}", outcome.name),
            Err(why) => {
                failed += 1;
                println!("  FAIL  {}\n        {why}", outcome.name);
            }
        }
    }
    println!("{} passed, {failed} failed", outcomes.len() - failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
