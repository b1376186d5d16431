//! A minimal Lambda Runtime API on loopback: enough of
//! `/2018-06-01/runtime/invocation/{next,<id>/response,<id>/error}` and
//! `/runtime/init/error` for a function to run, recording when each response
//! arrives.
//!
//! One function process runs at a time. A stopped process may have asked for
//! its next invocation just before it was killed; that request must not take
//! the event meant for the process started after it. So each process is a
//! new epoch: `invocation/next` on a connection accepted before the current
//! epoch began is never answered.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, Notify, mpsc};

/// What the function posted for one invocation.
#[derive(Debug)]
pub struct Posted {
    /// When the function asked for this invocation (its init was done).
    pub handed_out: Instant,
    pub at: Instant,
    pub ok: bool,
    pub body: Bytes,
}

#[derive(Debug)]
pub struct Emulator {
    pub addr: SocketAddr,
    responses: Mutex<mpsc::UnboundedReceiver<Posted>>,
    state: Arc<State>,
}

#[derive(Debug)]
struct State {
    events: std::sync::Mutex<Events>,
    queued: Notify,
    /// How many connections have been accepted: the next one's number.
    accepted: AtomicU64,
    responses: mpsc::UnboundedSender<Posted>,
    next_id: std::sync::atomic::AtomicU64,
    handed_out: std::sync::Mutex<Option<Instant>>,
}

#[derive(Debug, Default)]
struct Events {
    queue: VecDeque<Bytes>,
    /// Connections numbered below this belong to stopped processes.
    epoch: u64,
}

impl Emulator {
    pub async fn start() -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().unwrap();
        let (response_tx, response_rx) = mpsc::unbounded_channel();
        let state = Arc::new(State {
            events: std::sync::Mutex::new(Events::default()),
            queued: Notify::new(),
            accepted: AtomicU64::new(0),
            responses: response_tx,
            next_id: 0.into(),
            handed_out: std::sync::Mutex::new(None),
        });
        let accepting = state.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = accepting.clone();
                let connection = state.accepted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(state.clone(), connection, req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Arc::new(Self {
            addr,
            responses: Mutex::new(response_rx),
            state,
        })
    }

    /// Call before starting a function process: from now on only connections
    /// it opens get events; requests of the processes before it wait forever.
    pub fn new_process(&self) {
        let mut events = self.state.events.lock().unwrap();
        events.epoch = self.state.accepted.load(Ordering::SeqCst);
        events.queue.clear();
    }

    /// Queues an event for the next `invocation/next`.
    pub fn queue(&self, event: Bytes) {
        self.state.events.lock().unwrap().queue.push_back(event);
        self.state.queued.notify_waiters();
    }

    /// Waits for the next posted response (or error).
    pub async fn next_response(&self) -> Posted {
        self.responses
            .lock()
            .await
            .recv()
            .await
            .expect("the emulator is running")
    }
}

/// The next queued event for a request on `connection`, once there is one;
/// never, if the connection belongs to a stopped process.
async fn next_event(state: &State, connection: u64) -> Bytes {
    loop {
        // Registered before looking, so that an event queued in between wakes it.
        let queued = state.queued.notified();
        let (stale, event) = {
            let mut events = state.events.lock().unwrap();
            let stale = connection < events.epoch;
            (
                stale,
                if stale {
                    None
                } else {
                    events.queue.pop_front()
                },
            )
        };
        if stale {
            return std::future::pending().await;
        }
        if let Some(event) = event {
            return event;
        }
        queued.await;
    }
}

async fn handle(
    state: Arc<State>,
    connection: u64,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    if path == "/2018-06-01/runtime/invocation/next" {
        let event = next_event(&state, connection).await;
        *state.handed_out.lock().unwrap() = Some(Instant::now());
        let id = state
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            + 30_000;
        return Ok(Response::builder()
            .header("content-type", "application/json")
            .header("lambda-runtime-aws-request-id", format!("bench-{id}"))
            .header("lambda-runtime-deadline-ms", deadline.to_string())
            .header(
                "lambda-runtime-invoked-function-arn",
                "arn:aws:lambda:us-east-1:123456789012:function:bench",
            )
            .header(
                "lambda-runtime-trace-id",
                "Root=1-00000000-000000000000000000000000;Parent=0000000000000000;Sampled=0",
            )
            .body(Full::new(event))
            .unwrap());
    }
    let ok = path.ends_with("/response");
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let at = Instant::now();
    let handed_out = state.handed_out.lock().unwrap().take().unwrap_or(at);
    let _ = state.responses.send(Posted {
        handed_out,
        at,
        ok,
        body,
    });
    Ok(Response::builder()
        .status(202)
        .body(Full::new(Bytes::new()))
        .unwrap())
}
