use std::collections::HashMap;

use aws_lambda_events::apigw::ApiGatewayV2httpRequest;

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
}

/// `route!("GET", "/hello/{username}")`: a [`Route`] whose key is built by
/// the compiler, so naming it costs nothing per request.
#[macro_export]
macro_rules! route {
    ($method:literal, $path:literal) => {
        $crate::http::Route {
            method: $method,
            path: $path,
            key: concat!($method, " ", $path),
        }
    };
}

/// The route an event was sent to, and its path parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch<'e> {
    pub route: &'static Route,
    params: &'e HashMap<String, String>,
}

impl RouteMatch<'_> {
    /// A path parameter's value, as API Gateway decoded it. Present for
    /// every `{name}` in the route's template.
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).map_or("", String::as_str)
    }
}

/// Finds which of `routes` the event is for, by its `routeKey`.
///
/// API Gateway (and the local gateway, which plays it) matches the method
/// and path before it invokes a function, and says which route it matched;
/// a wrong method or an unknown path never reaches a function. An event
/// for another route is answered 404 all the same.
pub fn match_route<'e>(
    event: &'e ApiGatewayV2httpRequest,
    routes: &'static [Route],
) -> Result<RouteMatch<'e>, ApiError> {
    let key = event
        .route_key
        .as_deref()
        .or(event.request_context.route_key.as_deref())
        .unwrap_or("(none)");
    let route = routes.iter().find(|r| r.key == key).ok_or_else(|| {
        ApiError::not_found(format!(
            "there is no route {key} here: see the API documentation for the routes"
        ))
    })?;
    Ok(RouteMatch {
        route,
        params: &event.path_parameters,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    static ROUTES: &[Route] = &[
        crate::route!("GET", "/hello/{username}"),
        crate::route!("GET", "/users/{username}"),
    ];

    fn event(route_key: &str) -> ApiGatewayV2httpRequest {
        let mut event = ApiGatewayV2httpRequest::default();
        event.route_key = Some(route_key.to_owned());
        event
    }

    #[test]
    fn uses_the_route_key_and_the_decoded_path_parameters() {
        let mut e = event("GET /hello/{username}");
        e.raw_path = Some("/hello/Zo%C3%AB".into());
        e.path_parameters.insert("username".into(), "Zoë".into());
        let m = match_route(&e, ROUTES).unwrap();
        assert_eq!(m.route.path, "/hello/{username}");
        assert_eq!(m.param("username"), "Zoë");
    }

    #[test]
    fn parameters_are_not_decoded_twice() {
        let mut e = event("GET /hello/{username}");
        e.path_parameters.insert("username".into(), "%41".into());
        assert_eq!(match_route(&e, ROUTES).unwrap().param("username"), "%41");
    }

    #[test]
    fn the_request_context_route_key_serves_too() {
        let mut e = ApiGatewayV2httpRequest::default();
        e.request_context.route_key = Some("GET /users/{username}".into());
        assert_eq!(
            match_route(&e, ROUTES).unwrap().route.key,
            "GET /users/{username}"
        );
    }

    #[test]
    fn another_route_or_none_is_not_found() {
        for key in ["$default", "PUT /hello/{username}", "GET /time"] {
            let err = match_route(&event(key), ROUTES).unwrap_err();
            assert_eq!(err.status, 404, "{key}");
        }
        let err = match_route(&ApiGatewayV2httpRequest::default(), ROUTES).unwrap_err();
        assert_eq!(err.status, 404);
    }
}
