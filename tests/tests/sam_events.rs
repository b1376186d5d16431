//! Every `sam local invoke` event in `events/` runs through the real function
//! binaries and answers as the contract says. Two runs take it:
//! `make test` sends the events to the local functions (`cargo lambda
//! invoke`, the instrumented binaries); `make sam-invoke`, with
//! `EVENTS_INVOKER=sam`, to the arm64 build in Lambda's image under Docker:
//! through SAM's local Lambda service (`sam local start-lambda`, warm
//! containers, as SAM has it for automated tests), and one event through
//! `sam local invoke` exactly as the README gives it. Each check is tallied,
//! and the run ends with one "N passed, M failed" line.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use api_tests::dynamodb::{client_for, create_users_table, workspace_root};
use api_tests::routes::gateway_function_for;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: `make sam-invoke` sets it"))
}

fn through_sam() -> bool {
    std::env::var("EVENTS_INVOKER").as_deref() == Ok("sam")
}

/// The function's logical id in stacks/functions.yaml: its crate's name in
/// upper camel case, then `Function` (stacks/functions.toml).
fn logical_id(function: &str) -> String {
    let camel: String = function
        .split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect();
    format!("{camel}Function")
}

/// The invoker as a command: `sam local invoke` (the README's command) or
/// `cargo lambda invoke` against the local functions.
fn command_for(function: &str, event_file: &Path) -> Command {
    if through_sam() {
        let mut sam = Command::new("sam");
        sam.args([
            "local",
            "invoke",
            &format!("Functions/{}", logical_id(function)),
        ])
        .args(["--template", &env("SAM_INVOKE_TEMPLATE")])
        .arg("--event")
        .arg(event_file)
        .args(["--env-vars", &env("SAM_INVOKE_ENV")])
        .args([
            "--invoke-image",
            &env("SAM_INVOKE_IMAGE"),
            "--skip-pull-image",
        ])
        .args([
            "--add-host",
            &format!("host.docker.internal:{}", env("SAM_INVOKE_HOST")),
        ]);
        return sam;
    }
    let port = std::env::var("FUNCTIONS_PORT")
        .expect("FUNCTIONS_PORT: the Invoke API of the local functions (`make test` sets it)");
    let mut cargo = Command::new("cargo");
    cargo
        .args(["lambda", "invoke", "--invoke-address", "127.0.0.1"])
        .args(["--invoke-port", &port])
        .arg("--data-file")
        .arg(event_file)
        .args(["--output-format", "json", function]);
    cargo
}

/// The function serving the event's route (openapi.yaml).
fn function_for(event_file: &Path) -> String {
    let event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(event_file).unwrap()).unwrap();
    let route_key = event["routeKey"].as_str().expect("routeKey");
    let (method, path) = route_key.split_once(' ').expect("METHOD /path");
    gateway_function_for(method, path)
        .unwrap_or_else(|| panic!("no function serves {route_key} in openapi.yaml"))
}

