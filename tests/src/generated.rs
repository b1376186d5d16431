//! The parts of the templates that follow from the function table
//! (`stacks/functions.toml`) and `openapi.yaml`: each function's resources,
//! and every list of functions or routes elsewhere (the API's integrations,
//! routes, permissions and CORS methods, the monitoring stack's metrics,
//! CloudFront's paths to the API, the root template's wiring and outputs).
//! Generated, so that a new function is a row and an operation
//! (`make function`), and no list can miss one.
//!
//! The tools read plain resources (checkov does not expand `Fn::ForEach`,
//! and YAML merge keys stop it parsing), so the generated text is committed,
//! between marker comments; `make regenerate` rewrites it and a test fails
//! while it is stale.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;
use serde_norway::Value;

use crate::dynamodb::workspace_root;
use crate::templates::load;

/// How many functions the monitoring stack's errors and throttles alarms can
/// sum: a metric-math alarm takes at most 10 metrics, the functions' and the sum.
pub const MAX_FUNCTIONS: usize = 9;

/// Where the function table is, from the workspace root.
pub const TABLE: &str = "stacks/functions.toml";

/// One Lambda function, as the table states it: everything that differs
/// between functions. The rest (its log group, the two alarms that roll a
/// deployment back, the checkov skips, the outputs) is the same for every
/// function and is generated from this.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionSpec {
    /// The crate under `functions/` (its `x-function` in openapi.yaml).
    #[serde(rename = "crate")]
    pub krate: String,
    pub description: String,
    /// `MemorySize` when not the Globals' 256 MB.
    pub memory_mb: Option<u32>,
    /// The live alias's p99 duration above which a deployment rolls back.
    pub p99_limit_ms: u32,
    /// The DynamoDB actions it may call on the users table.
    pub dynamodb: Vec<DynamoDbAction>,
}

/// A DynamoDB action a function may call, with why when that is not obvious.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DynamoDbAction {
    pub action: String,
    #[serde(default)]
    pub why: String,
}

impl FunctionSpec {
    /// The logical-id prefix, the crate's name in upper camel case:
    /// `get_user_by_id` gives `GetUserByIdFunction`, `GetUserByIdAliasArn`...
    pub fn name(&self) -> String {
        upper_camel(&self.krate)
    }
}

/// `get_user_by_id` → `GetUserById`; `getUser` → `GetUser`.
pub fn upper_camel(text: &str) -> String {
    text.split('_')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    function: Vec<FunctionSpec>,
}

