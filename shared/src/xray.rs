//! X-Ray traces from inside the function: a subsegment for the handler,
//! named by route, with one subsegment under it for every attempt of every
//! DynamoDB call, and, on the first sampled invocation of a process, one for
//! init's warm-up. Sent over UDP to the X-Ray daemon Lambda runs beside the
//! function (`AWS_XRAY_DAEMON_ADDRESS`), in the daemon's format, as
//! subsegments of the function's segment that the invocation's trace header
//! names. No collector process, no extra crate: the few documents a request
//! makes are written here (the crates there are, `xray-lite` and `xray`, are
//! unmaintained and read the trace header from the process environment,
//! which is not where a Rust runtime gets it).
//!
//! What it costs: an unsampled invocation reads its header and nothing else;
//! a sampled one keeps a few timestamps and sends one datagram, never waiting
//! for it. Nothing personal goes into a document: no path (it holds the
//! username), no key, no body, no token; only the route, the function, the
//! status and the DynamoDB call's own facts.
//! <https://docs.aws.amazon.com/xray/latest/devguide/xray-api-segmentdocuments.html>

use std::future::Future;
use std::net::UdpSocket;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryReason,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use aws_smithy_types::retry::ErrorKind;
use serde_json::{Value, json};

/// The daemon takes datagrams up to 64 KB; a larger document is dropped
/// rather than sent cut.
const MAX_DATAGRAM: usize = 64 * 1024;

/// Where the documents go: the daemon's UDP address, from
/// `AWS_XRAY_DAEMON_ADDRESS` (`host:port`, or `udp:host:port tcp:host:port`).
#[derive(Debug)]
pub struct Tracer {
    socket: UdpSocket,
}

impl Tracer {
    /// The daemon Lambda names, or `None` when it names none (tracing off:
    /// nothing is recorded or sent). Call once, during init.
    pub fn from_env() -> Option<Self> {
        Self::to(&std::env::var("AWS_XRAY_DAEMON_ADDRESS").ok()?)
    }

    /// A tracer sending to `address` (the variable's format), if it parses.
    pub fn to(address: &str) -> Option<Self> {
        let udp = address
            .split_whitespace()
            .find_map(|part| part.strip_prefix("udp:"))
            .unwrap_or(address.trim());
        let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
        socket.connect(udp).ok()?;
        // A full socket buffer drops the document instead of waiting.
        socket.set_nonblocking(true).ok()?;
        Some(Self { socket })
    }

    /// Starts recording an invocation whose trace header is `header`, or
    /// says `None` when the header asks for no trace: `Sampled=0`, or no
    /// `Parent` (the request passes through without being traced).
    pub fn begin(&self, header: Option<&str>) -> Option<Recording<'_>> {
        let header = TraceHeader::parse(header?)?;
        Some(Recording {
            tracer: self,
            trace_id: header.root.to_owned(),
            parent_id: header.parent.to_owned(),
            started: Clock::now(),
        })
    }

    /// Sends one document with the daemon's header line. A failure is
    /// ignored: a trace must never fail or slow a request.
    fn send(&self, document: &Value) {
        let datagram = format!("{{\"format\":\"json\",\"version\":1}}\n{document}");
        if datagram.len() <= MAX_DATAGRAM {
            let _ = self.socket.send(datagram.as_bytes());
        }
    }
}

/// The parts of `Root=1-…;Parent=…;Sampled=1` a subsegment needs, when the
/// trace is sampled.
#[derive(Debug, PartialEq, Eq)]
struct TraceHeader<'a> {
    root: &'a str,
    parent: &'a str,
}

impl<'a> TraceHeader<'a> {
    fn parse(header: &'a str) -> Option<Self> {
        let (mut root, mut parent, mut sampled) = (None, None, false);
        for field in header.split(';') {
            match field.trim().split_once('=') {
                Some(("Root", value)) => root = Some(value),
                Some(("Parent", value)) => parent = Some(value),
                Some(("Sampled", value)) => sampled = value == "1",
                _ => {}
            }
        }
        match (root, parent, sampled) {
            (Some(root), Some(parent), true) if !root.is_empty() && !parent.is_empty() => {
                Some(Self { root, parent })
            }
            _ => None,
        }
    }
}