/// The function's answer to the event through the invoker's command, or
/// what went wrong.
fn invoke_by_command(event_file: &Path) -> Result<serde_json::Value, String> {
    let function = function_for(event_file);
    let output = command_for(&function, event_file)
        .current_dir(workspace_root())
        .output()
        .map_err(|e| format!("the invoker did not start ({e}): `make setup` installs it"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let failed = || {
        format!(
            "{function} {}: {stdout}{}",
            event_file.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    };
    if !output.status.success() {
        return Err(failed());
    }
    // cargo lambda prints the answer alone (pretty-printed); SAM prints it
    // last, on one line, after the function's own output.
    serde_json::from_str(&stdout).or_else(|_| {
        let line = stdout.lines().rev().find(|line| line.starts_with('{'));
        line.and_then(|line| serde_json::from_str(line).ok())
            .ok_or_else(failed)
    })
}

/// The function's answer to the event through SAM's local Lambda service
/// (Lambda's Invoke API at `SAM_LAMBDA_ENDPOINT`), or what went wrong.
fn invoke_through_service(event_file: &Path) -> Result<serde_json::Value, String> {
    let function = function_for(event_file);
    let url = format!(
        "{}/2015-03-31/functions/Functions/{}/invocations",
        env("SAM_LAMBDA_ENDPOINT"),
        logical_id(&function)
    );
    // Generous: the first invocation of a function starts it under emulation.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .build()
        .into();
    let event = std::fs::read(event_file).unwrap();
    // A container SAM reports running may not have its runtime emulator
    // listening yet (seconds under qemu): SAM then logs "No response from
    // invoke container" and answers 200 with no body, the function never
    // invoked. Only that is tried again.
    for attempt in 1.. {
        let mut response = agent
            .post(&url)
            .header("content-type", "application/json")
            .send(&event[..])
            .map_err(|e| format!("{function} {}: {url}: {e}", event_file.display()))?;
        let function_error = response.headers().get("x-amz-function-error").cloned();
        let body = response.body_mut().read_to_string().unwrap_or_default();
        return match function_error {
            None if response.status() == 200 && body.is_empty() && attempt < 20 => {
                std::thread::sleep(Duration::from_millis(500));
                continue;
            }
            None if response.status() == 200 => serde_json::from_str(&body)
                .map_err(|e| format!("{function}: the answer is not JSON ({e}): {body}")),
            _ => Err(format!(
                "{function} {}: {} {}{body}",
                event_file.display(),
                response.status(),
                function_error.map_or(String::new(), |e| format!("({e:?}) "))
            )),
        };
    }
    unreachable!("the loop returns")
}

fn invoke(event_file: &Path) -> Result<serde_json::Value, String> {
    if through_sam() {
        invoke_through_service(event_file)
    } else {
        invoke_by_command(event_file)
    }
}

fn body(response: &serde_json::Value) -> serde_json::Value {
    serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap_or_default()
}

/// Checks tallied rather than stopping at the first failure, so that one
/// run says how every event fared.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<String>,
}

impl Tally {
    fn check(
        &mut self,
        what: &str,
        answer: &Result<serde_json::Value, String>,
        ok: impl Fn(&serde_json::Value) -> bool,
    ) {
        match answer {
            Ok(response) if ok(response) => {
                self.passed += 1;
                println!("ok     {what}");
            }
            Ok(response) => {
                println!("FAILED {what}: answered {response}");
                self.failed.push(what.to_owned());
            }
            Err(problem) => {
                println!("FAILED {what}: {problem}");
                self.failed.push(what.to_owned());
            }
        }
    }
}

fn status(response: &serde_json::Value) -> i64 {
    response["statusCode"].as_i64().unwrap_or(0)
}

#[tokio::test]
#[ignore = "needs the local API (`make test`) or Docker (`make sam-invoke`)"]
async fn every_sam_event_answers_as_the_contract_says() {
    if let Ok(endpoint) = std::env::var("SAM_INVOKE_DYNAMODB") {
        create_users_table(&client_for(&endpoint), "users")
            .await
            .expect("the table on the local DynamoDB API");
    }
    let events = workspace_root().join("events");
    // The README's command, once, beside the rest: a container of its own,
    // started cold, as a user's `sam local invoke` is.
    let by_hand = through_sam().then(|| {
        let event_file = events.join("get-time.json");
        std::thread::spawn(move || invoke_by_command(&event_file))
    });
    let run = |name: &str| invoke(&events.join(format!("{name}.json")));
    let mut tally = Tally::default();

    tally.check("put-hello: 204", &run("put-hello"), |r| status(r) == 204);
    tally.check("put-hello-base64: 204", &run("put-hello-base64"), |r| {
        status(r) == 204
    });
    tally.check("get-hello: 200, greets Zoë", &run("get-hello"), |r| {
        status(r) == 200
            && body(r)["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("Hello, Zoë! "))
    });
    tally.check("get-user: 200, the stored date", &run("get-user"), |r| {
        status(r) == 200 && body(r)["dateOfBirth"] == "1990-04-23"
    });
    // Signed in as an admin (the event's claims), a page of at most 2 users.
    tally.check(
        "list-users: 200, a page of 1 or 2",
        &run("list-users"),
        |r| {
            let listed = body(r)["users"].as_array().map_or(0, Vec::len);
            status(r) == 200 && (1..=2).contains(&listed)
        },
    );
    tally.check("get-time: 200, epoch seconds", &run("get-time"), |r| {
        status(r) == 200 && body(r)["epochSeconds"].is_i64()
    });
    tally.check("get-time-tz: Asia/Kolkata", &run("get-time-tz"), |r| {
        body(r)["timezone"] == "Asia/Kolkata"
    });
    if let Some(by_hand) = by_hand {
        tally.check(
            "get-time by `sam local invoke`: 200",
            &by_hand.join().expect("the sam local invoke thread"),
            |r| status(r) == 200 && body(r)["epochSeconds"].is_i64(),
        );
    }

    // Last: the record's owner erases it, and it is gone.
    tally.check("delete-user: 204", &run("delete-user"), |r| {
        status(r) == 204
    });
    tally.check("get-user after delete: 404", &run("get-user"), |r| {
        status(r) == 404
    });
    tally.check("delete-user again: 404", &run("delete-user"), |r| {
        status(r) == 404
    });

    // Every other event file (a function `make function` made, before its
    // own checks are written here) answers without a server error.
    let tested = [
        "put-hello",
        "put-hello-base64",
        "get-hello",
        "get-user",
        "list-users",
        "get-time",
        "get-time-tz",
        "delete-user",
        "env",
    ];
    for entry in std::fs::read_dir(&events).unwrap() {
        let name = entry
            .unwrap()
            .file_name()
            .to_string_lossy()
            .trim_end_matches(".json")
            .to_owned();
        if !tested.contains(&name.as_str()) {
            tally.check(&format!("{name}: not a server error"), &run(&name), |r| {
                (200..500).contains(&status(r))
            });
        }
    }
    println!(
        "events: {} passed, {} failed",
        tally.passed,
        tally.failed.len()
    );
    assert!(tally.failed.is_empty(), "failed: {:?}", tally.failed);
}
