//! HTTP answers: a function's payload-2.0 response turned into HTTP as API
//! Gateway does it, and the answers API Gateway gives on its own.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{
    CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue, SET_COOKIE,
    TRANSFER_ENCODING,
};
use hyper::{Response, StatusCode};
use serde_json::Value;

pub type HttpResponse = Response<Full<Bytes>>;

/// An answer API Gateway gives itself: `{"message": ...}` with its wording.
pub fn gateway(status: StatusCode, message: &str) -> HttpResponse {
    let body = serde_json::json!({ "message": message }).to_string();
    Response::builder()
        .status(status)
        .header(CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .expect("a valid response")
}

/// An answer without a body (a CORS preflight's 204).
pub fn empty(status: StatusCode) -> HttpResponse {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = status;
    response
}

/// The JWT authorizer's refusal, with its `www-authenticate` header.
pub fn unauthorized(www_authenticate: &str) -> HttpResponse {
    let mut response = gateway(StatusCode::UNAUTHORIZED, "Unauthorized");
    if let Ok(value) = hyper::header::HeaderValue::from_str(www_authenticate) {
        response
            .headers_mut()
            .insert(hyper::header::WWW_AUTHENTICATE, value);
    }
    response
}

pub fn not_found() -> HttpResponse {
    gateway(StatusCode::NOT_FOUND, "Not Found")
}

pub fn internal_server_error() -> HttpResponse {
    gateway(StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error")
}

pub fn service_unavailable() -> HttpResponse {
    gateway(StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
}

pub fn too_large() -> HttpResponse {
    gateway(StatusCode::PAYLOAD_TOO_LARGE, "Request Too Large")
}

/// Why a function's answer could not become an HTTP response (API Gateway
/// answers 500 then, and says why in its log).
#[derive(Debug, PartialEq, Eq)]
pub struct Malformed(pub String);

/// The function's payload as API Gateway turns it into HTTP. A JSON object
/// with `statusCode` is a response (`headers`, `cookies`, `body`,
/// `isBase64Encoded`); any other valid JSON is the body of a 200
/// `application/json` answer. `multiValueHeaders` has no meaning in
/// payload 2.0 and is ignored, as API Gateway ignores it.
pub fn from_function(payload: &[u8]) -> Result<HttpResponse, Malformed> {
    let value: Value = serde_json::from_slice(payload)
        .map_err(|e| Malformed(format!("the function's answer is not JSON: {e}")))?;
    let Some(status) = value.get("statusCode") else {
        return Ok(Response::builder()
            .status(StatusCode::OK)
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::copy_from_slice(payload)))
            .expect("a valid response"));
    };
    let status = status
        .as_u64()
        .or_else(|| status.as_str().and_then(|s| s.parse().ok()))
        .and_then(|s| u16::try_from(s).ok())
        .and_then(|s| StatusCode::from_u16(s).ok())
        .ok_or_else(|| Malformed(format!("statusCode {status} is not an HTTP status")))?;

    let mut response = Response::builder().status(status);
    for (name, value) in value["headers"].as_object().into_iter().flatten() {
        let text = match value {
            Value::String(s) => s.clone(),
            Value::Null => continue,
            other => other.to_string(),
        };
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| Malformed(format!("header name {name:?} is not valid")))?;
        // The framing of the answer is the gateway's to set, not the function's.
        if [CONTENT_LENGTH, TRANSFER_ENCODING, CONNECTION].contains(&name) {
            continue;
        }
        let value = HeaderValue::from_bytes(text.as_bytes())
            .map_err(|_| Malformed(format!("header {name} has an invalid value")))?;
        response = response.header(name, value);
    }
    for cookie in value["cookies"].as_array().into_iter().flatten() {
        let cookie = cookie
            .as_str()
            .and_then(|c| HeaderValue::from_str(c).ok())
            .ok_or_else(|| Malformed(format!("cookie {cookie} is not a valid header value")))?;
        response = response.header(SET_COOKIE, cookie);
    }
    let body = match &value["body"] {
        Value::Null => Bytes::new(),
        Value::String(text) if value["isBase64Encoded"] == true => {
            Bytes::from(BASE64.decode(text).map_err(|e| {
                Malformed(format!(
                    "isBase64Encoded is true but the body is not base64: {e}"
                ))
            })?)
        }
        Value::String(text) => Bytes::from(text.clone()),
        other => Bytes::from(other.to_string()),
    };
    response
        .body(Full::new(body))
        .map_err(|e| Malformed(format!("not a valid HTTP response: {e}")))
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    async fn body(r: HttpResponse) -> String {
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn a_response_with_status_headers_cookies_and_text_body() {
        let r = from_function(
            br#"{"statusCode":201,"headers":{"content-type":"text/plain","x-n":3,"content-length":"1","x-name":"Zo\u00eb"},
                "multiValueHeaders":{"x-ignored":["a"]},"cookies":["a=1","b=2; Secure"],
                "body":"made","isBase64Encoded":false}"#,
        )
        .unwrap();
        assert_eq!(r.status(), 201);
        assert_eq!(r.headers()["content-type"], "text/plain");
        assert_eq!(r.headers()["x-n"], "3");
        assert_eq!(r.headers()["x-name"].as_bytes(), "Zoë".as_bytes());
        assert!(!r.headers().contains_key("content-length"));
        assert!(!r.headers().contains_key("x-ignored"));
        let cookies: Vec<_> = r.headers().get_all(SET_COOKIE).iter().collect();
        assert_eq!(cookies, ["a=1", "b=2; Secure"]);
        assert_eq!(body(r).await, "made");
    }

    #[tokio::test]
    async fn a_base64_body_is_decoded() {
        let r =
            from_function(br#"{"statusCode":200,"body":"aGk=","isBase64Encoded":true}"#).unwrap();
        assert_eq!(body(r).await, "hi");
    }

    #[tokio::test]
    async fn json_without_status_code_is_a_200_json_body() {
        let r = from_function(br#"{"hello":"world"}"#).unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(body(r).await, r#"{"hello":"world"}"#);
    }

    #[test]
    fn malformed_answers_are_refused() {
        for payload in [
            &b"not json"[..],
            br#"{"statusCode":"abc"}"#,
            br#"{"statusCode":99}"#,
            br#"{"statusCode":200,"body":"!!","isBase64Encoded":true}"#,
        ] {
            assert!(from_function(payload).is_err(), "{payload:?}");
        }
    }
}
