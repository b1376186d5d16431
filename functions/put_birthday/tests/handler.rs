//! `PUT /hello/{username}` through the handler, with real event shapes, an
//! in-memory store and a fixed clock.

use jiff::civil::date;
use put_birthday::handler;
use serde_json::json;
use shared::clock::{Clock, FixedClock};
use shared::domain::Username;
use shared::http::ApiGatewayV2httpRequest;
use shared::identity::AuthMode;
use shared::store::{InMemoryStore, UserStore};
use shared::testing::{
    as_owner, gateway_event, invocation, load_event, signed_in, status_and_json,
};

fn today() -> FixedClock {
    FixedClock::at_noon_utc(date(2026, 11, 23))
}

async fn put(
    store: &InMemoryStore,
    clock: &FixedClock,
    event: ApiGatewayV2httpRequest,
) -> (i64, serde_json::Value) {
    status_and_json(&handler(store, clock, AuthMode::Cognito, invocation(as_owner(event))).await)
}

fn with_body(mut event: ApiGatewayV2httpRequest, body: &str) -> ApiGatewayV2httpRequest {
    event.body = Some(body.to_owned());
    event.is_base64_encoded = false;
    event
}

async fn stored_date(store: &InMemoryStore, name: &str) -> Option<String> {
    let user = store.get(&Username::parse(name).unwrap()).await.unwrap();
    user.map(|u| u.date_of_birth.to_string())
}

#[tokio::test]
async fn given_the_sam_event_when_put_then_204_and_the_user_is_stored() {
    let (store, clock) = (InMemoryStore::default(), today());

    let (status, body) = put(&store, &clock, load_event("put-hello")).await;

    assert_eq!((status, body), (204, serde_json::Value::Null));
    let user = store
        .get(&Username::parse("Zoë").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.date_of_birth.to_string(), "1990-04-23");
    assert_eq!(
        (user.created_at, user.updated_at),
        (clock.now(), clock.now())
    );
}

#[tokio::test]
async fn given_a_base64_body_when_put_then_it_is_decoded() {
    let store = InMemoryStore::default();
    let (status, _) = put(&store, &today(), load_event("put-hello-base64")).await;
    assert_eq!(status, 204);
    assert_eq!(
        stored_date(&store, "Zoë").await.as_deref(),
        Some("1990-04-23")
    );
}

#[tokio::test]
async fn given_a_named_stage_when_put_then_the_route_comes_from_the_route_key_not_the_path() {
    let store = InMemoryStore::default();
    let mut event = with_body(
        gateway_event("PUT", "/hello/{username}", Some("Ann")),
        r#"{"dateOfBirth":"2001-02-03"}"#,
    );
    // On a named stage the path carries the stage; the route and its
    // parameters come from the route key and pathParameters all the same.
    event.raw_path = Some("/staging/hello/Ann".into());
    event.request_context.stage = Some("staging".into());
    event.route_key = None;
    assert_eq!(put(&store, &today(), event).await.0, 204);
    assert_eq!(
        stored_date(&store, "Ann").await.as_deref(),
        Some("2001-02-03")
    );
}

