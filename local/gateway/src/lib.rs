//! The local stand-in for the API Gateway HTTP API in front of the real
//! function binaries: what `make dev` and the black-box tests talk to.
//!
//! A request is matched to a route of `openapi.yaml`, turned into the
//! payload-2.0 event API Gateway would send, and passed to the function
//! through the Invoke API that `cargo lambda watch` serves; the function's
//! answer becomes the HTTP response as API Gateway makes it. What API
//! Gateway answers itself (404, CORS preflight, 413, 500, 503) is answered
//! here with API Gateway's wording.

pub mod authorizer;
pub mod cors;
pub mod event;
pub mod invoke;
pub mod response;
pub mod router;
pub mod site;
pub mod spec;
pub mod trace;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::event::RequestFacts;
use crate::invoke::{Invoker, Outcome};
use crate::response::HttpResponse;
use crate::router::Router;
use crate::spec::{ApiSpec, Cors};

/// API Gateway's limit on a request's payload.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// How protected routes admit callers: as the API stack's `Auth` parameter.
#[derive(Debug)]
pub enum Auth {
    /// The JWT authorizer checks every protected route's token.
    Jwt(Box<authorizer::JwtAuthorizer>),
    /// No authorizer: the open mode of demo stages.
    Open,
}

/// The gateway: the API's routes and CORS, and the functions behind them.
#[derive(Debug)]
pub struct Gateway {
    router: Router,
    cors: Option<Cors>,
    response_headers: Vec<(hyper::header::HeaderName, HeaderValue)>,
    auth: Auth,
    site: Option<site::Site>,
    invoker: Invoker,
    requests: AtomicU64,
    tracing: Option<trace::Tracing>,
}

/// What one request came to, for the log line.
#[derive(Debug, Default)]
struct Served {
    route: Option<String>,
    function: Option<String>,
    problem: Option<String>,
}

impl Gateway {
    pub fn new(spec: &ApiSpec, invoker: Invoker, auth: Auth) -> Result<Self, router::RouterError> {
        Ok(Gateway {
            router: Router::new(&spec.routes)?,
            cors: spec.cors.clone(),
            response_headers: spec
                .response_headers
                .iter()
                .filter_map(|(name, value)| Some((name.parse().ok()?, value.parse().ok()?)))
                .collect(),
            auth,
            site: None,
            invoker,
            requests: AtomicU64::new(0),
            tracing: None,
        })
    }

    /// Plays Lambda's part in traces ([`trace`]), sending segments to the
    /// X-Ray daemon at `tracing`.
    pub fn with_tracing(mut self, tracing: trace::Tracing) -> Self {
        self.tracing = Some(tracing);
        self
    }

    /// Serves `site` (the web page) on every GET that no API route takes.
    pub fn with_site(mut self, site: site::Site) -> Self {
        self.site = Some(site);
        self
    }

