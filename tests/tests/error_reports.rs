//! Error reporting to Sentry, against a Sentry receiver on 127.0.0.1: what an
//! event holds, that it has arrived when the answer is given, and that a
//! Sentry that does not answer holds the answer up by no more than the
//! limit. The last test goes through the local API's real functions, which
//! read their DSN from a secret (moto's Secrets Manager).

use std::time::{Duration, Instant};

use api_tests::http::{send, unique_username};
use api_tests::sentry::Receiver;
use shared::report::{DSN_SECRET_VARIABLE, Dsn, Failure, Invocation, Reporter, SEND_TIMEOUT};

fn invocation() -> Invocation {
    Invocation {
        route: "GET /hello/{username}",
        function_request_id: "0b3c5e7a-1f2d-4c6b-9a8e-7d6c5b4a3f2e".into(),
        api_request_id: "bX7sLhV5IAMEb2Q=".into(),
        xray_trace_id: "Root=1-6742-abc".into(),
        username: Some("Ann".into()),
    }
}

fn reporter_to(dsn: &str) -> Reporter {
    Reporter::new(
        Dsn::parse(dsn).unwrap(),
        "get_user_by_id",
        "get_user_by_id@12".into(),
        "test".into(),
    )
}

#[tokio::test]
async fn a_5xx_has_reached_sentry_when_report_returns() {
    let receiver = Receiver::start(0, None).unwrap();
    let failure = Failure::Answered {
        status: 503,
        message: "the user store is unavailable right now: please retry in a few seconds".into(),
    };

    reporter_to(&receiver.dsn())
        .report(&invocation(), &failure)
        .await;

    // No waiting: the function gives its answer only after this returns.
    let received = receiver.received();
    assert_eq!(received.len(), 1, "one event, already there");
    let envelope = &received[0];
    assert_eq!(envelope.path, "/api/1/envelope/");
    assert_eq!(envelope.content_type, "application/x-sentry-envelope");
    assert!(
        envelope.auth.starts_with("Sentry sentry_version=7")
            && envelope.auth.contains("sentry_key=public"),
        "{}",
        envelope.auth
    );
    let event = &envelope.event;
    assert_eq!(event["event_id"], "0b3c5e7a1f2d4c6b9a8e7d6c5b4a3f2e");
    assert_eq!(event["level"], "error");
    assert_eq!(event["release"], "get_user_by_id@12");
    assert_eq!(event["environment"], "test");
    assert_eq!(event["transaction"], "GET /hello/{username}");
    assert_eq!(event["tags"]["route"], "GET /hello/{username}");
    assert_eq!(event["tags"]["status"], "503");
    assert_eq!(
        event["tags"]["function_request_id"],
        "0b3c5e7a-1f2d-4c6b-9a8e-7d6c5b4a3f2e"
    );
    assert_eq!(event["tags"]["api_request_id"], "bX7sLhV5IAMEb2Q=");
    assert_eq!(event["user"], serde_json::json!({ "username": "Ann" }));
    let exception = &event["exception"]["values"][0];
    assert_eq!(exception["type"], "HTTP 503");
    assert!(
        exception["value"]
            .as_str()
            .unwrap()
            .contains("the user store is unavailable"),
        "{exception}"
    );
}

#[tokio::test]
async fn a_sentry_that_never_answers_holds_the_answer_up_no_longer_than_the_limit() {
    // Accepts connections and never answers.
    let black_hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = black_hole.local_addr().unwrap().port();
    let failure = Failure::Answered {
        status: 500,
        message: "x".into(),
    };

    let started = Instant::now();
    reporter_to(&format!("http://public@127.0.0.1:{port}/1"))
        .report(&invocation(), &failure)
        .await;

    let took = started.elapsed();
    assert!(
        took >= SEND_TIMEOUT && took < SEND_TIMEOUT + Duration::from_secs(3),
        "gave up after {took:?}; the limit is {SEND_TIMEOUT:?}"
    );
    drop(black_hole);
}

#[tokio::test]
async fn a_sentry_that_refuses_or_is_not_there_changes_nothing_and_is_quick() {
    let receiver = Receiver::start(0, None).unwrap();
    let over_quota = format!("http://public@127.0.0.1:{}/429", receiver.port());
    // A port nothing listens on: bound, then let go.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nobody = format!(
        "http://public@127.0.0.1:{}/1",
        closed.local_addr().unwrap().port()
    );
    drop(closed);
    let failure = Failure::Answered {
        status: 500,
        message: "x".into(),
    };

    for dsn in [over_quota, nobody] {
        let started = Instant::now();
        reporter_to(&dsn).report(&invocation(), &failure).await;
        // Well under the limit a silent Sentry costs.
        assert!(started.elapsed() < SEND_TIMEOUT / 2, "{dsn}");
    }
    assert_eq!(receiver.received().len(), 1, "the refused event arrived");
}

