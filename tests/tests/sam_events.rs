//! Every `sam local invoke` event in `events/` runs through the real function
//! binaries with `cargo lambda invoke` (there is no Docker for SAM here), and
//! answers as the contract says.

use std::path::Path;
use std::process::Command;

use api_tests::dynamodb::workspace_root;
use api_tests::routes::gateway_function_for;

fn invoke(event_file: &Path) -> serde_json::Value {
    let event: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(event_file).unwrap()).unwrap();
    let route_key = event["routeKey"].as_str().expect("routeKey");
    let (method, path) = route_key.split_once(' ').expect("METHOD /path");
    let function = gateway_function_for(method, path)
        .unwrap_or_else(|| panic!("no function serves {route_key} in openapi.yaml"));
    let port = std::env::var("FUNCTIONS_PORT")
        .expect("FUNCTIONS_PORT: the Invoke API of the local functions (`make test` sets it)");
    let output = Command::new("cargo")
        .args([
            "lambda",
            "invoke",
            "--invoke-address",
            "127.0.0.1",
            "--invoke-port",
            &port,
        ])
        .arg("--data-file")
        .arg(event_file)
        .args(["--output-format", "json", &function])
        .current_dir(workspace_root())
        .output()
        .expect("cargo lambda is installed by `make setup`");
    assert!(
        output.status.success(),
        "cargo lambda invoke {function} {}: {}",
        event_file.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("a JSON response")
}

fn body(response: &serde_json::Value) -> serde_json::Value {
    serde_json::from_str(response["body"].as_str().unwrap_or("null")).unwrap()
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn every_sam_event_answers_as_the_contract_says() {
    let events = workspace_root().join("events");
    let run = |name: &str| invoke(&events.join(format!("{name}.json")));

    assert_eq!(run("put-hello")["statusCode"], 204);
    assert_eq!(run("put-hello-base64")["statusCode"], 204);
    let hello = run("get-hello");
    assert_eq!(hello["statusCode"], 200);
    assert!(
        body(&hello)["message"]
            .as_str()
            .unwrap()
            .starts_with("Hello, Zoë! ")
    );
    let user = run("get-user");
    assert_eq!(user["statusCode"], 200);
    assert_eq!(body(&user)["dateOfBirth"], "1990-04-23");
    // Signed in as an admin (the event's claims), a page of at most 2 users.
    let page = run("list-users");
    assert_eq!(page["statusCode"], 200);
    let listed = body(&page)["users"].as_array().map_or(0, Vec::len);
    assert!((1..=2).contains(&listed), "{page}");
    let time = run("get-time");
    assert_eq!(time["statusCode"], 200);
    assert!(body(&time)["epochSeconds"].is_i64());
    assert_eq!(body(&run("get-time-tz"))["timezone"], "Asia/Kolkata");

    // Last: the record's owner erases it, and it is gone.
    assert_eq!(run("delete-user")["statusCode"], 204);
    assert_eq!(run("get-user")["statusCode"], 404);
    assert_eq!(run("delete-user")["statusCode"], 404);

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
            let status = run(&name)["statusCode"].as_i64().unwrap_or(0);
            assert!(
                (200..500).contains(&status),
                "events/{name}.json answered {status}"
            );
        }
    }
}
