//! Faults: the database stops in the middle of a load and comes back; the
//! database is slow. The handlers run with the production client settings
//! (timeouts, retries) against a real DynamoDB-API server.

use shared::identity::AuthMode;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use api_tests::dynamodb::{LocalDynamo, create_users_table, free_port};
use api_tests::fault_proxy::{Fault, FaultProxy};
use jiff::civil::date;
use shared::aws::OPERATION_TIMEOUT;
use shared::clock::FixedClock;
use shared::config::StoreConfig;
use shared::store::{DynamoStore, UserStore};
use shared::testing::{capture_logs, gateway_event, invocation, status_and_json};
use tokio::net::TcpListener;
use tokio::sync::Mutex;

/// How long a request may take while the database is down or slow: the
/// client's operation timeout, plus a margin for scheduling on a busy machine.
/// The functions' own timeout (6 s, stacks/functions.yaml) is well above it.
const WITHIN: Duration = Duration::from_millis(OPERATION_TIMEOUT.as_millis() as u64 + 1_500);

/// A store built exactly as the functions build theirs, for `endpoint`.
async fn production_store(endpoint: &str, table: &str) -> DynamoStore {
    let aws = api_tests::dynamodb::sdk_config(endpoint).await;
    let config = StoreConfig::from_lookup(|name| (name == "TABLE_NAME").then(|| table.to_owned()));
    DynamoStore::connect(&aws, &config.unwrap())
}