/// One sampled invocation, being recorded.
#[derive(Debug)]
pub struct Recording<'t> {
    tracer: &'t Tracer,
    trace_id: String,
    parent_id: String,
    started: Clock,
}

impl Recording<'_> {
    /// Runs `handler` with its DynamoDB calls recorded, then sends the
    /// handler's subsegment (named by `route`, annotated with it and
    /// `function`, with the answer's status from `status_of`), and before
    /// it, on the first sampled invocation of the process, init's warm-up.
    pub async fn run<F, R>(
        self,
        route: &str,
        function: &str,
        status_of: impl FnOnce(&R) -> i64,
        handler: F,
    ) -> R
    where
        F: Future<Output = R>,
    {
        let calls = Calls::default();
        let response = CALLS.scope(calls.clone(), handler).await;
        let ended = Clock::now();
        if let Some(init) = WARM_UP.lock().ok().and_then(|mut w| w.take()) {
            self.tracer
                .send(&init.document(&self.trace_id, &self.parent_id));
        }
        let status = status_of(&response);
        let mut document = json!({
            "name": subsegment_name(route),
            "id": new_id(),
            "trace_id": self.trace_id,
            "parent_id": self.parent_id,
            "type": "subsegment",
            "start_time": self.started.epoch,
            "end_time": ended.epoch,
            "http": {"response": {"status": status}},
            "annotations": {"route": route, "function": function},
            "subsegments": calls.documents(),
        });
        flag_status(&mut document, status, false);
        self.tracer.send(&document);
        response
    }
}

/// Runs init's warm-up (`work`) with its DynamoDB calls recorded, so that
/// the first sampled invocation shows what init spent (Lambda's trace shows
/// init only as a whole).
pub async fn during_init<F: Future>(work: F) -> F::Output {
    let started = Clock::now();
    let calls = Calls::default();
    let output = CALLS.scope(calls.clone(), work).await;
    let ended = Clock::now();
    if let Ok(mut warm_up) = WARM_UP.lock() {
        *warm_up = Some(WarmUp {
            started,
            ended,
            calls,
        });
    }
    output
}

/// Init's warm-up, kept until the first sampled invocation sends it.
static WARM_UP: Mutex<Option<WarmUp>> = Mutex::new(None);

#[derive(Debug)]
struct WarmUp {
    started: Clock,
    ended: Clock,
    calls: Calls,
}

impl WarmUp {
    fn document(&self, trace_id: &str, parent_id: &str) -> Value {
        json!({
            "name": "Init warm-up",
            "id": new_id(),
            "trace_id": trace_id,
            "parent_id": parent_id,
            "type": "subsegment",
            "start_time": self.started.epoch,
            "end_time": self.ended.epoch,
            "annotations": {"init": true},
            "subsegments": self.calls.documents(),
        })
    }
}

tokio::task_local! {
    /// The DynamoDB call attempts of the invocation (or init) being recorded;
    /// absent when nothing is, and then the interceptor does nothing.
    static CALLS: Calls;
}

#[derive(Debug, Clone, Default)]
struct Calls(Arc<Mutex<Vec<Value>>>);

impl Calls {
    fn push(&self, document: Value) {
        if let Ok(mut calls) = self.0.lock() {
            calls.push(document);
        }
    }

    fn documents(&self) -> Vec<Value> {
        self.0.lock().map(|calls| calls.clone()).unwrap_or_default()
    }
}

/// A subsegment for every attempt of every call of the client it is added
/// to, timed from the SDK's own hooks (so retries show as attempts), while
/// an invocation or init is being recorded.
#[derive(Debug)]
pub struct AwsCalls {
    service: &'static str,
    region: String,
    table_name: String,
}

