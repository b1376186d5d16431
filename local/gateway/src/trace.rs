//! The part Lambda plays in a trace, with Active tracing behind an HTTP API
//! (which does not trace itself): every request starts a trace (sampled,
//! unless the caller's `X-Amzn-Trace-Id` says `Sampled=0`), the function is
//! given its header with the invocation, and the Lambda service's and the
//! function's segments are recorded, so a local trace is whole: the
//! function's own subsegments (shared::xray) hang under its segment.
//!
//! The header reaches the function through the Runtime API, relayed here
//! (`/.rt/...`, see [`crate::Gateway`]): `cargo lambda watch` gives every
//! invocation a header of its own, so the relay puts this one in its place
//! on the function's `invocation/next`.

use std::collections::HashMap;
use std::net::UdpSocket;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::json;

/// Traces sent to an X-Ray daemon (the stand-in, locally).
#[derive(Debug)]
pub struct Tracing {
    daemon: UdpSocket,
    /// The header of each invocation under way, by API Gateway request id.
    headers: Mutex<HashMap<String, String>>,
    ids: AtomicU64,
}

/// One invocation's trace, begun.
#[derive(Debug)]
pub struct Traced {
    request_id: String,
    root: String,
    function_segment: String,
    sampled: bool,
    started: f64,
}

fn now() -> f64 {
    jiff::Timestamp::now().as_microsecond() as f64 / 1e6
}

impl Tracing {
    /// Sends to the daemon at `address` (`127.0.0.1:2000`).
    pub fn to(address: &str) -> std::io::Result<Self> {
        let daemon = UdpSocket::bind("127.0.0.1:0")?;
        daemon.connect(address)?;
        daemon.set_nonblocking(true)?;
        Ok(Self {
            daemon,
            headers: Mutex::new(HashMap::new()),
            ids: AtomicU64::new(u64::from(std::process::id()) << 32),
        })
    }

    fn new_id(&self) -> String {
        // Distinct within this gateway's traces; X-Ray wants 16 hex digits.
        let n = self.ids.fetch_add(1, Ordering::Relaxed);
        format!("{:016x}", n.wrapping_mul(0x9e37_79b9_7f4a_7c15))
    }

    /// Begins the trace of request `request_id`, whose root is `root`
    /// (`1-…-…`); `caller` is the request's `X-Amzn-Trace-Id`, if any.
    pub fn begin(&self, request_id: &str, root: &str, caller: Option<&str>) -> Traced {
        let sampled = !caller.is_some_and(|h| h.split(';').any(|f| f.trim() == "Sampled=0"));
        let function_segment = self.new_id();
        let header = format!(
            "Root={root};Parent={function_segment};Sampled={}",
            u8::from(sampled)
        );
        if let Ok(mut headers) = self.headers.lock() {
            headers.insert(request_id.to_owned(), header);
        }
        Traced {
            request_id: request_id.to_owned(),
            root: root.to_owned(),
            function_segment,
            sampled,
            started: now(),
        }
    }

    /// The header the invocation for `request_id` is to carry.
    pub fn header_of(&self, request_id: &str) -> Option<String> {
        self.headers.lock().ok()?.get(request_id).cloned()
    }

    /// Ends `traced`: records, when sampled, the Lambda service's segment
    /// and the function's under it (`error` when the function failed).
    pub fn end(&self, traced: Traced, function: &str, failed: bool) {
        if let Ok(mut headers) = self.headers.lock() {
            headers.remove(&traced.request_id);
        }
        if !traced.sampled {
            return;
        }
        let ended = now();
        let service = self.new_id();
        let segments = [
            json!({
                "name": function, "id": service, "trace_id": traced.root,
                "start_time": traced.started, "end_time": ended,
                "origin": "AWS::Lambda",
                "http": {"response": {"status": 200}},
            }),
            json!({
                "name": function, "id": traced.function_segment, "trace_id": traced.root,
                "parent_id": service, "start_time": traced.started, "end_time": ended,
                "origin": "AWS::Lambda::Function", "error": failed,
            }),
        ];
        for segment in segments {
            let datagram = format!("{{\"format\":\"json\",\"version\":1}}\n{segment}");
            let _ = self.daemon.send(datagram.as_bytes());
        }
    }
}

/// The API Gateway request id of an invocation's event (payload 2.0).
pub fn request_id_of(event: &[u8]) -> Option<String> {
    let event: serde_json::Value = serde_json::from_slice(event).ok()?;
    event["requestContext"]["requestId"]
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_sampled_unless_its_caller_says_not() {
        let daemon = UdpSocket::bind("127.0.0.1:0").unwrap();
        let tracing = Tracing::to(&daemon.local_addr().unwrap().to_string()).unwrap();
        let traced = tracing.begin("r1", "1-6b0f0000-000000000000000000000001", None);
        let header = tracing.header_of("r1").unwrap();
        assert!(header.starts_with("Root=1-6b0f0000-000000000000000000000001;Parent="));
        assert!(header.ends_with(";Sampled=1"));
        tracing.end(traced, "get_users", false);
        assert_eq!(tracing.header_of("r1"), None);
        let mut buffer = [0u8; 65_536];
        let n = daemon.recv(&mut buffer).unwrap();
        let text = std::str::from_utf8(&buffer[..n]).unwrap();
        assert!(text.contains(r#""origin":"AWS::Lambda""#), "{text}");

        let unsampled = tracing.begin(
            "r2",
            "1-6b0f0000-000000000000000000000002",
            Some("Root=1-x;Sampled=0"),
        );
        assert!(tracing.header_of("r2").unwrap().ends_with(";Sampled=0"));
        tracing.end(unsampled, "get_users", false);
        daemon.set_nonblocking(true).unwrap();
        // Only the first trace's second segment is there; nothing of the second.
        let n = daemon.recv(&mut buffer).unwrap();
        assert!(
            std::str::from_utf8(&buffer[..n])
                .unwrap()
                .contains("AWS::Lambda::Function")
        );
        assert!(daemon.recv(&mut buffer).is_err());
    }

    #[test]
    fn the_request_id_is_read_from_the_event() {
        assert_eq!(
            request_id_of(br#"{"requestContext":{"requestId":"abc="}}"#).as_deref(),
            Some("abc=")
        );
        assert_eq!(request_id_of(b"{}"), None);
    }
}
