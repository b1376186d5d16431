//! Route selection as API Gateway's HTTP API does it: an exact method and a
//! path template (`{name}` is one segment, `{name+}` the rest of the path);
//! anything else is API Gateway's 404. Paths are matched as sent
//! (percent-encoded), and parameters decoded afterwards, so `%2F` stays
//! inside one segment.

use std::borrow::Cow;
use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;

use crate::spec::RouteSpec;

/// The routes of the API, by path template and then method.
#[derive(Debug)]
pub struct Router {
    paths: matchit::Router<Vec<RouteSpec>>,
}

/// The route a request was sent to, with its decoded path parameters.
#[derive(Debug, PartialEq, Eq)]
pub struct Matched<'r> {
    pub route: &'r RouteSpec,
    pub params: BTreeMap<String, String>,
}

/// Why a route table could not be built (two templates that clash, say).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RouterError(pub String);

/// `/files/{path+}` (API Gateway's greedy parameter) in matchit's spelling, `/files/{*path}`.
fn matchit_template(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment.strip_suffix("+}") {
            Some(name) => format!("{{*{}}}", &name[1..]),
            None => segment.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("/")
}

impl Router {
    pub fn new(routes: &[RouteSpec]) -> Result<Self, RouterError> {
        let mut by_path: BTreeMap<String, Vec<RouteSpec>> = BTreeMap::new();
        for route in routes {
            by_path
                .entry(matchit_template(&route.path))
                .or_default()
                .push(route.clone());
        }
        let mut paths = matchit::Router::new();
        for (template, routes) in by_path {
            paths
                .insert(template.clone(), routes)
                .map_err(|e| RouterError(format!("route {template}: {e}")))?;
        }
        Ok(Router { paths })
    }

    /// The route for `method raw_path`, or `None` where API Gateway answers 404.
    pub fn find(&self, method: &str, raw_path: &str) -> Option<Matched<'_>> {
        let found = self.paths.at(raw_path).ok()?;
        let route = found.value.iter().find(|r| r.method == method)?;
        let params = found
            .params
            .iter()
            .map(|(name, raw)| (name.to_owned(), decode(raw).into_owned()))
            .collect();
        Some(Matched { route, params })
    }
}

/// Percent-decodes a path parameter. Bytes that do not decode to UTF-8 are
/// passed as sent, for the function to refuse.
fn decode(raw: &str) -> Cow<'_, str> {
    percent_decode_str(raw)
        .decode_utf8()
        .unwrap_or(Cow::Borrowed(raw))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn route(method: &str, path: &str) -> RouteSpec {
        RouteSpec {
            required_scopes: None,
            method: method.into(),
            path: path.into(),
            function: format!("fn_{}", path.len()),
            integration_timeout: Duration::from_secs(30),
            function_timeout: Duration::from_secs(3),
        }
    }

    fn router() -> Router {
        Router::new(&[
            route("GET", "/time"),
            route("GET", "/hello/{username}"),
            route("PUT", "/hello/{username}"),
            route("GET", "/files/{path+}"),
        ])
        .unwrap()
    }

    #[test]
    fn exact_method_and_template() {
        let r = router();
        let m = r.find("PUT", "/hello/Zo%C3%AB").unwrap();
        assert_eq!(m.route.key(), "PUT /hello/{username}");
        assert_eq!(m.params["username"], "Zoë");
        assert_eq!(r.find("GET", "/time").unwrap().route.key(), "GET /time");
    }

    #[test]
    fn anything_else_is_not_found() {
        let r = router();
        for (method, path) in [
            ("DELETE", "/hello/bob"),
            ("POST", "/time"),
            ("GET", "/"),
            ("GET", "/hello"),
            ("GET", "/hello/a/b"),
            ("GET", "/time/"),
            ("GET", "/nope"),
        ] {
            assert!(r.find(method, path).is_none(), "{method} {path}");
        }
    }

    #[test]
    fn an_encoded_slash_stays_in_its_parameter() {
        assert_eq!(
            router().find("GET", "/hello/a%2Fb").unwrap().params["username"],
            "a/b"
        );
    }

    #[test]
    fn undecodable_bytes_pass_as_sent() {
        assert_eq!(
            router().find("GET", "/hello/%FF").unwrap().params["username"],
            "%FF"
        );
    }

    #[test]
    fn greedy_parameters_take_the_rest_of_the_path() {
        let r = router();
        let m = r.find("GET", "/files/a/b%20c").unwrap();
        assert_eq!(m.route.path, "/files/{path+}");
        assert_eq!(m.params["path"], "a/b c");
    }
}