impl AwsCalls {
    /// For the DynamoDB client of `table_name` in `region`.
    pub fn dynamodb(region: Option<&str>, table_name: &str) -> Self {
        Self {
            service: "DynamoDB",
            region: region.unwrap_or_default().to_owned(),
            table_name: table_name.to_owned(),
        }
    }
}

/// When the attempt under way began.
#[derive(Debug, Clone)]
struct AttemptStarted(Clock);

impl Storable for AttemptStarted {
    type Storer = StoreReplace<Self>;
}

impl Intercept for AwsCalls {
    fn name(&self) -> &'static str {
        "XRayAwsCalls"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if CALLS.try_with(|_| ()).is_ok() {
            cfg.interceptor_state()
                .store_put(AttemptStarted(Clock::now()));
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(AttemptStarted(started)) = cfg.load::<AttemptStarted>().cloned() else {
            return Ok(());
        };
        let ended = Clock::now();
        let response = context.response();
        let status = response.map(|r| i64::from(r.status().as_u16()));
        let request_id = response.and_then(|r| {
            let headers = r.headers();
            headers
                .get("x-amzn-requestid")
                .or_else(|| headers.get("x-amz-request-id"))
                .map(str::to_owned)
        });
        let throttled = components.retry_classifiers().any(|classifier| {
            matches!(
                classifier.classify_retry(context.inner()),
                RetryAction::RetryIndicated(RetryReason::RetryableError {
                    kind: ErrorKind::ThrottlingError,
                    ..
                })
            )
        });
        let attempt = cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts());
        let mut document = json!({
            "name": self.service,
            "id": new_id(),
            "namespace": "aws",
            "start_time": started.epoch,
            "end_time": started.epoch + ended.instant.duration_since(started.instant).as_secs_f64(),
            "aws": {
                "operation": cfg.load::<Metadata>().map(Metadata::name),
                "region": self.region,
                "table_name": self.table_name,
                "request_id": request_id,
                "retries": attempt.saturating_sub(1),
            },
        });
        match status {
            Some(status) => {
                document["http"] = json!({"response": {"status": status}});
                flag_status(&mut document, status, throttled);
            }
            // No answer at all (a time limit, a refused connection): the
            // service's side of the call failed.
            None => document["fault"] = Value::Bool(true),
        }
        let _ = CALLS.try_with(|calls| calls.push(document));
        Ok(())
    }
}

/// X-Ray's flags for an answer: `error` for a 4xx, `throttle` (with
/// `error`) when the request was throttled (429, or a throttling error code
/// such as DynamoDB's `ProvisionedThroughputExceededException`, which comes
/// as a 400), `fault` for a 5xx.
fn flag_status(document: &mut Value, status: i64, throttled: bool) {
    let throttled = throttled || status == 429;
    if (400..500).contains(&status) || throttled {
        document["error"] = Value::Bool(true);
    }
    if throttled {
        document["throttle"] = Value::Bool(true);
    }
    if status >= 500 {
        document["fault"] = Value::Bool(true);
    }
}

/// A route as a subsegment name: X-Ray's names take no braces, so
/// `PUT /hello/{username}` becomes `PUT /hello/:username`.
fn subsegment_name(route: &str) -> String {
    route.replace('{', ":").replace('}', "")
}

/// A moment, as X-Ray writes it (seconds since the epoch) and as a
/// monotonic instant for durations.
#[derive(Debug, Clone, Copy)]
struct Clock {
    epoch: f64,
    instant: Instant,
}

impl Clock {
    fn now() -> Self {
        let epoch = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        Self {
            epoch,
            instant: Instant::now(),
        }
    }
}

