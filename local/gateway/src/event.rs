//! The payload-2.0 event API Gateway's HTTP API sends a Lambda integration,
//! built from one HTTP request.
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html>

use std::collections::BTreeMap;
use std::net::SocketAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hyper::HeaderMap;
use hyper::http::request::Parts;
use jiff::Timestamp;
use serde_json::{Map, Value, json};

use crate::router::Matched;

/// What API Gateway knows about a request besides the request itself.
#[derive(Debug, Clone)]
pub struct RequestFacts {
    pub request_id: String,
    pub received: Timestamp,
    pub peer: SocketAddr,
    /// The port the gateway listens on.
    pub port: u16,
    /// The X-Ray trace header API Gateway adds (`Root=1-...`).
    pub trace_id: String,
}

/// The account and API id the local API reports (API Gateway's own are
/// 12 digits and 10 characters).
const ACCOUNT_ID: &str = "000000000000";
const API_ID: &str = "local";

/// API Gateway sends bodies of these content types as text; every other
/// type, and a body without one, base64-encoded. Text bytes that are not
/// UTF-8 cannot travel as JSON text: they go base64-encoded too.
fn is_text(content_type: Option<&str>) -> bool {
    let Some(essence) = content_type.and_then(|c| c.split(';').next()) else {
        return false;
    };
    let essence = essence.trim().to_ascii_lowercase();
    essence.starts_with("text/")
        || matches!(
            essence.as_str(),
            "application/json" | "application/xml" | "application/javascript"
        )
}

/// Adds `value` under `name`, after a comma when the name is there already:
/// how API Gateway passes repeated headers and query parameters.
fn join<'a>(map: &mut BTreeMap<&'a str, String>, name: &'a str, value: &str) {
    map.entry(name)
        .and_modify(|v| {
            v.push(',');
            v.push_str(value);
        })
        .or_insert_with(|| value.to_owned());
}

/// Headers lower-cased, repeated ones joined with commas; `Cookie` leaves
/// the headers for `cookies`.
fn headers(map: &HeaderMap) -> (Map<String, Value>, Vec<String>) {
    let mut joined: BTreeMap<&str, String> = BTreeMap::new();
    let mut cookies = Vec::new();
    for (name, value) in map {
        let value = String::from_utf8_lossy(value.as_bytes());
        if name == hyper::header::COOKIE {
            cookies.extend(
                value
                    .split(';')
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .map(str::to_owned),
            );
            continue;
        }
        join(&mut joined, name.as_str(), &value);
    }
    let headers = joined
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v)))
        .collect();
    (headers, cookies)
}

/// Query parameters decoded, repeated ones joined with commas.
fn query_parameters(raw: &str) -> Map<String, Value> {
    let mut joined: BTreeMap<&str, String> = BTreeMap::new();
    let pairs: Vec<_> = form_urlencoded::parse(raw.as_bytes()).collect();
    for (name, value) in &pairs {
        join(&mut joined, name, value);
    }
    joined
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::String(v)))
        .collect()
}

/// The payload-2.0 event for a request matched to `matched`.
/// `authorizer` is what the JWT authorizer passes for an accepted token.
pub fn build(
    parts: &Parts,
    body: &[u8],
    matched: &Matched<'_>,
    facts: &RequestFacts,
    authorizer: Option<Value>,
) -> Value {
    let route_key = matched.route.key();
    // API Gateway hands the path over percent-decoded, in `rawPath` too.
    let raw_path = decode_path(parts.uri.path());
    let raw_query = parts.uri.query().unwrap_or("");
    let (mut headers, cookies) = headers(&parts.headers);
    let header = |name: &str| headers.get(name).and_then(Value::as_str).map(str::to_owned);
    let domain_name = header("host").unwrap_or_else(|| "localhost".into());
    let user_agent = header("user-agent").unwrap_or_default();
    let content_type = header("content-type");
    let source_ip = facts.peer.ip().to_string();
    // What API Gateway adds on the way in.
    let forwarded_for = match header("x-forwarded-for") {
        Some(chain) => format!("{chain}, {source_ip}"),
        None => source_ip.clone(),
    };
    headers.insert("x-forwarded-for".into(), forwarded_for.into());
    headers.insert("x-forwarded-proto".into(), "http".into());
    headers.insert("x-forwarded-port".into(), facts.port.to_string().into());
    headers.insert("x-amzn-trace-id".into(), facts.trace_id.clone().into());

    let mut event = json!({
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": domain_name,
            "domainPrefix": domain_name.split('.').next().unwrap_or_default(),
            "http": {
                "method": parts.method.as_str(),
                "path": raw_path,
                "protocol": format!("{:?}", parts.version),
                "sourceIp": source_ip,
                "userAgent": user_agent,
            },
            "requestId": facts.request_id,
            "routeKey": route_key,
            "stage": "$default",
            "time": facts.received.strftime("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": facts.received.as_millisecond(),
        },
        "isBase64Encoded": false,
    });
    if let Some(authorizer) = authorizer {
        event["requestContext"]["authorizer"] = authorizer;
    }
    let object = event.as_object_mut().expect("an object");
    if !cookies.is_empty() {
        object.insert("cookies".into(), cookies.into());
    }
    if !raw_query.is_empty() {
        object.insert(
            "queryStringParameters".into(),
            query_parameters(raw_query).into(),
        );
    }
    if !matched.params.is_empty() {
        object.insert("pathParameters".into(), json!(matched.params));
    }
    if !body.is_empty() {
        let text = is_text(content_type.as_deref())
            .then(|| std::str::from_utf8(body).ok())
            .flatten();
        let (body, encoded) = match text {
            Some(text) => (text.to_owned(), false),
            None => (BASE64.encode(body), true),
        };
        object.insert("body".into(), body.into());
        object.insert("isBase64Encoded".into(), encoded.into());
    }
    event
}

fn decode_path(raw: &str) -> String {
    percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_or_else(|_| raw.to_owned(), |p| p.into_owned())
}
