//! The black-box tests' view of the local API, through the smoke crate's client.

pub use smoke::http::{Reply, unique_username};

/// The API under test: `LOCAL_API_URL` (set by `make test`, which starts the
/// local API as `make dev` does).
pub fn base_url() -> String {
    std::env::var("LOCAL_API_URL").expect(
        "LOCAL_API_URL is not set: run these tests with `make test`, which starts the local API",
    )
}

/// Sends one request to the local API; any status is a `Reply`.
pub fn send(method: &str, path: &str, body: Option<&str>) -> Reply {
    smoke::http::send_to(&base_url(), method, path, body).unwrap_or_else(|e| panic!("{e}"))
}