#[tokio::test]
async fn given_an_existing_user_when_put_again_then_last_write_wins_and_created_at_stays() {
    let store = InMemoryStore::default();
    let first = today();
    let later = FixedClock::at_noon_utc(date(2026, 12, 1));
    let event = |dob: &str| {
        with_body(
            gateway_event("PUT", "/hello/{username}", Some("Ann")),
            &format!(r#"{{"dateOfBirth":"{dob}"}}"#),
        )
    };

    put(&store, &first, event("1990-01-01")).await;
    let (status, _) = put(&store, &later, event("1991-02-02")).await;

    assert_eq!(status, 204);
    let user = store
        .get(&Username::parse("Ann").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.date_of_birth.to_string(), "1991-02-02");
    assert_eq!(
        (user.created_at, user.updated_at),
        (first.now(), later.now())
    );
}

#[tokio::test]
async fn given_case_differences_when_put_then_they_are_different_users() {
    let store = InMemoryStore::default();
    for (name, dob) in [("ann", "1990-01-01"), ("Ann", "1991-01-01")] {
        let e = with_body(
            gateway_event("PUT", "/hello/{username}", Some(name)),
            &format!(r#"{{"dateOfBirth":"{dob}"}}"#),
        );
        put(&store, &today(), e).await;
    }
    assert_eq!(
        stored_date(&store, "ann").await.as_deref(),
        Some("1990-01-01")
    );
    assert_eq!(
        stored_date(&store, "Ann").await.as_deref(),
        Some("1991-01-01")
    );
}

#[tokio::test]
async fn given_an_invalid_username_when_put_then_400_and_nothing_is_stored() {
    let store = InMemoryStore::default();
    let too_long = "a".repeat(65);
    for name in ["john1", "john_doe", "a.b", "a b", too_long.as_str()] {
        let e = with_body(
            gateway_event("PUT", "/hello/{username}", Some(name)),
            r#"{"dateOfBirth":"2000-01-01"}"#,
        );
        let (status, body) = put(&store, &today(), e).await;
        assert_eq!(status, 400, "{name}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("the username"),
            "{body}"
        );
    }
    // What the gateway passes for `/hello/a%2Fb`, `/hello/a%00b` and `/hello/%FF`.
    for name in ["a/b", "a\0b", "%FF"] {
        let e = with_body(
            gateway_event("PUT", "/hello/{username}", Some(name)),
            r#"{"dateOfBirth":"2000-01-01"}"#,
        );
        assert_eq!(put(&store, &today(), e).await.0, 400, "{name:?}");
    }
    assert!(
        store
            .get(&Username::parse("john").unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn given_bad_bodies_when_put_then_400_naming_the_problem_and_the_stored_date_is_unchanged() {
    let store = InMemoryStore::default();
    let event =
        |body: &str| with_body(gateway_event("PUT", "/hello/{username}", Some("Ann")), body);
    put(&store, &today(), event(r#"{"dateOfBirth":"1990-01-01"}"#)).await;

    for (body, expected) in [
        ("", "the request body is empty"),
        ("{not json", "the request body is not valid JSON"),
        ("[]", "the request body is not a JSON object"),
        ("{}", r#""dateOfBirth" is missing"#),
        (r#"{"dateOfBirth":null}"#, r#""dateOfBirth" is null"#),
        (
            r#"{"dateOfBirth":19900101}"#,
            r#""dateOfBirth" must be a string"#,
        ),
        (
            r#"{"dateOfBirth":"2001-02-29"}"#,
            "is not a real calendar date",
        ),
        (r#"{"dateOfBirth":"2026-11-23"}"#, "is not in the past"),
        (r#"{"dateOfBirth":"2030-01-01"}"#, "is not in the past"),
        (
            r#"{"dateOfBirth":"1990-01-01T00:00:00Z"}"#,
            "is a date and time",
        ),
        (
            r#"{"dateOfBirth":"01/02/1990"}"#,
            "is not in the YYYY-MM-DD format",
        ),
    ] {
        let (status, body) = put(&store, &today(), event(body)).await;
        assert_eq!(status, 400, "{body}");
        let message = body["message"].as_str().unwrap();
        assert!(
            message.contains(expected),
            "{message:?} should contain {expected:?}"
        );
    }
    let mut missing = event("");
    missing.body = None;
    assert_eq!(put(&store, &today(), missing).await.0, 400);
    assert_eq!(
        stored_date(&store, "Ann").await.as_deref(),
        Some("1990-01-01")
    );
}

#[tokio::test]
async fn given_an_oversized_body_when_put_then_413_without_parsing() {
    let store = InMemoryStore::default();
    let huge = format!(
        r#"{{"dateOfBirth":"1990-01-01","pad":"{}"}}"#,
        "x".repeat(17 * 1024)
    );
    let (status, body) = put(
        &store,
        &today(),
        with_body(
            gateway_event("PUT", "/hello/{username}", Some("Ann")),
            &huge,
        ),
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(stored_date(&store, "Ann").await, None);
}

#[tokio::test]
async fn given_the_store_is_down_when_put_then_503_with_a_message() {
    let store = InMemoryStore::default();
    store.set_unavailable(true);
    let (status, body) = put(&store, &today(), load_event("put-hello")).await;
    assert_eq!(status, 503);
    assert_eq!(
        body,
        json!({"message": "the user store is unavailable right now: please retry in a few seconds"})
    );
}

#[tokio::test]
async fn given_an_event_for_another_route_then_404_as_json() {
    let store = InMemoryStore::default();
    for (method, route) in [("GET", "/hello/{username}"), ("POST", "/hello/{username}")] {
        let (status, body) = put(&store, &today(), gateway_event(method, route, Some("Ann"))).await;
        assert_eq!(status, 404, "{method} {route}");
        assert!(body["message"].as_str().unwrap().contains(route), "{body}");
    }
}

// --- hostile shapes ---------------------------------------------------------

#[tokio::test]
async fn given_hostile_bodies_when_put_then_400_or_413_and_nothing_is_stored() {
    use base64::Engine as _;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let store = InMemoryStore::default();
    let deep = format!("{}{}", "[".repeat(100_000 / 2), "]".repeat(100_000 / 2));
    let deep_object = format!(
        r#"{{"dateOfBirth":"1990-01-01","x":{}1{}}}"#,
        "[".repeat(2000),
        "]".repeat(2000)
    );
    let cases: Vec<(String, bool, u16)> = vec![
        (deep, false, 413),
        (deep_object, false, 400),
        (b64(&[0xff, 0xfe, b'{', 0x80]), true, 400),
        (b64(br#"{"dateOfBirth":"1990-01-01"#), true, 400),
        ("%%%not-base64%%%".into(), true, 400),
        (b64(&vec![b' '; 20 * 1024]), true, 413),
        ("\u{0}".into(), false, 400),
        (r#"{"dateOfBirth":"1990-01-01\u0000"}"#.into(), false, 400),
        (r#"{"dateOfBirth":"１９９０-01-01"}"#.into(), false, 400),
    ];
    for (body, base64, expected) in cases {
        let mut event = with_body(
            gateway_event("PUT", "/hello/{username}", Some("Ann")),
            &body,
        );
        event.is_base64_encoded = base64;
        let (status, json) = put(&store, &today(), event).await;
        assert_eq!(status, i64::from(expected), "{:.80}: {json}", body);
        assert!(json["message"].is_string());
    }
    assert_eq!(stored_date(&store, "Ann").await, None);
}

#[tokio::test]
async fn given_duplicate_keys_when_put_then_400_because_the_request_is_ambiguous() {
    let store = InMemoryStore::default();
    let body = r#"{"dateOfBirth":"1980-01-01","dateOfBirth":"1990-04-23"}"#;
    let (status, json) = put(
        &store,
        &today(),
        with_body(gateway_event("PUT", "/hello/{username}", Some("Ann")), body),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        json["message"]
            .as_str()
            .unwrap()
            .contains("appears more than once")
    );
    assert_eq!(stored_date(&store, "Ann").await, None);
}

async fn put_as(
    store: &InMemoryStore,
    auth: AuthMode,
    event: ApiGatewayV2httpRequest,
) -> (i64, serde_json::Value) {
    status_and_json(&handler(store, &today(), auth, invocation(event)).await)
}

fn put_ann(date: &str) -> ApiGatewayV2httpRequest {
    with_body(
        gateway_event("PUT", "/hello/{username}", Some("Ann")),
        &format!(r#"{{"dateOfBirth":"{date}"}}"#),
    )
}

#[tokio::test]
async fn given_another_users_token_when_put_then_403_naming_both_and_nothing_changes() {
    let store = InMemoryStore::default();
    let (status, _) = put_as(
        &store,
        AuthMode::Cognito,
        signed_in(put_ann("1990-01-01"), "Ann", &[]),
    )
    .await;
    assert_eq!(status, 204);

    let (status, body) = put_as(
        &store,
        AuthMode::Cognito,
        signed_in(put_ann("1980-05-05"), "Bob", &[]),
    )
    .await;
    assert_eq!(status, 403);
    let message = body["message"].as_str().unwrap();
    assert!(message.starts_with("this token is Bob's"), "{message}");
    assert!(message.contains("Ann's needs Ann's own token"), "{message}");
    assert_eq!(
        stored_date(&store, "Ann").await.as_deref(),
        Some("1990-01-01")
    );

    let (status, _) = put_as(
        &store,
        AuthMode::Cognito,
        signed_in(put_ann("1980-05-05"), "ann", &[]),
    )
    .await;
    assert_eq!(status, 403, "usernames are case-sensitive in tokens too");
}

#[tokio::test]
async fn given_an_admins_token_when_put_for_anyone_then_204() {
    let store = InMemoryStore::default();
    let event = signed_in(put_ann("1990-01-01"), "Ops", &["ops", "admins"]);
    assert_eq!(put_as(&store, AuthMode::Cognito, event).await.0, 204);
    assert_eq!(
        stored_date(&store, "Ann").await.as_deref(),
        Some("1990-01-01")
    );
}

#[tokio::test]
async fn given_no_verified_caller_when_put_then_401_and_nothing_is_stored() {
    let store = InMemoryStore::default();
    let (status, body) = put_as(&store, AuthMode::Cognito, put_ann("1990-01-01")).await;
    assert_eq!(status, 401);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("authorizer is missing")
    );
    assert_eq!(stored_date(&store, "Ann").await, None);
}

#[tokio::test]
async fn given_open_mode_when_anyone_puts_then_204_as_before() {
    let store = InMemoryStore::default();
    assert_eq!(
        put_as(&store, AuthMode::Open, put_ann("1990-01-01"))
            .await
            .0,
        204
    );
    let event = signed_in(put_ann("1991-02-02"), "Bob", &[]);
    assert_eq!(put_as(&store, AuthMode::Open, event).await.0, 204);
    assert_eq!(
        stored_date(&store, "Ann").await.as_deref(),
        Some("1991-02-02")
    );
}
