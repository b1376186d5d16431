//! CORS as API Gateway's HTTP API applies a `CorsConfiguration`: it answers
//! preflight requests itself, adds its headers to the integration's answers
//! to requests that carry an `Origin`, and ignores CORS headers the
//! integration sets.
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html>

use hyper::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE,
    ACCESS_CONTROL_REQUEST_METHOD, HeaderMap, HeaderValue, ORIGIN,
};
use hyper::{Method, StatusCode};

use crate::response::HttpResponse;
use crate::spec::Cors;

impl Cors {
    /// The value of `Access-Control-Allow-Origin` for `origin`, if it is allowed.
    fn allowed_origin(&self, origin: &str) -> Option<String> {
        if self.allow_origins.iter().any(|o| o == "*") {
            return Some(if self.allow_credentials { origin } else { "*" }.to_owned());
        }
        self.allow_origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin))
            .then(|| origin.to_owned())
    }

    /// Whether this is a preflight request, which API Gateway answers itself.
    pub fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
        method == Method::OPTIONS
            && headers.contains_key(ORIGIN)
            && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
    }

    /// The answer to a preflight: 204, with the configured headers when the
    /// origin is allowed and none when it is not (the browser then refuses).
    pub fn preflight(&self, headers: &HeaderMap) -> HttpResponse {
        let mut response = crate::response::empty(StatusCode::NO_CONTENT);
        let origin = headers.get(ORIGIN).and_then(|o| o.to_str().ok());
        if let Some(allowed) = origin.and_then(|o| self.allowed_origin(o)) {
            let out = response.headers_mut();
            insert(out, ACCESS_CONTROL_ALLOW_ORIGIN, &allowed);
            insert(
                out,
                ACCESS_CONTROL_ALLOW_METHODS,
                &self.allow_methods.join(","),
            );
            insert(
                out,
                ACCESS_CONTROL_ALLOW_HEADERS,
                &self.allow_headers.join(","),
            );
            if let Some(age) = self.max_age {
                insert(out, ACCESS_CONTROL_MAX_AGE, &age.to_string());
            }
            if self.allow_credentials {
                insert(out, ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
            }
        }
        response
    }

    /// Replaces whatever CORS headers `response` has with the API's, for a
    /// request from `origin`.
    pub fn apply(&self, request: &HeaderMap, response: &mut HttpResponse) {
        let out = response.headers_mut();
        for name in [
            ACCESS_CONTROL_ALLOW_ORIGIN,
            ACCESS_CONTROL_ALLOW_METHODS,
            ACCESS_CONTROL_ALLOW_HEADERS,
            ACCESS_CONTROL_ALLOW_CREDENTIALS,
            ACCESS_CONTROL_EXPOSE_HEADERS,
            ACCESS_CONTROL_MAX_AGE,
        ] {
            out.remove(name);
        }
        let origin = request.get(ORIGIN).and_then(|o| o.to_str().ok());
        let Some(allowed) = origin.and_then(|o| self.allowed_origin(o)) else {
            return;
        };
        insert(out, ACCESS_CONTROL_ALLOW_ORIGIN, &allowed);
        if !self.expose_headers.is_empty() {
            insert(
                out,
                ACCESS_CONTROL_EXPOSE_HEADERS,
                &self.expose_headers.join(","),
            );
        }
        if self.allow_credentials {
            insert(out, ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
        }
    }
}

fn insert(headers: &mut HeaderMap, name: hyper::header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors() -> Cors {
        Cors {
            allow_origins: vec!["*".into()],
            allow_methods: vec!["GET".into(), "PUT".into()],
            allow_headers: vec!["content-type".into()],
            max_age: Some(600),
            ..Cors::default()
        }
    }

    fn request(origin: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(ORIGIN, origin.parse().unwrap());
        h.insert(ACCESS_CONTROL_REQUEST_METHOD, "PUT".parse().unwrap());
        h
    }

    #[test]
    fn preflight_carries_the_configuration() {
        let r = cors().preflight(&request("https://example.org"));
        assert_eq!(r.status(), 204);
        let h = r.headers();
        assert_eq!(h[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_METHODS], "GET,PUT");
        assert_eq!(h[ACCESS_CONTROL_ALLOW_HEADERS], "content-type");
        assert_eq!(h[ACCESS_CONTROL_MAX_AGE], "600");
    }

    #[test]
    fn a_listed_origin_is_echoed_and_others_get_no_headers() {
        let c = Cors {
            allow_origins: vec!["https://app.example".into()],
            ..cors()
        };
        let r = c.preflight(&request("https://app.example"));
        assert_eq!(
            r.headers()[ACCESS_CONTROL_ALLOW_ORIGIN],
            "https://app.example"
        );
        let r = c.preflight(&request("https://evil.example"));
        assert_eq!(r.status(), 204);
        assert!(!r.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
    }

    #[test]
    fn responses_get_the_api_headers_not_the_function_ones() {
        let mut r = crate::response::not_found();
        r.headers_mut()
            .insert(ACCESS_CONTROL_ALLOW_ORIGIN, "https://x".parse().unwrap());
        cors().apply(&request("https://example.org"), &mut r);
        assert_eq!(r.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        let mut r = crate::response::not_found();
        cors().apply(&HeaderMap::new(), &mut r);
        assert!(!r.headers().contains_key(ACCESS_CONTROL_ALLOW_ORIGIN));
    }

    #[test]
    fn only_preflights_are_answered_by_the_gateway() {
        assert!(Cors::is_preflight(&Method::OPTIONS, &request("https://a")));
        assert!(!Cors::is_preflight(&Method::OPTIONS, &HeaderMap::new()));
        assert!(!Cors::is_preflight(&Method::GET, &request("https://a")));
    }
}
