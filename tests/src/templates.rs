//! The SAM templates and the OpenAPI document, read as data, for tests that
//! check invariants across them and for the README's architecture diagram;
//! and the table that `stacks/functions.yaml`'s resources are generated from.

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

/// One Lambda function, as `stacks/functions.yaml` states it: everything
/// that differs between functions. The rest (its log group, the two alarms
/// that roll a deployment back, the checkov skips, the outputs) is the same
/// for every function and is generated from this by [`functions_stack_resources`].
#[derive(Debug, Clone, Copy)]
pub struct FunctionSpec {
    /// The logical-id prefix: `ServerTime` gives `ServerTimeFunction`,
    /// `ServerTimeLogGroup`, `ServerTimeAliasArn`...
    pub name: &'static str,
    /// The crate under `functions/` (its `x-function` in openapi.yaml).
    pub krate: &'static str,
    pub description: &'static str,
    /// `MemorySize` when not the Globals' 256 MB.
    pub memory_mb: Option<u32>,
    /// The live alias's p99 duration above which a deployment rolls back.
    pub p99_limit_ms: u32,
    /// The DynamoDB actions it may call on the users table, each with why
    /// when the reason is not obvious (`""` for none).
    pub dynamodb: &'static [(&'static str, &'static str)],
}

/// The functions, once each. To add one: a row here, then
/// `REGENERATE=1 cargo test -p api-tests --test templates` rewrites
/// `stacks/functions.yaml` from `Resources:` on (a test fails while it is stale).
pub const FUNCTIONS: &[FunctionSpec] = &[
    FunctionSpec {
        name: "ServerTime",
        krate: "server_time",
        description: "GET /time, the server's time and time zone.",
        // The clock only: no TLS or signing to buy CPU for.
        memory_mb: Some(128),
        p99_limit_ms: 200,
        dynamodb: &[],
    },
    FunctionSpec {
        name: "PutBirthday",
        krate: "put_birthday",
        description: "PUT /hello/{username}, stores a date of birth.",
        memory_mb: None,
        p99_limit_ms: 500,
        dynamodb: &[
            ("dynamodb:GetItem", "the connection warm-up during init"),
            ("dynamodb:UpdateItem", ""),
        ],
    },
    FunctionSpec {
        name: "GetUserById",
        krate: "get_user_by_id",
        description: "GET /hello/{username} and GET /users/{username}.",
        memory_mb: None,
        p99_limit_ms: 500,
        dynamodb: &[("dynamodb:GetItem", "")],
    },
    FunctionSpec {
        name: "GetUsers",
        krate: "get_users",
        description: "GET /users, a page of users (admins).",
        memory_mb: None,
        p99_limit_ms: 500,
        dynamodb: &[(
            "dynamodb:Scan",
            "the page, and the connection warm-up during init (Limit 1)",
        )],
    },
    FunctionSpec {
        name: "DeleteUser",
        krate: "delete_user",
        description: "DELETE /users/{username}, erases the user's record.",
        memory_mb: None,
        p99_limit_ms: 500,
        dynamodb: &[(
            "dynamodb:DeleteItem",
            "conditional: the erasure, and the connection warm-up during init (a key no user has)",
        )],
    },
];

/// Every function may read the secret holding the Sentry DSN, and nothing
/// else of Secrets Manager, when error reporting is on (`shared::report`).
const SENTRY_SECRET_POLICY: &str = "        \
    # Only the Sentry DSN's secret, only when error reporting is on (shared::report).
        - !If
          - ReportsErrors
          - Version: \"2012-10-17\"
            Statement:
              - Effect: Allow
                Action: secretsmanager:GetSecretValue  # pragma: allowlist secret
                Resource: !Sub arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${SentryDsnSecret}-??????
          - !Ref AWS::NoValue
";

