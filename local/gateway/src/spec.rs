//! What the gateway serves, read from the files the deployed API is built
//! from, so that nothing is typed twice: routes and the function behind each
//! from `openapi.yaml` (`x-function`), CORS and each route's integration
//! timeout from the API stack, each function's own timeout from the
//! functions stack.

use std::path::Path;
use std::time::Duration;

use serde_norway::Value;

/// API Gateway's integration timeout when an integration sets none.
const DEFAULT_INTEGRATION_TIMEOUT: Duration = Duration::from_secs(30);
/// Lambda's (and SAM's) timeout when a function sets none.
const DEFAULT_FUNCTION_TIMEOUT: Duration = Duration::from_secs(3);

/// The API as the gateway serves it.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiSpec {
    pub routes: Vec<RouteSpec>,
    pub cors: Option<Cors>,
    /// The headers CloudFront adds to every answer (the web stack's response
    /// headers policy), values as the template writes them: `${Name}` is a
    /// stack parameter still to fill in.
    pub response_headers: Vec<(String, String)>,
}

/// One route: `GET /hello/{username}` and the function that answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: String,
    /// The path template as openapi.yaml writes it.
    pub path: String,
    /// The crate (and binary) under `functions/`, as `cargo lambda watch` names it.
    pub function: String,
    /// How long API Gateway waits for the integration (503 after it).
    pub integration_timeout: Duration,
    /// How long Lambda lets the function run (500 after it).
    pub function_timeout: Duration,
    /// `None` for a public route; for a route behind the JWT authorizer,
    /// the scopes of which a token must hold one (none listed: any token).
    pub required_scopes: Option<Vec<String>>,
}

impl RouteSpec {
    /// The API Gateway route key, such as `GET /time`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// The API's `CorsConfiguration`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cors {
    pub allow_origins: Vec<String>,
    pub allow_methods: Vec<String>,
    pub allow_headers: Vec<String>,
    pub expose_headers: Vec<String>,
    pub max_age: Option<u64>,
    pub allow_credentials: bool,
}

/// Why the spec could not be read: the file and what was wrong in it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SpecError(pub String);

fn load(root: &Path, relative: &str) -> Result<Value, SpecError> {
    let path = root.join(relative);
    let text = std::fs::read_to_string(&path)
        .map_err(|e| SpecError(format!("cannot read {}: {e}", path.display())))?;
    serde_norway::from_str(&text)
        .map_err(|e| SpecError(format!("{} is not valid YAML: {e}", path.display())))
}

