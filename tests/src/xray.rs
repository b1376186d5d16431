//! The X-Ray daemon's part, locally: a stand-in that takes the functions'
//! UDP datagrams on 127.0.0.1 and writes every document it receives, one
//! JSON object per line, to a file (`make dev`: `.local/xray/segments.jsonl`);
//! and the waterfall `make traces` prints from that file.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::UdpSocket;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The header line every datagram to the daemon starts with.
const HEADER: &str = r#"{"format":"json","version":1}"#;

/// The stand-in daemon: a bound socket and the file documents go to.
#[derive(Debug)]
pub struct Daemon {
    socket: UdpSocket,
    out: PathBuf,
}

impl Daemon {
    /// Listens on 127.0.0.1:`port` (0: any free port).
    pub fn bind(port: u16, out: impl Into<PathBuf>) -> std::io::Result<Self> {
        Ok(Self {
            socket: UdpSocket::bind(("127.0.0.1", port))?,
            out: out.into(),
        })
    }

    pub fn port(&self) -> u16 {
        self.socket.local_addr().map_or(0, |a| a.port())
    }

    /// Receives for ever; a datagram that is not the daemon's format is
    /// said on stderr and dropped, as the daemon drops it.
    pub fn run(self) -> std::io::Result<()> {
        if let Some(dir) = self.out.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.out)?;
        let mut buffer = vec![0u8; 65_536];
        loop {
            let n = self.socket.recv(&mut buffer)?;
            match document_of(&buffer[..n]) {
                Ok(document) => {
                    // One write per line, so a reader never sees half of one.
                    file.write_all(format!("{document}\n").as_bytes())?;
                }
                Err(why) => eprintln!("xray-daemon: dropped a datagram: {why}"),
            }
        }
    }
}

/// The document of one datagram: the header line, then one JSON object.
pub fn document_of(datagram: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(datagram).map_err(|_| "not UTF-8".to_owned())?;
    let (header, body) = text
        .split_once('\n')
        .ok_or("no header line (the daemon takes {\"format\":\"json\",\"version\":1}, a newline, then the document)")?;
    let header: Value = serde_json::from_str(header).map_err(|e| format!("header: {e}"))?;
    if header != serde_json::from_str::<Value>(HEADER).expect("valid JSON") {
        return Err(format!("header is {header}, not {HEADER}"));
    }
    let document: Value = serde_json::from_str(body).map_err(|e| format!("document: {e}"))?;
    if !document.is_object() {
        return Err("the document is not a JSON object".to_owned());
    }
    Ok(document)
}

