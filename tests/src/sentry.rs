//! A Sentry ingestion endpoint on 127.0.0.1: it takes envelopes as Sentry's
//! `/api/<project>/envelope/` does, answers 200, and keeps what arrived so
//! tests can check it. The local API's functions report to one (the
//! `sentry-receiver` binary, which also writes each event to a file).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One envelope as it arrived.
#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    /// The `X-Sentry-Auth` header.
    pub auth: String,
    pub content_type: String,
    /// The event item of the envelope.
    pub event: serde_json::Value,
}

/// The receiver; it runs until the process ends.
#[derive(Debug, Clone)]
pub struct Receiver {
    port: u16,
    received: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Listens on `127.0.0.1:port` (0: any free port). With `log`, every
    /// event is also appended to that file as one JSON line, before the
    /// answer is sent.
    pub fn start(port: u16, log: Option<PathBuf>) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let receiver = Self {
            port: listener.local_addr()?.port(),
            received: Arc::default(),
        };
        let received = receiver.received.clone();
        let log = Arc::new(log);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (received, log) = (received.clone(), log.clone());
                std::thread::spawn(move || serve(stream, &received, log.as_ref().as_deref()));
            }
        });
        Ok(receiver)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A DSN of project 1 with key `public`, pointing here.
    pub fn dsn(&self) -> String {
        format!("http://public@127.0.0.1:{}/1", self.port)
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits up to `timeout` for an envelope that `matches`.
    pub fn wait_for(
        &self,
        timeout: Duration,
        matches: impl Fn(&Received) -> bool,
    ) -> Option<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(found) = self.received().into_iter().find(|r| matches(r)) {
                return Some(found);
            }
            if Instant::now() > deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Answers every request on one connection (clients keep them alive).
fn serve(stream: TcpStream, received: &Mutex<Vec<Received>>, log: Option<&std::path::Path>) {
    let mut writer = match stream.try_clone() {
        Ok(writer) => writer,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    while let Some((path, headers, body)) = read_request(&mut reader) {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        let event = String::from_utf8_lossy(&body)
            .lines()
            .nth(2)
            .and_then(|line| serde_json::from_str(line).ok())
            .unwrap_or(serde_json::Value::Null);
        let id = event["event_id"].as_str().unwrap_or_default().to_owned();
        if let Some(path) = log {
            let line = format!("{event}\n");
            let appended = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .and_then(|mut file| file.write_all(line.as_bytes()));
            if let Err(err) = appended {
                eprintln!("sentry-receiver: cannot write {}: {err}", path.display());
            }
        }
        let over_quota = path.starts_with("/api/429/");
        received.lock().unwrap().push(Received {
            path,
            auth: header("x-sentry-auth"),
            content_type: header("content-type"),
            event,
        });
        // Project 429 plays a project over its quota, as Sentry answers it.
        let (status, answer) = if over_quota {
            ("429 Too Many Requests", String::new())
        } else {
            ("200 OK", format!("{{\"id\":\"{id}\"}}"))
        };
        let response = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

type Request = (String, Vec<(String, String)>, Vec<u8>);

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
    let path = line.split_whitespace().nth(1)?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok().filter(|n| *n > 0)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    Some((path, headers, body))
}
