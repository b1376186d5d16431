//! The Lambda Runtime API loop every function runs, with one log line per
//! request.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use lambda_runtime::{LambdaEvent, service_fn};

use crate::http::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse, Route, match_route};

/// Runs `handler` for every invocation until the runtime shuts the process
/// down. `routes` are the function's routes, named in the request log.
pub async fn serve<F, Fut>(
    routes: &'static [Route],
    handler: F,
) -> Result<(), lambda_runtime::Error>
where
    F: Fn(LambdaEvent<ApiGatewayV2httpRequest>) -> Fut,
    Fut: Future<Output = ApiGatewayV2httpResponse>,
{
    let service = crate::telemetry::service_name();
    let cold_start = AtomicBool::new(true);
    let handler = &handler;
    let service = service.as_str();
    let cold_start = &cold_start;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayV2httpRequest>| async move {
            let started = Instant::now();
            let route = match_route(&event.payload, routes).map_or("unmatched", |m| m.route.key);
            let request_id = event.context.request_id.clone();
            let xray_trace_id = event.context.xray_trace_id.clone().unwrap_or_default();
            let response = handler(event).await;
            tracing::info!(
                service,
                function_request_id = request_id,
                xray_trace_id,
                cold_start = cold_start.swap(false, Ordering::Relaxed),
                route,
                status = response.status_code,
                latency_ms = started.elapsed().as_secs_f64() * 1000.0,
                "request"
            );
            Ok::<_, lambda_runtime::Error>(response)
        },
    ))
    .await
}
