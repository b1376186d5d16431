//! The SAM templates and the OpenAPI document, read as data, for tests that
//! check invariants across them and for the README's architecture diagram.
//! (What is generated in them, and from what: [`crate::generated`].)

use std::collections::BTreeSet;

use serde_norway::Value;

use crate::dynamodb::workspace_root;

/// A YAML file of the repository. CloudFormation's short tags (`!Ref`,
/// `!Sub`, ...) are kept as tagged values.
pub fn load(relative: &str) -> Value {
    let path = workspace_root().join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_norway::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The nested templates, as the root template lists them: `(logical id, path)`.
pub fn nested_stacks() -> Vec<(String, String)> {
    let root = load("template.yaml");
    resources(&root)
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Application")
        .map(|(id, r)| {
            (
                id,
                r["Properties"]["Location"]
                    .as_str()
                    .expect("a local Location")
                    .to_owned(),
            )
        })
        .collect()
}

/// `(logical id, resource)` of a template.
pub fn resources(template: &Value) -> impl Iterator<Item = (String, &Value)> {
    template["Resources"]
        .as_mapping()
        .expect("Resources")
        .iter()
        .map(|(k, v)| (k.as_str().expect("a logical id").to_owned(), v))
}

/// The text inside a short-form tag such as `!Ref Name`, or a plain string.
pub fn scalar(value: &Value) -> Option<&str> {
    match value {
        Value::String(s) => Some(s),
        Value::Tagged(tagged) => tagged.value.as_str(),
        _ => None,
    }
}

/// The operations of openapi.yaml: `(method, path, x-function)`.
pub fn openapi_operations() -> BTreeSet<(String, String, String)> {
    let spec = load("openapi.yaml");
    let mut operations = BTreeSet::new();
    for (path, item) in spec["paths"].as_mapping().expect("paths") {
        for (method, operation) in item.as_mapping().expect("a path item") {
            let method = method.as_str().unwrap();
            if method == "parameters" {
                continue;
            }
            let function = operation["x-function"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path:?} has no x-function"));
            operations.insert((
                method.to_uppercase(),
                path.as_str().unwrap().to_owned(),
                function.to_owned(),
            ));
        }
    }
    operations
}

/// The routes of stacks/api.yaml: `(route key, alias parameter it integrates)`.
pub fn api_routes() -> BTreeSet<(String, String)> {
    let api = load("stacks/api.yaml");
    let integration_alias = |id: &str| -> String {
        let integration = &api["Resources"][id];
        scalar(&integration["Properties"]["IntegrationUri"])
            .expect("IntegrationUri")
            .to_owned()
    };
    resources(&api)
        .filter(|(_, r)| r["Type"] == "AWS::ApiGatewayV2::Route")
        .map(|(_, r)| {
            let key = r["Properties"]["RouteKey"]
                .as_str()
                .expect("RouteKey")
                .to_owned();
            let target = scalar(&r["Properties"]["Target"]).expect("Target");
            let integration = target
                .strip_prefix("integrations/${")
                .and_then(|t| t.strip_suffix('}'))
                .expect("Target is integrations/${Integration}");
            (key, integration_alias(integration))
        })
        .collect()
}

/// Each function resource of stacks/functions.yaml with the crate it builds.
pub fn functions() -> Vec<(String, String, Value)> {
    let template = load("stacks/functions.yaml");
    resources(&template)
        .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
        .map(|(id, r)| {
            let code_uri = r["Properties"]["CodeUri"].as_str().expect("CodeUri");
            let krate = code_uri.rsplit('/').next().unwrap().to_owned();
            (id, krate, r.clone())
        })
        .collect()
}

/// The architecture as a Mermaid flowchart, generated from the templates so
/// that the README's picture cannot drift from what is deployed.
pub fn diagram() -> String {
    let mut out = String::from("```mermaid\nflowchart LR\n");
    out.push_str("  client([Client]) --> api[\"HTTP API (stacks/api.yaml)\"]\n");
    if let Some((_, location)) = nested_stacks().into_iter().find(|(id, _)| id == "Identity") {
        out.push_str(&format!(
            "  client -- \"signs in\" --> pool[\"user pool ({location})\"]\n  \
             api -. \"JWT authorizer checks its tokens\" .-> pool\n"
        ));
    }
    let alias_to_function: Vec<(String, String)> = functions()
        .into_iter()
        .map(|(id, krate, _)| {
            (
                format!("{}AliasArn", id.trim_end_matches("Function")),
                krate,
            )
        })
        .collect();
    for (key, alias) in api_routes() {
        let krate = alias_to_function
            .iter()
            .find(|(a, _)| *a == alias)
            .map(|(_, k)| k.as_str())
            .unwrap_or_else(|| panic!("route {key} integrates unknown alias {alias}"));
        out.push_str(&format!(
            "  api -- \"{key}\" --> {krate}[\"{krate}:live\"]\n"
        ));
    }
    for (_, krate, function) in functions() {
        let actions = dynamodb_actions(&function);
        if !actions.is_empty() {
            out.push_str(&format!(
                "  {krate} -- \"{}\" --> table[(\"users table (DynamoDB)\")]\n",
                actions.join(", ")
            ));
        }
    }
    for (id, location) in nested_stacks() {
        if id == "Monitoring" {
            out.push_str(&format!(
                "  monitoring[\"alarms + dashboard ({location})\"] -. watches .-> api\n"
            ));
            out.push_str("  monitoring -.-> table\n  monitoring --> sns([SNS alarm topic])\n");
        }
    }
    out.push_str("```\n");
    out
}

/// `readme` with [`diagram`] between its `<!-- diagram:start ... -->` and
/// `<!-- diagram:end -->` markers.
pub fn readme_with_diagram(readme: &str) -> String {
    const START: &str = "<!-- diagram:start";
    const END: &str = "<!-- diagram:end -->";
    let start = readme
        .find(START)
        .expect("README.md has a diagram:start marker");
    let start = start + readme[start..].find("-->").expect("the marker ends") + 3;
    let end = readme
        .find(END)
        .expect("README.md has a diagram:end marker");
    format!("{}\n{}{}", &readme[..start], diagram(), &readme[end..])
}

/// The DynamoDB actions a function's inline policies allow.
pub fn dynamodb_actions(function: &Value) -> Vec<String> {
    let mut actions = Vec::new();
    for policy in function["Properties"]["Policies"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        for statement in policy["Statement"].as_sequence().into_iter().flatten() {
            for action in statement["Action"].as_sequence().into_iter().flatten() {
                actions.push(action.as_str().unwrap().to_owned());
            }
        }
    }
    actions
}

/// A short-form intrinsic such as `!If [...]`: its tag (`!If`) and argument.
pub fn intrinsic(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(tagged) => Some((tagged.tag.to_string(), &tagged.value)),
        _ => None,
    }
}
