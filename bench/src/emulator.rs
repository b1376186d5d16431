//! A minimal Lambda Runtime API on loopback: enough of
//! `/2018-06-01/runtime/invocation/{next,<id>/response,<id>/error}` and
//! `/runtime/init/error` for a function to run, recording when each response
//! arrives.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};

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
    events: mpsc::UnboundedSender<Bytes>,
    responses: Mutex<mpsc::UnboundedReceiver<Posted>>,
}

struct State {
    events: Mutex<mpsc::UnboundedReceiver<Bytes>>,
    responses: mpsc::UnboundedSender<Posted>,
    next_id: std::sync::atomic::AtomicU64,
    handed_out: std::sync::Mutex<Option<Instant>>,
}

impl Emulator {
    pub async fn start() -> Arc<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a loopback port");
        let addr = listener.local_addr().unwrap();
        let (event_tx, event_rx) = mpsc::unbounded_channel();
        let (response_tx, response_rx) = mpsc::unbounded_channel();
        let state = Arc::new(State {
            events: Mutex::new(event_rx),
            responses: response_tx,
            next_id: 0.into(),
            handed_out: std::sync::Mutex::new(None),
        });
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req| handle(state.clone(), req));
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Arc::new(Self {
            addr,
            events: event_tx,
            responses: Mutex::new(response_rx),
        })
    }

    /// Queues an event for the next `invocation/next`.
    pub fn queue(&self, event: Bytes) {
        let _ = self.events.send(event);
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

async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    if path == "/2018-06-01/runtime/invocation/next" {
        let event = state.events.lock().await.recv().await.unwrap_or_default();
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
                "Root=1-00000000-000000000000000000000000;Sampled=0",
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
