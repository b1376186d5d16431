//! Calls a function through the Lambda Invoke API that `cargo lambda watch`
//! serves (`POST /2015-03-31/functions/{name}/invocations`), within the
//! limits production sets.

use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{HeaderMap, Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// How an invocation ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The function's answer, its payload.
    Answered(Bytes),
    /// The function returned an error or crashed (what it said, for the log).
    FunctionError(String),
    /// The function ran past its own timeout: Lambda stops it.
    FunctionTimedOut,
    /// No answer within the integration's timeout: API Gateway gives up.
    IntegrationTimedOut,
    /// The Invoke API could not be reached.
    Unreachable(String),
}

/// A client of one Invoke API endpoint.
#[derive(Debug, Clone)]
pub struct Invoker {
    base: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl Invoker {
    /// `base` is the Invoke API's address, such as `http://127.0.0.1:9000`.
    pub fn new(base: impl Into<String>) -> Self {
        Invoker {
            base: base.into().trim_end_matches('/').to_owned(),
            client: Client::builder(TokioExecutor::new()).build_http(),
        }
    }

    /// Sends a request of the Lambda Runtime API (`/.rt/...`, which the
    /// same server serves) on, as it came: for the relay ([`crate::trace`]).
    /// `invocation/next` waits for an event as long as it takes.
    pub async fn forward(
        &self,
        method: Method,
        path_and_query: &str,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<(StatusCode, HeaderMap, Bytes), String> {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("{}{path_and_query}", self.base));
        for (name, value) in headers {
            if name != hyper::header::HOST {
                request = request.header(name, value);
            }
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| format!("cannot relay the request: {e}"))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| format!("the Runtime API is unreachable: {e:?}"))?;
        let (parts, body) = response.into_parts();
        let body = body
            .collect()
            .await
            .map_err(|e| format!("the Runtime API's answer broke off: {e}"))?
            .to_bytes();
        Ok((parts.status, parts.headers, body))
    }

    /// Invokes `function` with `event`. Whichever limit is shorter decides
    /// what a slow function gets: Lambda's own timeout (500 in production,
    /// where it comes first) or the integration's (503).
    pub async fn invoke(
        &self,
        function: &str,
        event: Vec<u8>,
        function_timeout: Duration,
        integration_timeout: Duration,
    ) -> Outcome {
        let request = Request::builder()
            .method(Method::POST)
            .uri(format!(
                "{}/2015-03-31/functions/{function}/invocations",
                self.base
            ))
            .header("content-type", "application/json")
            .body(Full::new(Bytes::from(event)))
            .expect("a valid request");
        let limit = function_timeout.min(integration_timeout);
        let call = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| Outcome::Unreachable(format!("{e:?}")))?;
            let status = response.status();
            // Lambda answers 200 and flags a function error in a header;
            // `cargo lambda watch` answers 500 with the error as the body.
            let flagged = response.headers().contains_key("x-amz-function-error");
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| Outcome::FunctionError(format!("the answer broke off: {e}")))?
                .to_bytes();
            if status == StatusCode::OK && !flagged {
                Ok(Outcome::Answered(body))
            } else {
                Err(Outcome::FunctionError(format!(
                    "HTTP {status}: {}",
                    String::from_utf8_lossy(&body)
                )))
            }
        };
        match tokio::time::timeout(limit, call).await {
            Ok(Ok(outcome) | Err(outcome)) => outcome,
            Err(_) if function_timeout <= integration_timeout => Outcome::FunctionTimedOut,
            Err(_) => Outcome::IntegrationTimedOut,
        }
    }
}
