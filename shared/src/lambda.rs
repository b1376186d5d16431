//! The Lambda Runtime API loop every function runs, with one log line per
//! request that is also its metrics record (see [`crate::metrics`]).

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use lambda_runtime::{LambdaEvent, service_fn};

use crate::http::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse, Route, match_route};
use crate::metrics::{DEFAULT_NAMESPACE, RequestLine};
use crate::report::{Failure, Invocation, Reporter};

/// Runs `handler` for every invocation until the runtime shuts the process
/// down. `function` (the crate's name) and the route are the request line's
/// metric dimensions; `routes` are the function's routes. With a `reporter`,
/// every answer of 500 or more is reported to Sentry before it is given.
///
/// The request line is written whatever `AWS_LAMBDA_LOG_LEVEL` or
/// `RUST_LOG` say: it carries the metrics. (Lambda's own `ApplicationLogLevel`
/// must stay at INFO or below for it to reach CloudWatch; a test checks.) `METRICS_NAMESPACE` (set per stage by the functions stack) names
/// where they go.
pub async fn serve<F, Fut>(
    function: &'static str,
    routes: &'static [Route],
    reporter: Option<Reporter>,
    handler: F,
) -> Result<(), lambda_runtime::Error>
where
    F: Fn(LambdaEvent<ApiGatewayV2httpRequest>) -> Fut,
    Fut: Future<Output = ApiGatewayV2httpResponse>,
{
    let service = crate::telemetry::service_name();
    let namespace =
        std::env::var("METRICS_NAMESPACE").unwrap_or_else(|_| DEFAULT_NAMESPACE.to_owned());
    let cold_start = AtomicBool::new(true);
    let handler = &handler;
    let (service, namespace, cold_start) = (service.as_str(), namespace.as_str(), &cold_start);
    let reporter = reporter.as_ref();
    let tracer = crate::xray::Tracer::from_env();
    let tracer = tracer.as_ref();
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayV2httpRequest>| async move {
            let started = Instant::now();
            let route = match_route(&event.payload, routes).map_or("unmatched", |m| m.route.key);
            let request_id = event.context.request_id.clone();
            let api_request_id = event
                .payload
                .request_context
                .request_id
                .clone()
                .unwrap_or_default();
            let xray_trace_id = event.context.xray_trace_id.clone().unwrap_or_default();
            let invocation = reporter.map(|reporter| {
                let invocation = Invocation::of(&event, route);
                reporter.begin(&invocation);
                invocation
            });
            // Traced when the invocation's header says sampled (X-Ray).
            let recording = tracer.and_then(|t| t.begin(Some(xray_trace_id.as_str())));
            let response = match recording {
                Some(recording) => {
                    let status = |r: &ApiGatewayV2httpResponse| r.status_code;
                    recording.run(route, function, status, handler(event)).await
                }
                None => handler(event).await,
            };
            if let (Some(reporter), Some(invocation)) = (reporter, &invocation) {
                if let Some(failure) = Failure::of_answer(&response) {
                    reporter.report(invocation, &failure).await;
                }
                reporter.end();
            }
            let line = RequestLine {
                namespace,
                service,
                function,
                function_request_id: &request_id,
                api_request_id: &api_request_id,
                xray_trace_id: &xray_trace_id,
                cold_start: cold_start.swap(false, Ordering::Relaxed),
                route,
                status: response.status_code,
                latency_ms: started.elapsed().as_secs_f64() * 1000.0,
                at: jiff::Timestamp::now(),
            };
            println!("{line}");
            Ok::<_, lambda_runtime::Error>(response)
        },
    ))
    .await
}
