use aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use aws_lambda_events::encodings::Body;
use aws_lambda_events::http::{HeaderValue, header};
use serde::Serialize;

/// A JSON response with the given status.
///
/// Serialising our own plain structs cannot fail; if it ever did, the caller
/// still gets valid JSON rather than a broken body.
pub fn json(status: u16, value: &impl Serialize) -> ApiGatewayV2httpResponse {
    let body = simd_json::to_string(value)
        .unwrap_or_else(|_| r#"{"message":"the response could not be encoded"}"#.to_owned());
    let mut response = empty(status);
    response.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response.body = Some(Body::Text(body));
    response
}

/// A response without a body, such as `204 No Content`.
pub fn empty(status: u16) -> ApiGatewayV2httpResponse {
    let mut response = ApiGatewayV2httpResponse::default();
    response.status_code = i64::from(status);
    response
}

/// The response for a handler's result: errors become `{"message": ...}`.
pub fn respond(
    result: Result<ApiGatewayV2httpResponse, super::ApiError>,
) -> ApiGatewayV2httpResponse {
    result.unwrap_or_else(super::ApiError::into_response)
}
