//! Property tests: any input yields a well-formed answer, never a panic; and
//! any valid (username, date) round-trips through PUT and GET.
//!
//! `FUZZ_CASES` sets how many inputs each property tries (`make fuzz` runs
//! many more than `make test`).

use base64::Engine as _;
use jiff::civil::{Date, date};
use proptest::prelude::*;
use shared::clock::FixedClock;
use shared::domain::{DateOfBirth, Username};
use shared::http::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use shared::store::InMemoryStore;
use shared::testing::{function_url_event, gateway_event, invocation, status_and_json};

const TODAY: Date = date(2026, 11, 23);

fn config() -> ProptestConfig {
    let cases = std::env::var("FUZZ_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(512);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Paths near the real routes: right and wrong prefixes, percent-encodings,
/// separators, NUL, long and empty segments.
fn path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        Just("hello".to_owned()),
        Just("users".to_owned()),
        Just("time".to_owned()),
        Just("lambda-url".to_owned()),
        "[a-zA-Z]{1,70}",
        "\\PC{0,20}",
        "(%[0-9A-Fa-f]{2}){1,8}",
        Just("%2F".to_owned()),
        Just("%00".to_owned()),
        Just("Zo%C3%AB".to_owned()),
        Just(String::new()),
    ];
    prop::collection::vec(segment, 0..5).prop_map(|s| format!("/{}", s.join("/")))
}

fn method() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS",
    ])
}

/// Bodies: JSON-ish text, dates in many shapes, arbitrary bytes, big ones.
fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        "\\{\"dateOfBirth\": ?\"[0-9T:Z+ /-]{0,25}\"\\}".prop_map(String::into_bytes),
        "\\{\"dateOfBirth\":(null|true|[0-9]{1,8}|\\[\\]|\\{\\}|\"\")\\}"
            .prop_map(String::into_bytes),
        "[\\[\\]{}\":,a-z0-9 ]{0,200}".prop_map(String::into_bytes),
        prop::collection::vec(any::<u8>(), 0..300),
        (0usize..40_000).prop_map(|n| format!(
            "{{\"dateOfBirth\":\"1990-01-01\",\"x\":\"{}\"}}",
            "y".repeat(n)
        )
        .into_bytes()),
    ]
}

/// An event as API Gateway or a function URL would send it.
fn event() -> impl Strategy<Value = ApiGatewayV2httpRequest> {
    (
        method(),
        path(),
        proptest::option::of(body()),
        any::<bool>(),
        any::<bool>(),
        proptest::option::of("\\PC{0,30}"),
    )
        .prop_map(|(method, path, body, base64, from_gateway, username)| {
            let mut event = if from_gateway {
                let route = if path.starts_with("/users") {
                    "/users/{username}"
                } else {
                    "/hello/{username}"
                };
                let mut e = gateway_event(method, route, username.as_deref());
                e.raw_path = Some(path);
                e
            } else {
                function_url_event(method, &path)
            };
            event.body = body.map(|bytes| {
                if base64 {
                    base64::engine::general_purpose::STANDARD.encode(bytes)
                } else {
                    String::from_utf8_lossy(&bytes).into_owned()
                }
            });
            event.is_base64_encoded = base64;
            event
        })
}

/// A response is well-formed: a status the contract names, a JSON body
/// whenever there is one, and a message on every error.
fn assert_well_formed(response: &ApiGatewayV2httpResponse) -> Result<(), TestCaseError> {
    let status = response.status_code;
    prop_assert!(
        [200, 204, 400, 404, 405, 413, 503].contains(&status),
        "status {status}"
    );
    let (_, body) = status_and_json(response);
    if status == 204 {
        prop_assert!(body.is_null());
    } else {
        prop_assert_eq!(
            response.headers.get("content-type").map(|v| v.as_bytes()),
            Some(&b"application/json"[..])
        );
    }
    if status >= 400 {
        prop_assert!(
            body["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{body}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn username_parse_accepts_exactly_1_to_64_letters(input in "\\PC{0,80}") {
        let valid = (1..=64).contains(&input.chars().count()) && input.chars().all(char::is_alphabetic);
        prop_assert_eq!(Username::parse(&input).is_ok(), valid);
    }

    #[test]
    fn date_of_birth_parse_never_panics_and_accepts_every_past_date(input in "\\PC{0,30}", days in 1i32..700_000) {
        let _ = DateOfBirth::parse(&input, TODAY);
        // Up to about 1,900 years back: always a four-digit year.
        let past = TODAY.checked_sub(jiff::Span::new().days(days)).unwrap();
        prop_assert_eq!(DateOfBirth::parse(&past.to_string(), TODAY).map(|d| d.date()), Ok(past));
    }

    #[test]
    fn every_handler_answers_any_event_with_a_well_formed_response(event in event()) {
        let runtime = runtime();
        let clock = FixedClock::at_noon_utc(TODAY);
        let store = InMemoryStore::default();
        let time = server_time::ServerTime { clock, zone: jiff::tz::TimeZone::UTC };
        runtime.block_on(async {
            assert_well_formed(&put_birthday::handler(&store, &clock, invocation(event.clone())).await)?;
            assert_well_formed(&get_user_by_id::handler(&store, &clock, invocation(event.clone())).await)?;
            assert_well_formed(&server_time::handler(&time, invocation(event)).await)
        })?;
    }

    #[test]
    fn any_valid_username_and_date_round_trip_through_put_and_get(
        name in "\\p{L}{1,64}",
        days in 1i32..50_000,
        through_gateway in any::<bool>(),
    ) {
        prop_assume!(Username::parse(&name).is_ok());
        let born = TODAY.checked_sub(jiff::Span::new().days(days)).unwrap();
        let runtime = runtime();
        let clock = FixedClock::at_noon_utc(TODAY);
        let store = InMemoryStore::default();
        let encoded: String = percent_encode(&name);
        let request = |method: &str, route: &str| {
            if through_gateway {
                gateway_event(method, route, Some(&name))
            } else {
                function_url_event(method, &route.replace("{username}", &encoded))
            }
        };
        let mut put = request("PUT", "/hello/{username}");
        put.body = Some(format!(r#"{{"dateOfBirth":"{born}"}}"#));
        let (status, _) = status_and_json(&runtime.block_on(put_birthday::handler(&store, &clock, invocation(put))));
        prop_assert_eq!(status, 204);
        let got = runtime.block_on(get_user_by_id::handler(&store, &clock, invocation(request("GET", "/users/{username}"))));
        let (status, body) = status_and_json(&got);
        prop_assert_eq!(status, 200);
        prop_assert_eq!(body["username"].as_str(), Some(name.as_str()));
        let born = born.to_string();
        prop_assert_eq!(body["dateOfBirth"].as_str(), Some(born.as_str()));
    }
}

fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphabetic() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
