//! A small HTTP client for black-box tests of a running API.

use std::time::Duration;

/// The API under test: `LOCAL_API_URL` (set by `make test`, which starts the
/// local API as `make dev` does).
pub fn base_url() -> String {
    std::env::var("LOCAL_API_URL").expect(
        "LOCAL_API_URL is not set: run these tests with `make test`, which starts the local API",
    )
}

#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub content_type: Option<String>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {:?}",
                self.status, self.body
            )
        })
    }

    /// The `message` of an error body.
    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_else(|| panic!("no message in {:?}", self.body))
            .to_owned()
    }
}

/// Sends one request; any status is a `Reply`, only transport failures panic.
pub fn send(method: &str, path: &str, body: Option<&str>) -> Reply {
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .new_agent();
    let url = format!("{}{path}", base_url());
    let request = ureq::http::Request::builder()
        .method(method)
        .uri(&url)
        .header("content-type", "application/json")
        .body(body.unwrap_or("").to_owned())
        .expect("a valid request");
    let mut response = agent
        .run(request)
        .unwrap_or_else(|e| panic!("{method} {url} failed: {e}"));
    Reply {
        status: response.status().as_u16(),
        content_type: response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        body: response.body_mut().read_to_string().unwrap_or_default(),
    }
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
