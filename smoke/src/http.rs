//! A small blocking HTTP client for black-box checks of a running API.

use std::sync::OnceLock;
use std::time::Duration;

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub headers: ureq::http::HeaderMap,
    pub body: String,
}

impl Reply {
    /// The body as JSON, or why it is not.
    pub fn try_json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_str(&self.body).map_err(|e| {
            format!(
                "status {} body is not JSON ({e}): {:?}",
                self.status, self.body
            )
        })
    }

    /// The body as JSON; panics (for tests) when it is not.
    pub fn json(&self) -> serde_json::Value {
        self.try_json().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The `message` of an error body; panics (for tests) when there is none.
    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no message in {:?}", self.body))
            .to_owned()
    }
}

/// One agent for the process: connections are reused across requests.
fn agent() -> &'static ureq::Agent {
    static AGENT: OnceLock<ureq::Agent> = OnceLock::new();
    AGENT.get_or_init(|| {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent()
    })
}

/// Sends one request to `base_url` + `path`; any status is a `Reply`.
pub fn send_to(
    base_url: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<Reply, String> {
    send_as(base_url, method, path, body, None)
}

/// [`send_to`] with `Authorization: Bearer <token>` when a token is given.
pub fn send_as(
    base_url: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    token: Option<&str>,
) -> Result<Reply, String> {
    let url = format!("{}{path}", base_url.trim_end_matches('/'));
    let mut request = ureq::http::Request::builder()
        .method(method)
        .uri(&url)
        .header("content-type", "application/json");
    if let Some(token) = token {
        request = request.header("authorization", format!("Bearer {token}"));
    }
    let request = request
        .body(body.unwrap_or("").to_owned())
        .map_err(|e| format!("{method} {url} is not a valid request: {e}"))?;
    let mut response = agent()
        .run(request)
        .map_err(|e| format!("{method} {url} failed: {e}"))?;
    Ok(Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        content_type: response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: response.body_mut().read_to_string().unwrap_or_default(),
    })
}

/// A username no earlier run has used: letters only, as the API requires.
pub fn unique_username(prefix: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut n =
        nanos ^ (COUNTER.fetch_add(1, Ordering::Relaxed) << 48) ^ u64::from(std::process::id());
    let mut name = prefix.to_owned();
    for _ in 0..12 {
        name.push(char::from(b'a' + (n % 26) as u8));
        n /= 26;
    }
    name
}
