//! The handlers against a real DynamoDB-API server, asserting what is stored.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use api_tests::dynamodb::{LocalDynamo, client_for, create_users_table, free_port};
use aws_sdk_dynamodb::types::AttributeValue;
use jiff::civil::date;
use shared::clock::{Clock, FixedClock};
use shared::domain::{DateOfBirth, Username};
use shared::identity::AuthMode;
use shared::store::{DynamoStore, PageSize, StoreError, UserStore, attribute};
use shared::testing::{gateway_event, invocation, load_event, signed_in, status_and_json};

/// A table of its own for each test, so tests run in parallel on one server.
async fn fresh_store(server: &LocalDynamo) -> DynamoStore {
    shared::testing::capture_logs();
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let table = format!(
        "users-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let client = server.client();
    create_users_table(&client, &table).await.unwrap();
    DynamoStore::new(client, table)
}

async fn raw_item(
    store: &DynamoStore,
    name: &str,
) -> Option<std::collections::HashMap<String, AttributeValue>> {
    store
        .client()
        .get_item()
        .table_name(store.table_name())
        .key(attribute::USERNAME, AttributeValue::S(name.into()))
        .consistent_read(true)
        .send()
        .await
        .unwrap()
        .item
}

fn s(item: &std::collections::HashMap<String, AttributeValue>, name: &str) -> String {
    item[name].as_s().unwrap().clone()
}

fn put_event(name: &str, dob: &str) -> shared::http::ApiGatewayV2httpRequest {
    let mut e = gateway_event("PUT", "/hello/{username}", Some(name));
    e.body = Some(format!(r#"{{"dateOfBirth":"{dob}"}}"#));
    e
}

#[tokio::test]
async fn given_a_put_when_stored_in_dynamodb_then_the_item_has_the_documented_schema() {
    let server = LocalDynamo::start();
    let store = fresh_store(&server).await;
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));

    let response = put_birthday::handler(
        &store,
        &clock,
        AuthMode::Open,
        invocation(load_event("put-hello")),
    )
    .await;

    assert_eq!(response.status_code, 204);
    let item = raw_item(&store, "Zoë").await.expect("the item was written");
    assert_eq!(s(&item, "username"), "Zoë");
    assert_eq!(s(&item, "dateOfBirth"), "1990-04-23");
    assert_eq!(s(&item, "createdAt"), "2026-11-23T12:00:00.000Z");
    assert_eq!(s(&item, "updatedAt"), "2026-11-23T12:00:00.000Z");
    assert_eq!(item.len(), 4, "no other attributes: {item:?}");
}

#[tokio::test]
async fn given_an_update_when_stored_then_created_at_is_kept_and_the_date_replaced() {
    let server = LocalDynamo::start();
    let store = fresh_store(&server).await;
    let first = FixedClock::at_noon_utc(date(2026, 11, 23));
    let later = FixedClock::at_noon_utc(date(2026, 11, 30));

    for (clock, dob) in [(&first, "1990-01-01"), (&later, "1985-06-15")] {
        let put = put_birthday::handler(
            &store,
            clock,
            AuthMode::Open,
            invocation(put_event("Ann", dob)),
        )
        .await;
        assert_eq!(status_and_json(&put), (204, serde_json::Value::Null));
    }

    let item = raw_item(&store, "Ann").await.unwrap();
    assert_eq!(s(&item, "dateOfBirth"), "1985-06-15");
    assert_eq!(s(&item, "createdAt"), "2026-11-23T12:00:00.000Z");
    assert_eq!(s(&item, "updatedAt"), "2026-11-30T12:00:00.000Z");
}

#[tokio::test]
async fn given_a_stored_user_when_read_through_dynamodb_then_greeting_and_record_match() {
    let server = LocalDynamo::start();
    let store = fresh_store(&server).await;
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let put = put_birthday::handler(
        &store,
        &clock,
        AuthMode::Open,
        invocation(put_event("Ann", "2000-02-29")),
    )
    .await;
    assert_eq!(status_and_json(&put), (204, serde_json::Value::Null));

    let hello = get_user_by_id::handler(
        &store,
        &clock,
        AuthMode::Open,
        invocation(gateway_event("GET", "/hello/{username}", Some("Ann"))),
    )
    .await;
    let (status, body) = status_and_json(&hello);
    assert_eq!(status, 200);
    assert_eq!(body["message"], "Hello, Ann! Your birthday is in 97 days");

    let user = get_user_by_id::handler(
        &store,
        &clock,
        AuthMode::Open,
        invocation(gateway_event("GET", "/users/{username}", Some("Ann"))),
    )
    .await;
    let (_, body) = status_and_json(&user);
    assert_eq!(body["nextBirthday"], "2027-02-28");
    assert_eq!(body["createdAt"], "2026-11-23T12:00:00.000Z");

    let unknown = get_user_by_id::handler(
        &store,
        &clock,
        AuthMode::Open,
        invocation(gateway_event("GET", "/users/{username}", Some("Bob"))),
    )
    .await;
    assert_eq!(unknown.status_code, 404);
}

#[tokio::test]
async fn given_rejected_requests_when_handled_then_dynamodb_is_untouched() {
    let server = LocalDynamo::start();
    let store = fresh_store(&server).await;
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let put = put_birthday::handler(
        &store,
        &clock,
        AuthMode::Open,
        invocation(put_event("Ann", "1990-01-01")),
    )
    .await;
    assert_eq!(put.status_code, 204);
    let before = raw_item(&store, "Ann").await;

    for dob in ["2001-02-29", "2026-11-24", "1990-01-01T00:00:00Z", "nope"] {
        let later = FixedClock::at_noon_utc(date(2026, 11, 24));
        let r = put_birthday::handler(
            &store,
            &later,
            AuthMode::Open,
            invocation(put_event("Ann", dob)),
        )
        .await;
        assert_eq!(r.status_code, 400, "{dob}");
    }
    assert_eq!(raw_item(&store, "Ann").await, before);
}

#[tokio::test]
async fn given_a_stored_item_of_the_wrong_shape_when_read_then_an_error_not_a_panic() {
    let server = LocalDynamo::start();
    let store = fresh_store(&server).await;
    store
        .client()
        .put_item()
        .table_name(store.table_name())
        .item(attribute::USERNAME, AttributeValue::S("Ann".into()))
        .item(
            attribute::DATE_OF_BIRTH,
            AttributeValue::N("19900101".into()),
        )
        .send()
        .await
        .unwrap();
    let err = store
        .get(&Username::parse("Ann").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
}

#[tokio::test]
async fn given_an_unreachable_database_when_called_then_503_well_inside_the_function_timeout() {
    // Nothing listens on this loopback port: connections are refused at once
    // and the SDK's bounded retries give up.
    let store = DynamoStore::new(
        client_for(&format!("http://127.0.0.1:{}", free_port())),
        "users",
    );
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let started = Instant::now();

    let response = put_birthday::handler(
        &store,
        &clock,
        AuthMode::Open,
        invocation(load_event("put-hello")),
    )
    .await;

    assert_eq!(response.status_code, 503);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    let missing_table = DynamoStore::new(LocalDynamo::start().client(), "no-such-table");
    let response = get_user_by_id::handler(
        &missing_table,
        &clock,
        AuthMode::Open,
        invocation(load_event("get-user")),
    )
    .await;
    assert_eq!(status_and_json(&response).0, 503);
}

#[tokio::test]
async fn given_a_reachable_database_when_warmed_up_then_nothing_is_written() {
    let server = LocalDynamo::start();
    let store = fresh_store(&server).await;
    store.warm_up().await;
    assert_eq!(raw_item(&store, shared::store::WARM_UP_KEY).await, None);
}

#[tokio::test]
async fn given_an_unreachable_database_when_warmed_up_then_init_goes_on_quickly() {
    let endpoint = format!("http://127.0.0.1:{}", free_port());
    let aws = api_tests::dynamodb::sdk_config(&endpoint).await;
    let config = shared::config::StoreConfig::from_lookup(|_| Some("users".to_owned())).unwrap();
    let store = DynamoStore::connect(&aws, &config);
    let started = Instant::now();
    store.warm_up().await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn given_more_users_than_a_page_when_listed_then_the_pages_hold_each_user_once() {
    let server = LocalDynamo::start();
    let store = fresh_store(&server).await;
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let names = ["Ann", "Bob", "Cy", "Dee", "Eve", "Fay"];
    for name in names {
        let user = Username::parse(name).unwrap();
        let born = DateOfBirth::from_stored(date(1990, 1, 1));
        store
            .put_date_of_birth(&user, born, clock.now())
            .await
            .unwrap();
    }

    // Through the store: six users in pages of two, and the last page says
    // it is the last (no empty page after it).
    let size = PageSize::new(2).unwrap();
    let (mut seen, mut after, mut pages) = (Vec::new(), None, 0);
    loop {
        let page = store.list(size, after.as_ref()).await.unwrap();
        pages += 1;
        assert!(page.users.len() <= 2);
        seen.extend(page.users.iter().map(|u| u.username.to_string()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    seen.sort();
    assert_eq!((seen, pages), (names.map(String::from).to_vec(), 3));

    // Through the handler: the cursor it hands out leads to the next page.
    let mut event = signed_in(gateway_event("GET", "/users", None), "Ops", &["admins"]);
    event.query_string_parameters =
        std::collections::HashMap::from([("limit".to_owned(), "4".to_owned())]).into();
    let first =
        get_users::handler(&store, &clock, AuthMode::Cognito, invocation(event.clone())).await;
    let (status, body) = status_and_json(&first);
    assert_eq!((status, body["users"].as_array().unwrap().len()), (200, 4));
    let cursor = body["next"]
        .as_str()
        .expect("a cursor to the second page")
        .to_owned();
    event.query_string_parameters = std::collections::HashMap::from([
        ("limit".to_owned(), "4".to_owned()),
        ("cursor".to_owned(), cursor),
    ])
    .into();
    let second = get_users::handler(&store, &clock, AuthMode::Cognito, invocation(event)).await;
    let (status, body) = status_and_json(&second);
    assert_eq!((status, body["users"].as_array().unwrap().len()), (200, 2));
    assert_eq!(body["next"], serde_json::Value::Null);
}
