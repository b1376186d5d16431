//! `GET /users` through the handler, with real event shapes, an in-memory
//! store and a fixed clock.

use get_users::handler;
use jiff::civil::date;
use shared::clock::{Clock, FixedClock};
use shared::domain::{DateOfBirth, Username};
use shared::http::ApiGatewayV2httpRequest;
use shared::identity::AuthMode;
use shared::store::{InMemoryStore, UserStore};
use shared::testing::{gateway_event, invocation, load_event, signed_in, status_and_json};

fn today() -> FixedClock {
    FixedClock::at_noon_utc(date(2026, 11, 23))
}

async fn store_with(names: &[&str]) -> InMemoryStore {
    let store = InMemoryStore::default();
    for name in names {
        store
            .put_date_of_birth(
                &Username::parse(name).unwrap(),
                DateOfBirth::from_stored(date(1990, 11, 28)),
                today().now(),
            )
            .await
            .unwrap();
    }
    store
}

fn list(query: &[(&str, &str)]) -> ApiGatewayV2httpRequest {
    let mut event = gateway_event("GET", "/users", None);
    event.query_string_parameters = query
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect::<std::collections::HashMap<_, _>>()
        .into();
    event
}

fn as_admin(event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpRequest {
    signed_in(event, "Ops", &["admins"])
}

async fn call(
    store: &InMemoryStore,
    auth: AuthMode,
    event: ApiGatewayV2httpRequest,
) -> (i64, serde_json::Value) {
    status_and_json(&handler(store, &today(), auth, invocation(event)).await)
}

fn names(body: &serde_json::Value) -> Vec<&str> {
    body["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn given_the_sam_event_when_listed_by_an_admin_then_records_as_get_user_shows_them() {
    let store = store_with(&["Ann", "Bob", "Cy"]).await;
    let (status, body) = call(&store, AuthMode::Cognito, load_event("list-users")).await;
    assert_eq!(status, 200);
    assert_eq!(names(&body), ["Ann", "Bob"]);
    assert_eq!(
        body["users"][0],
        serde_json::json!({
            "username": "Ann",
            "dateOfBirth": "1990-11-28",
            "nextBirthday": "2026-11-28",
            "daysUntilBirthday": 5,
            "createdAt": "2026-11-23T12:00:00.000Z",
            "updatedAt": "2026-11-23T12:00:00.000Z",
        })
    );
    assert!(body["next"].is_string());
}

#[tokio::test]
async fn given_more_users_than_a_page_then_next_walks_every_user_once() {
    let all = ["Ann", "Bob", "Cy", "Dee", "Eve"];
    let store = store_with(&all).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let mut query = vec![("limit", "2")];
        if let Some(c) = &cursor {
            query.push(("cursor", c));
        }
        let (status, body) = call(&store, AuthMode::Cognito, as_admin(list(&query))).await;
        assert_eq!(status, 200, "{body}");
        seen.extend(names(&body).into_iter().map(str::to_owned));
        cursor = body["next"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, all);
}

#[tokio::test]
async fn given_no_limit_then_25_and_an_empty_store_gives_an_empty_last_page() {
    let many: Vec<String> = (0..30)
        .map(|i| {
            format!(
                "User{}{}",
                char::from(b'a' + i / 10),
                char::from(b'a' + i % 10)
            )
        })
        .collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let store = store_with(&refs).await;
    let (_, body) = call(&store, AuthMode::Cognito, as_admin(list(&[]))).await;
    assert_eq!(names(&body).len(), 25);

    let (status, body) = call(
        &InMemoryStore::default(),
        AuthMode::Cognito,
        as_admin(list(&[])),
    )
    .await;
    assert_eq!(
        (status, body),
        (200, serde_json::json!({"users": [], "next": null}))
    );
}

#[tokio::test]
async fn given_a_bad_limit_or_cursor_then_400_naming_it() {
    let store = store_with(&["Ann"]).await;
    for limit in ["0", "101", "-1", "ten", "", "2,3", "1.5"] {
        let (status, body) = call(
            &store,
            AuthMode::Cognito,
            as_admin(list(&[("limit", limit)])),
        )
        .await;
        assert_eq!(status, 400, "limit={limit:?}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("limit must be a whole number from 1 to 100")
        );
    }
    // Not base64; base64 of something else; a tag with an invalid name; padding added.
    for cursor in ["%%%", "QW5u", "dTE6QW5uMQ", "dTE6QW5u=="] {
        let (status, body) = call(
            &store,
            AuthMode::Cognito,
            as_admin(list(&[("cursor", cursor)])),
        )
        .await;
        assert_eq!(status, 400, "cursor={cursor:?}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .starts_with("the cursor is not one this API hands out")
        );
    }
}

#[tokio::test]
async fn given_a_non_admin_or_no_caller_then_refused_unless_open() {
    let store = store_with(&["Ann"]).await;
    let (status, body) = call(
        &store,
        AuthMode::Cognito,
        signed_in(list(&[]), "Ann", &["ops"]),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("only members of admins may list the users")
    );
    assert!(body.get("users").is_none());

    assert_eq!(call(&store, AuthMode::Cognito, list(&[])).await.0, 401);
    let (status, body) = call(&store, AuthMode::Open, list(&[])).await;
    assert_eq!((status, names(&body)), (200, vec!["Ann"]));
}

#[tokio::test]
async fn given_the_store_is_down_then_503() {
    let store = store_with(&[]).await;
    store.set_unavailable(true);
    assert_eq!(
        call(&store, AuthMode::Cognito, as_admin(list(&[]))).await.0,
        503
    );
}