/// The text of `stacks/functions.yaml` from its `Resources:` line to the
/// end, generated from [`FUNCTIONS`]: the resources of every function and
/// the outputs. The section comment of each names its routes from openapi.yaml.
pub fn functions_stack_resources() -> String {
    use std::fmt::Write as _;
    let operations = openapi_operations();
    let mut out = String::from(
        "Resources:\n\
         \x20 # Generated from FUNCTIONS in tests/src/templates.rs: edit the table there,\n\
         \x20 # then `REGENERATE=1 cargo test -p api-tests --test templates`.\n",
    );
    for f in FUNCTIONS {
        for text in [f.description, f.krate, f.name] {
            assert!(
                !text.contains(": ")
                    && !text.contains(" #")
                    && !text.starts_with(['{', '[', '*', '&', '!', '"', '\'']),
                "{text:?} would not be a plain YAML scalar"
            );
        }
        let routes: Vec<String> = operations
            .iter()
            .filter(|(_, _, function)| function == f.krate)
            .map(|(method, path, _)| format!("{method} {path}"))
            .collect();
        let heading = format!("  # --- {}: {} ", f.krate, routes.join(", "));
        let dashes = 76usize.saturating_sub(heading.chars().count()).max(3);
        let vpc = if f.dynamodb.is_empty() {
            "Reaches no private resource; a VPC would only add cold-start latency."
        } else {
            "Reaches DynamoDB over its public endpoint with IAM; a VPC would only add cold-start latency."
        };
        let (name, krate) = (f.name, f.krate);
        let _ = write!(
            out,
            r#"
{heading}{dash}
  {name}Function:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: rust-cargolambda
      checkov:
        skip:
          - id: CKV_AWS_116
            comment: Invoked synchronously by API Gateway; a dead-letter queue only applies to async invocations.
          - id: CKV_AWS_117
            comment: {vpc}
          - id: CKV_AWS_115
            comment: Concurrency is bounded by the API stage's throttling; reserving it per function would fail in small accounts.
          - id: CKV_AWS_173
            comment: The environment holds only non-secret settings (table, service, metrics namespace, auth mode, the name of the Sentry DSN's secret).
    Properties:
      CodeUri: ../functions/{krate}
      Description: {description}
"#,
            dash = "-".repeat(dashes),
            description = f.description,
        );
        if let Some(memory) = f.memory_mb {
            let _ = writeln!(out, "      MemorySize: {memory}");
        }
        let _ = write!(
            out,
            "      LoggingConfig:\n        LogFormat: JSON\n        LogGroup: !Ref {name}LogGroup\n"
        );
        out.push_str("      Policies:\n");
        if !f.dynamodb.is_empty() {
            out.push_str(
                "        - Version: \"2012-10-17\"\n          Statement:\n            \
                 - Effect: Allow\n              Action:\n",
            );
            for (action, why) in f.dynamodb {
                let comment = if why.is_empty() {
                    String::new()
                } else {
                    format!(" # {why}")
                };
                let _ = writeln!(out, "                - {action}{comment}");
            }
            out.push_str("              Resource: !Ref TableArn\n");
        }
        out.push_str(SENTRY_SECRET_POLICY);
        let _ = write!(
            out,
            r#"      DeploymentPreference:
        Alarms:
          - !Ref {name}ErrorsAlarm
          - !Ref {name}LatencyAlarm

  {name}LogGroup:
    Type: AWS::Logs::LogGroup
    Metadata:
      checkov:
        skip:
          - id: CKV_AWS_158
            comment: Logs hold no personal data beyond usernames; CloudWatch Logs encrypts them at rest with its own keys.
          - id: CKV_AWS_338
            comment: Retention is per stage (a year in prod); dev and staging keep logs for weeks.
    Properties:
      RetentionInDays: !FindInMap [StageSettings, !Ref Stage, LogRetentionDays]

  {name}ErrorsAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: {krate} live alias returned errors during a deployment.
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions:
        - Name: Resource
          Value: !Sub ${{{name}Function}}:live
        - Name: FunctionName
          Value: !Ref {name}Function
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 0
      ComparisonOperator: GreaterThanThreshold
      TreatMissingData: notBreaching

  {name}LatencyAlarm:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: {krate} live alias p99 duration is over {p99} ms.
      Namespace: AWS/Lambda
      MetricName: Duration
      Dimensions:
        - Name: Resource
          Value: !Sub ${{{name}Function}}:live
        - Name: FunctionName
          Value: !Ref {name}Function
      ExtendedStatistic: p99
      Period: 60
      EvaluationPeriods: 2
      Threshold: {p99}
      ComparisonOperator: GreaterThanThreshold
      TreatMissingData: notBreaching
"#,
            p99 = f.p99_limit_ms,
        );
    }
    out.push_str("\nOutputs:\n");
    for FunctionSpec { name, .. } in FUNCTIONS {
        let _ = write!(
            out,
            "  {name}FunctionName:\n    Value: !Ref {name}Function\n  \
             {name}AliasArn:\n    Value: !Ref {name}Function.Alias\n"
        );
    }
    out
}

/// `stacks/functions.yaml` with its resources and outputs generated afresh
/// from [`FUNCTIONS`], its hand-written head (parameters, mappings,
/// globals) kept: `(current text, text it should have)`.
pub fn functions_stack_regenerated() -> (String, String) {
    let path = workspace_root().join("stacks/functions.yaml");
    let current =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let head_end = current
        .find("\nResources:\n")
        .map(|at| at + 1)
        .expect("stacks/functions.yaml has a Resources: line");
    let expected = format!("{}{}", &current[..head_end], functions_stack_resources());
    (current, expected)
}
