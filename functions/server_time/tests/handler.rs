//! `GET /time` through the handler with a fixed clock.

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::json;
use server_time::{ServerTime, handler};
use shared::clock::FixedClock;
use shared::http::ApiGatewayV2httpRequest;
use shared::testing::{gateway_event, invocation, load_event, status_and_json};

fn deps(zone: &str) -> ServerTime<FixedClock> {
    ServerTime {
        clock: FixedClock("2026-11-23T12:34:56.789Z".parse::<Timestamp>().unwrap()),
        zone: TimeZone::get(zone).unwrap(),
    }
}

async fn time(zone: &str, event: ApiGatewayV2httpRequest) -> (i64, serde_json::Value) {
    status_and_json(&handler(&deps(zone), invocation(event)).await)
}

#[tokio::test]
async fn given_a_utc_server_when_asked_then_utc_time_with_milliseconds() {
    let (status, body) = time("UTC", load_event("get-time")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"time": "2026-11-23T12:34:56.789+00:00", "timezone": "UTC", "epochSeconds": 1795437296})
    );
}

#[tokio::test]
async fn given_a_server_elsewhere_when_asked_then_its_own_zone_and_offset() {
    let (_, body) = time("America/New_York", load_event("get-time")).await;
    assert_eq!(body["time"], "2026-11-23T07:34:56.789-05:00");
    assert_eq!(body["timezone"], "America/New_York");
}

#[tokio::test]
async fn given_a_tz_query_when_asked_then_the_same_instant_in_that_zone() {
    let (status, body) = time("UTC", load_event("get-time-tz")).await;
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"time": "2026-11-23T18:04:56.789+05:30", "timezone": "Asia/Kolkata", "epochSeconds": 1795437296})
    );
}

#[tokio::test]
async fn given_an_unknown_zone_when_asked_then_400_naming_it() {
    for zone in ["Mars/Olympus", "", "../../etc/passwd"] {
        let mut event = load_event("get-time-tz");
        event.query_string_parameters = format!("tz={zone}").parse().unwrap();
        let (status, body) = time("UTC", event).await;
        assert_eq!(status, 400, "{zone}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("not a known IANA time zone"),
            "{body}"
        );
    }
}

#[tokio::test]
async fn given_an_event_for_another_route_then_404() {
    for (method, route) in [("POST", "/time"), ("GET", "/times")] {
        assert_eq!(
            time("UTC", gateway_event(method, route, None)).await.0,
            404,
            "{method} {route}"
        );
    }
}
