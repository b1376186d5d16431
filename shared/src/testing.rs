//! Helpers for the functions' tests: real event shapes, read from the
//! repository's `events/` files (the ones `sam local invoke` uses), and the
//! variants other callers send.

use std::path::PathBuf;

use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use aws_lambda_events::encodings::Body;
use lambda_runtime::{Context, LambdaEvent};

/// The repository's `events/` folder.
pub fn events_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// An API Gateway event from `events/<name>.json`.
pub fn load_event(name: &str) -> ApiGatewayV2httpRequest {
    let path = events_dir().join(format!("{name}.json"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not an event: {e}", path.display()))
}

/// An API Gateway event for `method` on `route` (a template such as
/// `/hello/{username}`) with the username given, as API Gateway sends it:
/// route key and decoded path parameters.
pub fn gateway_event(method: &str, route: &str, username: Option<&str>) -> ApiGatewayV2httpRequest {
    let mut event = load_event("get-hello");
    let path = match username {
        Some(name) => route.replace("{username}", name),
        None => route.to_owned(),
    };
    event.route_key = Some(format!("{method} {route}"));
    event.request_context.route_key = event.route_key.clone();
    event.request_context.http.method = method.parse().expect("a valid method");
    event.raw_path = Some(path.clone());
    event.request_context.http.path = Some(path);
    event.path_parameters.clear();
    if let Some(name) = username {
        event.path_parameters.insert("username".into(), name.into());
    }
    event
}

/// Wraps a payload as the runtime hands it to a handler.
pub fn invocation(payload: ApiGatewayV2httpRequest) -> LambdaEvent<ApiGatewayV2httpRequest> {
    LambdaEvent::new(payload, Context::default())
}

/// The response's status and JSON body (`Null` when there is no body).
pub fn status_and_json(response: &ApiGatewayV2httpResponse) -> (i64, serde_json::Value) {
    let body = match &response.body {
        None => serde_json::Value::Null,
        Some(Body::Text(text)) => serde_json::from_str(text).expect("a JSON body"),
        Some(other) => panic!("unexpected body {other:?}"),
    };
    (response.status_code, body)
}

/// Sends logs to the test's captured output, so a failing test shows them.
pub fn capture_logs() {
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter("info")
        .try_init();
}

/// The event as API Gateway passes it once its JWT authorizer has accepted
/// an access token of `username` (in `groups`): every claim a string, the
/// groups list flattened to `[a b]`.
pub fn signed_in(
    mut event: ApiGatewayV2httpRequest,
    username: &str,
    groups: &[&str],
) -> ApiGatewayV2httpRequest {
    use aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
    };
    let mut claims = std::collections::HashMap::from([
        ("token_use".to_owned(), "access".to_owned()),
        ("username".to_owned(), username.to_owned()),
        ("client_id".to_owned(), "testclient".to_owned()),
        (
            "scope".to_owned(),
            "aws.cognito.signin.user.admin".to_owned(),
        ),
    ]);
    if !groups.is_empty() {
        claims.insert(
            "cognito:groups".to_owned(),
            format!("[{}]", groups.join(" ")),
        );
    }
    let mut jwt = ApiGatewayRequestAuthorizerJwtDescription::default();
    jwt.claims = claims;
    let mut authorizer = ApiGatewayRequestAuthorizer::default();
    authorizer.jwt = Some(jwt);
    event.request_context.authorizer = Some(authorizer);
    event
}

/// The event as the owner of its `{username}` sends it, unless it carries a
/// caller already: tests of behaviour other than ownership run as deployed.
pub fn as_owner(event: ApiGatewayV2httpRequest) -> ApiGatewayV2httpRequest {
    if event.request_context.authorizer.is_some() {
        return event;
    }
    let owner = event
        .path_parameters
        .get("username")
        .cloned()
        .unwrap_or_default();
    signed_in(event, &owner, &[])
}
