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
use shared::identity::AuthMode;
use shared::store::InMemoryStore;
use shared::testing::{gateway_event, invocation, signed_in, status_and_json};

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

/// Route templates: the API's own and some it does not have.
fn route() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "/hello/{username}",
        "/users/{username}",
        "/time",
        "/users",
        "/",
        "$default",
    ])
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

/// An event as API Gateway would send it, for any route and method, with
/// any path parameter (what the gateway decodes from any path) and body.
fn event() -> impl Strategy<Value = ApiGatewayV2httpRequest> {
    (
        method(),
        route(),
        proptest::option::of(body()),
        any::<bool>(),
        proptest::option::of("\\PC{0,30}|(%[0-9A-Fa-f]{2}){1,8}"),
        proptest::option::of(("\\PC{0,10}", any::<bool>())),
        proptest::option::of(("\\PC{0,6}", "\\PC{0,12}")),
    )
        .prop_map(|(method, route, body, base64, username, caller, query)| {
            let mut event = gateway_event(method, route, username.as_deref());
            if let Some((name, admin)) = caller {
                let groups: &[&str] = if admin { &["admins"] } else { &[] };
                event = signed_in(event, &name, groups);
            }
            if let Some((limit, cursor)) = query {
                event.query_string_parameters = std::collections::HashMap::from([
                    ("limit".to_owned(), limit),
                    ("cursor".to_owned(), cursor),
                ])
                .into();
            }
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
        [200, 204, 400, 401, 403, 404, 413, 503].contains(&status),
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
            for auth in [AuthMode::Cognito, AuthMode::Open] {
                assert_well_formed(&put_birthday::handler(&store, &clock, auth, invocation(event.clone())).await)?;
                assert_well_formed(&get_user_by_id::handler(&store, &clock, auth, invocation(event.clone())).await)?;
                assert_well_formed(&get_users::handler(&store, &clock, auth, invocation(event.clone())).await)?;
            }
            assert_well_formed(&server_time::handler(&time, invocation(event)).await)
        })?;
    }

    #[test]
    fn any_valid_username_and_date_round_trip_through_put_and_get(
        name in "\\p{L}{1,64}",
        days in 1i32..50_000,
    ) {
        prop_assume!(Username::parse(&name).is_ok());
        let born = TODAY.checked_sub(jiff::Span::new().days(days)).unwrap();
        let runtime = runtime();
        let clock = FixedClock::at_noon_utc(TODAY);
        let store = InMemoryStore::default();
        let request = |method: &str, route: &str| gateway_event(method, route, Some(&name));
        let mut put = request("PUT", "/hello/{username}");
        put.body = Some(format!(r#"{{"dateOfBirth":"{born}"}}"#));
        let (status, _) = status_and_json(&runtime.block_on(put_birthday::handler(&store, &clock, AuthMode::Open, invocation(put))));
        prop_assert_eq!(status, 204);
        let got = runtime.block_on(get_user_by_id::handler(&store, &clock, AuthMode::Open, invocation(request("GET", "/users/{username}"))));
        let (status, body) = status_and_json(&got);
        prop_assert_eq!(status, 200);
        prop_assert_eq!(body["username"].as_str(), Some(name.as_str()));
        let born = born.to_string();
        prop_assert_eq!(body["dateOfBirth"].as_str(), Some(born.as_str()));
    }
}
