//! The routes as each part of the project declares them, read from the
//! files themselves, so tests can check that they agree.

use std::collections::BTreeSet;

use crate::dynamodb::workspace_root;

/// `(method, path, function)`; method `ANY` when the route takes every method.
pub type RouteEntry = (String, String, String);

/// The routes of `cargo lambda watch` (`[workspace.metadata.lambda.watch.router]`).
pub fn local_router() -> Vec<RouteEntry> {
    let text = std::fs::read_to_string(workspace_root().join("Cargo.toml")).expect("Cargo.toml");
    let manifest: toml::Table = text.parse().expect("Cargo.toml parses");
    let router = manifest["workspace"]["metadata"]["lambda"]["watch"]["router"]
        .as_table()
        .expect("a router table");
    let mut entries = Vec::new();
    for (path, target) in router {
        match target {
            toml::Value::String(function) => {
                entries.push(("ANY".into(), path.clone(), function.clone()))
            }
            toml::Value::Array(list) => {
                for item in list {
                    entries.push((
                        item["method"].as_str().expect("method").to_owned(),
                        path.clone(),
                        item["function"].as_str().expect("function").to_owned(),
                    ));
                }
            }
            other => panic!("unexpected router entry for {path}: {other:?}"),
        }
    }
    entries
}

/// The function the local router sends `method path` to.
pub fn local_function_for(method: &str, path: &str) -> Option<String> {
    let router = local_router();
    let find = |m: &str| {
        router
            .iter()
            .find(|(rm, rp, _)| rm == m && rp == path)
            .map(|(_, _, f)| f.clone())
    };
    find(method).or_else(|| find("ANY"))
}

/// The paths of the router that are real routes, not catch-alls.
pub fn local_route_paths() -> BTreeSet<String> {
    local_router()
        .into_iter()
        .map(|(_, path, _)| path)
        .filter(|p| p != "/" && !p.contains("{*"))
        .collect()
}