/// A subsegment id: 16 hexadecimal digits, unique enough within a trace
/// (from the standard library's per-process random hash keys and a counter).
fn new_id() -> String {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static KEYS: OnceLock<RandomState> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{:016x}", KEYS.get_or_init(RandomState::new).hash_one(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLED: &str =
        "Root=1-6b0f0000-00000000000000000000abcd;Parent=00000000000000a1;Sampled=1";

    #[test]
    fn a_sampled_header_with_a_parent_is_traced() {
        assert_eq!(
            TraceHeader::parse(SAMPLED),
            Some(TraceHeader {
                root: "1-6b0f0000-00000000000000000000abcd",
                parent: "00000000000000a1"
            })
        );
        let with_lineage = format!("{SAMPLED};Lineage=a87bd80c:1");
        assert!(TraceHeader::parse(&with_lineage).is_some());
    }

    #[test]
    fn unsampled_or_parentless_headers_are_not() {
        assert_eq!(
            TraceHeader::parse(&SAMPLED.replace("Sampled=1", "Sampled=0")),
            None
        );
        assert_eq!(
            TraceHeader::parse("Root=1-6b0f0000-00000000000000000000abcd;Sampled=1"),
            None
        );
        assert_eq!(
            TraceHeader::parse("Root=1-6b0f0000-00000000000000000000abcd;Parent=00000000000000a1"),
            None
        );
        assert_eq!(TraceHeader::parse(""), None);
    }

    #[test]
    fn the_daemon_address_takes_either_format() {
        let daemon = UdpSocket::bind("127.0.0.1:0").unwrap();
        let address = daemon.local_addr().unwrap();
        assert!(Tracer::to(&address.to_string()).is_some());
        assert!(Tracer::to(&format!("tcp:127.0.0.1:1 udp:{address}")).is_some());
        assert!(Tracer::to("not an address").is_none());
    }

    #[test]
    fn statuses_are_flagged_as_x_ray_defines_them() {
        let flags = |status, throttled| {
            let mut document = json!({});
            flag_status(&mut document, status, throttled);
            document
        };
        assert_eq!(flags(200, false), json!({}));
        assert_eq!(flags(404, false), json!({"error": true}));
        assert_eq!(flags(400, true), json!({"error": true, "throttle": true}));
        assert_eq!(flags(429, false), json!({"error": true, "throttle": true}));
        assert_eq!(flags(503, false), json!({"fault": true}));
    }

    #[test]
    fn routes_become_valid_names() {
        assert_eq!(
            subsegment_name("PUT /hello/{username}"),
            "PUT /hello/:username"
        );
    }

    #[test]
    fn ids_are_sixteen_hex_digits_and_differ() {
        let (a, b) = (new_id(), new_id());
        assert_eq!(a.len(), 16);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn a_sampled_invocation_sends_its_subsegment_and_nothing_personal() {
        let daemon = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tracer = Tracer::to(&daemon.local_addr().unwrap().to_string()).unwrap();
        assert!(tracer.begin(Some(&SAMPLED.replace("=1", "=0"))).is_none());
        assert!(tracer.begin(None).is_none());
        let recording = tracer.begin(Some(SAMPLED)).unwrap();
        let answer = recording
            .run(
                "GET /hello/{username}",
                "get_user_by_id",
                |s: &i64| *s,
                async { 404 },
            )
            .await;
        assert_eq!(answer, 404);
        let mut buffer = [0u8; MAX_DATAGRAM];
        let n = daemon.recv(&mut buffer).unwrap();
        let text = std::str::from_utf8(&buffer[..n]).unwrap();
        let (header, body) = text.split_once('\n').unwrap();
        assert_eq!(header, r#"{"format":"json","version":1}"#);
        let document: Value = serde_json::from_str(body).unwrap();
        assert_eq!(document["name"], "GET /hello/:username");
        assert_eq!(document["trace_id"], "1-6b0f0000-00000000000000000000abcd");
        assert_eq!(document["parent_id"], "00000000000000a1");
        assert_eq!(document["type"], "subsegment");
        assert_eq!(document["http"]["response"]["status"], 404);
        assert_eq!(document["error"], true);
        assert_eq!(document["annotations"]["function"], "get_user_by_id");
        assert!(document["end_time"].as_f64() >= document["start_time"].as_f64());
    }
}
