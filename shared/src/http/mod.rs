//! API Gateway HTTP API (payload 2.0) events in, responses out.
//!
//! Every request comes through API Gateway (or, locally, the local gateway
//! that plays it), which has matched the route already: the event names it
//! in `routeKey` and gives the decoded `pathParameters`.

mod body;
mod error;
mod response;
mod route;
mod user;

pub use body::{MAX_BODY_BYTES, decode_body, string_field};
pub use error::ApiError;
pub use response::{empty, json, respond};
pub use route::{Route, RouteMatch, match_route};
pub use user::UserBody;

pub use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
pub use aws_lambda_events::http::Method;
