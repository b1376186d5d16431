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
    // An access token of the smoke-test user, for a stage that checks tokens.
    let token = std::env::var("SMOKE_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty());
    let mode = if token.is_some() {
        "with the smoke-test user's token"
    } else {
        "without a token (open mode)"
    };
    println!("Smoke checks against {base_url}, {mode}");
    // The page's address (the CloudFront distribution), to check it too.
    let web_url = std::env::var("WEB_URL")
        .ok()
        .filter(|u| !u.trim().is_empty());
    if let Some(web) = &web_url {
        println!("and the page at {web}");
    }
    let outcomes = smoke::run(&base_url, token.as_deref(), web_url.as_deref());
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
