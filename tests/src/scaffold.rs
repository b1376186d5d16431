//! `make function NAME=<snake_case> ROUTE="<METHOD> <path>" [AUTH=...]`: a
//! new function made the way this workspace's functions are made. It writes
//! the crate (a wiring-only `main.rs`, a `lib.rs` with its route and a
//! placeholder handler, a handler test), its workspace membership, its row
//! in the function table, its `openapi.yaml` operation, an `events/` file
//! and a README line, then regenerates what follows from the table and
//! openapi.yaml (the stacks, the README's diagram).
//!
//! Everything is checked before anything is written: a request it refuses
//! changes nothing.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::generated::{self, TABLE};

/// Who may call the new route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// The user its `{username}` names, with their own token, or an admin.
    Owner,
    /// Members of the admins group only.
    Admin,
    /// Anyone, without a token.
    Public,
}

impl Auth {
    pub fn parse(text: &str) -> Result<Self, Refusal> {
        match text {
            "owner" => Ok(Self::Owner),
            "admin" => Ok(Self::Admin),
            "public" => Ok(Self::Public),
            other => Err(Refusal(format!(
                "AUTH is {other:?}: say owner (the user the path's {{username}} names, or an \
                 admin), admin (the admins group only) or public (anyone, no token)"
            ))),
        }
    }
}

/// Why a request was refused, as a sentence saying what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

/// What to make: a checked request.
#[derive(Debug, Clone)]
pub struct NewFunction {
    pub name: String,
    pub method: String,
    pub path: String,
    pub auth: Auth,
}

const METHODS: [&str; 5] = ["GET", "PUT", "POST", "PATCH", "DELETE"];

/// Names a crate may not have here: Rust's keywords (a library cannot be
/// named one) and the names cargo and this workspace already use.
const RESERVED: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "const",
    "continue",
    "crate",
    "dyn",
    "else",
    "enum",
    "extern",
    "false",
    "fn",
    "for",
    "gen",
    "if",
    "impl",
    "in",
    "let",
    "loop",
    "match",
    "mod",
    "move",
    "mut",
    "pub",
    "ref",
    "return",
    "self",
    "static",
    "struct",
    "super",
    "trait",
    "true",
    "type",
    "unsafe",
    "use",
    "where",
    "while",
    "abstract",
    "become",
    "box",
    "do",
    "final",
    "macro",
    "override",
    "priv",
    "try",
    "typeof",
    "unsized",
    "virtual",
    "yield",
    "test",
    "std",
    "core",
    "alloc",
    "proc_macro",
    "build",
    "deps",
    "shared",
    "smoke",
    "bench",
    "floor",
];

impl NewFunction {
    /// Checks `name`, `route` (`"GET /reports/{username}"`) and `auth`
    /// (empty: owner when the path has `{username}`, else admin) against
    /// the workspace at `root`.
    pub fn parse(root: &Path, name: &str, route: &str, auth: &str) -> Result<Self, Refusal> {
        check_name(name)?;
        let (method, path) = route.trim().split_once(' ').ok_or_else(|| {
            Refusal(format!(
                "ROUTE is {route:?}: say the method and the path, such as ROUTE=\"GET /reports/{{username}}\""
            ))
        })?;
        let method = method.trim().to_owned();
        let path = path.trim().to_owned();
        if !METHODS.contains(&method.as_str()) {
            return Err(Refusal(format!(
                "{method:?} is not a method the API routes: say one of {}",
                METHODS.join(", ")
            )));
        }
        check_path(&path)?;
        let auth = match auth.trim() {
            "" if path.contains("{username}") => Auth::Owner,
            "" => Auth::Admin,
            text => Auth::parse(text)?,
        };
        if auth == Auth::Owner && !path.contains("{username}") {
            return Err(Refusal(format!(
                "AUTH=owner needs {{username}} in the path (the owner is the user it names), \
                 and {path} has none: add it, or say AUTH=admin or AUTH=public"
            )));
        }
        let new = Self {
            name: name.to_owned(),
            method,
            path,
            auth,
        };
        new.check_against(root)?;
        Ok(new)
    }

    fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The workspace has no function, crate or route of these names yet.
    fn check_against(&self, root: &Path) -> Result<(), Refusal> {
        if !generated::is_workspace(root) {
            return Err(Refusal(format!(
                "{} is not this workspace's root (no {TABLE} or openapi.yaml there)",
                root.display()
            )));
        }
        if root.join("functions").join(&self.name).exists() {
            return Err(Refusal(format!(
                "functions/{} exists already: choose another NAME",
                self.name
            )));
        }
        let functions = generated::table();
        if functions.len() >= generated::MAX_FUNCTIONS {
            return Err(Refusal(format!(
                "the workspace has {} functions, as many as the monitoring stack's errors and \
                 throttles alarms can sum (CloudWatch takes 10 metrics per alarm): split those \
                 alarms in stacks/monitoring.yaml and raise MAX_FUNCTIONS in tests/src/generated.rs first",
                functions.len()
            )));
        }
        if functions.iter().any(|f| f.krate == self.name) {
            return Err(Refusal(format!(
                "{TABLE} has a function {} already: choose another NAME",
                self.name
            )));
        }
        let members = workspace_members(root)?;
        if members
            .iter()
            .any(|m| m.rsplit('/').next() == Some(self.name.as_str()))
        {
            return Err(Refusal(format!(
                "the workspace has a crate {} already: choose another NAME",
                self.name
            )));
        }
        let shape = |path: &str| {
            path.split('/')
                .map(|segment| {
                    if segment.starts_with('{') {
                        "{}"
                    } else {
                        segment
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        };
        for o in generated::operations() {
            if o.method == self.method && shape(&o.path) == shape(&self.path) {
                return Err(Refusal(format!(
                    "openapi.yaml has {} already (served by {}): choose another ROUTE",
                    o.key(),
                    o.function
                )));
            }
            if o.operation_id == self.operation_id() {
                return Err(Refusal(format!(
                    "openapi.yaml has an operation {} already ({}): choose another NAME",
                    o.operation_id,
                    o.key()
                )));
            }
        }
        Ok(())
    }

    fn operation_id(&self) -> String {
        let camel = generated::upper_camel(&self.name);
        let mut chars = camel.chars();
        chars
            .next()
            .map(|first| first.to_lowercase().chain(chars).collect())
            .unwrap_or_default()
    }

    /// The path's parameters, in order.
    fn parameters(&self) -> Vec<&str> {
        self.path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect()
    }

    /// An example of the path, with `Zoë` for `{username}` (as the other
    /// events have) and `example` for any other parameter.
    fn example_path(&self) -> String {
        self.path
            .split('/')
            .map(|segment| match segment {
                "{username}" => "Zoë",
                s if s.starts_with('{') => "example",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/")
    }
}

fn check_name(name: &str) -> Result<(), Refusal> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.ends_with('_')
        && !name.contains("__")
        && name.len() <= 64;
    if !valid {
        return Err(Refusal(format!(
            "NAME {name:?} is not a crate name in snake_case: lower-case letters, digits and \
             single underscores, starting with a letter, such as NAME=get_reports"
        )));
    }
    if RESERVED.contains(&name) {
        return Err(Refusal(format!(
            "NAME {name:?} is a Rust keyword or a name cargo or this workspace uses: choose another"
        )));
    }
    Ok(())
}

/// An OpenAPI path template the HTTP API and CloudFront can route: `/`, then
/// segments of letters, digits, `-` and `_`, or `{parameter}`; the first a
/// literal (the page's own paths share the origin).
fn check_path(path: &str) -> Result<(), Refusal> {
    let refuse = |why: &str| {
        Err(Refusal(format!(
            "{path:?} is not a path template the API can route: {why}, such as /reports/{{username}}"
        )))
    };
    let Some(rest) = path.strip_prefix('/') else {
        return refuse("it must start with /");
    };
    if rest.is_empty() || rest.ends_with('/') {
        return refuse("it needs segments and no trailing /");
    }
    let mut seen = BTreeSet::new();
    for (i, segment) in rest.split('/').enumerate() {
        if let Some(inner) = segment.strip_prefix('{') {
            let Some(parameter) = inner.strip_suffix('}') else {
                return refuse("a parameter is a whole segment in braces");
            };
            let ok = parameter
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
                && parameter
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !ok {
                return refuse("a parameter's name is letters, digits and _");
            }
            if i == 0 {
                return refuse(
                    "the first segment must be a literal (the page's paths share the origin)",
                );
            }
            if !seen.insert(parameter) {
                return refuse("each parameter once");
            }
        } else if segment.is_empty()
            || !segment
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return refuse("a literal segment is letters, digits, - and _");
        }
    }
    Ok(())
}

/// The workspace members of the root Cargo.toml, as written there.
fn workspace_members(root: &Path) -> Result<Vec<String>, Refusal> {
    let text = std::fs::read_to_string(root.join("Cargo.toml"))
        .map_err(|e| Refusal(format!("{}: {e}", root.join("Cargo.toml").display())))?;
    let start = text
        .find("members = [")
        .ok_or_else(|| Refusal("Cargo.toml has no `members = [` list".into()))?;
    let end = start
        + text[start..]
            .find(']')
            .ok_or_else(|| Refusal("Cargo.toml's members list does not end".into()))?;
    Ok(text[start..end]
        .lines()
        .skip(1)
        .map(|l| l.trim().trim_end_matches(',').trim_matches('"').to_owned())
        .filter(|l| !l.is_empty())
        .collect())
}

/// One file the scaffold writes: its path from the root and its new text.
#[derive(Debug)]
pub struct Write {
    pub path: PathBuf,
    pub text: String,
}

/// Everything the new function needs, written; returns the paths written.
/// The caller regenerates the rest ([`generated::write_regenerated`] and the
/// README's diagram) afterwards.
pub fn plan(root: &Path, new: &NewFunction) -> Result<Vec<Write>, Refusal> {
    let read = |relative: &str| {
        std::fs::read_to_string(root.join(relative))
            .map_err(|e| Refusal(format!("{relative}: {e}")))
    };
    let crate_dir = PathBuf::from("functions").join(&new.name);
    let mut writes = vec![
        Write {
            path: crate_dir.join("Cargo.toml"),
            text: cargo_toml(new),
        },
        Write {
            path: crate_dir.join("src/main.rs"),
            text: main_rs(new),
        },
        Write {
            path: crate_dir.join("src/lib.rs"),
            text: lib_rs(new),
        },
        Write {
            path: crate_dir.join("tests/handler.rs"),
            text: handler_test(new),
        },
        Write {
            path: PathBuf::from("events").join(format!("{}.json", new.name.replace('_', "-"))),
            text: event_json(new),
        },
    ];
    if root.join(&writes[4].path).exists() {
        return Err(Refusal(format!(
            "{} exists already: choose another NAME",
            writes[4].path.display()
        )));
    }
    writes.push(Write {
        path: "Cargo.toml".into(),
        text: with_member(&read("Cargo.toml")?, &new.name)?,
    });
    writes.push(Write {
        path: TABLE.into(),
        text: read(TABLE)? + &table_row(new),
    });
    writes.push(Write {
        path: "openapi.yaml".into(),
        text: with_operation(&read("openapi.yaml")?, new)?,
    });
    writes.push(Write {
        path: "README.md".into(),
        text: with_readme_row(&read("README.md")?, new)?,
    });
    Ok(writes)
}

/// Writes the plan's files.
pub fn write(root: &Path, writes: &[Write]) -> std::io::Result<()> {
    for w in writes {
        let path = root.join(&w.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &w.text)?;
    }
    Ok(())
}

fn cargo_toml(new: &NewFunction) -> String {
    format!(
        r#"[package]
name = "{name}"
version = "0.1.0"
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true

[dependencies]
shared.workspace = true
lambda_runtime.workspace = true
serde.workspace = true
tokio.workspace = true

[dev-dependencies]
shared = {{ workspace = true, features = ["testing"] }}
tokio = {{ workspace = true, features = ["rt-multi-thread"] }}
serde_json.workspace = true

[lints]
workspace = true
"#,
        name = new.name
    )
}

fn main_rs(new: &NewFunction) -> String {
    let (auth_use, auth_init, auth_arg) = if new.auth == Auth::Public {
        ("", "", "")
    } else {
        (
            "use shared::identity::AuthMode;\n",
            "    let auth = AuthMode::from_env()?;\n",
            ", auth",
        )
    };
    format!(
        r#"use {name}::{{ROUTES, handler}};
{auth_use}use shared::report::Reporter;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {{
    shared::telemetry::init();
{auth_init}    // No AWS client yet: the error reporter loads the SDK's settings itself
    // when its secret is configured. A function that stores data loads them
    // here (shared::aws::load) and connects its store, as put_birthday does.
    let reporter = Reporter::from_env(env!("CARGO_PKG_NAME"), None).await;
    shared::lambda::serve(env!("CARGO_PKG_NAME"), ROUTES, reporter, |event| {{
        handler(event{auth_arg})
    }})
    .await
}}
"#,
        name = new.name
    )
}

fn lib_rs(new: &NewFunction) -> String {
    let key = new.key();
    let (auth_use, auth_param, auth_arg, check, who) = match new.auth {
        Auth::Owner => (
            "use shared::domain::Username;\nuse shared::identity::AuthMode;\n",
            ", auth: AuthMode",
            ", auth",
            "    let username = Username::parse(route.param(\"username\"))?;\n    \
             auth.authorize_owner(request, &username)?;\n",
            "The user its `{username}` names, with their own token, or an admin.",
        ),
        Auth::Admin => (
            "use shared::identity::AuthMode;\n",
            ", auth: AuthMode",
            ", auth",
            "    auth.authorize_admin(request, \"call this route\")?;\n",
            "Members of the admins group only.",
        ),
        Auth::Public => ("", "", "", "", "Anyone, without a token."),
    };
    let uses_route = new.auth == Auth::Owner;
    let route_binding = if uses_route {
        "let route = match_route(request, ROUTES)?;"
    } else {
        "match_route(request, ROUTES)?;"
    };
    format!(
        r#"//! `{key}`: a placeholder, made by `make function`. Say here what it
//! does and why; write its handler below and its tests in tests/handler.rs.
//!
//! Who may call it: {who}

use lambda_runtime::LambdaEvent;
{auth_use}use shared::http::{{
    ApiError, ApiGatewayV2httpRequest, ApiGatewayV2httpResponse, Route, json, match_route, respond,
}};

pub static ROUTES: &[Route] = &[shared::route!("{method}", "{path}")];

/// What the placeholder answers.
#[derive(Debug, serde::Serialize)]
struct Placeholder {{
    message: &'static str,
}}

pub async fn handler(
    event: LambdaEvent<ApiGatewayV2httpRequest>{auth_param},
) -> ApiGatewayV2httpResponse {{
    respond(answer(&event.payload{auth_arg}))
}}

fn answer(
    request: &ApiGatewayV2httpRequest{auth_param},
) -> Result<ApiGatewayV2httpResponse, ApiError> {{
    {route_binding}
{check}    Ok(json(
        200,
        &Placeholder {{
            message: "{key} answers: its handler is a placeholder (functions/{name}/src/lib.rs)",
        }},
    ))
}}
"#,
        method = new.method,
        path = new.path,
        name = new.name,
    )
}

fn handler_test(new: &NewFunction) -> String {
    let key = new.key();
    let username = if new.path.contains("{username}") {
        "Some(\"Ann\")"
    } else {
        "None"
    };
    let (auth_use, call, extra) = match new.auth {
        Auth::Owner => (
            "use shared::identity::AuthMode;\nuse shared::testing::signed_in;\n",
            "handler(invocation(signed_in(event, \"Ann\", &[])), AuthMode::Cognito)",
            format!(
                r#"
#[tokio::test]
async fn given_another_user_when_calling_then_403() {{
    let event = gateway_event("{method}", "{path}", Some("Ann"));
    let response = handler(invocation(signed_in(event, "Bob", &[])), AuthMode::Cognito).await;
    assert_eq!(status_and_json(&response).0, 403);
}}

#[tokio::test]
async fn given_a_username_that_is_not_one_when_calling_then_400() {{
    let event = gateway_event("{method}", "{path}", Some("john1"));
    let response = handler(invocation(signed_in(event, "john1", &[])), AuthMode::Cognito).await;
    assert_eq!(status_and_json(&response).0, 400);
}}
"#,
                method = new.method,
                path = new.path
            ),
        ),
        Auth::Admin => (
            "use shared::identity::AuthMode;\nuse shared::testing::signed_in;\n",
            "handler(invocation(signed_in(event, \"Boss\", &[\"admins\"])), AuthMode::Cognito)",
            format!(
                r#"
#[tokio::test]
async fn given_a_user_who_is_no_admin_when_calling_then_403() {{
    let event = gateway_event("{method}", "{path}", {username});
    let response = handler(invocation(signed_in(event, "Ann", &[])), AuthMode::Cognito).await;
    assert_eq!(status_and_json(&response).0, 403);
}}
"#,
                method = new.method,
                path = new.path
            ),
        ),
        Auth::Public => ("", "handler(invocation(event))", String::new()),
    };
    format!(
        r#"//! `{key}` through the handler, with real event shapes.

use {name}::handler;
{auth_use}use shared::testing::{{gateway_event, invocation, load_event, status_and_json}};

#[tokio::test]
async fn given_a_caller_it_allows_when_calling_then_the_placeholder_answers() {{
    let event = gateway_event("{method}", "{path}", {username});
    let (status, body) = status_and_json(&{call}.await);
    assert_eq!(status, 200);
    assert_eq!(
        body["message"],
        "{key} answers: its handler is a placeholder (functions/{name}/src/lib.rs)"
    );
}}

#[tokio::test]
async fn its_event_file_is_its_route() {{
    let event = load_event("{event}");
    assert_eq!(event.route_key.as_deref(), Some("{key}"));
}}
{extra}"#,
        name = new.name,
        method = new.method,
        path = new.path,
        event = new.name.replace('_', "-"),
    )
}

/// An API Gateway (HTTP API, payload 2.0) event for the route, shaped as
/// the other `events/` files; a protected route's carries the claims API
/// Gateway passes once its authorizer has accepted a token.
fn event_json(new: &NewFunction) -> String {
    let path = new.example_path();
    let parameters: serde_json::Map<String, serde_json::Value> = new
        .parameters()
        .into_iter()
        .map(|p| {
            let value = if p == "username" { "Zoë" } else { "example" };
            (p.to_owned(), value.into())
        })
        .collect();
    let mut context = serde_json::json!({
        "accountId": "123456789012",
        "apiId": "localapi01",
        "domainName": "localhost",
        "domainPrefix": "localhost",
        "http": {
            "method": new.method,
            "path": path,
            "protocol": "HTTP/1.1",
            "sourceIp": "127.0.0.1",
            "userAgent": "curl/8.5.0"
        },
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "routeKey": new.key(),
        "stage": "$default",
        "time": "23/Nov/2026:12:00:00 +0000",
        "timeEpoch": 1795435200000u64
    });
    if new.auth != Auth::Public {
        let mut claims = serde_json::json!({
            "sub": "6d1f7b2e-4c3a-4e8f-9b0a-2c5d7e9f1a3b",
            "iss": "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_EXAMPLE",
            "client_id": "1example23456789",
            "token_use": "access",
            "scope": "aws.cognito.signin.user.admin",
            "auth_time": "1795431600",
            "exp": "1795435200",
            "iat": "1795431600",
            "username": if new.auth == Auth::Owner { "Zoë" } else { "Boss" }
        });
        if new.auth == Auth::Admin {
            claims["cognito:groups"] = "[admins]".into();
        }
        context["authorizer"] = serde_json::json!({"jwt": {"claims": claims, "scopes": null}});
    }
    let mut event = serde_json::json!({
        "version": "2.0",
        "routeKey": new.key(),
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "accept": "application/json",
            "content-length": "0",
            "host": "localhost:3000",
            "user-agent": "curl/8.5.0",
            "x-forwarded-for": "127.0.0.1",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https"
        },
        "requestContext": context,
        "isBase64Encoded": false
    });
    if !parameters.is_empty() {
        event["pathParameters"] = parameters.into();
    }
    serde_json::to_string_pretty(&event).expect("JSON") + "\n"
}

fn with_member(cargo_toml: &str, name: &str) -> Result<String, Refusal> {
    let lines: Vec<&str> = cargo_toml.split_inclusive('\n').collect();
    let last = lines
        .iter()
        .rposition(|l| l.trim().starts_with("\"functions/"))
        .ok_or_else(|| Refusal("Cargo.toml's members list has no functions/ line".into()))?;
    let indent: String = lines[last]
        .chars()
        .take_while(|c| c.is_whitespace())
        .collect();
    let mut out: String = lines[..=last].concat();
    out.push_str(&format!("{indent}\"functions/{name}\",\n"));
    out.push_str(&lines[last + 1..].concat());
    Ok(out)
}

fn table_row(new: &NewFunction) -> String {
    format!(
        "\n[[function]]\ncrate = \"{}\"\ndescription = \"{}, a placeholder (make function).\"\np99_limit_ms = 500\ndynamodb = []\n",
        new.name,
        new.key()
    )
}

fn operation_yaml(new: &NewFunction, indent: &str) -> String {
    let security = match new.auth {
        Auth::Public => format!(
            "{indent}  security: []\n{indent}  x-public-because: it is public by design; say why here.\n"
        ),
        _ => format!("{indent}  security: [{{ cognito: [] }}]\n"),
    };
    let who = match new.auth {
        Auth::Owner => "The user's own token, or an admin's.",
        Auth::Admin => "An admin's token only.",
        Auth::Public => "Anyone, without a token.",
    };
    let mut responses = vec![format!(
        "{indent}    \"200\":\n{indent}      description: The placeholder's answer.\n{indent}      content:\n{indent}        application/json:\n{indent}          schema: {{ $ref: \"#/components/schemas/Message\" }}\n"
    )];
    if new.path.contains("{username}") {
        responses.push(format!(
            "{indent}    \"400\": {{ $ref: \"#/components/responses/BadRequest\" }}\n"
        ));
    }
    if new.auth != Auth::Public {
        responses.push(format!(
            "{indent}    \"401\": {{ $ref: \"#/components/responses/Unauthorized\" }}\n{indent}    \"403\": {{ $ref: \"#/components/responses/Forbidden\" }}\n"
        ));
    }
    format!(
        "{indent}{method}:\n{indent}  operationId: {id}\n{indent}  summary: A placeholder (make function) - say what it does\n{indent}  description: {who}\n{indent}  x-function: {name}\n{security}{indent}  responses:\n{responses}",
        method = new.method.to_lowercase(),
        id = new.operation_id(),
        name = new.name,
        responses = responses.concat(),
    )
}

/// openapi.yaml with the new operation: under its path when the path is
/// there already, else as a new path at the end of `paths:`, declaring its
/// parameters.
fn with_operation(openapi: &str, new: &NewFunction) -> Result<String, Refusal> {
    let lines: Vec<&str> = openapi.split_inclusive('\n').collect();
    let paths = lines
        .iter()
        .position(|l| l.trim_end() == "paths:")
        .ok_or_else(|| Refusal("openapi.yaml has no top-level paths:".into()))?;
    // The end of `paths:`: the next top-level key.
    let paths_end = lines[paths + 1..]
        .iter()
        .position(|l| !l.starts_with(' ') && !l.trim().is_empty() && !l.starts_with('#'))
        .map_or(lines.len(), |at| paths + 1 + at);
    let item = lines[paths + 1..paths_end]
        .iter()
        .position(|l| l.trim_end() == format!("  {}:", new.path))
        .map(|at| paths + 1 + at);
    let (at, text) = match item {
        Some(item) => {
            let end = lines[item + 1..paths_end]
                .iter()
                .position(|l| l.starts_with("  ") && !l.starts_with("   "))
                .map_or(paths_end, |at| item + 1 + at);
            (end, operation_yaml(new, "    "))
        }
        None => {
            let mut text = format!("  {}:\n", new.path);
            let parameters = new.parameters();
            if !parameters.is_empty() {
                text.push_str("    parameters:\n");
                for p in parameters {
                    if p == "username" {
                        text.push_str("      - $ref: \"#/components/parameters/Username\"\n");
                    } else {
                        text.push_str(&format!(
                            "      - name: {p}\n        in: path\n        required: true\n        schema: {{ type: string, minLength: 1 }}\n"
                        ));
                    }
                }
            }
            text.push_str(&operation_yaml(new, "    "));
            (paths_end, text)
        }
    };
    // Before the blank lines that end the section, if any.
    let mut at = at;
    while at > paths + 1 && lines[at - 1].trim().is_empty() {
        at -= 1;
    }
    Ok([lines[..at].concat(), text, lines[at..].concat()].concat())
}

/// README.md with the route in the API table, after its last row.
fn with_readme_row(readme: &str, new: &NewFunction) -> Result<String, Refusal> {
    let header = "| Route | Answer |\n|---|---|\n";
    let start = readme
        .find(header)
        .ok_or_else(|| Refusal("README.md has no `| Route | Answer |` table".into()))?
        + header.len();
    let end = start
        + readme[start..]
            .find("\n\n")
            .ok_or_else(|| Refusal("README.md's API table does not end".into()))?
        + 1;
    let row = format!(
        "| `{}` | A placeholder (`make function`): `200 {{\"message\": ...}}`. Say what it answers. |\n",
        new.key()
    );
    Ok([&readme[..end], &row, &readme[end..]].concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_are_not_snake_case_crate_names_are_refused() {
        for name in [
            "",
            "Get",
            "get-reports",
            "1st",
            "get__x",
            "get_",
            "fn",
            "shared",
            "é",
        ] {
            let err = check_name(name).unwrap_err();
            assert!(err.0.contains("NAME"), "{name}: {err}");
        }
        check_name("get_reports2").unwrap();
    }

    #[test]
    fn paths_that_are_not_routable_templates_are_refused() {
        for path in [
            "reports",
            "/",
            "/reports/",
            "/{username}",
            "/reports/{user name}",
            "/reports/{a}/{a}",
            "/reports/x.json",
            "/reports//x",
            "/reports/{username",
        ] {
            assert!(check_path(path).is_err(), "{path}");
        }
        check_path("/reports/{username}/items/{item_id}").unwrap();
    }

    fn new(path: &str, auth: Auth) -> NewFunction {
        NewFunction {
            name: "get_reports".into(),
            method: "GET".into(),
            path: path.into(),
            auth,
        }
    }

    #[test]
    fn a_new_path_is_added_at_the_end_of_paths_with_its_parameters() {
        let openapi =
            "openapi: 3.0.3\npaths:\n  /time:\n    get:\n      x: 1\n\ncomponents:\n  a: 1\n";
        let text = with_operation(openapi, &new("/reports/{username}/{id}", Auth::Owner)).unwrap();
        let yaml: serde_norway::Value = serde_norway::from_str(&text).unwrap();
        let op = &yaml["paths"]["/reports/{username}/{id}"]["get"];
        assert_eq!(op["x-function"], "get_reports");
        assert_eq!(op["operationId"], "getReports");
        assert_eq!(
            yaml["paths"]["/reports/{username}/{id}"]["parameters"]
                .as_sequence()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(yaml["components"]["a"], 1, "the rest is kept");
        assert_eq!(yaml["paths"]["/time"]["get"]["x"], 1);
    }

    #[test]
    fn a_method_on_a_known_path_joins_its_path_item() {
        let openapi = "paths:\n  /reports:\n    get:\n      x: 1\n  /time:\n    get:\n      x: 2\ncomponents: {}\n";
        let mut request = new("/reports", Auth::Public);
        request.method = "PUT".into();
        let text = with_operation(openapi, &request).unwrap();
        let yaml: serde_norway::Value = serde_norway::from_str(&text).unwrap();
        assert_eq!(
            yaml["paths"]["/reports"]["put"]["security"]
                .as_sequence()
                .unwrap()
                .len(),
            0
        );
        assert_eq!(yaml["paths"]["/reports"]["get"]["x"], 1);
        assert_eq!(yaml["paths"]["/time"]["get"]["x"], 2);
    }

    #[test]
    fn the_member_goes_after_the_last_function() {
        let toml = "members = [\n    \"shared\",\n    \"functions/a\",\n    \"functions/b\",\n    \"tests\",\n]\n";
        assert_eq!(
            with_member(toml, "c").unwrap(),
            "members = [\n    \"shared\",\n    \"functions/a\",\n    \"functions/b\",\n    \"functions/c\",\n    \"tests\",\n]\n"
        );
    }

    #[test]
    fn the_events_are_api_gateway_events_of_the_route() {
        let event: serde_json::Value =
            serde_json::from_str(&event_json(&new("/reports/{username}", Auth::Owner))).unwrap();
        assert_eq!(event["routeKey"], "GET /reports/{username}");
        assert_eq!(event["rawPath"], "/reports/Zoë");
        assert_eq!(event["pathParameters"]["username"], "Zoë");
        assert_eq!(
            event["requestContext"]["authorizer"]["jwt"]["claims"]["username"],
            "Zoë"
        );
        let public: serde_json::Value =
            serde_json::from_str(&event_json(&new("/reports", Auth::Public))).unwrap();
        assert!(public["requestContext"]["authorizer"].is_null());
    }
}