/// Every document in `path`, in the order they arrived (lines that do not
/// parse, as one being written, are skipped).
pub fn read(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// The handler subsegments (annotated with a route) among `documents`, the
/// last `count` of them, each with its trace's other documents.
pub fn requests(documents: &[Value], count: usize) -> Vec<(&Value, Vec<&Value>)> {
    let mut by_trace: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for document in documents {
        if let Some(trace) = document["trace_id"].as_str() {
            by_trace.entry(trace).or_default().push(document);
        }
    }
    let handlers: Vec<&Value> = documents
        .iter()
        .filter(|d| d["annotations"]["route"].is_string())
        .collect();
    let skip = handlers.len().saturating_sub(count);
    handlers
        .into_iter()
        .skip(skip)
        .map(|handler| {
            let others = by_trace
                .get(handler["trace_id"].as_str().unwrap_or_default())
                .map(|all| {
                    all.iter()
                        .copied()
                        .filter(|d| !std::ptr::eq(*d, handler))
                        .collect()
                })
                .unwrap_or_default();
            (handler, others)
        })
        .collect()
}

fn millis(document: &Value, from: f64) -> (f64, f64) {
    let start = document["start_time"].as_f64().unwrap_or(from);
    let end = document["end_time"].as_f64().unwrap_or(start);
    ((start - from) * 1000.0, (end - start) * 1000.0)
}

fn flags(document: &Value) -> String {
    ["throttle", "error", "fault"]
        .iter()
        .filter(|flag| document[**flag] == true)
        .map(|flag| format!(" {}", flag.to_uppercase()))
        .collect()
}

/// A request as a small waterfall: the route, its status and total, then
/// each call under it (and init's warm-up, on a cold start) with its offset
/// from the request's start and its duration, as bars `width` wide.
pub fn waterfall(handler: &Value, others: &[&Value], width: usize) -> String {
    let start = handler["start_time"].as_f64().unwrap_or_default();
    let (_, total) = millis(handler, start);
    let mut text = format!(
        "{}  {}  {:.1} ms{}  (trace {})\n",
        handler["annotations"]["route"].as_str().unwrap_or("?"),
        handler["http"]["response"]["status"],
        total,
        flags(handler),
        handler["trace_id"].as_str().unwrap_or("?"),
    );
    // Each row's bar is placed within its span: the request's, or for init's
    // warm-up (before the request) the warm-up's own.
    let mut row = |name: String, document: &Value, from: f64, span: f64| {
        let (offset, duration) = millis(document, from);
        let scale = width as f64 / span.max(0.001);
        let lead = ((offset.max(0.0) * scale).round() as usize).min(width);
        let bar = ((duration * scale).round() as usize).clamp(1, (width - lead).max(1));
        text.push_str(&format!(
            "  {name:<30} {duration:>7.1} ms  at +{offset:<7.1} |{}{}{}\n",
            " ".repeat(lead),
            "#".repeat(bar),
            flags(document),
        ));
    };
    for warm_up in others.iter().filter(|d| d["annotations"]["init"] == true) {
        let from = warm_up["start_time"].as_f64().unwrap_or_default();
        let (_, span) = millis(warm_up, from);
        row("Init warm-up (cold start)".to_owned(), warm_up, from, span);
        for call in warm_up["subsegments"].as_array().into_iter().flatten() {
            row(format!("  {}", call_name(call)), call, from, span);
        }
    }
    for call in handler["subsegments"].as_array().into_iter().flatten() {
        row(call_name(call), call, start, total);
    }
    text
}

fn call_name(call: &Value) -> String {
    let retry = call["aws"]["retries"].as_u64().unwrap_or(0);
    let attempt = if retry > 0 {
        format!(" (retry {retry})")
    } else {
        String::new()
    };
    format!(
        "{} {}{}",
        call["name"].as_str().unwrap_or("?"),
        call["aws"]["operation"].as_str().unwrap_or("?"),
        attempt
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_stand_in_writes_each_document_as_a_line_and_drops_what_is_not_the_format() {
        let out = std::env::temp_dir().join(format!("xray-stand-in-{}.jsonl", std::process::id()));
        let _ = std::fs::remove_file(&out);
        let daemon = Daemon::bind(0, &out).unwrap();
        let port = daemon.port();
        std::thread::spawn(move || daemon.run());
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        sender
            .send_to(b"no header line", ("127.0.0.1", port))
            .unwrap();
        sender
            .send_to(
                format!("{HEADER}\n{{\"name\":\"a\"}}").as_bytes(),
                ("127.0.0.1", port),
            )
            .unwrap();
        for _ in 0..50 {
            if !read(&out).is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(read(&out), vec![json!({"name": "a"})]);
        assert!(document_of(b"{\"format\":\"json\",\"version\":2}\n{}").is_err());
    }

    #[test]
    fn a_waterfall_shows_the_route_the_total_and_each_call_in_place() {
        let handler = json!({
            "trace_id": "1-a-b", "start_time": 100.0, "end_time": 100.010,
            "annotations": {"route": "GET /users/{username}"},
            "http": {"response": {"status": 200}},
            "subsegments": [
                {"name": "DynamoDB", "start_time": 100.002, "end_time": 100.006,
                 "aws": {"operation": "GetItem", "retries": 0}},
                {"name": "DynamoDB", "start_time": 100.007, "end_time": 100.009, "throttle": true,
                 "aws": {"operation": "GetItem", "retries": 1}},
            ],
        });
        let text = waterfall(&handler, &[], 10);
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].starts_with("GET /users/{username}  200  10.0 ms"),
            "{text}"
        );
        assert!(
            lines[1].contains("DynamoDB GetItem") && lines[1].contains("4.0 ms"),
            "{text}"
        );
        assert!(
            lines[1].ends_with("|  ####"),
            "offset 2 of 10, 4 wide: {text}"
        );
        assert!(
            lines[2].contains("(retry 1)") && lines[2].ends_with("THROTTLE"),
            "{text}"
        );
    }

    #[test]
    fn requests_are_the_last_handler_subsegments_with_their_traces() {
        let documents = vec![
            json!({"trace_id": "t1", "annotations": {"route": "GET /time"}}),
            json!({"trace_id": "t2", "annotations": {"init": true}}),
            json!({"trace_id": "t2", "annotations": {"route": "PUT /hello/{username}"}}),
        ];
        let last = requests(&documents, 1);
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].0["trace_id"], "t2");
        assert_eq!(last[0].1, vec![&documents[1]]);
    }
}
