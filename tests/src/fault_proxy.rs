//! A fault-injecting proxy for tests, on loopback, in front of a
//! DynamoDB-API server: requests for the operations it is told to fail are
//! answered as DynamoDB answers when it throttles or fails, every other one
//! goes through. It counts what it answered, so a test sees the retries.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How DynamoDB refuses a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 400 `ThrottlingException` (the control plane's, and on-demand tables').
    Throttling,
    /// 400 `ProvisionedThroughputExceededException` (a table's capacity).
    ProvisionedThroughputExceeded,
    /// 500 `InternalServerError`.
    InternalServerError,
}

impl Fault {
    fn answer(self) -> (u16, &'static str, &'static str) {
        match self {
            Fault::Throttling => (
                400,
                "ThrottlingException",
                "Rate of requests exceeds the allowed throughput.",
            ),
            Fault::ProvisionedThroughputExceeded => (
                400,
                "ProvisionedThroughputExceededException",
                "The level of configured provisioned throughput for the table was exceeded.",
            ),
            Fault::InternalServerError => (500, "InternalServerError", "Internal server error"),
        }
    }
}

/// The running proxy; it stops with the test process.
#[derive(Debug)]
pub struct FaultProxy {
    port: u16,
    faulted: Arc<AtomicUsize>,
}

impl FaultProxy {
    /// Listens on a free loopback port; answers requests for `operation`
    /// (`PutItem`, ...) with `fault`, forwards the rest to `upstream`
    /// (`http://127.0.0.1:PORT`).
    pub fn start(upstream: &str, operation: &str, fault: Fault) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        let port = listener.local_addr().expect("bound").port();
        let upstream = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let target = format!("DynamoDB_20120810.{operation}");
        let faulted = Arc::new(AtomicUsize::new(0));
        let count = faulted.clone();
        std::thread::spawn(move || {
            for connection in listener.incoming().flatten() {
                let (upstream, target, count) = (upstream.clone(), target.clone(), count.clone());
                std::thread::spawn(move || {
                    let _ = serve(connection, &upstream, &target, fault, &count);
                });
            }
        });
        Self { port, faulted }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// How many requests it answered with its fault.
    pub fn faulted(&self) -> usize {
        self.faulted.load(Ordering::SeqCst)
    }
}

/// One request as read: its head (request line and headers) and body.
struct Request {
    head: String,
    body: Vec<u8>,
}

fn read_message(reader: &mut impl BufRead) -> std::io::Result<Option<Request>> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let length = header(&head, "content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    Ok(Some(Request { head, body }))
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

fn serve(
    client: TcpStream,
    upstream: &str,
    target: &str,
    fault: Fault,
    count: &AtomicUsize,
) -> std::io::Result<()> {
    let mut writer = client.try_clone()?;
    let mut reader = BufReader::new(client);
    while let Some(request) = read_message(&mut reader)? {
        if header(&request.head, "x-amz-target") == Some(target) {
            count.fetch_add(1, Ordering::SeqCst);
            let (status, code, message) = fault.answer();
            let body = format!(
                r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{code}","message":"{message}"}}"#
            );
            let reason = if status == 500 {
                "Internal Server Error"
            } else {
                "Bad Request"
            };
            write!(
                writer,
                "HTTP/1.1 {status} {reason}\r\ncontent-type: application/x-amz-json-1.0\r\nx-amzn-requestid: FAULT{n}\r\ncontent-length: {}\r\n\r\n{body}",
                body.len(),
                n = count.load(Ordering::SeqCst),
            )?;
            writer.flush()?;
            continue;
        }
        // Through, one connection per request (the upstream closes it).
        let mut server = TcpStream::connect(upstream)?;
        let head = request.head.replacen("\r\n\r\n", "", 1);
        let head: String = head
            .lines()
            .filter(|line| !line.to_ascii_lowercase().starts_with("connection:"))
            .map(|line| format!("{line}\r\n"))
            .collect();
        server.write_all(head.as_bytes())?;
        server.write_all(b"connection: close\r\n\r\n")?;
        server.write_all(&request.body)?;
        let mut answer = BufReader::new(server);
        let Some(response) = read_message(&mut answer)? else {
            return Ok(());
        };
        let head: String = response
            .head
            .lines()
            .filter(|line| {
                !line.is_empty() && !line.to_ascii_lowercase().starts_with("connection:")
            })
            .map(|line| format!("{line}\r\n"))
            .collect();
        writer.write_all(head.as_bytes())?;
        writer.write_all(b"\r\n")?;
        writer.write_all(&response.body)?;
        writer.flush()?;
    }
    Ok(())
}
