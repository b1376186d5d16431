use std::borrow::Cow;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use percent_encoding::percent_decode_str;

use super::ApiError;

/// One route of the API, as `openapi.yaml` declares it: a method and a path
/// template whose `{name}` segments are parameters. Declare one with
/// [`route!`](crate::route), which spells the key out at compile time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
    /// The API Gateway route key, such as `GET /time`.
    pub key: &'static str,
    /// Every method the path accepts across the API, for the `Allow` header.
    pub allow: &'static str,
}

/// `route!("GET", "/hello/{username}", allow = "GET, PUT")`: a [`Route`]
/// whose key is built by the compiler, so naming it costs nothing per request.
#[macro_export]
macro_rules! route {
    ($method:literal, $path:literal, allow = $allow:literal) => {
        $crate::http::Route {
            method: $method,
            path: $path,
            key: concat!($method, " ", $path),
            allow: $allow,
        }
    };
}

impl Route {
    fn segments(&self) -> impl Iterator<Item = &'static str> {
        self.path.split('/').filter(|s| !s.is_empty())
    }

    fn param_names(&self) -> impl Iterator<Item = &'static str> {
        self.segments()
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
    }
}

/// Path parameters by name, decoded.
type Params<'e> = Vec<(&'static str, Cow<'e, str>)>;

/// The route an event was sent to, with its path parameters decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch<'e> {
    pub route: &'static Route,
    params: Params<'e>,
}

impl RouteMatch<'_> {
    /// A path parameter's value, percent-decoded. Present for every `{name}`
    /// in the route's template.
    pub fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(n, _)| *n == name)
            .map_or("", |(_, v)| v)
    }
}

/// Finds which of `routes` the event is for.
///
/// API Gateway says so in `routeKey` and gives decoded `pathParameters`.
/// Otherwise (function URLs, `cargo lambda watch`) the route is found by
/// matching the templates against the end of the percent-encoded path, which
/// also skips a stage or `/lambda-url/<function>` prefix.
pub fn match_route<'e>(
    event: &'e ApiGatewayV2httpRequest,
    routes: &'static [Route],
) -> Result<RouteMatch<'e>, ApiError> {
    let method = &event.request_context.http.method;
    let key = event
        .route_key
        .as_deref()
        .or(event.request_context.route_key.as_deref());
    if let Some(route) = key.and_then(|key| routes.iter().find(|r| r.key == key)) {
        let from_gateway: Option<Vec<_>> = route
            .param_names()
            .map(|name| {
                event
                    .path_parameters
                    .get(name)
                    .map(|value| (name, Cow::Borrowed(value.as_str())))
            })
            .collect();
        if let Some(params) = from_gateway {
            return Ok(RouteMatch { route, params });
        }
    }

    let path = raw_path(event);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let mut path_matched: Option<&'static Route> = None;
    for route in routes {
        let Some(params) = match_tail(route, &segments)? else {
            continue;
        };
        if route.method == method.as_str() {
            return Ok(RouteMatch { route, params });
        }
        path_matched.get_or_insert(route);
    }
    Err(match path_matched {
        Some(route) => ApiError::method_not_allowed(method.as_str(), route.path, route.allow),
        None => ApiError::not_found(format!(
            "there is no route {method} {path}: see the API documentation for the routes"
        )),
    })
}

fn raw_path(event: &ApiGatewayV2httpRequest) -> &str {
    event
        .raw_path
        .as_deref()
        .or(event.request_context.http.path.as_deref())
        .unwrap_or("/")
}

/// Matches the route's template against the last segments of the path, and
/// decodes its parameters. `Ok(None)` when the path is not this route's.
fn match_tail<'e>(
    route: &'static Route,
    segments: &[&'e str],
) -> Result<Option<Params<'e>>, ApiError> {
    let template: Vec<&'static str> = route.segments().collect();
    let Some(start) = segments.len().checked_sub(template.len()) else {
        return Ok(None);
    };
    let tail = &segments[start..];
    let literals_match = template
        .iter()
        .zip(tail)
        .all(|(t, s)| t.starts_with('{') || t == s);
    if !literals_match {
        return Ok(None);
    }
    let mut params = Vec::new();
    for (t, s) in template.iter().zip(tail) {
        if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let value = percent_decode_str(s).decode_utf8().map_err(|_| {
                ApiError::bad_request(format!(
                    "the {name} in the path is not valid UTF-8 once percent-decoded"
                ))
            })?;
            params.push((name, value));
        }
    }
    Ok(Some(params))
}

#[cfg(test)]
mod tests {
    use super::*;

    static ROUTES: &[Route] = &[
        crate::route!("GET", "/hello/{username}", allow = "GET, PUT"),
        crate::route!("GET", "/users/{username}", allow = "GET"),
    ];

    fn event(method: &str, raw_path: &str) -> ApiGatewayV2httpRequest {
        let mut event = ApiGatewayV2httpRequest::default();
        event.request_context.http.method = method.parse().unwrap();
        event.raw_path = Some(raw_path.to_owned());
        event
    }

    #[test]
    fn uses_api_gateway_route_key_and_path_parameters() {
        let mut e = event("GET", "/prod/hello/Zo%C3%AB");
        e.route_key = Some("GET /hello/{username}".into());
        e.path_parameters.insert("username".into(), "Zoë".into());
        let m = match_route(&e, ROUTES).unwrap();
        assert_eq!(m.route.path, "/hello/{username}");
        assert_eq!(m.param("username"), "Zoë");
    }

    #[test]
    fn gateway_parameters_are_not_decoded_twice() {
        let mut e = event("GET", "/hello/%41");
        e.route_key = Some("GET /hello/{username}".into());
        e.path_parameters.insert("username".into(), "%41".into());
        assert_eq!(match_route(&e, ROUTES).unwrap().param("username"), "%41");
    }

    #[test]
    fn matches_function_url_paths_and_decodes_them() {
        for path in [
            "/hello/Zo%C3%AB",
            "/lambda-url/get_user_by_id/hello/Zo%C3%AB",
            "/dev/hello/Zo%C3%AB/",
        ] {
            let e = event("GET", path);
            let m = match_route(&e, ROUTES).unwrap();
            assert_eq!(m.route.path, "/hello/{username}", "{path}");
            assert_eq!(m.param("username"), "Zoë", "{path}");
        }
        let e = event("GET", "/users/bob");
        assert_eq!(
            match_route(&e, ROUTES).unwrap().route.path,
            "/users/{username}"
        );
    }

    #[test]
    fn an_encoded_slash_stays_inside_the_parameter() {
        let e = event("GET", "/hello/a%2Fb");
        assert_eq!(match_route(&e, ROUTES).unwrap().param("username"), "a/b");
    }

    #[test]
    fn unknown_paths_are_404_and_wrong_methods_405() {
        for path in ["/", "/hello", "/hello/", "/nope/bob", "/hello/a/b"] {
            assert_eq!(
                match_route(&event("GET", path), ROUTES).unwrap_err().status,
                404,
                "{path}"
            );
        }
        let err = match_route(&event("DELETE", "/hello/bob"), ROUTES).unwrap_err();
        assert_eq!((err.status, err.allow), (405, Some("GET, PUT")));
    }

    #[test]
    fn invalid_utf8_in_a_parameter_is_a_bad_request() {
        let err = match_route(&event("GET", "/hello/%FF"), ROUTES).unwrap_err();
        assert_eq!(err.status, 400);
    }
}
