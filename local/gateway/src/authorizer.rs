//! The HTTP API's JWT authorizer, as API Gateway runs it on a protected
//! route before the function is invoked:
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html>
//!
//! The token comes from the `Authorization` header (with or without
//! `Bearer `). Its signature is checked with the issuer's key named by
//! `kid` (RSA only, from `{issuer}/.well-known/jwks.json`); then `iss` must
//! be the issuer, `aud` (or, when a token has none, `client_id`) one of the
//! audiences, `exp` in the future, `nbf` and `iat` in the past, and `scope`
//! must hold one of the route's scopes if it names any. `token_use` is not
//! looked at, as API Gateway does not. A refused request is answered 401
//! and never reaches the function; an accepted one carries the claims, each
//! flattened to a string, in `requestContext.authorizer.jwt`.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{HeaderMap, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use ring::signature::{self, RsaPublicKeyComponents};
use serde_json::{Map, Value, json};
use tokio::sync::RwLock;

/// How long fetching the JWKS may take, body included.
const JWKS_TIMEOUT: Duration = Duration::from_secs(3);
/// A token naming an unknown `kid` fetches the JWKS again, at most this often.
const JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(5);

/// The issuer and audiences of the authorizer, and the issuer's keys.
#[derive(Debug)]
pub struct JwtAuthorizer {
    issuer: String,
    audiences: Vec<String>,
    jwks_url: String,
    client: Client<HttpConnector, Empty<Bytes>>,
    keys: RwLock<Keys>,
}

#[derive(Debug, Default)]
struct Keys {
    by_kid: HashMap<String, RsaKey>,
    fetched: Option<Instant>,
}

#[derive(Debug, Clone)]
struct RsaKey {
    n: Vec<u8>,
    e: Vec<u8>,
}

/// Why a token was refused: what API Gateway says in `www-authenticate`,
/// and, for the gateway's log line, the details it keeps to itself. AWS
/// documents one description ("the token does not have a valid
/// audience"); the others follow its form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// `None` when no token came at all.
    pub description: Option<&'static str>,
    pub detail: String,
}

impl Refusal {
    fn invalid(description: &'static str, detail: impl Into<String>) -> Self {
        Refusal {
            description: Some(description),
            detail: detail.into(),
        }
    }

    /// The `www-authenticate` header of the 401.
    pub fn www_authenticate(&self) -> String {
        match self.description {
            None => "Bearer".to_owned(),
            Some(description) => format!(
                "Bearer scope=\"\" error=\"invalid_token\" error_description=\"{description}\""
            ),
        }
    }
}

/// An accepted token: what the event's `requestContext.authorizer` holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Accepted {
    pub authorizer: Value,
}

