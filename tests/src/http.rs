//! The black-box tests' view of the local API, through the smoke crate's client.

pub use smoke::http::{Reply, unique_username};

/// The API under test: `LOCAL_API_URL` (set by `make test`, which starts the
/// local API as `make dev` does).
pub fn base_url() -> String {
    std::env::var("LOCAL_API_URL").expect(
        "LOCAL_API_URL is not set: run these tests with `make test`, which starts the local API",
    )
}

/// Sends one request to the local API, without a token; any status is a `Reply`.
pub fn send(method: &str, path: &str, body: Option<&str>) -> Reply {
    smoke::http::send_to(&base_url(), method, path, body).unwrap_or_else(|e| panic!("{e}"))
}

/// [`send`] with `Authorization: Bearer <token>`.
pub fn send_with(method: &str, path: &str, body: Option<&str>, token: &str) -> Reply {
    smoke::http::send_as(&base_url(), method, path, body, Some(token))
        .unwrap_or_else(|e| panic!("{e}"))
}

/// What `send_raw` got back: status, headers (lower-cased names), body.
#[derive(Debug)]
pub struct RawReply {
    pub status: u16,
    pub headers: ureq::http::HeaderMap,
    pub body: String,
}

/// Sends `body` as bytes, with exactly `headers`: for requests the JSON
/// helper cannot make (bodies that are not UTF-8, CORS preflights).
pub fn send_raw(method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> RawReply {
    let url = format!("{}{path}", base_url());
    let mut request = ureq::http::Request::builder().method(method).uri(&url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(body.to_vec()).expect("a valid request");
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(std::time::Duration::from_secs(30)))
        .build()
        .into();
    let mut response = agent
        .run(request)
        .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
    RawReply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: response.body_mut().read_to_string().unwrap_or_default(),
    }
}
