//! Black-box tests of the API contract over HTTP, against the local API that
//! `make dev` runs (real function binaries behind `cargo lambda watch`, real
//! DynamoDB API, the gateway's JWT authorizer with tokens of cognito-local).
//! `make test` starts it and sets LOCAL_API_URL, COGNITO_ENDPOINT and
//! COGNITO_STATE. Every test uses usernames of its own, new on every run, so
//! tests run in parallel and again against kept data.

use api_tests::http::{send, send_raw, send_with, unique_username};
use api_tests::identity::{admin_token, token_of, token_of_another_client, tokens_of};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
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

/// `PUT /hello/{name}` with `name`'s own token.
fn put(name: &str, body: &str) -> api_tests::http::Reply {
    send_with(
        "PUT",
        &format!("/hello/{name}"),
        Some(body),
        &token_of(name),
    )
}

/// `GET /users/{name}` with `name`'s own token.
fn record_of(name: &str) -> api_tests::http::Reply {
    send_with("GET", &format!("/users/{name}"), None, &token_of(name))
}

/// The `authorization` header of `token`.
fn bearer(token: &str) -> String {
    format!("Bearer {token}")
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

    let reply = record_of(&name);
    assert_eq!(reply.status, 200, "{}", reply.body);
    let user = reply.json();
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
    let first = record_of(&name).json();
    std::thread::sleep(std::time::Duration::from_millis(20));
    assert_eq!(put(&name, r#"{"dateOfBirth":"1985-06-15"}"#).status, 204);
    let second = record_of(&name).json();
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
    // The token is Zoë's (the pool's username, unencoded); the path is percent-encoded.
    let token = token_of(&name);
    let stored = send_with(
        "PUT",
        &format!("/hello/{encoded}"),
        Some(r#"{"dateOfBirth":"2000-02-29"}"#),
        &token,
    );
    assert_eq!(stored.status, 204, "{}", stored.body);
    let user = send_with("GET", &format!("/users/{encoded}"), None, &token).json();
    assert_eq!(user["username"], name.as_str());
    // Another case is another user: not Zoë's record (403 with her token),
    // and nobody's (404 for an admin).
    let upper = encoded.replacen("Zo", "ZO", 1);
    assert_eq!(
        send_with("GET", &format!("/users/{upper}"), None, &token).status,
        403
    );
    assert_eq!(
        send_with("GET", &format!("/users/{upper}"), None, &admin_token()).status,
        404
    );
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn bad_usernames_are_400_on_every_route() {
    // With a valid token, so that the request reaches the function.
    let token = token_of(&unique_username("Gus"));
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
            let reply = send_with(
                method,
                &format!("/{path}/{name}"),
                Some(r#"{"dateOfBirth":"2000-01-01"}"#),
                &token,
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
    assert_eq!(record_of(&name).json()["dateOfBirth"], "1990-01-01");
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn unknown_users_routes_and_methods() {
    let name = unique_username("Nobody");
    for (path, token) in [
        (format!("/hello/{name}"), None),
        (format!("/users/{name}"), Some(token_of(&name))),
        (format!("/users/{name}"), Some(admin_token())),
    ] {
        let reply = match &token {
            Some(token) => send_with("GET", &path, None, token),
            None => send("GET", &path, None),
        };
        assert_eq!(reply.status, 404, "{path}");
        assert!(reply.message().contains(&name));
    }
    // `/` is the page now (web/), as CloudFront serves it beside the API.
    let page = send("GET", "/", None);
    assert_eq!(
        (page.status, page.content_type.as_deref()),
        (200, Some("text/html; charset=utf-8"))
    );
    for path in ["/nope", "/hello", "/hello/a/b"] {
        let reply = send("GET", path, None);
        assert_eq!(reply.status, 404, "{path}: {}", reply.body);
        assert!(!reply.message().is_empty());
    }
    // What API Gateway answers itself, before any function: the same body
    // for an unknown path and a wrong method.
    for (method, path) in [
        ("POST", "/"),
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
        &[
            ("content-type", "application/json"),
            ("authorization", &bearer(&token_of(&name))),
        ],
        b"{\"dateOfBirth\":\"1990-01-0\xff\"}",
    );
    assert_eq!(reply.status, 400, "{}", reply.body);
    let message = serde_json::from_str::<serde_json::Value>(&reply.body).unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    // The function's own words, not the gateway's.
    assert!(message.contains("not valid JSON"), "{message}");
    assert_eq!(record_of(&name).json()["dateOfBirth"], "1990-01-01");
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
        &[
            ("content-type", "application/json"),
            ("authorization", &bearer(&token_of(&name))),
        ],
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

    let missing = send_raw(
        "GET",
        &format!("/users/{name}x"),
        &[("authorization", &bearer(&admin_token()))],
        b"",
    );
    assert_eq!(missing.status, 404);
    let line = log_line_of(missing.headers["apigw-requestid"].to_str().unwrap());
    assert_eq!(line["UserNotFound"], 1);
    assert_eq!(line["function"], "get_user_by_id");
}

// Identities: the gateway's JWT authorizer (tokens of the local user pool)
// and the functions' ownership rules (own record, or admins).

/// The gateway's own 401: `{"message":"Unauthorized"}` with a
/// `www-authenticate` header, the function never reached.
fn assert_gateway_401(reply: &api_tests::http::RawReply, what: &str) -> String {
    assert_eq!(reply.status, 401, "{what}: {}", reply.body);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&reply.body).ok(),
        Some(serde_json::json!({"message": "Unauthorized"})),
        "{what}"
    );
    let challenge = reply
        .headers
        .get("www-authenticate")
        .unwrap_or_else(|| panic!("{what}: no www-authenticate header"))
        .to_str()
        .unwrap()
        .to_owned();
    assert!(challenge.starts_with("Bearer"), "{what}: {challenge}");
    challenge
}

/// `method path` with `authorization: <value>`, or without the header.
fn send_authorized(
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: &str,
) -> api_tests::http::RawReply {
    let mut headers = vec![("content-type", "application/json")];
    if let Some(value) = authorization {
        headers.push(("authorization", value));
    }
    send_raw(method, path, &headers, body.as_bytes())
}

/// A token's header and payload as JSON, and its signature as sent.
fn parts(token: &str) -> (serde_json::Value, serde_json::Value, String) {
    let mut parts = token.split('.');
    let mut json =
        || serde_json::from_slice(&BASE64URL.decode(parts.next().unwrap()).unwrap()).unwrap();
    let (header, payload) = (json(), json());
    (header, payload, parts.next().unwrap().to_owned())
}

fn encode(json: &serde_json::Value) -> String {
    BASE64URL.encode(json.to_string())
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn protected_routes_without_a_token_are_the_gateways_401() {
    let name = unique_username("Hal");
    let body = r#"{"dateOfBirth":"1990-01-01"}"#;
    for (method, path) in [
        ("PUT", format!("/hello/{name}")),
        ("GET", format!("/users/{name}")),
        ("GET", "/users".to_owned()),
        ("GET", "/users?limit=1".to_owned()),
        ("DELETE", format!("/users/{name}")),
    ] {
        for authorization in [None, Some(""), Some("Bearer"), Some("Bearer not-a-jwt")] {
            let reply = send_authorized(method, &path, authorization, body);
            assert_gateway_401(&reply, &format!("{method} {path} with {authorization:?}"));
        }
    }
    // Nothing was written; the public routes need no token.
    assert_eq!(send("GET", &format!("/hello/{name}"), None).status, 404);
    assert_eq!(send("GET", "/time", None).status, 200);
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn the_owners_token_writes_and_reads_their_record() {
    let name = unique_username("Ida");
    let stored = put(&name, r#"{"dateOfBirth":"1991-03-04"}"#);
    assert_eq!((stored.status, stored.body.as_str()), (204, ""));
    let reply = record_of(&name);
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["dateOfBirth"], "1991-03-04");
    // The header may also carry the token without `Bearer `, as API Gateway takes it.
    let bare = send_authorized("GET", &format!("/users/{name}"), Some(&token_of(&name)), "");
    assert_eq!(bare.status, 200, "{}", bare.body);
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn the_owner_deletes_their_record_and_it_is_gone_everywhere() {
    let name = unique_username("Del");
    assert_eq!(put(&name, r#"{"dateOfBirth":"1992-06-07"}"#).status, 204);
    let token = token_of(&name);
    let deleted = send_with("DELETE", &format!("/users/{name}"), None, &token);
    assert_eq!((deleted.status, deleted.body.as_str()), (204, ""));
    assert_eq!(send("GET", &format!("/hello/{name}"), None).status, 404);
    assert_eq!(record_of(&name).status, 404);
    let again = send_with("DELETE", &format!("/users/{name}"), None, &token);
    assert_eq!(again.status, 404, "{}", again.body);
    assert!(again.message().contains(&name), "{}", again.message());
    // Gone from the list, which an admin pages through to its end.
    let admin = admin_token();
    let mut cursor = String::new();
    loop {
        let page = send_with("GET", &format!("/users?limit=100{cursor}"), None, &admin).json();
        let users = page["users"].as_array().unwrap();
        assert!(
            users.iter().all(|u| u["username"] != name.as_str()),
            "{name} is still listed"
        );
        match page["next"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let bad = send_with("DELETE", "/users/ann1", None, &token_of("Ann"));
    assert_eq!(bad.status, 400, "{}", bad.body);
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn another_users_token_is_403_and_changes_nothing() {
    let (owner, other) = (unique_username("Jo"), unique_username("Kit"));
    assert_eq!(put(&owner, r#"{"dateOfBirth":"1980-05-06"}"#).status, 204);
    let before = record_of(&owner).json();

    let intruder = token_of(&other);
    let write = send_with(
        "PUT",
        &format!("/hello/{owner}"),
        Some(r#"{"dateOfBirth":"2000-01-01"}"#),
        &intruder,
    );
    assert_eq!(write.status, 403, "{}", write.body);
    assert!(write.message().contains(&owner), "{}", write.message());
    let read = send_with("GET", &format!("/users/{owner}"), None, &intruder);
    assert_eq!(read.status, 403, "{}", read.body);
    // Listing is for admins.
    let list = send_with("GET", "/users", None, &intruder);
    assert_eq!(list.status, 403, "{}", list.body);
    assert!(list.message().contains("admins"), "{}", list.message());
    let delete = send_with("DELETE", &format!("/users/{owner}"), None, &intruder);
    assert_eq!(delete.status, 403, "{}", delete.body);

    assert_eq!(record_of(&owner).json(), before);
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn an_admin_reads_and_writes_anyones_record_and_lists_the_users() {
    let name = unique_username("Lou");
    assert_eq!(put(&name, r#"{"dateOfBirth":"1970-07-08"}"#).status, 204);
    let admin = admin_token();

    let read = send_with("GET", &format!("/users/{name}"), None, &admin);
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.json()["dateOfBirth"], "1970-07-08");
    let write = send_with(
        "PUT",
        &format!("/hello/{name}"),
        Some(r#"{"dateOfBirth":"1971-07-08"}"#),
        &admin,
    );
    assert_eq!(write.status, 204, "{}", write.body);
    assert_eq!(record_of(&name).json()["dateOfBirth"], "1971-07-08");
    // And erases a user's data on their request.
    let erased = send_with("DELETE", &format!("/users/{name}"), None, &admin);
    assert_eq!(erased.status, 204, "{}", erased.body);
    assert_eq!(record_of(&name).status, 404);

    let list = send_with("GET", "/users?limit=100", None, &admin);
    assert_eq!(list.status, 200, "{}", list.body);
    let page = list.json();
    assert!(page["users"].is_array(), "{page}");
    assert!(page["next"].is_null() || page["next"].is_string(), "{page}");
    for bad in ["0", "101", "ten", "-1", ""] {
        let reply = send_with("GET", &format!("/users?limit={bad}"), None, &admin);
        assert_eq!(reply.status, 400, "limit={bad}: {}", reply.body);
        assert!(reply.message().contains("limit"), "{}", reply.message());
    }
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn listing_pages_through_every_user_once_and_refuses_a_tampered_cursor() {
    let admin = admin_token();
    let mine: Vec<String> = (0..3).map(|_| unique_username("Mia")).collect();
    for name in &mine {
        let stored = send_with(
            "PUT",
            &format!("/hello/{name}"),
            Some(r#"{"dateOfBirth":"1999-09-09"}"#),
            &admin,
        );
        assert_eq!(stored.status, 204, "{}", stored.body);
    }

    // A first page of 2 (at least 3 users exist), then every later page.
    let first = send_with("GET", "/users?limit=2", None, &admin);
    assert_eq!(first.status, 200, "{}", first.body);
    let first = first.json();
    assert_eq!(first["users"].as_array().unwrap().len(), 2, "{first}");
    let mut next = first["next"]
        .as_str()
        .unwrap_or_else(|| panic!("a full page has a next cursor: {first}"))
        .to_owned();
    let mut seen: Vec<serde_json::Value> = first["users"].as_array().unwrap().clone();
    let mut pages = 1;
    loop {
        let reply = send_with(
            "GET",
            &format!("/users?limit=100&cursor={next}"),
            None,
            &admin,
        );
        assert_eq!(reply.status, 200, "cursor {next}: {}", reply.body);
        let page = reply.json();
        seen.extend(page["users"].as_array().unwrap().iter().cloned());
        pages += 1;
        assert!(pages < 10_000, "the pages never end");
        match page["next"].as_str() {
            Some(cursor) => next = cursor.to_owned(),
            None => break,
        }
    }
    let names: Vec<&str> = seen
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    let mut unique = names.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "a user listed twice");
    for name in &mine {
        let user = seen
            .iter()
            .find(|u| u["username"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} is on no page"));
        assert_eq!(user["dateOfBirth"], "1999-09-09");
        assert!(user["daysUntilBirthday"].is_i64(), "{user}");
    }

    // A cursor the API did not hand out.
    let real = first["next"].as_str().unwrap();
    let decoded = String::from_utf8(BASE64URL.decode(real).unwrap()).unwrap();
    let (tag, last) = decoded.split_once(':').expect("a tagged cursor");
    for tampered in [
        BASE64URL.encode(format!("{tag}x:{last}")),
        BASE64URL.encode(format!("{tag}:{last}1")),
        format!("{real}!"),
        "not-a-cursor".to_owned(),
    ] {
        let reply = send_with("GET", &format!("/users?cursor={tampered}"), None, &admin);
        assert_eq!(reply.status, 400, "cursor {tampered}: {}", reply.body);
        assert!(reply.message().contains("cursor"), "{}", reply.message());
    }
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn an_id_token_passes_the_gateway_and_the_function_refuses_it() {
    let name = unique_username("Ned");
    let id_token = tokens_of(&name, false).id;
    for (method, path, body) in [
        (
            "PUT",
            format!("/hello/{name}"),
            Some(r#"{"dateOfBirth":"1990-01-01"}"#),
        ),
        ("GET", format!("/users/{name}"), None),
    ] {
        let reply = send_with(method, &path, body, &id_token);
        assert_eq!(reply.status, 401, "{method} {path}: {}", reply.body);
        // The function's words, not the gateway's "Unauthorized".
        assert!(
            reply.message().contains("access token"),
            "{method} {path}: {}",
            reply.message()
        );
    }
    assert_eq!(send("GET", &format!("/hello/{name}"), None).status, 404);
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn a_token_whose_payload_was_changed_is_401() {
    let (mallory, victim) = (unique_username("Max"), unique_username("Nia"));
    assert_eq!(put(&victim, r#"{"dateOfBirth":"1960-06-06"}"#).status, 204);
    let before = record_of(&victim).json();
    let (header, mut payload, signature) = parts(&token_of(&mallory));

    let mut forgeries = Vec::new();
    payload["username"] = victim.as_str().into();
    forgeries.push(format!(
        "{}.{}.{signature}",
        encode(&header),
        encode(&payload)
    ));
    payload["username"] = mallory.as_str().into();
    payload["cognito:groups"] = serde_json::json!(["admins"]);
    forgeries.push(format!(
        "{}.{}.{signature}",
        encode(&header),
        encode(&payload)
    ));

    for forged in &forgeries {
        let reply = send_authorized(
            "PUT",
            &format!("/hello/{victim}"),
            Some(&bearer(forged)),
            r#"{"dateOfBirth":"2001-01-01"}"#,
        );
        let challenge = assert_gateway_401(&reply, "a changed payload");
        assert!(challenge.contains("invalid_token"), "{challenge}");
        let reply = send_authorized("GET", "/users", Some(&bearer(forged)), "");
        assert_gateway_401(&reply, "a changed payload");
    }
    assert_eq!(record_of(&victim).json(), before);
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn an_unsigned_alg_none_token_is_401() {
    let name = unique_username("Oz");
    let (header, payload, _) = parts(&token_of(&name));
    let unsigned = [
        format!(
            "{}.{}.",
            encode(&serde_json::json!({"alg": "none", "typ": "JWT"})),
            encode(&payload)
        ),
        format!(
            "{}.{}.",
            encode(&serde_json::json!({"alg": "none", "kid": header["kid"]})),
            encode(&payload)
        ),
        format!(
            "{}.{}",
            encode(&serde_json::json!({"alg": "none"})),
            encode(&payload)
        ),
    ];
    for token in &unsigned {
        let reply = send_authorized(
            "PUT",
            &format!("/hello/{name}"),
            Some(&bearer(token)),
            r#"{"dateOfBirth":"1990-01-01"}"#,
        );
        assert_gateway_401(&reply, &format!("alg none: {token}"));
    }
    assert_eq!(send("GET", &format!("/hello/{name}"), None).status, 404);
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn a_token_of_another_app_client_is_401() {
    let name = unique_username("Pam");
    let token = token_of_another_client(&name);
    let reply = send_authorized(
        "PUT",
        &format!("/hello/{name}"),
        Some(&bearer(&token)),
        r#"{"dateOfBirth":"1990-01-01"}"#,
    );
    let challenge = assert_gateway_401(&reply, "another app client's token");
    assert!(challenge.contains("audience"), "{challenge}");
    assert_eq!(send("GET", &format!("/hello/{name}"), None).status, 404);
}

/// The X-Ray documents of the trace `header` names (`Root=…;Parent=…`), as
/// the stand-in daemon wrote them, waiting a moment for `wanted` of them.
fn trace_documents(header: &str, wanted: usize) -> Vec<serde_json::Value> {
    let path = std::env::var("XRAY_SEGMENTS")
        .expect("XRAY_SEGMENTS: the stand-in X-Ray daemon's file (`make test` sets it)");
    let root = header
        .split(';')
        .find_map(|f| f.strip_prefix("Root="))
        .unwrap_or_else(|| panic!("no Root in {header}"));
    let mut found = Vec::new();
    for _ in 0..50 {
        found = api_tests::xray::read(std::path::Path::new(&path))
            .into_iter()
            .filter(|d| d["trace_id"] == root)
            .collect();
        if found.len() >= wanted {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    found
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn a_traced_put_then_get_shows_the_handler_and_each_dynamodb_call_and_nothing_personal() {
    let name = unique_username("Xena");
    let token = token_of(&name);
    for (method, path, body, operation, status) in [
        (
            "PUT",
            "/hello",
            r#"{"dateOfBirth":"1987-06-05"}"#,
            "UpdateItem",
            204,
        ),
        ("GET", "/users", "", "GetItem", 200),
    ] {
        let reply = send_raw(
            method,
            &format!("{path}/{name}"),
            &[
                ("content-type", "application/json"),
                ("authorization", &bearer(&token)),
            ],
            body.as_bytes(),
        );
        assert_eq!(reply.status, status);
        // The header Lambda (here cargo lambda watch) gave the invocation.
        let line = log_line_of(reply.headers["apigw-requestid"].to_str().unwrap());
        let header = line["xray_trace_id"].as_str().unwrap().to_owned();
        let parent = header
            .split(';')
            .find_map(|f| f.strip_prefix("Parent="))
            .unwrap();
        // The gateway's segments (Lambda's part) and the handler's subsegment.
        let documents = trace_documents(&header, 3);
        let function_segment = documents
            .iter()
            .find(|d| d["origin"] == "AWS::Lambda::Function")
            .unwrap_or_else(|| panic!("no function segment for {header}: {documents:?}"));
        assert_eq!(function_segment["id"], parent, "the header names it");
        assert_eq!(function_segment["name"], line["function"]);
        let service = documents
            .iter()
            .find(|d| d["origin"] == "AWS::Lambda")
            .unwrap_or_else(|| panic!("no Lambda service segment: {documents:?}"));
        assert_eq!(function_segment["parent_id"], service["id"]);
        let handler = documents
            .iter()
            .find(|d| d["annotations"]["route"].is_string())
            .unwrap_or_else(|| panic!("no handler subsegment for {header}: {documents:?}"));
        assert_eq!(handler["type"], "subsegment");
        assert_eq!(handler["parent_id"], parent, "under the function's segment");
        assert_eq!(handler["annotations"]["function"], line["function"]);
        assert_eq!(handler["annotations"]["route"], line["route"]);
        assert_eq!(handler["http"]["response"]["status"], status);
        let calls: Vec<_> = handler["subsegments"].as_array().unwrap().iter().collect();
        let call = calls
            .iter()
            .find(|c| c["aws"]["operation"] == operation)
            .unwrap_or_else(|| panic!("no {operation} under {handler}"));
        assert_eq!(call["name"], "DynamoDB");
        assert_eq!(call["namespace"], "aws");
        assert_eq!(call["aws"]["table_name"], "users");
        assert!(
            call["aws"]["region"]
                .as_str()
                .is_some_and(|r| !r.is_empty())
        );
        assert!(
            call["aws"]["request_id"]
                .as_str()
                .is_some_and(|r| !r.is_empty())
        );
        assert_eq!(call["http"]["response"]["status"], 200);
        let (start, end) = (
            handler["start_time"].as_f64().unwrap(),
            handler["end_time"].as_f64().unwrap(),
        );
        assert!(
            call["start_time"].as_f64().unwrap() >= start
                && call["end_time"].as_f64().unwrap() <= end,
            "{call}"
        );
        let text = serde_json::to_string(&documents).unwrap();
        assert!(
            !text.contains(&name) && !text.contains("1987-06-05") && !text.contains(&token),
            "{text}"
        );
    }
}

#[test]
#[ignore = "needs the local API: `make test` runs it"]
fn a_request_its_caller_marks_unsampled_is_not_traced() {
    let reply = send_raw(
        "GET",
        "/time",
        &[(
            "x-amzn-trace-id",
            "Root=1-6b0f0000-000000000000000000000000;Sampled=0",
        )],
        b"",
    );
    assert_eq!(reply.status, 200);
    let line = log_line_of(reply.headers["apigw-requestid"].to_str().unwrap());
    let header = line["xray_trace_id"].as_str().unwrap();
    assert!(header.ends_with("Sampled=0"), "{header}");
    // A sampled request after it is traced, so the daemon has caught up.
    let after = send_raw("GET", "/time", &[], b"");
    let after_line = log_line_of(after.headers["apigw-requestid"].to_str().unwrap());
    assert!(!trace_documents(after_line["xray_trace_id"].as_str().unwrap(), 3).is_empty());
    assert_eq!(trace_documents(header, 1), Vec::<serde_json::Value>::new());
}