impl JwtAuthorizer {
    /// `issuer` exactly as tokens name it (`iss`); `audiences` the app
    /// client ids a token may be for.
    pub fn new(issuer: impl Into<String>, audiences: Vec<String>) -> Self {
        let issuer = issuer.into();
        JwtAuthorizer {
            jwks_url: format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/')),
            issuer,
            audiences,
            client: Client::builder(TokioExecutor::new()).build_http(),
            keys: RwLock::new(Keys::default()),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The first audience: the app client the page signs in with.
    pub fn audience(&self) -> &str {
        self.audiences.first().map_or("", String::as_str)
    }

    /// Checks the request's token for a route needing one of `scopes` (any
    /// token when empty), at `now` (seconds since the epoch).
    pub async fn authorize(
        &self,
        headers: &HeaderMap,
        scopes: &[String],
        now: i64,
    ) -> Result<Accepted, Refusal> {
        let token = bearer_token(headers).ok_or_else(|| Refusal {
            description: None,
            detail: "no Authorization header".into(),
        })?;
        let (header, claims, signed, signature) = split(token)?;
        let algorithm = match header.get("alg").and_then(Value::as_str) {
            Some("RS256") => &signature::RSA_PKCS1_2048_8192_SHA256,
            Some("RS384") => &signature::RSA_PKCS1_2048_8192_SHA384,
            Some("RS512") => &signature::RSA_PKCS1_2048_8192_SHA512,
            other => {
                return Err(Refusal::invalid(
                    "the token's signing method is not supported",
                    format!("alg {other:?}: only RSA signatures are accepted"),
                ));
            }
        };
        let kid = header.get("kid").and_then(Value::as_str).ok_or_else(|| {
            Refusal::invalid(
                "the token's key id is not valid",
                "the token's header names no kid",
            )
        })?;
        let key = self.key(kid).await?;
        RsaPublicKeyComponents {
            n: &key.n,
            e: &key.e,
        }
        .verify(algorithm, signed.as_bytes(), &signature)
        .map_err(|_| {
            Refusal::invalid(
                "the token signature is invalid",
                format!("the signature does not verify with the issuer's key {kid}"),
            )
        })?;
        self.check_claims(&claims, scopes, now)?;
        let token_scopes: Vec<String> = claims
            .get("scope")
            .and_then(Value::as_str)
            .map(|s| s.split_whitespace().map(str::to_owned).collect())
            .unwrap_or_default();
        Ok(Accepted {
            authorizer: json!({
                "jwt": {
                    "claims": flatten_claims(&claims),
                    // API Gateway lists the token's scopes only for a route that requires some.
                    "scopes": if scopes.is_empty() { Value::Null } else { json!(token_scopes) },
                }
            }),
        })
    }

    fn check_claims(
        &self,
        claims: &Map<String, Value>,
        scopes: &[String],
        now: i64,
    ) -> Result<(), Refusal> {
        if claims.get("iss").and_then(Value::as_str) != Some(self.issuer.as_str()) {
            return Err(Refusal::invalid(
                "the token does not have a valid issuer",
                format!(
                    "iss is {}, not {}",
                    claims.get("iss").unwrap_or(&Value::Null),
                    self.issuer
                ),
            ));
        }
        let for_us = |v: &Value| {
            v.as_str()
                .is_some_and(|a| self.audiences.iter().any(|ours| ours == a))
        };
        let audience_ok = match claims.get("aud") {
            Some(Value::Array(list)) => list.iter().any(for_us),
            Some(aud) => for_us(aud),
            None => claims.get("client_id").is_some_and(for_us),
        };
        if !audience_ok {
            return Err(Refusal::invalid(
                "the token does not have a valid audience",
                "neither aud nor client_id is one of the authorizer's audiences",
            ));
        }
        let time = |name: &str| claims.get(name).map(|v| v.as_i64().ok_or(()));
        match time("exp") {
            Some(Ok(exp)) if exp > now => {}
            Some(Ok(_)) => return Err(Refusal::invalid("the token has expired", "exp has passed")),
            _ => {
                return Err(Refusal::invalid(
                    "the token does not have a valid expiry",
                    "exp is missing or not a number",
                ));
            }
        }
        match time("nbf") {
            Some(Ok(nbf)) if nbf > now => {
                return Err(Refusal::invalid(
                    "the token is not valid yet",
                    "nbf is in the future",
                ));
            }
            Some(Err(_)) => {
                return Err(Refusal::invalid(
                    "the token does not have a valid not-before time",
                    "nbf is not a number",
                ));
            }
            _ => {}
        }
        match time("iat") {
            Some(Ok(iat)) if iat > now => {
                return Err(Refusal::invalid(
                    "the token was issued in the future",
                    "iat is in the future",
                ));
            }
            Some(Err(_)) => {
                return Err(Refusal::invalid(
                    "the token does not have a valid issue time",
                    "iat is not a number",
                ));
            }
            _ => {}
        }
        if !scopes.is_empty() {
            let held = claims.get("scope").and_then(Value::as_str).unwrap_or("");
            if !held
                .split_whitespace()
                .any(|s| scopes.iter().any(|r| r == s))
            {
                return Err(Refusal::invalid(
                    "the token does not have the required scopes",
                    format!("scope {held:?} holds none of {scopes:?}"),
                ));
            }
        }
        Ok(())
    }

    /// The key `kid`, fetching the JWKS when it is not known yet.
    async fn key(&self, kid: &str) -> Result<RsaKey, Refusal> {
        {
            let keys = self.keys.read().await;
            if let Some(key) = keys.by_kid.get(kid) {
                return Ok(key.clone());
            }
            if keys
                .fetched
                .is_some_and(|at| at.elapsed() < JWKS_REFRESH_INTERVAL)
            {
                return Err(unknown_kid(kid));
            }
        }
        let mut keys = self.keys.write().await;
        // Another request may have fetched while this one waited.
        if let Some(key) = keys.by_kid.get(kid) {
            return Ok(key.clone());
        }
        if keys
            .fetched
            .is_some_and(|at| at.elapsed() < JWKS_REFRESH_INTERVAL)
        {
            return Err(unknown_kid(kid));
        }
        // A failed fetch counts too: an issuer that is down is asked again
        // after the interval, not on every request.
        keys.fetched = Some(Instant::now());
        let fetched = tokio::time::timeout(JWKS_TIMEOUT, self.fetch_jwks())
            .await
            .unwrap_or_else(|_| {
                Err(Refusal::invalid(
                    "the issuer's keys could not be fetched",
                    format!("GET {}: no answer within {JWKS_TIMEOUT:?}", self.jwks_url),
                ))
            })?;
        keys.by_kid = fetched;
        keys.by_kid
            .get(kid)
            .cloned()
            .ok_or_else(|| unknown_kid(kid))
    }

    async fn fetch_jwks(&self) -> Result<HashMap<String, RsaKey>, Refusal> {
        let unreachable = |why: String| {
            Refusal::invalid(
                "the issuer's keys could not be fetched",
                format!("GET {}: {why}", self.jwks_url),
            )
        };
        let request = Request::get(&self.jwks_url)
            .body(Empty::new())
            .map_err(|e| unreachable(e.to_string()))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| unreachable(e.to_string()))?;
        if response.status() != StatusCode::OK {
            return Err(unreachable(format!("status {}", response.status())));
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| unreachable(e.to_string()))?
            .to_bytes();
        let jwks: Value =
            serde_json::from_slice(&body).map_err(|e| unreachable(format!("not JSON: {e}")))?;
        Ok(jwks["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|k| k["kty"] == "RSA")
            .filter_map(|k| {
                let decode = |name: &str| BASE64URL.decode(k[name].as_str()?).ok();
                Some((
                    k["kid"].as_str()?.to_owned(),
                    RsaKey {
                        n: decode("n")?,
                        e: decode("e")?,
                    },
                ))
            })
            .collect())
    }
}

fn unknown_kid(kid: &str) -> Refusal {
    Refusal::invalid(
        "the token's key id is not valid",
        format!("the issuer's JWKS has no key {kid}"),
    )
}

/// The token of an `Authorization` header, with or without `Bearer `.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(hyper::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let token = match value.get(..6) {
        Some(scheme)
            if scheme.eq_ignore_ascii_case("bearer")
                && value[6..].chars().next().is_none_or(char::is_whitespace) =>
        {
            value[6..].trim_start()
        }
        _ => value,
    };
    (!token.is_empty()).then_some(token)
}

