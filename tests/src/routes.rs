//! The routes as the local gateway serves them: read by the gateway's own
//! reader from openapi.yaml and the stacks, so tests check what it really does.

use local_gateway::spec::{ApiSpec, RouteSpec};

use crate::dynamodb::workspace_root;

/// The routes the local gateway serves.
pub fn gateway_routes() -> Vec<RouteSpec> {
    ApiSpec::load(&workspace_root())
        .expect("the gateway reads openapi.yaml and the stacks")
        .routes
}

/// The function the local gateway sends `method path` (a template) to.
pub fn gateway_function_for(method: &str, path: &str) -> Option<String> {
    gateway_routes()
        .into_iter()
        .find(|r| r.method == method && r.path == path)
        .map(|r| r.function)
}
