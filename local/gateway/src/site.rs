//! The web page beside the API, as CloudFront serves it on AWS: every path
//! that is not an API route is a file of `web/` (`/` is `index.html`), and
//! `/config.json` tells the page where to sign in. Files are read on every
//! request, so an edit shows on the next reload.

use std::path::{Path, PathBuf};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{CACHE_CONTROL, CONTENT_TYPE};
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::response::{self, HttpResponse};

/// The page's files and what the page is told about signing in.
#[derive(Debug, Clone)]
pub struct Site {
    root: PathBuf,
    config: Value,
}

impl Site {
    /// `root` is the `web/` folder; `config` what `/config.json` answers
    /// (the pipeline writes the same file next to the page on AWS).
    pub fn new(root: impl Into<PathBuf>, config: Value) -> Self {
        Site {
            root: root.into(),
            config,
        }
    }

    /// `/config.json` for a stage that checks tokens of `issuer` for the app
    /// client `client_id`: the page signs in at the issuer's origin, which is
    /// the Cognito API's endpoint (`https://cognito-idp.<region>.amazonaws.com/`,
    /// or cognito-local's address).
    pub fn cognito_config(issuer: &str, client_id: &str) -> Value {
        json!({
            "auth": "cognito",
            "identity": {"endpoint": origin_of(issuer) + "/", "clientId": client_id},
        })
    }

    pub fn open_config() -> Value {
        json!({"auth": "open"})
    }

    /// The answer for a GET or HEAD of `path` that no API route took, or
    /// `None` when there is no such file.
    pub fn serve(&self, method: &Method, path: &str) -> Option<HttpResponse> {
        if method != Method::GET && method != Method::HEAD {
            return None;
        }
        let (body, content_type) = if path == "/config.json" {
            (self.config.to_string().into_bytes(), "application/json")
        } else {
            let file = self.file_for(path)?;
            let bytes = std::fs::read(&file).ok()?;
            (bytes, content_type(&file))
        };
        let body = if method == Method::HEAD {
            Bytes::new()
        } else {
            Bytes::from(body)
        };
        Some(
            Response::builder()
                .status(StatusCode::OK)
                .header(CONTENT_TYPE, content_type)
                // Local files change as they are edited: always revalidate.
                .header(CACHE_CONTROL, "no-cache")
                .body(Full::new(body))
                .unwrap_or_else(|_| response::not_found()),
        )
    }

    /// The file under the root that `path` names; nothing outside it.
    fn file_for(&self, path: &str) -> Option<PathBuf> {
        let decoded = percent_encoding::percent_decode_str(path)
            .decode_utf8()
            .ok()?;
        let mut file = self.root.clone();
        for segment in decoded.split('/').filter(|s| !s.is_empty()) {
            if segment == "." || segment == ".." || segment.contains(['\\', '\0']) {
                return None;
            }
            file.push(segment);
        }
        if file.is_dir() {
            file.push("index.html");
        }
        file.is_file().then_some(file)
    }
}

fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(slash) => url[..after_scheme + slash].to_owned(),
        None => url.trim_end_matches('/').to_owned(),
    }
}

fn content_type(file: &Path) -> &'static str {
    match file.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> (Site, PathBuf) {
        let root = std::env::temp_dir().join(format!("site-test-{}", std::process::id()));
        std::fs::create_dir_all(root.join("css")).unwrap();
        std::fs::write(root.join("index.html"), "<!doctype html>").unwrap();
        std::fs::write(root.join("css/site.css"), "body{}").unwrap();
        std::fs::write(root.parent().unwrap().join("secret.txt"), "no").unwrap();
        (Site::new(&root, Site::open_config()), root)
    }

    #[test]
    fn serves_files_with_their_types_and_index_for_folders() {
        let (site, _) = site();
        let index = site.serve(&Method::GET, "/").unwrap();
        assert_eq!(index.headers()[CONTENT_TYPE], "text/html; charset=utf-8");
        let css = site.serve(&Method::GET, "/css/site.css").unwrap();
        assert_eq!(css.headers()[CONTENT_TYPE], "text/css; charset=utf-8");
        assert!(site.serve(&Method::HEAD, "/css/site.css").is_some());
        assert!(site.serve(&Method::PUT, "/css/site.css").is_none());
        assert!(site.serve(&Method::GET, "/missing.js").is_none());
    }

    #[test]
    fn nothing_outside_the_root_is_served() {
        let (site, _) = site();
        for path in [
            "/../secret.txt",
            "/%2E%2E/secret.txt",
            "/css/..%2F..%2Fsecret.txt",
            "/css/%2e%2e/%2e%2e/secret.txt",
            "/..%5Csecret.txt",
            "/index.html%00",
        ] {
            assert!(site.serve(&Method::GET, path).is_none(), "{path}");
        }
    }

    #[test]
    fn the_page_signs_in_at_the_issuers_origin() {
        let config = Site::cognito_config("http://127.0.0.1:9229/local_abc", "client1");
        assert_eq!(config["identity"]["endpoint"], "http://127.0.0.1:9229/");
        let config = Site::cognito_config(
            "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC",
            "c",
        );
        assert_eq!(
            config["identity"]["endpoint"],
            "https://cognito-idp.eu-west-1.amazonaws.com/"
        );
    }
}
