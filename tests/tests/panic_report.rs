//! A panic is reported by the panic hook, before the thread (or, with the
//! release profile's `panic = "abort"`, the process) goes down: a test of
//! its own, since the hook is the process's.

use api_tests::sentry::Receiver;
use shared::report::{Dsn, Invocation, Reporter};

#[test]
fn a_panic_reaches_sentry_before_the_thread_ends_without_its_message() {
    let receiver = Receiver::start(0, None).unwrap();
    let reporter = Reporter::new(
        Dsn::parse(&receiver.dsn()).unwrap(),
        "put_birthday",
        "put_birthday@3".into(),
        "test".into(),
    );
    reporter.install_panic_hook();
    reporter.begin(&Invocation {
        route: "PUT /hello/{username}",
        function_request_id: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a".into(),
        api_request_id: "cY8tMiW6JBNFc3R=".into(),
        xray_trace_id: String::new(),
        username: Some("Ann".into()),
    });

    let line = line!() + 1;
    let panicked = std::thread::spawn(|| panic!("a message quoting data: 1990-04-23")).join();

    assert!(panicked.is_err());
    // The hook waited for the send: the event is there as the thread ends.
    let received = receiver.received();
    assert_eq!(received.len(), 1, "one event");
    let event = &received[0].event;
    assert_eq!(event["level"], "fatal");
    assert_eq!(event["event_id"], "9d8c7b6a5f4e4d3c8b2a1f0e9d8c7b6a");
    assert_eq!(event["tags"]["api_request_id"], "cY8tMiW6JBNFc3R=");
    assert_eq!(event["release"], "put_birthday@3");
    let exception = &event["exception"]["values"][0];
    assert_eq!(exception["type"], "panic");
    assert_eq!(exception["mechanism"]["handled"], false);
    let value = exception["value"].as_str().unwrap();
    assert!(
        value.contains(&format!("tests/tests/panic_report.rs:{line}")),
        "where it panicked: {value}"
    );
    assert!(
        !event.to_string().contains("1990-04-23"),
        "the panic's message stays in the log: {event}"
    );
}