/// The function table, in its order.
pub fn table() -> Vec<FunctionSpec> {
    let path = workspace_root().join(TABLE);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    parse_table(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn parse_table(text: &str) -> Result<Vec<FunctionSpec>, String> {
    let table: Table = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(table.function)
}

/// One operation of openapi.yaml, with what the templates need of it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Operation {
    pub method: String,
    pub path: String,
    /// Its `x-function`.
    pub function: String,
    pub operation_id: String,
    /// `Some(why)` for a public operation (`security: []`), from its
    /// `x-public-because`; `None` for one that needs a token.
    pub public_because: Option<String>,
}

impl Operation {
    /// The API Gateway route key, `GET /users/{username}`.
    pub fn key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    /// The route's logical id. Derived from the operation id, except for the
    /// routes deployed before it was: renaming a deployed route would make
    /// CloudFormation create its replacement before deleting it, which API
    /// Gateway refuses (the route key is taken).
    pub fn route_id(&self) -> String {
        let deployed = match self.key().as_str() {
            "GET /time" => Some("GetTime"),
            "PUT /hello/{username}" => Some("PutHello"),
            "GET /hello/{username}" => Some("GetHello"),
            _ => None,
        };
        format!(
            "{}Route",
            deployed
                .map(str::to_owned)
                .unwrap_or_else(|| upper_camel(&self.operation_id))
        )
    }
}

/// The operations of openapi.yaml, sorted by path then method.
pub fn operations() -> Vec<Operation> {
    let spec = load("openapi.yaml");
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_mapping().expect("paths") {
        let path = path.as_str().expect("a path").to_owned();
        for (method, operation) in item.as_mapping().expect("a path item") {
            let method = method.as_str().unwrap();
            if method == "parameters" {
                continue;
            }
            let field = |name: &str| {
                operation[name]
                    .as_str()
                    .unwrap_or_else(|| panic!("openapi.yaml: {method} {path} has no {name}"))
                    .to_owned()
            };
            let security = operation
                .get("security")
                .or_else(|| spec.get("security"))
                .and_then(Value::as_sequence)
                .unwrap_or_else(|| panic!("openapi.yaml: {method} {path} has no security"));
            let public_because = security.is_empty().then(|| field("x-public-because"));
            operations.push(Operation {
                method: method.to_uppercase(),
                path: path.clone(),
                function: field("x-function"),
                operation_id: field("operationId"),
                public_because,
            });
        }
    }
    operations.sort_by(|a, b| (&a.path, &a.method).cmp(&(&b.path, &b.method)));
    operations
}

/// A file of the workspace with generated parts: its text now, and the
/// text it should have.
#[derive(Debug)]
pub struct Regenerated {
    pub path: &'static str,
    pub current: String,
    pub expected: String,
}

impl Regenerated {
    pub fn is_stale(&self) -> bool {
        self.current != self.expected
    }

    /// The first line (1-based) where the file differs from what it should be.
    pub fn first_difference(&self) -> usize {
        self.current
            .lines()
            .zip(self.expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| {
                self.current
                    .lines()
                    .count()
                    .min(self.expected.lines().count())
            })
            + 1
    }
}

/// Every file with generated parts, regenerated from the table and
/// openapi.yaml as they are now.
pub fn regenerate() -> Vec<Regenerated> {
    let functions = table();
    let operations = operations();
    let file = |path: &'static str, make: &dyn Fn(&str) -> String| {
        let current = read(path);
        let expected = make(&current);
        Regenerated {
            path,
            current,
            expected,
        }
    };
    vec![
        file("stacks/functions.yaml", &|text| {
            functions_stack(text, &functions, &operations)
        }),
        file("stacks/api.yaml", &|text| {
            api_stack(text, &functions, &operations)
        }),
        file("stacks/monitoring.yaml", &|text| {
            monitoring_stack(text, &functions, &operations)
        }),
        file("stacks/web.yaml", &|text| web_stack(text, &operations)),
        file("template.yaml", &|text| root_template(text, &functions)),
        file("tests/Cargo.toml", &|text| {
            let crates: String = functions
                .iter()
                .map(|f| format!("{0} = {{ path = \"../functions/{0}\" }}\n", f.krate))
                .collect();
            replace_block(text, "function crates", &crates)
        }),
        file("tests/tests/templates.rs", &|text| {
            let routes: String = functions
                .iter()
                .map(|f| format!("        (\"{0}\", {0}::ROUTES),\n", f.krate))
                .collect();
            replace_marked(text, "//", "function routes", &routes)
        }),
    ]
}

/// Writes every stale file of [`regenerate`]; returns their paths.
pub fn write_regenerated() -> Vec<&'static str> {
    let mut written = Vec::new();
    for file in regenerate() {
        if file.is_stale() {
            let path = workspace_root().join(file.path);
            std::fs::write(&path, &file.expected)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            written.push(file.path);
        }
    }
    written
}

fn read(relative: &str) -> String {
    let path = workspace_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

const MARK: &str = "generated from stacks/functions.toml and openapi.yaml (make regenerate)";

/// `text` with the lines between `# >>> <name>: ...` and `# <<< <name>`
/// replaced by `body` (lines ending in a newline).
pub fn replace_block(text: &str, name: &str, body: &str) -> String {
    replace_marked(text, "#", name, body)
}

/// [`replace_block`] for a file whose comments start with `comment`.
pub fn replace_marked(text: &str, comment: &str, name: &str, body: &str) -> String {
    let begin = format!("{comment} >>> {name}: {MARK}");
    let end = format!("{comment} <<< {name}");
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = lines
        .iter()
        .position(|l| l.trim() == begin)
        .unwrap_or_else(|| panic!("no line `{begin}`"));
    let stop = lines[start..]
        .iter()
        .position(|l| l.trim() == end)
        .map(|at| start + at)
        .unwrap_or_else(|| panic!("no line `{end}` after `{begin}`"));
    let mut out: String = lines[..=start].concat();
    // Blank lines inside the markers, not before the closing one.
    let body = body.trim_end_matches('\n');
    if !body.is_empty() {
        out.push_str(body);
        out.push('\n');
    }
    out.push_str(&lines[stop..].concat());
    out
}

/// Text that must stay one plain YAML scalar.
fn plain(text: &str) -> &str {
    assert!(
        !text.contains(": ")
            && !text.contains(" #")
            && !text.contains('\n')
            && !text.starts_with(['{', '[', '*', '&', '!', '"', '\'', '%', '@', '`']),
        "{text:?} would not be a plain YAML scalar"
    );
    text
}

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

/// CodeDeploy's role for the live aliases' deployments, as SAM makes it
/// when a DeploymentPreference names none (same logical id, so a stage's
/// stack keeps its role); a preview brings its own instead.
const CODEDEPLOY_ROLE: &str = r#"
  # CodeDeploy's role for the live aliases' deployments (what SAM would make);
  # a preview brings its own, limited to its functions (CodeDeployRoleArn).
  CodeDeployServiceRole:
    Type: AWS::IAM::Role
    Condition: OwnCodeDeployRole
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: codedeploy.amazonaws.com }
            Action: sts:AssumeRole
      ManagedPolicyArns:
        - !Sub arn:${AWS::Partition}:iam::aws:policy/service-role/AWSCodeDeployRoleForLambda
