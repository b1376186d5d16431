//! Black-box tests of the API contract over HTTP, against the local API that
//! `make dev` runs (real function binaries behind `cargo lambda watch`, real
//! DynamoDB API). `make test` starts it and sets LOCAL_API_URL.

use api_tests::http::{send, send_raw, unique_username};
use jiff::ToSpan;
use jiff::civil::Date;
use jiff::tz::TimeZone;

fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned_datetime(TimeZone::UTC)
        .date()
}

/// A date of birth 30 years back whose birthday is `days` from today (never 29 February).
fn born_days_ahead(days: i64) -> (Date, i64) {
    let mut days = days;
    loop {
        let day = today().checked_add(days.days()).unwrap();
        if !(day.month() == 2 && day.day() == 29) {
            return (day.with().year(day.year() - 30).build().unwrap(), days);
        }
        days += 1;
    }
}

fn put(name: &str, body: &str) -> api_tests::http::Reply {
    send("PUT", &format!("/hello/{name}"), Some(body))
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn put_then_greeting_then_record() {
    let name = unique_username("Ann");
    let (born, days) = born_days_ahead(5);

    let stored = put(&name, &format!(r#"{{"dateOfBirth":"{born}"}}"#));
    assert_eq!((stored.status, stored.body.as_str()), (204, ""));

    let hello = send("GET", &format!("/hello/{name}"), None);
    assert_eq!(hello.status, 200);
    assert_eq!(hello.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        hello.message(),
        format!("Hello, {name}! Your birthday is in {days} days")
    );

    let user = send("GET", &format!("/users/{name}"), None).json();
    assert_eq!(user["username"], name.as_str());
    assert_eq!(user["dateOfBirth"], born.to_string());
    assert_eq!(user["daysUntilBirthday"], days);
    assert_eq!(
        user["nextBirthday"],
        today().checked_add(days.days()).unwrap().to_string()
    );
    assert_eq!(user["createdAt"], user["updatedAt"]);
    assert!(user["createdAt"].as_str().unwrap().ends_with('Z'), "{user}");
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn one_day_and_birthday_today() {
    let name = unique_username("Bo");
    let (born, days) = born_days_ahead(1);
    put(&name, &format!(r#"{{"dateOfBirth":"{born}"}}"#));
    let expected = if days == 1 {
        "1 day".to_owned()
    } else {
        format!("{days} days")
    };
    assert_eq!(
        send("GET", &format!("/hello/{name}"), None).message(),
        format!("Hello, {name}! Your birthday is in {expected}")
    );

    let (born, _) = born_days_ahead(0);
    if born.with().year(today().year()).build().ok() == Some(today()) {
        put(&name, &format!(r#"{{"dateOfBirth":"{born}"}}"#));
        assert_eq!(
            send("GET", &format!("/hello/{name}"), None).message(),
            format!("Hello, {name}! Happy birthday!")
        );
    }
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn update_keeps_created_at_and_replaces_the_date() {
    let name = unique_username("Cy");
    put(&name, r#"{"dateOfBirth":"1990-01-01"}"#);
    let first = send("GET", &format!("/users/{name}"), None).json();
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(put(&name, r#"{"dateOfBirth":"1985-06-15"}"#).status, 204);
    let second = send("GET", &format!("/users/{name}"), None).json();
    assert_eq!(second["dateOfBirth"], "1985-06-15");
    assert_eq!(second["createdAt"], first["createdAt"]);
    assert_ne!(second["updatedAt"], first["updatedAt"]);
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn unicode_usernames_are_percent_decoded_and_case_is_kept() {
    let name = format!("Zoë{}", unique_username("x"));
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphabetic() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    assert_eq!(put(&encoded, r#"{"dateOfBirth":"2000-02-29"}"#).status, 204);
    let user = send("GET", &format!("/users/{encoded}"), None).json();
    assert_eq!(user["username"], name.as_str());
    let upper = encoded.replacen("Zo", "ZO", 1);
    assert_eq!(send("GET", &format!("/users/{upper}"), None).status, 404);
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn bad_usernames_are_400_on_every_route() {
    for name in [
        "john1",
        "john_doe",
        "a.b",
        "a%2Fb",
        "a%00b",
        "a%20b",
        &"a".repeat(65),
    ] {
        for (method, path) in [("PUT", "hello"), ("GET", "hello"), ("GET", "users")] {
            let reply = send(
                method,
                &format!("/{path}/{name}"),
                Some(r#"{"dateOfBirth":"2000-01-01"}"#),
            );
            assert_eq!(reply.status, 400, "{method} /{path}/{name}: {}", reply.body);
            assert!(!reply.message().is_empty());
        }
    }
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn bad_bodies_are_400_and_change_nothing() {
    let name = unique_username("Di");
    put(&name, r#"{"dateOfBirth":"1990-01-01"}"#);
    let tomorrow = today().checked_add(1.day()).unwrap();
    for (body, expected) in [
        ("", "empty"),
        ("{", "not valid JSON"),
        ("[1]", "not a JSON object"),
        ("{}", "missing"),
        (r#"{"dateOfBirth":null}"#, "null"),
        (r#"{"dateOfBirth":1}"#, "must be a string"),
        (
            r#"{"dateOfBirth":"2001-02-29"}"#,
            "not a real calendar date",
        ),
        (
            &format!(r#"{{"dateOfBirth":"{}"}}"#, today()),
            "not in the past",
        ),
        (
            &format!(r#"{{"dateOfBirth":"{tomorrow}"}}"#),
            "not in the past",
        ),
        (r#"{"dateOfBirth":"1990-01-01T10:00:00Z"}"#, "date and time"),
        (r#"{"dateOfBirth":"1990/01/01"}"#, "YYYY-MM-DD"),
    ] {
        let reply = put(&name, body);
        assert_eq!(reply.status, 400, "{body}: {}", reply.body);
        assert!(
            reply.message().contains(expected),
            "{body}: {}",
            reply.message()
        );
    }
    let huge = format!(
        r#"{{"dateOfBirth":"1991-01-01","pad":"{}"}}"#,
        "x".repeat(20_000)
    );
    let reply = put(&name, &huge);
    assert!(matches!(reply.status, 400 | 413), "{}", reply.status);
    assert_eq!(
        send("GET", &format!("/users/{name}"), None).json()["dateOfBirth"],
        "1990-01-01"
    );
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn unknown_users_routes_and_methods() {
    let name = unique_username("Nobody");
    for path in [format!("/hello/{name}"), format!("/users/{name}")] {
        let reply = send("GET", &path, None);
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.message().contains(&name));
    }
    for path in ["/", "/nope", "/hello", "/users", "/hello/a/b"] {
        let reply = send("GET", path, None);
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
        assert!(!reply.message().is_empty());
    }
    // What API Gateway answers itself, before any function: the same body
    // for an unknown path and a wrong method.
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/nope"),
        ("GET", "/hello/a/b"),
        ("DELETE", "/hello/Ann"),
        ("POST", "/hello/Ann"),
        ("PUT", "/users/Ann"),
        ("POST", "/time"),
    ] {
        let reply = send(method, path, Some("{}"));
        assert_eq!(
            (reply.status, reply.json()),
            (404, serde_json::json!({"message": "Not Found"})),
            "{method} {path}"
        );
    }
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn a_body_that_is_not_utf8_reaches_the_function_and_gets_its_400() {
    let name = unique_username("Ed");
    put(&name, r#"{"dateOfBirth":"1990-01-01"}"#);
    let reply = send_raw(
        "PUT",
        &format!("/hello/{name}"),
        &[("content-type", "application/json")],
        b"{\"dateOfBirth\":\"1990-01-0\xff\"}",
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    let message = serde_json::from_str::<serde_json::Value>(&reply.body).unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    // The function's own words, not the gateway's.
    assert!(message.contains("not valid JSON"), "{message}");
    assert_eq!(
        send("GET", &format!("/users/{name}"), None).json()["dateOfBirth"],
        "1990-01-01"
    );
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn cors_answers_follow_the_api_stack() {
    // The API stack's settings, read here independently of the gateway.
    let api = api_tests::templates::load("stacks/api.yaml");
    let cors = &api["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    let joined = |key: &str| {
        cors[key]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect::<Vec<_>>()
            .join(",")
    };
    let preflight = send_raw(
        "OPTIONS",
        "/hello/Ann",
        &[
            ("origin", "https://app.example"),
            ("access-control-request-method", "PUT"),
            ("access-control-request-headers", "content-type"),
        ],
        b"",
    );
    assert_eq!(preflight.status, 204);
    let header = |name: &str| preflight.headers[name].to_str().unwrap().to_owned();
    assert_eq!(
        header("access-control-allow-methods"),
        joined("AllowMethods")
    );
    assert_eq!(
        header("access-control-allow-headers"),
        joined("AllowHeaders")
    );
    assert_eq!(
        header("access-control-max-age"),
        cors["MaxAge"].as_u64().unwrap().to_string()
    );
    assert_eq!(header("access-control-allow-origin"), "*");

    let get = send_raw("GET", "/time", &[("origin", "https://app.example")], b"");
    assert_eq!(get.status, 200);
    assert_eq!(get.headers["access-control-allow-origin"], "*");
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn time_in_the_server_zone_and_in_a_named_one() {
    let before = jiff::Timestamp::now().as_second();
    let reply = send("GET", "/time", None);
    assert_eq!(reply.status, 200);
    let body = reply.json();
    let epoch = body["epochSeconds"].as_i64().unwrap();
    assert!((before..=before + 5).contains(&epoch), "{body}");
    let time: jiff::Timestamp = body["time"].as_str().unwrap().parse().unwrap();
    assert_eq!(time.as_second(), epoch);
    // The server's zone is UTC, as on Lambda, whatever the machine's own zone.
    assert_eq!(body["timezone"], "UTC", "{body}");
    assert!(body["time"].as_str().unwrap().ends_with("+00:00"), "{body}");

    let kolkata = send("GET", "/time?tz=Asia/Kolkata", None).json();
    assert!(
        kolkata["time"].as_str().unwrap().ends_with("+05:30"),
        "{kolkata}"
    );
    assert_eq!(kolkata["timezone"], "Asia/Kolkata");

    let unknown = send("GET", "/time?tz=Mars/Base", None);
    assert_eq!(unknown.status, 400);
    assert!(unknown.message().contains("Mars/Base"));
}

/// The functions' log line for the request API Gateway knows as `id`,
/// waiting a moment for it to be written.
fn log_line_of(id: &str) -> serde_json::Value {
    let path = std::env::var("FUNCTIONS_LOG")
        .expect("FUNCTIONS_LOG: the local functions' log (`make test` sets it)");
    let needle = format!(r#""api_request_id":"{id}""#);
    for _ in 0..50 {
        let log = std::fs::read_to_string(&path).unwrap_or_default();
        // A line still being written does not parse yet: look again.
        let found = log.lines().filter(|l| l.contains(&needle));
        if let Some(line) = found.filter_map(|l| serde_json::from_str(l).ok()).next() {
            return line;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no log line for request {id} in {path}");
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn each_request_logs_one_line_that_is_its_metrics_record() {
    let name = unique_username("Flo");
    let stored = send_raw(
        "PUT",
        &format!("/hello/{name}"),
        &[("content-type", "application/json")],
        br#"{"dateOfBirth":"1990-01-01"}"#,
    );
    assert_eq!(stored.status, 204);
    let id = stored.headers["apigw-requestid"].to_str().unwrap();
    let line = log_line_of(id);
    assert_eq!(line["route"], "PUT /hello/{username}");
    assert_eq!(line["function"], "put_birthday");
    assert_eq!(line["DateOfBirthStored"], 1);
    let directive = &line["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(directive["Namespace"], "Birthdays/local");
    assert_eq!(directive["Metrics"][0]["Name"], "DateOfBirthStored");
    assert!(line["_aws"]["Timestamp"].is_i64(), "{line}");

    let missing = send_raw("GET", &format!("/users/{name}x"), &[], b"");
    assert_eq!(missing.status, 404);
    let line = log_line_of(missing.headers["apigw-requestid"].to_str().unwrap());
    assert_eq!(line["UserNotFound"], 1);
    assert_eq!(line["function"], "get_user_by_id");
}
