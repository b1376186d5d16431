//! `release-gate [config] [--at RFC3339]`: exits 0 inside the release window
//! (the pipeline then approves the release itself), 1 outside it (the release
//! waits for a person), 2 when the configuration is wrong.

use std::process::ExitCode;

use release_gate::{Decision, ReleaseWindow, WindowConfig};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut path = "cicd/release-window.json".to_owned();
    let mut at = None;
    while let Some(arg) = args.next() {
        if arg == "--at" {
            at = args.next();
        } else {
            path = arg;
        }
    }
    let window = match load(&path) {
        Ok(w) => w,
        Err(why) => {
            eprintln!("release-gate: {path}: {why}");
            return ExitCode::from(2);
        }
    };
    let now = match at.map(|t| t.parse()) {
        None => jiff::Timestamp::now(),
        Some(Ok(t)) => t,
        Some(Err(e)) => {
            eprintln!("release-gate: --at is not an RFC 3339 instant: {e}");
            return ExitCode::from(2);
        }
    };
    match window.decide(now) {
        Decision::Proceed => {
            println!(
                "{now} is inside the release window ({}): proceeding",
                window.describe()
            );
            ExitCode::SUCCESS
        }
        Decision::WaitForApproval => {
            println!(
                "{now} is outside the release window ({}): waiting for manual approval",
                window.describe()
            );
            ExitCode::from(1)
        }
    }
}

fn load(path: &str) -> Result<ReleaseWindow, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let config: WindowConfig = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    ReleaseWindow::from_config(&config).map_err(|e| e.to_string())
}