type Parts<'t> = (Map<String, Value>, Map<String, Value>, &'t str, Vec<u8>);

/// Header, claims, the signed text and the signature of a compact JWS.
fn split(token: &str) -> Result<Parts<'_>, Refusal> {
    let malformed = |what: &str| Refusal::invalid("the token is malformed", what.to_owned());
    let mut pieces = token.split('.');
    let (Some(header), Some(claims), Some(signature), None) =
        (pieces.next(), pieces.next(), pieces.next(), pieces.next())
    else {
        return Err(malformed("a JWT has three dot-separated parts"));
    };
    let object = |part: &str, what: &str| -> Result<Map<String, Value>, Refusal> {
        let bytes = BASE64URL
            .decode(part)
            .map_err(|_| malformed(&format!("the {what} is not base64url")))?;
        match serde_json::from_slice(&bytes) {
            Ok(Value::Object(map)) => Ok(map),
            _ => Err(malformed(&format!("the {what} is not a JSON object"))),
        }
    };
    let header = object(header, "header")?;
    let claims = object(claims, "claims set")?;
    let signature = BASE64URL
        .decode(signature)
        .map_err(|_| malformed("the signature is not base64url"))?;
    let signed = &token[..token.len() - token.rsplit('.').next().map_or(0, str::len) - 1];
    Ok((header, claims, signed, signature))
}

/// Claims as API Gateway passes them: every value a string; a list
/// becomes `[a b]`, as `cognito:groups` arrives.
fn flatten_claims(claims: &Map<String, Value>) -> Map<String, Value> {
    claims
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(flatten(value))))
        .collect()
}

fn flatten(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(_) | Value::Number(_) => value.to_string(),
        Value::Array(items) => format!(
            "[{}]",
            items.iter().map(flatten).collect::<Vec<_>>().join(" ")
        ),
        Value::Object(map) => format!(
            "map[{}]",
            map.iter()
                .map(|(k, v)| format!("{k}:{}", flatten(v)))
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_become_strings_and_lists_read_as_api_gateway_writes_them() {
        let claims = json!({
            "username": "Ann",
            "exp": 1795435200,
            "email_verified": true,
            "cognito:groups": ["admins", "ops"],
        });
        let flat = flatten_claims(claims.as_object().unwrap());
        assert_eq!(
            Value::Object(flat),
            json!({
                "username": "Ann",
                "exp": "1795435200",
                "email_verified": "true",
                "cognito:groups": "[admins ops]",
            })
        );
    }

    #[test]
    fn the_bearer_prefix_is_optional() {
        for value in ["Bearer a.b.c", "bearer a.b.c", "a.b.c", "Bearer   a.b.c"] {
            let mut headers = HeaderMap::new();
            headers.insert("authorization", value.parse().unwrap());
            assert_eq!(bearer_token(&headers), Some("a.b.c"), "{value}");
        }
        let mut headers = HeaderMap::new();
        assert_eq!(bearer_token(&headers), None);
        headers.insert("authorization", "Bearer ".parse().unwrap());
        assert_eq!(bearer_token(&headers), None);
    }

    #[test]
    fn malformed_tokens_are_refused_before_any_key_is_fetched() {
        for token in [
            "a.b",
            "a.b.c.d",
            "!!.e30.AA",
            "e30.!!.AA",
            "e30.e30.!!",
            "W10.e30.AA",
        ] {
            let refusal = split(token).unwrap_err();
            assert_eq!(
                refusal.description,
                Some("the token is malformed"),
                "{token}"
            );
        }
        let (_, _, signed, _) = split("e30.e30.AA").unwrap();
        assert_eq!(signed, "e30.e30");
    }

    #[test]
    fn the_header_names_the_error_as_api_gateway_does() {
        let none = Refusal {
            description: None,
            detail: String::new(),
        };
        assert_eq!(none.www_authenticate(), "Bearer");
        assert_eq!(
            Refusal::invalid("the token has expired", "").www_authenticate(),
            "Bearer scope=\"\" error=\"invalid_token\" error_description=\"the token has expired\""
        );
    }
}
