//! `GET /hello/{username}` and `GET /users/{username}` through the handler,
//! with real event shapes, an in-memory store and a fixed clock.

use get_user_by_id::handler;
use jiff::civil::{Date, date};
use serde_json::json;
use shared::clock::{Clock, FixedClock};
use shared::domain::{DateOfBirth, Username};
use shared::http::ApiGatewayV2httpRequest;
use shared::identity::AuthMode;
use shared::store::{InMemoryStore, UserStore};
use shared::testing::{
    as_owner, gateway_event, invocation, load_event, signed_in, status_and_json,
};

async fn store_with(users: &[(&str, Date)], clock: &FixedClock) -> InMemoryStore {
    let store = InMemoryStore::default();
    for (name, born) in users {
        let username = Username::parse(name).unwrap();
        store
            .put_date_of_birth(&username, DateOfBirth::from_stored(*born), clock.now())
            .await
            .unwrap();
    }
    store
}

async fn get(
    store: &InMemoryStore,
    clock: &FixedClock,
    event: ApiGatewayV2httpRequest,
) -> (i64, serde_json::Value) {
    status_and_json(&handler(store, clock, AuthMode::Cognito, invocation(as_owner(event))).await)
}

async fn greeting(born: Date, today: Date) -> String {
    let clock = FixedClock::at_noon_utc(today);
    let store = store_with(&[("Ann", born)], &clock).await;
    let (status, body) = get(
        &store,
        &clock,
        gateway_event("GET", "/hello/{username}", Some("Ann")),
    )
    .await;
    assert_eq!(status, 200);
    body["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn given_a_stored_user_when_greeted_then_days_until_birthday() {
    assert_eq!(
        greeting(date(1990, 11, 28), date(2026, 11, 23)).await,
        "Hello, Ann! Your birthday is in 5 days"
    );
    assert_eq!(
        greeting(date(1990, 11, 24), date(2026, 11, 23)).await,
        "Hello, Ann! Your birthday is in 1 day"
    );
    assert_eq!(
        greeting(date(1990, 11, 22), date(2026, 11, 23)).await,
        "Hello, Ann! Your birthday is in 364 days"
    );
    assert_eq!(
        greeting(date(1990, 1, 1), date(2026, 12, 31)).await,
        "Hello, Ann! Your birthday is in 1 day"
    );
}

#[tokio::test]
async fn given_a_birthday_today_when_greeted_then_happy_birthday() {
    assert_eq!(
        greeting(date(1990, 11, 23), date(2026, 11, 23)).await,
        "Hello, Ann! Happy birthday!"
    );
    assert_eq!(
        greeting(date(2000, 2, 29), date(2027, 2, 28)).await,
        "Hello, Ann! Happy birthday!"
    );
    assert_eq!(
        greeting(date(2000, 2, 29), date(2028, 2, 29)).await,
        "Hello, Ann! Happy birthday!"
    );
}

#[tokio::test]
async fn given_the_sam_events_when_invoked_then_both_routes_answer() {
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let store = store_with(&[("Zoë", date(1990, 4, 23))], &clock).await;

    let (status, body) = get(&store, &clock, load_event("get-hello")).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"message": "Hello, Zoë! Your birthday is in 151 days"})
        )
    );

    let (status, body) = get(&store, &clock, load_event("get-user")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({
            "username": "Zoë",
            "dateOfBirth": "1990-04-23",
            "nextBirthday": "2027-04-23",
            "daysUntilBirthday": 151,
            "createdAt": "2026-11-23T12:00:00.000Z",
            "updatedAt": "2026-11-23T12:00:00.000Z",
        })
    );
}

#[tokio::test]
async fn given_an_unknown_user_when_read_then_404_on_both_routes() {
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let store = store_with(&[("ann", date(1990, 1, 1))], &clock).await;
    for route in ["/hello/{username}", "/users/{username}"] {
        let (status, body) = get(&store, &clock, gateway_event("GET", route, Some("Ann"))).await;
        assert_eq!(status, 404, "{route}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("no user is named Ann"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn given_an_invalid_username_when_read_then_400() {
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let store = InMemoryStore::default();
    for route in ["/hello/{username}", "/users/{username}"] {
        for name in ["john1", "a.b", "john_doe"] {
            let (status, body) = get(&store, &clock, gateway_event("GET", route, Some(name))).await;
            assert_eq!(status, 400, "{route} {name}");
            assert!(body["message"].as_str().unwrap().contains("only letters"));
        }
    }
}

#[tokio::test]
async fn given_the_store_is_down_when_read_then_503() {
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let store = InMemoryStore::default();
    store.set_unavailable(true);
    let (status, body) = get(&store, &clock, load_event("get-user")).await;
    assert_eq!(status, 503);
    assert!(body["message"].as_str().unwrap().contains("unavailable"));
}

#[tokio::test]
async fn given_an_event_for_another_route_then_404() {
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let store = InMemoryStore::default();
    for (method, route) in [
        ("DELETE", "/users/{username}"),
        ("PUT", "/hello/{username}"),
        ("GET", "/users"),
    ] {
        let (status, _) = get(&store, &clock, gateway_event(method, route, Some("Ann"))).await;
        assert_eq!(status, 404, "{method} {route}");
    }
}

async fn get_as(
    store: &InMemoryStore,
    clock: &FixedClock,
    auth: AuthMode,
    event: ApiGatewayV2httpRequest,
) -> (i64, serde_json::Value) {
    status_and_json(&handler(store, clock, auth, invocation(event)).await)
}

#[tokio::test]
async fn given_another_users_token_when_reading_a_record_then_403_but_the_greeting_is_public() {
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let store = store_with(&[("Ann", date(1990, 11, 28))], &clock).await;
    let record = || gateway_event("GET", "/users/{username}", Some("Ann"));

    let (status, body) = get_as(
        &store,
        &clock,
        AuthMode::Cognito,
        signed_in(record(), "Bob", &[]),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("this token is Bob's")
    );
    assert!(body.get("dateOfBirth").is_none());

    let (status, body) = get_as(
        &store,
        &clock,
        AuthMode::Cognito,
        signed_in(record(), "Ann", &[]),
    )
    .await;
    assert_eq!(
        (status, body["dateOfBirth"].as_str()),
        (200, Some("1990-11-28"))
    );
    let admin = signed_in(record(), "Ops", &["admins"]);
    assert_eq!(
        get_as(&store, &clock, AuthMode::Cognito, admin).await.0,
        200
    );

    let greeting = gateway_event("GET", "/hello/{username}", Some("Ann"));
    let (status, body) = get_as(&store, &clock, AuthMode::Cognito, greeting).await;
    assert_eq!(
        (status, body["message"].as_str()),
        (200, Some("Hello, Ann! Your birthday is in 5 days"))
    );
}

#[tokio::test]
async fn given_no_verified_caller_when_reading_a_record_then_401_unless_open() {
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let store = store_with(&[("Ann", date(1990, 11, 28))], &clock).await;
    let record = || gateway_event("GET", "/users/{username}", Some("Ann"));
    assert_eq!(
        get_as(&store, &clock, AuthMode::Cognito, record()).await.0,
        401
    );
    let (status, body) = get_as(&store, &clock, AuthMode::Open, record()).await;
    assert_eq!((status, body["username"].as_str()), (200, Some("Ann")));
}