#[test]
fn an_invocation_names_the_caller_else_the_path_and_never_what_is_not_a_username() {
    use shared::testing::{gateway_event, invocation as lambda_event, signed_in};
    let route = "PUT /hello/{username}";
    let mut event = lambda_event(gateway_event("PUT", "/hello/Ann", Some("Ann")));
    event.context.request_id = "0b3c5e7a-1f2d-4c6b-9a8e-7d6c5b4a3f2e".into();
    event.payload.request_context.request_id = Some("bX7sLhV5IAMEb2Q=".into());
    let of = |event| Invocation::of(&event, route);

    let open = of(event.clone());
    assert_eq!(
        open.username.as_deref(),
        Some("Ann"),
        "the path's, unsigned"
    );
    assert_eq!(open.route, route);
    assert_eq!(
        open.function_request_id,
        "0b3c5e7a-1f2d-4c6b-9a8e-7d6c5b4a3f2e"
    );
    assert_eq!(open.api_request_id, "bX7sLhV5IAMEb2Q=");

    let mut by_admin = event.clone();
    by_admin.payload = signed_in(by_admin.payload, "Boss", &["admins"]);
    assert_eq!(
        of(by_admin).username.as_deref(),
        Some("Boss"),
        "the caller's"
    );

    let mut typed = event;
    typed
        .payload
        .path_parameters
        .insert("username".into(), "ann@example.com".into());
    assert_eq!(of(typed).username, None, "an e-mail address is not sent");
}

#[tokio::test]
async fn without_a_secret_named_nothing_is_set_up() {
    // Nothing but the one variable is looked at: no region, credentials or
    // endpoint, so no client is built and nothing is read.
    for unset in [None, Some(""), Some("  ")] {
        let reporter = Reporter::from_lookup(
            "server_time",
            |name| {
                assert_eq!(
                    name, DSN_SECRET_VARIABLE,
                    "read {name} without a secret named"
                );
                unset.map(str::to_owned)
            },
            None,
        )
        .await;
        assert!(reporter.is_none(), "a reporter for {unset:?}");
    }
}

/// The local API's functions run with `SENTRY_DSN_SECRET` naming a secret in
/// moto, whose DSN points to the local API's receiver; it writes each event
/// to `SENTRY_EVENTS` before it answers. A record the store cannot read
/// makes a real 500.
#[tokio::test]
#[ignore = "needs the local API: `make test` runs it"]
async fn a_real_500_of_the_local_api_reaches_sentry_before_the_answer_without_the_stored_data() {
    let events_file = std::env::var("SENTRY_EVENTS")
        .expect("SENTRY_EVENTS: the local Sentry receiver's events (`make test` sets it)");
    let endpoint = std::env::var("DYNAMODB_ENDPOINT").expect("DYNAMODB_ENDPOINT");
    let table = std::env::var("TABLE_NAME").unwrap_or_else(|_| "users".into());
    let username = unique_username("Broken");
    // A date of birth this code never writes: personal data that must not
    // leave in the report.
    let stored_date = "23/04/1990";
    api_tests::dynamodb::client_for(&endpoint)
        .put_item()
        .table_name(table)
        .item("username", attr(&username))
        .item("dateOfBirth", attr(stored_date))
        .item("createdAt", attr("2026-01-01T00:00:00Z"))
        .item("updatedAt", attr("2026-01-01T00:00:00Z"))
        .send()
        .await
        .unwrap();

    let reply = tokio::task::spawn_blocking(move || {
        let reply = send("GET", &format!("/hello/{}", username.clone()), None);
        (reply, username)
    });
    let (reply, username) = reply.await.unwrap();

    assert_eq!(reply.status, 500, "{}", reply.body);
    let request_id = reply.headers["apigw-requestid"]
        .to_str()
        .unwrap()
        .to_owned();
    // Read once, straight after the answer: the event must already be there.
    let events = std::fs::read_to_string(&events_file).unwrap();
    let line = events
        .lines()
        .find(|line| line.contains(&request_id))
        .unwrap_or_else(|| panic!("no event of request {request_id} in {events_file}:\n{events}"));
    let event: serde_json::Value = serde_json::from_str(line).unwrap();
    assert_eq!(event["tags"]["api_request_id"], request_id.as_str());
    assert_eq!(event["tags"]["status"], "500");
    assert_eq!(event["transaction"], "GET /hello/{username}");
    // The function and its Lambda version (cargo lambda numbers it locally).
    assert!(
        event["release"]
            .as_str()
            .is_some_and(|r| r.starts_with("get_user_by_id@")),
        "{}",
        event["release"]
    );
    assert_eq!(event["environment"], "local");
    assert_eq!(event["user"]["username"], username.as_str());
    assert!(
        !line.contains(stored_date) && !line.contains("1990"),
        "the stored date of birth stays out of the report: {line}"
    );
}

fn attr(text: &str) -> aws_sdk_dynamodb::types::AttributeValue {
    aws_sdk_dynamodb::types::AttributeValue::S(text.to_owned())
}
