//! API Gateway HTTP API (payload 2.0) events in, responses out.
//!
//! Requests come from two kinds of caller, and both must work: API Gateway,
//! which fills `routeKey` and `pathParameters` and prefixes `rawPath` with the
//! stage on named stages; and Lambda function URLs as `cargo lambda watch`
//! emulates them, which send neither and keep the path percent-encoded.

mod body;
mod error;
mod response;
mod route;

pub use body::{MAX_BODY_BYTES, decode_body, string_field};
pub use error::ApiError;
pub use response::{empty, json, respond};
pub use route::{Route, RouteMatch, match_route};

pub use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
pub use aws_lambda_events::http::Method;
