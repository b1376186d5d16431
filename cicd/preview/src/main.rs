//! `preview`, the decisions of `.github/workflows/preview.yml` (through
//! `scripts/deliver.sh`):
//!
//! - `preview sweep --stacks FILE --open FILE [--max-age-hours H] [--at RFC3339]`
//!   prints, one per line, each preview stack to delete and why (`--stacks`:
//!   `aws cloudformation list-stacks` as JSON; `--open`: `gh pr list --json
//!   number` of the open pull requests).
//! - `preview comment --pr N --commit SHA --api-url URL --smoke passed|failed [--cost FILE]`
//!   prints the pull request's comment.
//! - `preview cost --model cicd/cost.json --benchmarks BENCHMARKS.md --memory fn=MB,...`
//!   prints the estimated monthly cost (`make cost`, preview::cost).
//!
//! Exits 2, saying why, when an argument or a file is wrong.

use std::collections::HashMap;
use std::process::ExitCode;

use jiff::{SignedDuration, Timestamp};
use preview::cost::{self, Model};
use preview::{Report, StackSummary, comment, stacks_to_delete};
use serde::Deserialize;

/// How long a preview may stand before the sweep removes it, open or not.
const DEFAULT_MAX_AGE_HOURS: i64 = 72;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListStacks {
    stack_summaries: Vec<StackSummary>,
}

#[derive(Deserialize)]
struct PullRequest {
    number: u64,
}

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(output) => {
            print!("{output}");
            ExitCode::SUCCESS
        }
        Err(why) => {
            eprintln!("preview: {why}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<String, String> {
    let (command, options) = args
        .split_first()
        .ok_or("name a command: sweep, comment or cost")?;
    let options = parse_options(options)?;
    let get = |name: &str| {
        options
            .get(name)
            .cloned()
            .ok_or_else(|| format!("{command} needs --{name}"))
    };
    match command.as_str() {
        "sweep" => {
            let stacks: ListStacks = read_json(&get("stacks")?)?;
            let open: Vec<PullRequest> = read_json(&get("open")?)?;
            let open: Vec<u64> = open.iter().map(|p| p.number).collect();
            let hours = match options.get("max-age-hours") {
                None => DEFAULT_MAX_AGE_HOURS,
                Some(h) => h
                    .parse()
                    .map_err(|_| format!("--max-age-hours is not a whole number: {h}"))?,
            };
            let now = match options.get("at") {
                None => Timestamp::now(),
                Some(t) => t
                    .parse()
                    .map_err(|e| format!("--at is not an RFC 3339 instant ({e}): {t}"))?,
            };
            let doomed = stacks_to_delete(
                &stacks.stack_summaries,
                &open,
                now,
                SignedDuration::from_hours(hours),
            );
            Ok(doomed
                .iter()
                .map(|(name, reason)| format!("{name}\t{reason}\n"))
                .collect())
        }
        "comment" => {
            let pull_request = get("pr")?
                .parse()
                .map_err(|_| "--pr is not a pull request number".to_owned())?;
            let smoke = get("smoke")?;
            if smoke != "passed" && smoke != "failed" {
                return Err(format!("--smoke is passed or failed, not {smoke}"));
            }
            let cost = match options.get("cost") {
                None => None,
                Some(path) => {
                    Some(std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?)
                }
            };
            Ok(comment(&Report {
                pull_request,
                commit: get("commit")?,
                api_url: get("api-url")?,
                smoke,
                cost,
            }))
        }
        "cost" => {
            let model: Model = read_json(&get("model")?)?;
            let path = get("benchmarks")?;
            let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
            let measured = cost::durations_from_benchmarks(&text);
            let mut memory = std::collections::BTreeMap::new();
            for pair in get("memory")?.split(',').filter(|p| !p.is_empty()) {
                let (function, mb) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("--memory takes function=MB pairs, not {pair}"))?;
                let mb: f64 = mb
                    .parse()
                    .map_err(|_| format!("--memory: {function}'s memory is not a number: {mb}"))?;
                memory.insert(function.to_owned(), mb);
            }
            let (routes, mix) =
                cost::estimate(&model, &memory, &measured).map_err(|e| e.to_string())?;
            Ok(cost::table(&model, &routes, mix) + &cost::comparisons(&model, &measured))
        }
        other => Err(format!("unknown command {other}: sweep, comment or cost")),
    }
}

fn parse_options(args: &[String]) -> Result<HashMap<String, String>, String> {
    let mut options = HashMap::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let name = arg
            .strip_prefix("--")
            .ok_or_else(|| format!("expected an option (--name value), got {arg}"))?;
        let value = args
            .next()
            .ok_or_else(|| format!("--{name} needs a value"))?;
        options.insert(name.to_owned(), value.clone());
    }
    Ok(options)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &str) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path} is not what was expected: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(name: &str, text: &str) -> String {
        let dir = std::env::temp_dir().join(format!("preview-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    #[test]
    fn sweep_reads_what_aws_and_gh_print() {
        let stacks = write(
            "stacks.json",
            r#"{"StackSummaries": [
                {"StackId": "arn:aws:cloudformation:eu-west-1:123456789012:stack/birthdays-pr-3/x",
                 "StackName": "birthdays-pr-3", "StackStatus": "CREATE_COMPLETE",
                 "CreationTime": "2026-12-01T10:00:00.123000+00:00"},
                {"StackName": "birthdays-pr-4", "StackStatus": "UPDATE_COMPLETE",
                 "CreationTime": "2026-12-01T10:00:00+00:00"},
                {"StackName": "birthdays-dev", "StackStatus": "UPDATE_COMPLETE",
                 "CreationTime": "2025-01-01T00:00:00+00:00"}]}"#,
        );
        let open = write("open.json", r#"[{"number": 4}]"#);
        let args = |extra: &[&str]| {
            let mut v: Vec<String> = ["sweep", "--stacks", &stacks, "--open", &open]
                .iter()
                .map(|s| s.to_string())
                .collect();
            v.extend(extra.iter().map(|s| s.to_string()));
            v
        };
        assert_eq!(
            run(args(&["--at", "2026-12-02T10:00:00Z"])).unwrap(),
            "birthdays-pr-3\tpull request #3 is not open\n"
        );
        let later = run(args(&["--at", "2026-12-05T10:00:01Z"])).unwrap();
        assert!(later.contains("birthdays-pr-4\tthe preview of #4 has stood 96 hours"));
        assert!(run(args(&["--max-age-hours", "soon"])).is_err());
    }

    #[test]
    fn wrong_arguments_say_what_is_wrong() {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(run(vec![]).unwrap_err().contains("sweep, comment or cost"));
        assert!(run(strings(&["sweep"])).unwrap_err().contains("--stacks"));
        assert!(
            run(strings(&["comment", "--pr", "x"]))
                .unwrap_err()
                .contains("--pr")
        );
        let err = run(strings(&[
            "comment",
            "--pr",
            "1",
            "--smoke",
            "maybe",
            "--commit",
            "a",
            "--api-url",
            "u",
        ]))
        .unwrap_err();
        assert!(err.contains("passed or failed"), "{err}");
    }
}
