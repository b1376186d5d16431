//! What the business and the operator count, as CloudWatch metrics in the
//! Embedded Metric Format: the one request line each invocation logs is also
//! an EMF document, so CloudWatch Logs extracts the metrics from it with no
//! API call and no extra line.
//! <https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html>

use serde::Serialize;
use serde::ser::SerializeMap;

/// Where the metrics go when the stack names no namespace (local runs).
pub const DEFAULT_NAMESPACE: &str = "Birthdays/local";

/// The counted outcomes of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A date of birth was stored (`PUT /hello/{username}` answered 204).
    DateOfBirthStored,
    /// A greeting was served (`GET /hello/{username}` answered 200).
    GreetingServed,
    /// A user's record was erased (`DELETE /users/{username}` answered 204).
    DateOfBirthDeleted,
    /// A read named a user that does not exist (404 on a user route).
    UserNotFound,
    /// A caller was refused by the ownership rules (403).
    RequestRefused,
    /// The user store could not be reached in time (503).
    StorageUnavailable,
}

impl Outcome {
    pub const ALL: [Outcome; 6] = [
        Outcome::DateOfBirthStored,
        Outcome::GreetingServed,
        Outcome::DateOfBirthDeleted,
        Outcome::UserNotFound,
        Outcome::RequestRefused,
        Outcome::StorageUnavailable,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::DateOfBirthStored => "DateOfBirthStored",
            Outcome::GreetingServed => "GreetingServed",
            Outcome::DateOfBirthDeleted => "DateOfBirthDeleted",
            Outcome::UserNotFound => "UserNotFound",
            Outcome::RequestRefused => "RequestRefused",
            Outcome::StorageUnavailable => "StorageUnavailable",
        }
    }

    /// The outcome a route's answer counts as, if any.
    pub fn of(route: &str, status: i64) -> Option<Self> {
        match (route, status) {
            ("PUT /hello/{username}", 204) => Some(Outcome::DateOfBirthStored),
            ("GET /hello/{username}", 200) => Some(Outcome::GreetingServed),
            ("DELETE /users/{username}", 204) => Some(Outcome::DateOfBirthDeleted),
            (route, 404) if route.contains("{username}") => Some(Outcome::UserNotFound),
            (_, 403) => Some(Outcome::RequestRefused),
            (_, 503) => Some(Outcome::StorageUnavailable),
            _ => None,
        }
    }
}

/// One request's log line, in the key names of Powertools for AWS Lambda,
/// and, when the request counts as an [`Outcome`], its EMF metadata and
/// value, with the function and the route as dimensions (and none, for the
/// stage-wide total that alarms watch).
#[derive(Debug)]
pub struct RequestLine<'a> {
    pub namespace: &'a str,
    pub service: &'a str,
    pub function: &'a str,
    pub function_request_id: &'a str,
    /// API Gateway's id of the request (`requestContext.requestId`), as its
    /// access log and the `apigw-requestid` header show it.
    pub api_request_id: &'a str,
    pub xray_trace_id: &'a str,
    pub cold_start: bool,
    pub route: &'a str,
    pub status: i64,
    pub latency_ms: f64,
    pub at: jiff::Timestamp,
}

impl Serialize for RequestLine<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let outcome = Outcome::of(self.route, self.status);
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("level", "INFO")?;
        map.serialize_entry("message", "request")?;
        map.serialize_entry("timestamp", &self.at.to_string())?;
        map.serialize_entry("service", self.service)?;
        map.serialize_entry("function", self.function)?;
        map.serialize_entry("function_request_id", self.function_request_id)?;
        map.serialize_entry("api_request_id", self.api_request_id)?;
        map.serialize_entry("xray_trace_id", self.xray_trace_id)?;
        map.serialize_entry("cold_start", &self.cold_start)?;
        map.serialize_entry("route", self.route)?;
        map.serialize_entry("status", &self.status)?;
        map.serialize_entry("latency_ms", &self.latency_ms)?;
        if let Some(outcome) = outcome {
            map.serialize_entry(outcome.name(), &1)?;
            map.serialize_entry(
                "_aws",
                &serde_json::json!({
                    "Timestamp": self.at.as_millisecond(),
                    "CloudWatchMetrics": [{
                        "Namespace": self.namespace,
                        "Dimensions": [["function", "route"], []],
                        "Metrics": [{"Name": outcome.name(), "Unit": "Count"}],
                    }],
                }),
            )?;
        }
        map.end()
    }
}

impl std::fmt::Display for RequestLine<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let json = serde_json::to_string(self).map_err(|_| std::fmt::Error)?;
        f.write_str(&json)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn line(route: &str, status: i64) -> Value {
        let line = RequestLine {
            namespace: "Birthdays/dev",
            service: "birthdays",
            function: "put_birthday",
            function_request_id: "req-1",
            api_request_id: "Ab12Cd34Ef56Gh=",
            xray_trace_id: "Root=1-2-3",
            cold_start: true,
            route,
            status,
            latency_ms: 1.5,
            at: jiff::Timestamp::from_millisecond(1_795_435_200_123).unwrap(),
        };
        serde_json::from_str(&line.to_string()).unwrap()
    }

    #[test]
    fn a_stored_date_is_an_emf_document() {
        let doc = line("PUT /hello/{username}", 204);
        let metadata = &doc["_aws"];
        assert_eq!(metadata["Timestamp"], 1_795_435_200_123_i64);
        let directive = &metadata["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Birthdays/dev");
        assert_eq!(
            directive["Metrics"],
            serde_json::json!([{"Name": "DateOfBirthStored", "Unit": "Count"}])
        );
        // Every dimension named is a top-level string, and the value a number.
        for set in directive["Dimensions"].as_array().unwrap() {
            for key in set.as_array().unwrap() {
                assert!(doc[key.as_str().unwrap()].is_string(), "{key}");
            }
        }
        assert_eq!(doc["function"], "put_birthday");
        assert_eq!(doc["route"], "PUT /hello/{username}");
        assert_eq!(doc["DateOfBirthStored"], 1);
        // The request line's own keys stay.
        assert_eq!(doc["message"], "request");
        assert_eq!(doc["status"], 204);
        assert_eq!(doc["cold_start"], true);
    }

    #[test]
    fn each_outcome_from_its_route_and_status() {
        for (route, status, metric) in [
            ("GET /hello/{username}", 200, Some("GreetingServed")),
            ("GET /users/{username}", 404, Some("UserNotFound")),
            ("GET /hello/{username}", 404, Some("UserNotFound")),
            ("PUT /hello/{username}", 403, Some("RequestRefused")),
            ("GET /users/{username}", 503, Some("StorageUnavailable")),
            ("DELETE /users/{username}", 204, Some("DateOfBirthDeleted")),
            ("DELETE /users/{username}", 404, Some("UserNotFound")),
            ("PUT /hello/{username}", 400, None),
            ("GET /time", 200, None),
            ("GET /users/{username}", 200, None),
        ] {
            let doc = line(route, status);
            let named = doc["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"].as_str();
            assert_eq!(named, metric, "{route} {status}");
            if let Some(metric) = metric {
                assert_eq!(doc[metric], 1);
            } else {
                assert!(doc.get("_aws").is_none());
            }
        }
    }
}