"#;

/// `stacks/functions.yaml`: its hand-written head (parameters, mappings,
/// globals) kept, and from its `Resources:` line on the resources of every
/// function and the outputs. The section comment of each names its routes.
fn functions_stack(current: &str, functions: &[FunctionSpec], operations: &[Operation]) -> String {
    let head_end = current
        .find("\nResources:\n")
        .map(|at| at + 1)
        .expect("stacks/functions.yaml has a Resources: line");
    let mut out = current[..head_end].to_owned();
    out.push_str(
        "Resources:\n\
         \x20 # Generated from stacks/functions.toml and openapi.yaml: edit the table,\n\
         \x20 # then `make regenerate`.\n",
    );
    out.push_str(CODEDEPLOY_ROLE);
    for f in functions {
        let (name, krate) = (f.name(), plain(&f.krate));
        let routes: Vec<String> = operations
            .iter()
            .filter(|o| o.function == f.krate)
            .map(Operation::key)
            .collect();
        let heading = format!("  # --- {krate}: {} ", routes.join(", "));
        let dashes = 76usize.saturating_sub(heading.chars().count()).max(3);
        let vpc = if f.dynamodb.is_empty() {
            "Reaches no private resource; a VPC would only add cold-start latency."
        } else {
            "Reaches DynamoDB over its public endpoint with IAM; a VPC would only add cold-start latency."
        };
        let _ = write!(
            out,
            r#"
{heading}{dash}
  {name}Function:
    Type: AWS::Serverless::Function
    Metadata:
      BuildMethod: makefile
      ContextPath: stacks
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
            description = plain(&f.description),
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
            for DynamoDbAction { action, why } in &f.dynamodb {
                let comment = if why.is_empty() {
                    String::new()
                } else {
                    format!(" # {}", why.replace('\n', " "))
                };
                let _ = writeln!(out, "                - {}{comment}", plain(action));
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
    for f in functions {
        let name = f.name();
        let _ = write!(
            out,
            "  {name}FunctionName:\n    Value: !Ref {name}Function\n  \
             {name}AliasArn:\n    Value: !Ref {name}Function.Alias\n"
        );
    }
    out
}

/// The HTTP methods of openapi.yaml, in a fixed order, for CORS.
fn methods(operations: &[Operation]) -> Vec<&'static str> {
    let used: BTreeSet<&str> = operations.iter().map(|o| o.method.as_str()).collect();
    ["GET", "PUT", "POST", "PATCH", "DELETE"]
        .into_iter()
        .filter(|m| used.contains(m))
        .collect()
}

/// `stacks/api.yaml`: one alias parameter, integration and permission per
/// function; one route per operation; the CORS methods the routes use.
fn api_stack(current: &str, functions: &[FunctionSpec], operations: &[Operation]) -> String {
    let mut parameters = String::new();
    let mut integrations = String::new();
    let mut permissions = String::new();
    for f in functions {
        let name = f.name();
        let _ = write!(parameters, "  {name}AliasArn:\n    Type: String\n");
        let _ = write!(
            integrations,
            "  {name}Integration:\n    Type: AWS::ApiGatewayV2::Integration\n    Properties:\n      \
             ApiId: !Ref HttpApi\n      IntegrationType: AWS_PROXY\n      \
             IntegrationUri: !Ref {name}AliasArn\n      PayloadFormatVersion: \"2.0\"\n      \
             TimeoutInMillis: 7000\n\n"
        );
        let _ = write!(
            permissions,
            "  {name}Permission:\n    Type: AWS::Lambda::Permission\n    Properties:\n      \
             Action: lambda:InvokeFunction\n      FunctionName: !Ref {name}AliasArn\n      \
             Principal: apigateway.amazonaws.com\n      \
             SourceArn: !Sub arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:${{AWS::AccountId}}:${{HttpApi}}/*\n\n"
        );
    }
    let mut routes = String::new();
    for o in operations {
        let function = functions
            .iter()
            .find(|f| f.krate == o.function)
            .unwrap_or_else(|| {
                panic!(
                    "openapi.yaml: {} names x-function {}, which is not in {TABLE}",
                    o.key(),
                    o.function
                )
            });
        let _ = writeln!(
            routes,
            "  {}:\n    Type: AWS::ApiGatewayV2::Route",
            o.route_id()
        );
        if let Some(why) = &o.public_because {
            let _ = writeln!(
                routes,
                "    Metadata:\n      checkov:\n        skip:\n          - id: CKV_AWS_309\n            \
                 comment: Public by design (openapi.yaml, security []); {}",
                plain(why)
            );
        }
        let _ = writeln!(
            routes,
            "    Properties:\n      ApiId: !Ref HttpApi\n      RouteKey: {}",
            o.key()
        );
        if o.public_because.is_some() {
            routes.push_str("      AuthorizationType: NONE\n");
        } else {
            routes.push_str(
                "      AuthorizationType: !If [UseCognito, JWT, NONE]\n      \
                 AuthorizerId: !If [UseCognito, !Ref Authorizer, !Ref AWS::NoValue]\n",
            );
        }
        let _ = write!(
            routes,
            "      Target: !Sub integrations/${{{}Integration}}\n\n",
            function.name()
        );
    }
    let cors = format!(
        "        AllowMethods: [{}]\n",
        methods(operations).join(", ")
    );
    let text = replace_block(current, "alias parameters", &parameters);
    let text = replace_block(&text, "cors methods", &cors);
    let text = replace_block(&text, "integrations", &integrations);
    let text = replace_block(&text, "routes", &routes);
    replace_block(&text, "permissions", &permissions)
}

/// The id of a function's metric in a metric-math alarm: lower case, as
/// CloudWatch requires ids to start.
fn metric_id(f: &FunctionSpec) -> String {
    f.krate.to_lowercase()
}

/// `stacks/monitoring.yaml`: a function-name parameter per function, each
/// function in the errors and throttles alarms and the dashboard, each
/// route in the dashboard.
fn monitoring_stack(current: &str, functions: &[FunctionSpec], operations: &[Operation]) -> String {
    assert!(
        functions.len() <= MAX_FUNCTIONS,
        "{} functions: the monitoring stack's errors and throttles alarms take at most 9; \
         split them in stacks/monitoring.yaml",
        functions.len()
    );
    let mut parameters = String::new();
    let mut dashboard = Vec::new();
    for f in functions {
        let _ = write!(
            parameters,
            "  {}FunctionName:\n    Type: String\n",
            f.name()
        );
    }
    let alarm_metrics = |metric: &str, label: &str| {
        let mut out = String::new();
        for f in functions {
            let _ = write!(
                out,
                "        - Id: {}\n          ReturnData: false\n          MetricStat:\n            \
                 Metric: {{ Namespace: AWS/Lambda, MetricName: {metric}, Dimensions: [{{ Name: FunctionName, Value: !Ref {}FunctionName }}] }}\n            \
                 Period: 60\n            Stat: Sum\n",
                metric_id(f),
                f.name()
            );
        }
        let total: Vec<String> = functions.iter().map(metric_id).collect();
        let _ = write!(
            out,
            "        - Id: total\n          Label: {label}\n          Expression: {}\n          ReturnData: true\n",
            total.join(" + ")
        );
        out
    };
    for metric in ["Errors", "Throttles"] {
        for f in functions {
            dashboard.push(format!(
                r#"["AWS/Lambda", "{metric}", "FunctionName", "${{{}FunctionName}}"]"#,
                f.name()
            ));
        }
    }
    let route_metrics = |metric: &str| -> Vec<String> {
        operations
            .iter()
            .map(|o| {
                format!(
                    r#"["AWS/ApiGateway", "{metric}", "ApiId", "${{ApiId}}", "Stage", "$default", "Route", "{}"]"#,
                    o.key()
                )
            })
            .collect()
    };
    let lines = |metrics: Vec<String>| {
        metrics
            .iter()
            .map(|m| format!("            {m}"))
            .collect::<Vec<_>>()
            .join(",\n")
            + "\n"
    };
    let dashboard_metrics = format!(
        "        - RouteMetrics: !Sub >-\n{}          RouteLatency: !Sub >-\n{}          \
         FunctionMetrics: !Sub >-\n{}",
        lines(route_metrics("Count")),
        lines(route_metrics("Latency")),
        lines(dashboard),
    );
    let text = replace_block(current, "function parameters", &parameters);
    let text = replace_block(
        &text,
        "function errors",
        &alarm_metrics("Errors", "Function errors"),
    );
    let text = replace_block(
        &text,
        "function throttles",
        &alarm_metrics("Throttles", "Function throttles"),
    );
    replace_block(&text, "dashboard metrics", &dashboard_metrics)
}

/// CloudFront's path patterns for the API's paths: `/users` for the path
/// itself, `/users/*` for the paths under it. `*` matches `/` too, so one
/// pattern per first segment and depth is enough.
pub fn api_path_patterns(operations: &[Operation]) -> BTreeSet<String> {
    let mut patterns = BTreeSet::new();
    for o in operations {
        let rest = o.path.trim_start_matches('/');
        let (first, more) = match rest.split_once('/') {
            Some((first, _)) => (first, true),
            None => (rest, false),
        };
        assert!(
            !first.contains('{'),
            "{}: a path whose first segment is a parameter would take the page's own paths",
            o.path
        );
        patterns.insert(if more {
            format!("/{first}/*")
        } else {
            format!("/{first}")
        });
    }
    patterns
}

/// `stacks/web.yaml`: a cache behaviour per API path pattern.
fn web_stack(current: &str, operations: &[Operation]) -> String {
    let mut behaviours = String::new();
    for pattern in api_path_patterns(operations) {
        let _ = write!(
            behaviours,
            "          - PathPattern: {pattern}\n            TargetOriginId: api\n            \
             ViewerProtocolPolicy: https-only\n            \
             AllowedMethods: [GET, HEAD, OPTIONS, PUT, POST, PATCH, DELETE]\n            \
             CachedMethods: [GET, HEAD]\n            \
             CachePolicyId: !FindInMap [ManagedPolicies, Cache, CachingDisabled]\n            \
             OriginRequestPolicyId: !FindInMap [ManagedPolicies, OriginRequest, AllViewerExceptHostHeader]\n            \
             ResponseHeadersPolicyId: !Ref SecurityHeadersPolicy\n"
        );
    }
    replace_block(current, "api paths", &behaviours)
}

/// `template.yaml`: the functions' alias ARNs to the API stack, their names
/// to the monitoring stack, their aliases among the outputs.
fn root_template(current: &str, functions: &[FunctionSpec]) -> String {
    let mut aliases = String::new();
    let mut names = String::new();
    let mut outputs = String::new();
    for f in functions {
        let name = f.name();
        let _ = writeln!(
            aliases,
            "        {name}AliasArn: !GetAtt Functions.Outputs.{name}AliasArn"
        );
        let _ = writeln!(
            names,
            "        {name}FunctionName: !GetAtt Functions.Outputs.{name}FunctionName"
        );
        let _ = write!(
            outputs,
            "  {name}AliasArn:\n    Description: The live alias of {}.\n    \
             Value: !GetAtt Functions.Outputs.{name}AliasArn\n",
            f.krate
        );
    }
    let text = replace_block(current, "alias arns", &aliases);
    let text = replace_block(&text, "function names", &names);
    replace_block(&text, "alias outputs", &outputs)
}

/// Whether `root` is a workspace root this module can work on.
pub fn is_workspace(root: &Path) -> bool {
    root.join(TABLE).is_file() && root.join("openapi.yaml").is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_crates_in_upper_camel_case() {
        assert_eq!(upper_camel("get_user_by_id"), "GetUserById");
        assert_eq!(upper_camel("server_time"), "ServerTime");
        assert_eq!(upper_camel("listUsers"), "ListUsers");
    }

    #[test]
    fn a_block_is_replaced_between_its_markers_only() {
        let text = format!("a\n  # >>> x: {MARK}\n  old\n  # <<< x\nb\n");
        assert_eq!(
            replace_block(&text, "x", "  new\n  lines\n"),
            format!("a\n  # >>> x: {MARK}\n  new\n  lines\n  # <<< x\nb\n")
        );
    }

    #[test]
    fn paths_get_one_pattern_per_first_segment_and_depth() {
        let op = |path: &str| Operation {
            method: "GET".into(),
            path: path.into(),
            function: "f".into(),
            operation_id: "o".into(),
            public_because: None,
        };
        let patterns = api_path_patterns(&[
            op("/users"),
            op("/users/{username}"),
            op("/hello/{username}"),
            op("/time"),
        ]);
        assert_eq!(
            patterns.into_iter().collect::<Vec<_>>(),
            ["/hello/*", "/time", "/users", "/users/*"]
        );
    }

    #[test]
    fn the_table_refuses_unknown_fields() {
        let err = parse_table(
            "[[function]]\ncrate = \"a\"\ndescription = \"d\"\np99_limit_ms = 1\ndynamodb = []\nmemory = 1\n",
        )
        .unwrap_err();
        assert!(err.contains("memory"), "{err}");
    }
}