fn put_event(name: &str, dob: &str) -> shared::http::ApiGatewayV2httpRequest {
    let mut e = gateway_event("PUT", "/hello/{username}", Some(name));
    e.body = Some(format!(r#"{{"dateOfBirth":"{dob}"}}"#));
    e
}

/// Letters only, as usernames must be.
fn name(worker: usize, n: usize) -> String {
    let letter = |d: usize| char::from(b'a' + (d % 26) as u8);
    format!("Load{}{}{}", letter(worker), letter(n / 26), letter(n))
}

fn date_for(n: usize) -> String {
    format!("19{:02}-0{}-1{}", 50 + n % 50, 1 + n % 9, n % 10)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn given_the_database_stops_mid_load_then_503s_within_the_timeout_and_recovery_loses_no_write()
 {
    capture_logs();
    let data = std::env::temp_dir().join(format!("birthdays-faults-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let mut server = LocalDynamo::start_persistent(&data);
    create_users_table(&server.client(), "users").await.unwrap();
    let store = Arc::new(production_store(server.endpoint(), "users").await);
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    // The last date each user was acknowledged (204) with.
    let acknowledged: Arc<Mutex<HashMap<String, String>>> = Arc::default();

    // Phase: (before, down, after); a fixed number of writes per worker in each.
    let mut slowest_during_outage = Duration::ZERO;
    let mut statuses: HashMap<(&str, i64), usize> = HashMap::new();
    for phase in ["before", "down", "after"] {
        if phase == "down" {
            server.stop();
        }
        if phase == "after" {
            server.restart();
        }
        let mut workers = Vec::new();
        for worker in 0..8 {
            let (store, acknowledged) = (store.clone(), acknowledged.clone());
            workers.push(tokio::spawn(async move {
                let mut seen = Vec::new();
                for n in 0..6 {
                    let (user, dob) = (name(worker, n), date_for(n + phase.len()));
                    let started = Instant::now();
                    let response = put_birthday::handler(
                        &*store,
                        &clock,
                        AuthMode::Open,
                        invocation(put_event(&user, &dob)),
                    )
                    .await;
                    let (status, body) = status_and_json(&response);
                    if status == 204 {
                        acknowledged.lock().await.insert(user, dob);
                    } else {
                        assert!(body["message"].is_string(), "{status}: {body}");
                    }
                    seen.push((status, started.elapsed()));
                }
                seen
            }));
        }
        for worker in workers {
            for (status, took) in worker.await.expect("no worker panicked") {
                *statuses.entry((phase, status)).or_default() += 1;
                if phase == "down" {
                    slowest_during_outage = slowest_during_outage.max(took);
                }
            }
        }
    }

    assert_eq!(statuses.get(&("before", 204)), Some(&48), "{statuses:?}");
    assert_eq!(
        statuses.get(&("down", 503)),
        Some(&48),
        "every write during the outage is a 503: {statuses:?}"
    );
    assert!(
        slowest_during_outage <= WITHIN,
        "a request took {slowest_during_outage:?} during the outage"
    );
    assert_eq!(
        statuses.get(&("after", 204)),
        Some(&48),
        "the same client recovers: {statuses:?}"
    );
    for (user, dob) in acknowledged.lock().await.iter() {
        let stored = store
            .get(&shared::domain::Username::parse(user).unwrap())
            .await
            .unwrap();
        assert_eq!(
            stored.map(|r| r.date_of_birth.to_string()).as_deref(),
            Some(dob.as_str()),
            "{user}"
        );
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
}

/// A server that accepts connections and never answers: a database so slow
/// that only the timeouts end the wait.
async fn black_hole() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn given_a_database_that_never_answers_then_503_within_the_timeout_not_a_hang() {
    capture_logs();
    let store = production_store(&black_hole().await, "users").await;
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    for event in [
        put_event("Ann", "1990-01-01"),
        gateway_event("GET", "/users/{username}", Some("Ann")),
    ] {
        let started = Instant::now();
        let response = if event.request_context.http.method == "PUT" {
            put_birthday::handler(&store, &clock, AuthMode::Open, invocation(event)).await
        } else {
            get_user_by_id::handler(&store, &clock, AuthMode::Open, invocation(event)).await
        };
        let took = started.elapsed();
        assert_eq!(status_and_json(&response).0, 503);
        // At least one attempt timed out (900 ms); the SDK may stop retrying
        // before the 3 s operation timeout once its retry budget is spent.
        assert!(
            took >= Duration::from_millis(800),
            "did not wait for the database: {took:?}"
        );
        assert!(took <= WITHIN, "took {took:?}");
    }
}

#[tokio::test]
async fn given_a_refused_connection_then_503_quickly() {
    let store = production_store(&format!("http://127.0.0.1:{}", free_port()), "users").await;
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let started = Instant::now();
    let response = put_birthday::handler(
        &store,
        &clock,
        AuthMode::Open,
        invocation(put_event("Ann", "1990-01-01")),
    )
    .await;
    assert_eq!(status_and_json(&response).0, 503);
    assert!(started.elapsed() <= WITHIN);
}

/// A sampled trace header, as Lambda passes it with Active tracing.
const SAMPLED: &str = "Root=1-6b0f0000-00000000000000000000fa17;Parent=00000000000000a1;Sampled=1";

/// Runs the PUT handler against `endpoint` as a sampled invocation, with a
/// stand-in daemon on loopback; gives the answer's status, how long it took
/// and the handler's subsegment as the daemon received it.
async fn traced_put(endpoint: &str, name: &str) -> (i64, Duration, serde_json::Value) {
    let daemon = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    daemon
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let tracer = shared::xray::Tracer::to(&daemon.local_addr().unwrap().to_string()).unwrap();
    let store = production_store(endpoint, "users").await;
    let clock = FixedClock::at_noon_utc(date(2026, 11, 23));
    let started = Instant::now();
    let response = tracer
        .begin(Some(SAMPLED))
        .expect("sampled")
        .run(
            "PUT /hello/{username}",
            "put_birthday",
            |r: &shared::http::ApiGatewayV2httpResponse| r.status_code,
            put_birthday::handler(
                &store,
                &clock,
                AuthMode::Open,
                invocation(put_event(name, "1990-04-23")),
            ),
        )
        .await;
    let took = started.elapsed();
    let mut buffer = vec![0; 65_536];
    // Init's warm-up comes first when this process warmed a store up.
    loop {
        let n = daemon.recv(&mut buffer).expect("the handler's subsegment");
        let document = api_tests::xray::document_of(&buffer[..n]).unwrap();
        if document["annotations"]["route"].is_string() {
            return (response.status_code, took, document);
        }
    }
}

/// The DynamoDB attempts under a handler's subsegment (of `operation`, or all).
fn attempts<'a>(
    handler: &'a serde_json::Value,
    operation: Option<&str>,
) -> Vec<&'a serde_json::Value> {
    handler["subsegments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["name"] == "DynamoDB")
        .filter(|s| operation.is_none_or(|op| s["aws"]["operation"] == op))
        .collect()
}

#[tokio::test]
async fn given_dynamodb_throttles_past_the_retries_then_503_within_3_seconds_and_each_attempt_is_traced_as_throttled()
 {
    let server = LocalDynamo::start();
    create_users_table(&server.client(), "users").await.unwrap();
    for fault in [Fault::ProvisionedThroughputExceeded, Fault::Throttling] {
        let proxy = FaultProxy::start(server.endpoint(), "UpdateItem", fault);
        let (status, took, handler) = traced_put(&proxy.url(), "Thea").await;
        assert_eq!(status, 503, "{fault:?}");
        assert!(took <= WITHIN, "{fault:?} took {took:?}");
        assert_eq!(handler["fault"], true, "{handler}");
        let puts = attempts(&handler, Some("UpdateItem"));
        // Every attempt that reached DynamoDB is one subsegment; the SDK
        // retried (the operation's time limit may cut the last backoff).
        assert_eq!(puts.len(), proxy.faulted(), "{handler}");
        assert!(puts.len() >= 2, "retried: {handler}");
        for (n, attempt) in puts.iter().enumerate() {
            assert_eq!(attempt["aws"]["retries"], n, "{attempt}");
            assert_eq!(attempt["throttle"], true, "{fault:?}: {attempt}");
            assert_eq!(attempt["error"], true, "{attempt}");
            assert!(attempt.get("fault").is_none(), "{attempt}");
            assert_eq!(attempt["http"]["response"]["status"], 400);
            assert_eq!(attempt["namespace"], "aws");
            assert_eq!(attempt["aws"]["table_name"], "users");
            assert_eq!(attempt["aws"]["region"], "us-east-1");
            assert!(
                attempt["aws"]["request_id"]
                    .as_str()
                    .unwrap()
                    .starts_with("FAULT")
            );
        }
    }
}

#[tokio::test]
async fn given_dynamodb_fails_with_500s_then_503_and_each_attempt_is_traced_as_a_fault() {
    let server = LocalDynamo::start();
    create_users_table(&server.client(), "users").await.unwrap();
    let proxy = FaultProxy::start(server.endpoint(), "UpdateItem", Fault::InternalServerError);
    let (status, took, handler) = traced_put(&proxy.url(), "Fay").await;
    assert_eq!(status, 503);
    assert!(took <= WITHIN, "took {took:?}");
    let puts = attempts(&handler, Some("UpdateItem"));
    assert_eq!(puts.len(), proxy.faulted(), "{handler}");
    assert!(puts.len() >= 2, "retried: {handler}");
    for attempt in puts {
        assert_eq!(attempt["fault"], true, "{attempt}");
        assert!(attempt.get("throttle").is_none(), "{attempt}");
        assert_eq!(attempt["http"]["response"]["status"], 500);
    }
}

#[tokio::test]
async fn through_the_proxy_unfaulted_calls_pass_and_are_traced_as_they_are() {
    let server = LocalDynamo::start();
    create_users_table(&server.client(), "users").await.unwrap();
    // Faults only for an operation the handler does not call.
    let proxy = FaultProxy::start(server.endpoint(), "Scan", Fault::InternalServerError);
    let (status, _, handler) = traced_put(&proxy.url(), "Pia").await;
    assert_eq!(status, 204, "{handler}");
    assert_eq!(proxy.faulted(), 0);
    let calls = attempts(&handler, None);
    assert!(!calls.is_empty(), "{handler}");
    for call in calls {
        assert_eq!(call["http"]["response"]["status"], 200, "{call}");
        assert!(
            call.get("error").is_none() && call.get("fault").is_none(),
            "{call}"
        );
        assert!(
            !call["aws"]["request_id"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{call}"
        );
    }
    // Nothing personal: neither the username nor the date of birth.
    let text = handler.to_string();
    assert!(
        !text.contains("Pia") && !text.contains("1990-04-23"),
        "{text}"
    );
}
