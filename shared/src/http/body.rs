use std::borrow::Cow;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use base64::Engine as _;

use super::ApiError;

/// The largest request body accepted, in bytes. The API's bodies are a few
/// dozen bytes; anything near this is not a real request.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// The request body as bytes: base64-decoded when API Gateway encoded it,
/// rejected with 413 when too large (before it is decoded or parsed), and
/// empty when there is none.
pub fn decode_body(event: &ApiGatewayV2httpRequest) -> Result<Cow<'_, [u8]>, ApiError> {
    let Some(body) = event.body.as_deref() else {
        return Ok(Cow::Borrowed(&[]));
    };
    if !event.is_base64_encoded {
        return if body.len() > MAX_BODY_BYTES {
            Err(ApiError::payload_too_large(MAX_BODY_BYTES))
        } else {
            Ok(Cow::Borrowed(body.as_bytes()))
        };
    }
    // Base64 grows data by 4/3: check the encoded length before decoding.
    if base64::decoded_len_estimate(body.len()) > MAX_BODY_BYTES + 3 {
        return Err(ApiError::payload_too_large(MAX_BODY_BYTES));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| {
            ApiError::bad_request("the request body is marked as base64 but is not valid base64")
        })?;
    if decoded.len() > MAX_BODY_BYTES {
        return Err(ApiError::payload_too_large(MAX_BODY_BYTES));
    }
    Ok(Cow::Owned(decoded))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(body: Option<&str>, base64: bool) -> ApiGatewayV2httpRequest {
        let mut event = ApiGatewayV2httpRequest::default();
        event.body = body.map(str::to_owned);
        event.is_base64_encoded = base64;
        event
    }

    #[test]
    fn plain_and_base64_bodies_decode_to_the_same_bytes() {
        let plain = event(Some(r#"{"a":1}"#), false);
        let encoded = event(Some("eyJhIjoxfQ=="), true);
        assert_eq!(decode_body(&plain).unwrap(), decode_body(&encoded).unwrap());
    }

    #[test]
    fn missing_body_is_empty() {
        assert!(decode_body(&event(None, false)).unwrap().is_empty());
        assert!(decode_body(&event(Some(""), true)).unwrap().is_empty());
    }

    #[test]
    fn invalid_base64_is_a_bad_request() {
        assert_eq!(
            decode_body(&event(Some("not base64!"), true))
                .unwrap_err()
                .status,
            400
        );
    }

    #[test]
    fn oversized_bodies_are_rejected_in_either_encoding() {
        let big = "a".repeat(MAX_BODY_BYTES + 1);
        assert_eq!(
            decode_body(&event(Some(&big), false)).unwrap_err().status,
            413
        );
        let big_b64 = base64::engine::general_purpose::STANDARD.encode(&big);
        assert_eq!(
            decode_body(&event(Some(&big_b64), true))
                .unwrap_err()
                .status,
            413
        );
        let at_limit = "a".repeat(MAX_BODY_BYTES);
        assert!(decode_body(&event(Some(&at_limit), false)).is_ok());
    }
}

/// Reads the string field `name` from a JSON object body, with a message for
/// each way the body can be wrong. simd-json parses the bytes in place (hence
/// `&mut`) into a flat tape, limiting nesting depth; only the top level is
/// read. A key given twice is rejected: parsers disagree on which one wins,
/// so the request is ambiguous.
pub fn string_field(body: &mut [u8], name: &str, example: &str) -> Result<String, ApiError> {
    use simd_json::{Node, StaticNode};

    let send = || format!(r#"send a JSON object such as {{"{name}": "{example}"}}"#);
    let bad = |what: String| Err(ApiError::bad_request(format!("{what}: {}", send())));
    if body.iter().all(u8::is_ascii_whitespace) {
        return bad("the request body is empty".into());
    }
    let tape = match simd_json::to_tape(body) {
        Ok(tape) => tape.0,
        Err(e) => return bad(format!("the request body is not valid JSON ({e})")),
    };
    let Some(Node::Object { len, .. }) = tape.first() else {
        return bad("the request body is not a JSON object".into());
    };
    let mut found = None;
    let mut at = 1;
    for _ in 0..*len {
        let key = match &tape[at] {
            Node::String(text) => Some(*text),
            _ => None,
        };
        let value = &tape[at + 1];
        if key == Some(name) {
            if found.is_some() {
                return bad(format!(r#""{name}" appears more than once"#));
            }
            found = Some(value);
        }
        // Skip the key, the value and everything nested in it.
        at += 2 + match value {
            Node::Object { count, .. } | Node::Array { count, .. } => *count,
            _ => 0,
        };
    }
    let kind = match found {
        None => return bad(format!(r#""{name}" is missing"#)),
        Some(Node::String(text)) => return Ok((*text).to_owned()),
        Some(Node::Static(StaticNode::Null)) => return bad(format!(r#""{name}" is null"#)),
        Some(Node::Static(StaticNode::Bool(_))) => "a boolean",
        Some(Node::Static(_)) => "a number",
        Some(Node::Array { .. }) => "an array",
        Some(Node::Object { .. }) => "an object",
    };
    Err(ApiError::bad_request(format!(
        r#""{name}" must be a string such as "{example}", not {kind}"#
    )))
}

#[cfg(test)]
mod string_field_tests {
    use super::*;

    fn field(body: &str) -> Result<String, ApiError> {
        string_field(&mut body.as_bytes().to_vec(), "dateOfBirth", "1990-04-23")
    }

    fn message(body: &str) -> String {
        field(body).unwrap_err().message
    }

    #[test]
    fn reads_the_field_and_ignores_others() {
        assert_eq!(
            field(r#"{"dateOfBirth":"2000-01-01","x":[1,{}]}"#).unwrap(),
            "2000-01-01"
        );
        assert_eq!(field(r#"{"dateOfBirth":"caf\u00e9"}"#).unwrap(), "café");
    }

    #[test]
    fn names_each_way_the_body_is_wrong() {
        assert!(message("").starts_with("the request body is empty"));
        assert!(message("  \n").starts_with("the request body is empty"));
        assert!(message("{").starts_with("the request body is not valid JSON"));
        assert!(message("[]").starts_with("the request body is not a JSON object"));
        assert!(message(r#""2000-01-01""#).starts_with("the request body is not a JSON object"));
        assert!(message("{}").starts_with(r#""dateOfBirth" is missing"#));
        assert!(
            message(r#"{"dateofbirth":"2000-01-01"}"#).starts_with(r#""dateOfBirth" is missing"#)
        );
        assert!(message(r#"{"dateOfBirth":null}"#).starts_with(r#""dateOfBirth" is null"#));
        assert!(message(r#"{"dateOfBirth":20000101}"#).ends_with("not a number"));
        assert!(message(r#"{"dateOfBirth":true}"#).ends_with("not a boolean"));
        assert!(message(r#"{"dateOfBirth":["2000-01-01"]}"#).ends_with("not an array"));
        assert!(message(r#"{"dateOfBirth":{"a":1}}"#).ends_with("not an object"));
        assert!(message(r#"{"dateOfBirth":-1.5}"#).ends_with("not a number"));
    }

    #[test]
    fn skips_nested_values_to_find_the_field() {
        let body = r#"{"a":{"dateOfBirth":"nested","b":[1,[2,{"c":3}]]},"dateOfBirth":"1990-01-01","z":[]}"#;
        assert_eq!(field(body).unwrap(), "1990-01-01");
        assert!(
            message(r#"{"a":{"dateOfBirth":"nested"}}"#).starts_with(r#""dateOfBirth" is missing"#)
        );
    }

    #[test]
    fn a_field_given_twice_is_ambiguous() {
        let body = r#"{"dateOfBirth":"1980-01-01","dateOfBirth":"1990-04-23"}"#;
        assert!(message(body).starts_with(r#""dateOfBirth" appears more than once"#));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = format!(
            r#"{{"dateOfBirth":"2000-01-01","x":{}{}}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        assert_eq!(field(&deep).unwrap_err().status, 400);
    }
}