    /// Serves HTTP/1.1 on `listener` until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> std::io::Result<()> {
        let local = listener.local_addr()?;
        loop {
            let (stream, peer) = match listener.accept().await {
                Ok(accepted) => accepted,
                // Out of file descriptors, say: the next accept may succeed.
                Err(e) => {
                    eprintln!("local gateway: cannot accept a connection: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let gateway = Arc::clone(&self);
            tokio::spawn(async move {
                let service = service_fn(move |request| {
                    let gateway = Arc::clone(&gateway);
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            gateway.handle(request, peer, local).await,
                        )
                    }
                });
                // A client that hangs up mid-request is no error of ours.
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }

    /// One request, start to end, with one log line.
    pub async fn handle(
        &self,
        request: Request<Incoming>,
        peer: SocketAddr,
        local: SocketAddr,
    ) -> HttpResponse {
        // The functions' Runtime API, relayed (see `relay`).
        if request.uri().path().starts_with("/.rt/") {
            return self.relay(request).await;
        }
        let started = Instant::now();
        let facts = self.facts(peer, local);
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let (parts, body) = request.into_parts();
        let mut served = Served::default();
        let mut response = match &self.cors {
            Some(cors) if Cors::is_preflight(&parts.method, &parts.headers) => {
                served.route = Some("CORS preflight".into());
                cors.preflight(&parts.headers)
            }
            cors => {
                let mut response = self.respond(&parts, body, &facts, &mut served).await;
                if let Some(cors) = cors {
                    cors.apply(&parts.headers, &mut response);
                }
                response
            }
        };
        if let Ok(id) = HeaderValue::from_str(&facts.request_id) {
            response.headers_mut().insert("apigw-requestid", id);
        }
        // CloudFront's response headers policy, on every answer (it overrides).
        for (name, value) in &self.response_headers {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        println!(
            "{method} {path} route={} function={} status={} latency_ms={:.1}{}",
            served.route.as_deref().unwrap_or("-"),
            served.function.as_deref().unwrap_or("-"),
            response.status().as_u16(),
            started.elapsed().as_secs_f64() * 1000.0,
            served
                .problem
                .map(|p| format!(" problem={p:?}"))
                .unwrap_or_default(),
        );
        response
    }

    async fn respond(
        &self,
        parts: &hyper::http::request::Parts,
        body: Incoming,
        facts: &RequestFacts,
        served: &mut Served,
    ) -> HttpResponse {
        let declared = parts
            .headers
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
        if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
            return response::too_large();
        }
        let Some(matched) = self.router.find(parts.method.as_str(), parts.uri.path()) else {
            let page = self
                .site
                .as_ref()
                .and_then(|site| site.serve(&parts.method, parts.uri.path()));
            if page.is_some() {
                served.route = Some("web page".into());
            }
            return page.unwrap_or_else(response::not_found);
        };
        served.route = Some(matched.route.key());
        served.function = Some(matched.route.function.clone());
        let mut authorizer = None;
        if let (Some(scopes), Auth::Jwt(jwt)) = (&matched.route.required_scopes, &self.auth) {
            let now = facts.received.as_second();
            match jwt.authorize(&parts.headers, scopes, now).await {
                Ok(accepted) => authorizer = Some(accepted.authorizer),
                Err(refusal) => {
                    served.problem = Some(format!("token refused: {}", refusal.detail));
                    return response::unauthorized(&refusal.www_authenticate());
                }
            }
        }
        let body = match Limited::new(body, MAX_BODY_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(e) if e.is::<http_body_util::LengthLimitError>() => return response::too_large(),
            Err(e) => {
                served.problem = Some(format!("the request body broke off: {e}"));
                return response::gateway(StatusCode::BAD_REQUEST, "Bad Request");
            }
        };
        let event = event::build(parts, &body, &matched, facts, authorizer);
        let traced = self.tracing.as_ref().map(|tracing| {
            let root = facts.trace_id.trim_start_matches("Root=");
            let caller = parts
                .headers
                .get("x-amzn-trace-id")
                .and_then(|v| v.to_str().ok());
            tracing.begin(&facts.request_id, root, caller)
        });
        let outcome = self
            .invoker
            .invoke(
                &matched.route.function,
                event.to_string().into_bytes(),
                matched.route.function_timeout,
                matched.route.integration_timeout,
            )
            .await;
        let function = &matched.route.function;
        if let (Some(tracing), Some(traced)) = (&self.tracing, traced) {
            tracing.end(traced, function, !matches!(outcome, Outcome::Answered(_)));
        }
        match outcome {
            Outcome::Answered(payload) => response::from_function(&payload).unwrap_or_else(|e| {
                served.problem = Some(e.0);
                response::internal_server_error()
            }),
            Outcome::FunctionError(error) => {
                served.problem = Some(format!("{function} failed: {error}"));
                response::internal_server_error()
            }
            Outcome::FunctionTimedOut => {
                served.problem = Some(format!(
                    "{function} did not answer within its {} s timeout (functions stack); \
                     it may still be building: see the watch log",
                    matched.route.function_timeout.as_secs_f64()
                ));
                response::internal_server_error()
            }
            Outcome::IntegrationTimedOut => {
                served.problem = Some(format!(
                    "{function} did not answer within the integration's {} s timeout (API stack)",
                    matched.route.integration_timeout.as_secs_f64()
                ));
                response::service_unavailable()
            }
            Outcome::Unreachable(error) => {
                served.problem = Some(format!(
                    "the functions' Invoke API is unreachable ({error}): is `cargo lambda watch` running?"
                ));
                response::service_unavailable()
            }
        }
    }

    /// The functions' Runtime API, relayed to `cargo lambda watch` (which
    /// serves it beside the Invoke API): in tests the functions are pointed
    /// here, so that an invocation's `Lambda-Runtime-Trace-Id` is the one
    /// this gateway began ([`trace`]) rather than the one watch makes up.
    async fn relay(&self, request: Request<Incoming>) -> HttpResponse {
        let (parts, body) = request.into_parts();
        let path = parts
            .uri
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        let body = match body.collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => return response::gateway(StatusCode::BAD_REQUEST, "Bad Request"),
        };
        let forwarded = self
            .invoker
            .forward(parts.method, &path, &parts.headers, body)
            .await;
        let (status, mut headers, body) = match forwarded {
            Ok(answer) => answer,
            Err(problem) => {
                eprintln!("local gateway: runtime relay: {problem}");
                return response::service_unavailable();
            }
        };
        if path.ends_with("/invocation/next") {
            let header = trace::request_id_of(&body)
                .and_then(|id| self.tracing.as_ref()?.header_of(&id))
                .and_then(|h| HeaderValue::from_str(&h).ok());
            if let Some(header) = header {
                headers.insert("lambda-runtime-trace-id", header);
            }
        }
        let mut response = hyper::Response::new(http_body_util::Full::new(body));
        *response.status_mut() = status;
        *response.headers_mut() = headers;
        response
    }

    /// A request id in API Gateway's style (14 base64 characters) and an
    /// X-Ray trace id, unique within this process and across restarts.
    fn facts(&self, peer: SocketAddr, local: SocketAddr) -> RequestFacts {
        let received = jiff::Timestamp::now();
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let nanos = received.as_nanosecond() as u64;
        let mut id = [0u8; 10];
        id[..6].copy_from_slice(&nanos.to_be_bytes()[2..]);
        id[6..].copy_from_slice(&(n as u32).to_be_bytes());
        RequestFacts {
            request_id: BASE64.encode(id),
            trace_id: format!(
                "Root=1-{:08x}-{:012x}{:012x}",
                received.as_second(),
                nanos & 0xffff_ffff_ffff,
                n
            ),
            received,
            peer,
            port: local.port(),
        }
    }
}