/// The text inside a CloudFormation short tag (`!Ref X`, `!Sub ...`) or a plain string.
fn scalar(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Tagged(tagged) => tagged.value.as_str(),
        _ => None,
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| match v {
                    Value::Number(n) => Some(n.to_string()),
                    other => scalar(other).map(str::to_owned),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn resources(template: &Value) -> impl Iterator<Item = (&str, &Value)> {
    template["Resources"]
        .as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(id, r)| Some((id.as_str()?, r)))
}

fn seconds(value: &Value) -> Option<Duration> {
    value.as_u64().map(Duration::from_secs)
}

impl ApiSpec {
    /// Reads `openapi.yaml`, `stacks/api.yaml` and `stacks/functions.yaml` under `root`.
    pub fn load(root: &Path) -> Result<Self, SpecError> {
        let openapi = load(root, "openapi.yaml")?;
        let api = load(root, "stacks/api.yaml")?;
        let functions = load(root, "stacks/functions.yaml")?;

        let mut routes = Vec::new();
        let paths = openapi["paths"]
            .as_mapping()
            .ok_or_else(|| SpecError("openapi.yaml has no paths".into()))?;
        for (path, item) in paths {
            let path = path.as_str().unwrap_or_default();
            for (method, operation) in item.as_mapping().into_iter().flatten() {
                let method = method.as_str().unwrap_or_default();
                if !matches!(
                    method,
                    "get" | "put" | "post" | "delete" | "patch" | "head" | "options"
                ) {
                    continue;
                }
                let function = operation["x-function"].as_str().ok_or_else(|| {
                    SpecError(format!(
                        "openapi.yaml: {} {path} has no x-function naming the function behind it",
                        method.to_uppercase()
                    ))
                })?;
                let method = method.to_uppercase();
                let key = format!("{method} {path}");
                // The operation's own `security` wins over the document's;
                // an empty list, or none at all, makes the route public.
                let security = match &operation["security"] {
                    Value::Null => &openapi["security"],
                    own => own,
                };
                let required_scopes = security
                    .as_sequence()
                    .filter(|requirements| !requirements.is_empty())
                    .map(|requirements| {
                        requirements
                            .iter()
                            .filter_map(Value::as_mapping)
                            .flat_map(|m| m.values().flat_map(strings))
                            .collect()
                    });
                routes.push(RouteSpec {
                    required_scopes,
                    integration_timeout: integration_timeout(&api, &key),
                    function_timeout: function_timeout(&functions, function),
                    method,
                    path: path.to_owned(),
                    function: function.to_owned(),
                });
            }
        }

        let cors = resources(&api)
            .find(|(_, r)| r["Type"] == "AWS::ApiGatewayV2::Api")
            .map(|(_, r)| &r["Properties"]["CorsConfiguration"])
            .filter(|c| c.is_mapping())
            .map(|c| Cors {
                allow_origins: strings(&c["AllowOrigins"]),
                allow_methods: strings(&c["AllowMethods"]),
                allow_headers: strings(&c["AllowHeaders"]),
                expose_headers: strings(&c["ExposeHeaders"]),
                max_age: c["MaxAge"].as_u64(),
                allow_credentials: c["AllowCredentials"].as_bool().unwrap_or(false),
            });
        // The web stack is optional: without it, no headers are added.
        let response_headers = match root.join("stacks/web.yaml").exists() {
            true => response_headers(&load(root, "stacks/web.yaml")?),
            false => Vec::new(),
        };
        Ok(ApiSpec {
            routes,
            cors,
            response_headers,
        })
    }
}

/// The security headers of the web stack's `AWS::CloudFront::ResponseHeadersPolicy`,
/// as CloudFront writes them into answers.
fn response_headers(web: &Value) -> Vec<(String, String)> {
    let Some((_, policy)) =
        resources(web).find(|(_, r)| r["Type"] == "AWS::CloudFront::ResponseHeadersPolicy")
    else {
        return Vec::new();
    };
    let security = &policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"];
    let mut headers = Vec::new();
    let hsts = &security["StrictTransportSecurity"];
    if let Some(max_age) = hsts["AccessControlMaxAgeSec"].as_u64() {
        let mut value = format!("max-age={max_age}");
        if hsts["IncludeSubdomains"].as_bool() == Some(true) {
            value.push_str("; includeSubDomains");
        }
        if hsts["Preload"].as_bool() == Some(true) {
            value.push_str("; preload");
        }
        headers.push(("strict-transport-security".to_owned(), value));
    }
    if security["ContentTypeOptions"].is_mapping() {
        headers.push(("x-content-type-options".to_owned(), "nosniff".to_owned()));
    }
    if let Some(option) = security["FrameOptions"]["FrameOption"].as_str() {
        headers.push(("x-frame-options".to_owned(), option.to_owned()));
    }
    if let Some(policy) = security["ReferrerPolicy"]["ReferrerPolicy"].as_str() {
        headers.push(("referrer-policy".to_owned(), policy.to_owned()));
    }
    if let Some(csp) = scalar(&security["ContentSecurityPolicy"]["ContentSecurityPolicy"]) {
        headers.push(("content-security-policy".to_owned(), csp.to_owned()));
    }
    headers
}

/// The `TimeoutInMillis` of the integration that the route `key` targets.
fn integration_timeout(api: &Value, key: &str) -> Duration {
    let target = resources(api)
        .find(|(_, r)| {
            r["Type"] == "AWS::ApiGatewayV2::Route" && r["Properties"]["RouteKey"] == key
        })
        .and_then(|(_, r)| scalar(&r["Properties"]["Target"]))
        .and_then(|t| t.strip_prefix("integrations/${"))
        .and_then(|t| t.strip_suffix('}'));
    target
        .and_then(|id| api["Resources"][id]["Properties"]["TimeoutInMillis"].as_u64())
        .map_or(DEFAULT_INTEGRATION_TIMEOUT, Duration::from_millis)
}

/// The `Timeout` of the function whose `CodeUri` is `functions/<name>`, or the Globals'.
fn function_timeout(functions: &Value, name: &str) -> Duration {
    let code_uri = format!("../functions/{name}");
    resources(functions)
        .find(|(_, r)| r["Properties"]["CodeUri"].as_str() == Some(code_uri.as_str()))
        .and_then(|(_, r)| seconds(&r["Properties"]["Timeout"]))
        .or_else(|| seconds(&functions["Globals"]["Function"]["Timeout"]))
        .unwrap_or(DEFAULT_FUNCTION_TIMEOUT)
}
