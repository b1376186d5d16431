//! `DELETE /users/{username}` through the handler, with real event shapes
//! and an in-memory store.

use delete_user::handler;
use jiff::civil::date;
use shared::clock::{Clock, FixedClock};
use shared::domain::{DateOfBirth, Username};
use shared::http::ApiGatewayV2httpRequest;
use shared::identity::AuthMode;
use shared::store::{InMemoryStore, UserStore};
use shared::testing::{gateway_event, invocation, load_event, signed_in, status_and_json};

async fn store_with(names: &[&str]) -> InMemoryStore {
    let store = InMemoryStore::default();
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    for name in names {
        store
            .put_date_of_birth(
                &Username::parse(name).unwrap(),
                DateOfBirth::from_stored(date(1990, 4, 23)),
                clock.now(),
            )
            .await
            .unwrap();
    }
    store
}

fn deletion(name: &str) -> ApiGatewayV2httpRequest {
    gateway_event("DELETE", "/users/{username}", Some(name))
}

async fn delete(
    store: &InMemoryStore,
    auth: AuthMode,
    event: ApiGatewayV2httpRequest,
) -> (i64, serde_json::Value) {
    status_and_json(&handler(store, auth, invocation(event)).await)
}

async fn stored(store: &InMemoryStore, name: &str) -> bool {
    store
        .get(&Username::parse(name).unwrap())
        .await
        .unwrap()
        .is_some()
}

#[tokio::test]
async fn given_the_owner_when_deleting_then_204_and_the_record_is_gone_and_others_stay() {
    let store = store_with(&["Ann", "Bob"]).await;
    let (status, body) = delete(
        &store,
        AuthMode::Cognito,
        signed_in(deletion("Ann"), "Ann", &[]),
    )
    .await;
    assert_eq!((status, body), (204, serde_json::Value::Null));
    assert!(!stored(&store, "Ann").await);
    assert!(stored(&store, "Bob").await, "only the caller's record goes");
}

#[tokio::test]
async fn given_nothing_stored_when_deleting_then_404_saying_so() {
    let store = store_with(&[]).await;
    let (status, body) = delete(
        &store,
        AuthMode::Cognito,
        signed_in(deletion("Ann"), "Ann", &[]),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body["message"],
        "no user is named Ann: there is nothing stored to delete"
    );
}

#[tokio::test]
async fn given_another_user_when_deleting_then_403_and_nothing_changes_but_an_admin_may() {
    let store = store_with(&["Ann"]).await;
    let (status, body) = delete(
        &store,
        AuthMode::Cognito,
        signed_in(deletion("Ann"), "Bob", &[]),
    )
    .await;
    assert_eq!(status, 403);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("this token is Bob's"),
        "{body}"
    );
    assert!(stored(&store, "Ann").await);

    let admin = signed_in(deletion("Ann"), "Ops", &["admins"]);
    assert_eq!(delete(&store, AuthMode::Cognito, admin).await.0, 204);
    assert!(!stored(&store, "Ann").await);
}

#[tokio::test]
async fn given_no_verified_caller_then_401_unless_open_mode() {
    let store = store_with(&["Ann"]).await;
    assert_eq!(
        delete(&store, AuthMode::Cognito, deletion("Ann")).await.0,
        401
    );
    assert!(stored(&store, "Ann").await);
    assert_eq!(delete(&store, AuthMode::Open, deletion("Ann")).await.0, 204);
}

#[tokio::test]
async fn given_a_bad_username_then_400_saying_what_is_wrong() {
    let store = store_with(&[]).await;
    let (status, body) = delete(
        &store,
        AuthMode::Cognito,
        signed_in(deletion("ann1"), "ann1", &[]),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["message"],
        "the username may contain only letters, but it contains '1'"
    );
}

#[tokio::test]
async fn given_the_store_is_down_then_503() {
    let store = store_with(&["Ann"]).await;
    store.set_unavailable(true);
    let (status, _) = delete(
        &store,
        AuthMode::Cognito,
        signed_in(deletion("Ann"), "Ann", &[]),
    )
    .await;
    assert_eq!(status, 503);
}

#[tokio::test]
async fn the_sam_event_deletes_its_users_record() {
    let store = store_with(&["Zoë"]).await;
    let (status, _) = delete(&store, AuthMode::Cognito, load_event("delete-user")).await;
    assert_eq!(status, 204);
    assert!(!stored(&store, "Zoë").await);
}
