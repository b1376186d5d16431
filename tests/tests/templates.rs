//! Invariants across the templates, the OpenAPI document, the local gateway
//! and the README: what a reviewer would otherwise check by eye.

use std::collections::BTreeSet;

use api_tests::dynamodb::workspace_root;
use api_tests::generated::{self, TABLE};
use api_tests::routes::gateway_routes;
use api_tests::templates::{
    api_routes, diagram, dynamodb_actions, functions, intrinsic, load, nested_stacks,
    openapi_operations, resources, scalar,
};
use serde_norway::Value;

fn crate_of_alias(alias_parameter: &str) -> String {
    functions()
        .into_iter()
        .find(|(id, _, _)| {
            format!("{}AliasArn", id.trim_end_matches("Function")) == alias_parameter
        })
        .map(|(_, krate, _)| krate)
        .unwrap_or_else(|| panic!("no function publishes {alias_parameter}"))
}

#[test]
fn api_stack_routes_equal_the_openapi_document() {
    let from_template: BTreeSet<(String, String, String)> = api_routes()
        .into_iter()
        .map(|(key, alias)| {
            let (method, path) = key.split_once(' ').unwrap();
            (method.to_owned(), path.to_owned(), crate_of_alias(&alias))
        })
        .collect();
    assert_eq!(from_template, openapi_operations());
}

#[test]
fn local_gateway_serves_the_openapi_routes_with_the_stacks_timeouts() {
    let served: BTreeSet<(String, String, String)> = gateway_routes()
        .iter()
        .map(|r| (r.method.clone(), r.path.clone(), r.function.clone()))
        .collect();
    assert_eq!(served, openapi_operations());
    // Read from the stacks, not defaulted: the API stack's integrations wait
    // 7 s, the functions stack gives each function 6 s.
    for route in gateway_routes() {
        assert_eq!(route.integration_timeout.as_secs(), 7, "{}", route.key());
        assert_eq!(route.function_timeout.as_secs(), 6, "{}", route.key());
    }
}

/// Each function crate with the routes its handler declares.
fn declared_routes() -> Vec<(&'static str, &'static [shared::http::Route])> {
    vec![
        // >>> function routes: generated from stacks/functions.toml and openapi.yaml (make regenerate)
        ("server_time", server_time::ROUTES),
        ("put_birthday", put_birthday::ROUTES),
        ("get_user_by_id", get_user_by_id::ROUTES),
        ("get_users", get_users::ROUTES),
        ("delete_user", delete_user::ROUTES),
        // <<< function routes
    ]
}

#[test]
fn handlers_declare_the_openapi_routes() {
    let declared: BTreeSet<(String, String, String)> = declared_routes()
        .into_iter()
        .flat_map(|(function, routes)| {
            routes
                .iter()
                .map(move |r| (r.method.to_owned(), r.path.to_owned(), function.to_owned()))
        })
        .collect();
    assert_eq!(declared, openapi_operations());
    for (_, routes) in declared_routes() {
        for route in routes {
            assert_eq!(route.key, format!("{} {}", route.method, route.path));
        }
    }
}

#[test]
fn readme_lists_exactly_the_openapi_routes_and_the_generated_diagram() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).unwrap();
    for (method, path, _) in openapi_operations() {
        assert!(
            readme.contains(&format!("`{method} {path}`")),
            "README does not document {method} {path}"
        );
    }
    assert!(
        readme.contains(&diagram()),
        "README's architecture diagram is stale: run `make diagram`\n{}",
        diagram()
    );
}

#[test]
fn every_function_is_arm64_rust_with_a_live_alias_json_logs_and_its_own_log_group() {
    let template = load("stacks/functions.yaml");
    let globals = &template["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Architectures"][0], "arm64");
    assert_eq!(globals["Handler"], "bootstrap");
    assert_eq!(globals["AutoPublishAlias"], "live");
    assert_eq!(globals["Tracing"], "Active");
    let crates: BTreeSet<String> = functions().into_iter().map(|(_, k, _)| k).collect();
    // Every crate under functions/ is deployed, and nothing else is.
    let on_disk: BTreeSet<String> = std::fs::read_dir(workspace_root().join("functions"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(crates, on_disk);
    for (id, krate, function) in functions() {
        // sam build runs stacks/Makefile's build-<LogicalId>, which builds
        // every function in one cargo invocation.
        assert_eq!(function["Metadata"]["BuildMethod"], "makefile", "{id}");
        assert_eq!(function["Metadata"]["ContextPath"], "stacks", "{id}");
        assert!(
            workspace_root()
                .join("functions")
                .join(&krate)
                .join("Cargo.toml")
                .exists(),
            "{id}"
        );
        // X-Ray (shared::xray): Active tracing for every function, and a role
        // SAM makes from `Policies`, to which it adds AWSXrayWriteOnlyAccess
        // (xray:PutTraceSegments); a `Role` of its own would go without.
        let properties = &function["Properties"];
        assert!(
            properties["Tracing"].is_null() || properties["Tracing"] == "Active",
            "{id}: Tracing stays Active"
        );
        assert!(
            properties["Role"].is_null() && properties["Policies"].is_sequence(),
            "{id}: SAM's role, which may put trace segments"
        );
        let logging = &function["Properties"]["LoggingConfig"];
        assert_eq!(logging["LogFormat"], "JSON", "{id}");
        let log_group = scalar(&logging["LogGroup"]).unwrap();
        assert_eq!(
            template["Resources"][log_group]["Type"], "AWS::Logs::LogGroup",
            "{id}"
        );
        assert!(
            intrinsic(&template["Resources"][log_group]["Properties"]["RetentionInDays"]).is_some(),
            "{id}: retention per stage"
        );
        let alarms = function["Properties"]["DeploymentPreference"]["Alarms"]
            .as_sequence()
            .unwrap();
        let metrics: BTreeSet<&str> = alarms
            .iter()
            .map(|a| {
                template["Resources"][scalar(a).unwrap()]["Properties"]["MetricName"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_eq!(
            metrics,
            ["Duration", "Errors"].into(),
            "{id}: rolled back on errors and latency"
        );
    }
}

#[test]
fn deployments_are_all_at_once_in_dev_and_canaries_in_staging_and_prod() {
    let template = load("stacks/functions.yaml");
    let stages = &template["Mappings"]["StageSettings"];
    assert_eq!(stages["dev"]["DeploymentType"], "AllAtOnce");
    for stage in ["staging", "prod"] {
        assert!(
            stages[stage]["DeploymentType"]
                .as_str()
                .unwrap()
                .starts_with("Canary"),
            "{stage}"
        );
    }
    let preference = &template["Globals"]["Function"]["DeploymentPreference"]["Type"];
    assert_eq!(intrinsic(preference).unwrap().0, "!FindInMap");
}

#[test]
fn each_function_may_call_only_the_dynamodb_actions_its_code_calls() {
    // The store's methods and the one SDK operation each makes.
    let store =
        std::fs::read_to_string(workspace_root().join("shared/src/store/dynamodb.rs")).unwrap();
    let operations = [
        ("get(", "get_item()", "dynamodb:GetItem"),
        ("warm_up(", "get_item()", "dynamodb:GetItem"),
        ("put_date_of_birth(", "update_item()", "dynamodb:UpdateItem"),
        ("list(", "scan()", "dynamodb:Scan"),
        ("warm_up_by_scanning(", "scan()", "dynamodb:Scan"),
        ("delete(", "delete_item()", "dynamodb:DeleteItem"),
        (
            "warm_up_by_deleting(",
            "delete_item()",
            "dynamodb:DeleteItem",
        ),
    ];
    for (_, sdk_call, _) in operations {
        assert!(
            store.contains(&format!(".{sdk_call}")),
            "the store no longer calls {sdk_call}"
        );
    }
    for (id, krate, function) in functions() {
        let src = workspace_root().join("functions").join(&krate).join("src");
        let code: String = ["lib.rs", "main.rs"]
            .iter()
            .map(|file| std::fs::read_to_string(src.join(file)).unwrap())
            .collect::<String>()
            .split_whitespace()
            .collect();
        let called: BTreeSet<String> = operations
            .iter()
            .filter(|(method, _, _)| code.contains(&format!("store.{method}")))
            .map(|(_, _, action)| action.to_string())
            .collect();
        let granted: BTreeSet<String> = dynamodb_actions(&function).into_iter().collect();
        assert_eq!(granted, called, "{id}");
        // The conditional grant of the Sentry DSN's secret has a test of its own.
        for policy in function["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter(|policy| intrinsic(policy).is_none())
        {
            for statement in policy["Statement"].as_sequence().unwrap() {
                assert_eq!(
                    scalar(&statement["Resource"]),
                    Some("TableArn"),
                    "{id}: the table only"
                );
            }
        }
    }
}

#[test]
fn the_table_has_point_in_time_recovery_encryption_and_prod_protection() {
    let database = load("stacks/database.yaml");
    let table = &database["Resources"]["UsersTable"];
    let props = &table["Properties"];
    assert_eq!(props["BillingMode"], "PAY_PER_REQUEST");
    assert_eq!(
        props["KeySchema"][0]["AttributeName"],
        api_tests::dynamodb::PARTITION_KEY
    );
    assert_eq!(
        props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"],
        true
    );
    assert_eq!(props["SSESpecification"]["SSEEnabled"], true);
    let (tag, args) = intrinsic(&props["DeletionProtectionEnabled"]).unwrap();
    assert_eq!(
        (tag.as_str(), &args[0], &args[1]),
        ("!If", &"IsProd".into(), &true.into())
    );
    assert_eq!(intrinsic(&table["DeletionPolicy"]).unwrap().1[1], "Retain");
    for backup in ["BackupVault", "BackupPlan", "BackupSelection"] {
        assert_eq!(
            database["Resources"][backup]["Condition"], "IsProd",
            "{backup}"
        );
    }
}

#[test]
fn nested_stacks_exist_and_no_resource_has_a_hard_coded_physical_name() {
    let stacks = nested_stacks();
    let ids: BTreeSet<&str> = stacks.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "Api",
            "Database",
            "Functions",
            "Identity",
            "Monitoring",
            "Web"
        ]
        .into()
    );
    for (_, location) in &stacks {
        let template = load(location);
        for (id, resource) in resources(&template) {
            let props = &resource["Properties"];
            for key in [
                "TableName",
                "FunctionName",
                "RoleName",
                "TopicName",
                "LogGroupName",
            ] {
                // Names made from the stack's own name are allowed; literals are not.
                if let serde_norway::Value::String(name) = &props[key] {
                    panic!("{location} {id} hard-codes {key} {name}");
                }
            }
        }
    }
}

#[test]
fn pipelines_build_with_make_gate_only_prod_and_smoke_test_after_deploying() {
    let pipeline = load("cicd/pipeline.yaml");
    let stages: Vec<&serde_norway::Value> =
        pipeline["Resources"]["Pipeline"]["Properties"]["Stages"]
            .as_sequence()
            .unwrap()
            .iter()
            .collect();
    let name = |stage: &serde_norway::Value| -> String {
        match intrinsic(stage) {
            // `!If [IsProd, {stage}, NoValue]`: a stage only prod has.
            Some((tag, args)) => {
                assert_eq!((tag.as_str(), &args[0]), ("!If", &"IsProd".into()));
                format!("prod:{}", args[1]["Name"].as_str().unwrap())
            }
            None => stage["Name"].as_str().unwrap().to_owned(),
        }
    };
    let names: Vec<String> = stages.iter().map(|s| name(s)).collect();
    assert_eq!(
        names,
        ["Source", "Build", "prod:ReleaseGate", "Deploy", "SmokeTest"]
    );

    let buildspec = std::fs::read_to_string(workspace_root().join("buildspec.yml")).unwrap();
    assert!(
        buildspec.contains("- make test"),
        "the Build stage runs make test"
    );
    let workflow =
        std::fs::read_to_string(workspace_root().join(".github/workflows/pull-request.yml"))
            .unwrap();
    assert!(
        workflow.contains("run: make test"),
        "pull requests run make test"
    );
    let ci = std::fs::read_to_string(workspace_root().join(".ci/run")).unwrap();
    assert!(ci.contains("make test"));
}

#[test]
fn the_monitoring_stack_watches_the_metrics_the_functions_emit() {
    use shared::metrics::Outcome;
    let functions = load("stacks/functions.yaml");
    let namespace =
        scalar(&functions["Globals"]["Function"]["Environment"]["Variables"]["METRICS_NAMESPACE"])
            .expect("the functions stack names the metrics namespace");
    assert_eq!(namespace, "Birthdays/${Stage}");

    let monitoring = load("stacks/monitoring.yaml");
    let alarm = &monitoring["Resources"]["StorageUnavailableAlarm"]["Properties"];
    assert_eq!(scalar(&alarm["Namespace"]), Some(namespace));
    assert_eq!(
        alarm["MetricName"].as_str(),
        Some(Outcome::StorageUnavailable.name())
    );

    let dashboard = serde_norway::to_string(&monitoring["Resources"]["Dashboard"]).unwrap();
    for outcome in Outcome::ALL {
        assert!(
            dashboard.contains(&format!(r#"["{namespace}", "{}"]"#, outcome.name())),
            "the dashboard does not show {}",
            outcome.name()
        );
    }
    // And it leads to the traces (shared::xray), by the annotations they carry.
    assert!(dashboard.contains("#xray:service-map/map"), "{dashboard}");
    assert!(dashboard.contains("annotation.route"), "{dashboard}");
}

/// CloudWatch alarms cannot publish to a topic encrypted with the AWS managed
/// `alias/aws/sns` key (its policy cannot grant them the key): the alarms'
/// topic has a key of its own that lets this account's alarms use it.
#[test]
fn alarms_can_publish_to_their_encrypted_topic() {
    let monitoring = load("stacks/monitoring.yaml");
    let mut topics = BTreeSet::new();
    for (id, resource) in resources(&monitoring) {
        if resource["Type"] != "AWS::CloudWatch::Alarm" {
            continue;
        }
        let actions = resource["Properties"]["AlarmActions"]
            .as_sequence()
            .unwrap_or_else(|| panic!("{id} notifies nobody"));
        for action in actions {
            let (tag, topic) = intrinsic(action).unwrap_or_else(|| panic!("{id}: {action:?}"));
            assert_eq!(tag, "!Ref", "{id}");
            topics.insert(topic.as_str().unwrap().to_owned());
        }
    }
    assert!(!topics.is_empty(), "no alarm found");
    for topic in topics {
        let key = &monitoring["Resources"][topic.as_str()]["Properties"]["KmsMasterKeyId"];
        let (tag, key) = intrinsic(key)
            .unwrap_or_else(|| panic!("{topic} is encrypted with {key:?}, not a key of the stack"));
        assert_eq!(tag, "!Ref", "{topic}");
        let policy = &monitoring["Resources"][key.as_str().unwrap()]["Properties"]["KeyPolicy"];
        let grants_alarms = policy["Statement"].as_sequence().unwrap().iter().any(|s| {
            s["Effect"] == "Allow"
                && s["Principal"]["Service"] == "cloudwatch.amazonaws.com"
                && serde_norway::to_string(&s["Action"])
                    .is_ok_and(|a| a.contains("kms:GenerateDataKey") && a.contains("kms:Decrypt"))
        });
        assert!(
            grants_alarms,
            "{topic}'s key does not let CloudWatch alarms publish"
        );
    }
}

#[test]
fn no_function_filters_out_the_info_lines_that_carry_its_metrics() {
    for (id, resource) in resources(&load("stacks/functions.yaml")) {
        let level = &resource["Properties"]["LoggingConfig"]["ApplicationLogLevel"];
        assert!(
            level.is_null() || matches!(level.as_str(), Some("TRACE" | "DEBUG" | "INFO")),
            "{id}: ApplicationLogLevel {level:?} would drop the request lines and their metrics"
        );
    }
}

// --- the form of the functions stack -----------------------------------------

#[test]
fn the_generated_parts_of_the_templates_are_current() {
    let stale: Vec<String> = generated::regenerate()
        .into_iter()
        .filter(|file| file.is_stale())
        .map(|file| {
            if std::env::var_os("REGENERATE").is_some() {
                std::fs::write(workspace_root().join(file.path), &file.expected).unwrap();
            }
            format!("{} (from line {})", file.path, file.first_difference())
        })
        .collect();
    if std::env::var_os("REGENERATE").is_none() {
        assert!(
            stale.is_empty(),
            "generated from {TABLE} and openapi.yaml, and stale: {}. Edit the table or \
             openapi.yaml, not the generated text, then run `make regenerate`",
            stale.join(", ")
        );
    }
}

#[test]
fn the_table_states_each_function_of_the_openapi_document_once() {
    let table = generated::table();
    let crates: BTreeSet<&str> = table.iter().map(|f| f.krate.as_str()).collect();
    assert_eq!(crates.len(), table.len(), "a function twice in {TABLE}");
    let served: BTreeSet<String> = openapi_operations()
        .into_iter()
        .map(|(_, _, f)| f)
        .collect();
    assert_eq!(
        crates
            .into_iter()
            .map(String::from)
            .collect::<BTreeSet<_>>(),
        served
    );
}

// --- who may write and read ---------------------------------------------------

/// The `(method, path)` of openapi.yaml's operations with a non-empty
/// security requirement (the operation's own, else the document's).
fn protected_operations() -> BTreeSet<String> {
    let spec = load("openapi.yaml");
    let mut protected = BTreeSet::new();
    for (path, item) in spec["paths"].as_mapping().unwrap() {
        for (method, operation) in item.as_mapping().unwrap() {
            let method = method.as_str().unwrap();
            if method == "parameters" {
                continue;
            }
            let security = match &operation["security"] {
                Value::Null => &spec["security"],
                own => own,
            };
            let requirements = security.as_sequence().cloned().unwrap_or_default();
            for requirement in &requirements {
                for scheme in requirement.as_mapping().unwrap().keys() {
                    assert!(
                        !spec["components"]["securitySchemes"][scheme].is_null(),
                        "{method} {path:?}: no security scheme {scheme:?}"
                    );
                }
            }
            if requirements
                .iter()
                .any(|r| !r.as_mapping().unwrap().is_empty())
            {
                protected.insert(format!(
                    "{} {}",
                    method.to_uppercase(),
                    path.as_str().unwrap()
                ));
            }
        }
    }
    protected
}

/// `!If [condition, then, else]`: its three arguments.
fn if_args(value: &Value) -> Option<(&str, &Value, &Value)> {
    let (tag, args) = intrinsic(value)?;
    let args = args.as_sequence()?;
    (tag == "!If" && args.len() == 3).then(|| (args[0].as_str().unwrap(), &args[1], &args[2]))
}

/// `!Equals [!Ref parameter, value]`: the parameter and the value.
fn equals_ref(value: &Value) -> Option<(&str, &str)> {
    let (tag, args) = intrinsic(value)?;
    let args = args.as_sequence()?;
    let (ref_tag, parameter) = intrinsic(&args[0])?;
    (tag == "!Equals" && ref_tag == "!Ref")
        .then(|| (parameter.as_str().unwrap(), args[1].as_str().unwrap()))
}

#[test]
fn protected_routes_are_the_openapi_operations_with_a_security_requirement() {
    let protected = protected_operations();
    // These stay protected whatever is added (`make function` adds routes of
    // either kind); a public one says why (x-public-because, which the
    // generator requires), and these two are the public ones today.
    for operation in [
        "DELETE /users/{username}",
        "GET /users",
        "GET /users/{username}",
        "PUT /hello/{username}",
    ] {
        assert!(
            protected.contains(operation),
            "{operation} must need a token"
        );
    }
    for public in ["GET /time", "GET /hello/{username}"] {
        assert!(!protected.contains(public), "{public} is public by design");
    }

    let api = load("stacks/api.yaml");
    assert_eq!(
        equals_ref(&api["Conditions"]["UseCognito"]),
        Some(("Auth", "cognito"))
    );
    let authorizer = &api["Resources"]["Authorizer"];
    assert_eq!(authorizer["Type"], "AWS::ApiGatewayV2::Authorizer");
    assert_eq!(authorizer["Condition"], "UseCognito");
    let props = &authorizer["Properties"];
    assert_eq!(props["AuthorizerType"], "JWT");
    assert_eq!(props["IdentitySource"][0], "$request.header.Authorization");
    assert_eq!(scalar(&props["JwtConfiguration"]["Issuer"]), Some("Issuer"));
    assert_eq!(
        scalar(&props["JwtConfiguration"]["Audience"][0]),
        Some("Audience")
    );

    let mut routes = 0;
    for (id, route) in resources(&api).filter(|(_, r)| r["Type"] == "AWS::ApiGatewayV2::Route") {
        routes += 1;
        let props = &route["Properties"];
        let key = props["RouteKey"].as_str().unwrap();
        if protected.contains(key) {
            let (condition, then, otherwise) =
                if_args(&props["AuthorizationType"]).unwrap_or_else(|| {
                    panic!("{id} ({key}): AuthorizationType is not !If [UseCognito, JWT, NONE]")
                });
            assert_eq!(
                (condition, then, otherwise),
                ("UseCognito", &"JWT".into(), &"NONE".into()),
                "{id}"
            );
            let (condition, then, otherwise) = if_args(&props["AuthorizerId"])
                .unwrap_or_else(|| panic!("{id} ({key}): AuthorizerId is not !If [UseCognito, !Ref Authorizer, !Ref AWS::NoValue]"));
            assert_eq!(condition, "UseCognito", "{id}");
            assert_eq!(
                intrinsic(then).map(|(t, v)| (t, v.clone())),
                Some(("!Ref".into(), "Authorizer".into())),
                "{id}"
            );
            assert_eq!(scalar(otherwise), Some("AWS::NoValue"), "{id}");
            assert!(
                route["Metadata"]["checkov"].is_null(),
                "{id}: a protected route skips no check"
            );
        } else {
            assert_eq!(
                props["AuthorizationType"], "NONE",
                "{id} ({key}) is public in openapi.yaml"
            );
            assert!(props["AuthorizerId"].is_null(), "{id}");
        }
    }
    assert_eq!(routes, openapi_operations().len());

    // The local gateway puts its authorizer on the same routes.
    let gateway: BTreeSet<String> = gateway_routes()
        .into_iter()
        .filter(|r| r.required_scopes.is_some())
        .map(|r| r.key())
        .collect();
    assert_eq!(gateway, protected);

    // Browsers may send the token across origins.
    let cors = &api["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    let headers: Vec<&str> = cors["AllowHeaders"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(headers.contains(&"authorization"), "{headers:?}");
}

#[test]
fn the_root_stack_refuses_an_open_prod_and_wires_the_pool_to_the_api() {
    let root = load("template.yaml");
    let auth = &root["Parameters"]["Auth"];
    assert_eq!(auth["Default"], "cognito");
    let allowed: Vec<&str> = auth["AllowedValues"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(allowed, ["cognito", "open"]);
    // The functions read the same words as AUTH_MODE.
    use shared::identity::AuthMode;
    assert_eq!(AuthMode::parse(Some("cognito")), Ok(AuthMode::Cognito));
    assert_eq!(AuthMode::parse(Some("open")), Ok(AuthMode::Open));

    let rules = root["Rules"].as_mapping().expect("a Rules section");
    let refusing: Vec<&Value> = rules
        .values()
        .filter(|rule| equals_ref(&rule["RuleCondition"]) == Some(("Stage", "prod")))
        .collect();
    assert_eq!(refusing.len(), 1, "one rule for prod");
    let assertions = refusing[0]["Assertions"].as_sequence().unwrap();
    assert!(
        assertions.iter().any(|a| {
            equals_ref(&a["Assert"]) == Some(("Auth", "cognito"))
                && a["AssertDescription"]
                    .as_str()
                    .is_some_and(|d| d.contains("Auth=cognito"))
        }),
        "prod asserts Auth=cognito, saying so"
    );

    assert_eq!(
        equals_ref(&root["Conditions"]["UseCognito"]),
        Some(("Auth", "cognito"))
    );
    let stack = &root["Resources"]["Identity"];
    assert_eq!(
        stack["Condition"], "UseCognito",
        "the pool only where callers sign in"
    );
    assert_eq!(stack["Properties"]["Location"], "stacks/auth.yaml");

    let api = &root["Resources"]["Api"]["Properties"]["Parameters"];
    assert_eq!(scalar(&api["Auth"]), Some("Auth"));
    for (parameter, output) in [
        ("Issuer", "Identity.Outputs.Issuer"),
        ("Audience", "Identity.Outputs.UserPoolClientId"),
    ] {
        let (condition, then, otherwise) =
            if_args(&api[parameter]).unwrap_or_else(|| panic!("{parameter}"));
        assert_eq!(condition, "UseCognito");
        assert_eq!(
            intrinsic(then).map(|(t, v)| (t, v.clone())),
            Some(("!GetAtt".into(), output.into()))
        );
        assert_eq!(otherwise, "");
    }
    assert_eq!(
        scalar(&root["Resources"]["Functions"]["Properties"]["Parameters"]["Auth"]),
        Some("Auth")
    );
    // What the pipeline's smoke step reads (scripts/deliver.sh).
    for output in ["UserPoolId", "UserPoolClientId"] {
        assert_eq!(
            root["Outputs"][output]["Condition"], "UseCognito",
            "{output}"
        );
    }
}

#[test]
fn auth_mode_reaches_every_function() {
    let template = load("stacks/functions.yaml");
    let variables = &template["Globals"]["Function"]["Environment"]["Variables"];
    assert_eq!(scalar(&variables["AUTH_MODE"]), Some("Auth"));
    let root = load("template.yaml");
    assert_eq!(
        template["Parameters"]["Auth"]["AllowedValues"],
        root["Parameters"]["Auth"]["AllowedValues"]
    );
    assert!(!functions().is_empty());
    for (id, _, function) in functions() {
        assert!(
            function["Properties"]["Environment"]["Variables"]["AUTH_MODE"].is_null(),
            "{id} overrides AUTH_MODE"
        );
    }
}

#[test]
fn the_sentry_dsn_is_read_from_its_secret_by_name_and_only_when_reporting_is_on() {
    let template = load("stacks/functions.yaml");
    let variables = &template["Globals"]["Function"]["Environment"]["Variables"];
    let conditional = |name: &str| {
        let (tag, args) = intrinsic(&variables[name]).unwrap_or_else(|| panic!("{name}: !If"));
        assert_eq!(tag, "!If", "{name}");
        assert_eq!(args[0], "ReportsErrors", "{name}");
        assert_eq!(
            intrinsic(&args[2]).map(|(t, v)| (t, v.clone())),
            Some(("!Ref".to_owned(), "AWS::NoValue".into())),
            "{name} is absent when reporting is off"
        );
        args[1].clone()
    };
    // The variable the code reads names the secret; the DSN is nowhere in
    // the environment.
    let secret = conditional(shared::report::DSN_SECRET_VARIABLE);
    assert_eq!(scalar(&secret), Some("SentryDsnSecret"));
    assert_eq!(scalar(&conditional("SENTRY_ENVIRONMENT")), Some("Stage"));
    let names: Vec<String> = variables
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap().to_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n == "SENTRY_DSN"),
        "no DSN in the environment: {names:?}"
    );
    let on = &template["Conditions"]["ReportsErrors"];
    assert_eq!(intrinsic(on).map(|(t, _)| t).as_deref(), Some("!Not"));

    // Each function may read that one secret, and only when reporting is on.
    assert!(!functions().is_empty());
    for (id, _, function) in functions() {
        let grants: Vec<&Value> = function["Properties"]["Policies"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|policy| intrinsic(policy).filter(|(tag, _)| tag == "!If"))
            .map(|(_, args)| args)
            .collect();
        assert_eq!(grants.len(), 1, "{id}: one conditional grant");
        let args = grants[0];
        assert_eq!(args[0], "ReportsErrors", "{id}");
        let statements = args[1]["Statement"].as_sequence().unwrap();
        assert_eq!(statements.len(), 1, "{id}");
        assert_eq!(
            statements[0]["Action"], "secretsmanager:GetSecretValue",
            "{id}: reading only"
        );
        let (tag, resource) = intrinsic(&statements[0]["Resource"]).unwrap();
        assert_eq!(tag, "!Sub");
        assert_eq!(
            resource.as_str(),
            Some(
                "arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:${SentryDsnSecret}-??????"
            ),
            "{id}: that secret alone (its ARN ends in six random characters)"
        );
    }

    // The root stack hands its parameter down, with the same rule for names.
    let root = load("template.yaml");
    assert_eq!(
        scalar(&root["Resources"]["Functions"]["Properties"]["Parameters"]["SentryDsnSecret"]),
        Some("SentryDsnSecret")
    );
    let pattern = &template["Parameters"]["SentryDsnSecret"]["AllowedPattern"];
    assert_eq!(
        pattern,
        &root["Parameters"]["SentryDsnSecret"]["AllowedPattern"]
    );
    assert_eq!(root["Parameters"]["SentryDsnSecret"]["Default"], "");
}

#[test]
fn the_user_pool_matches_the_api_usernames_and_the_local_pool() {
    let auth = load("stacks/auth.yaml");
    let pool = &auth["Resources"]["UserPool"];
    assert_eq!(pool["Type"], "AWS::Cognito::UserPool");
    let props = &pool["Properties"];
    // Usernames are the API's: case-sensitive, and the only sign-in name.
    assert_eq!(props["UsernameConfiguration"]["CaseSensitive"], true);
    assert!(
        props["UsernameAttributes"].is_null(),
        "no e-mail or phone as username"
    );
    assert!(props["AliasAttributes"].is_null(), "no aliases");
    assert_eq!(
        props["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"],
        true
    );
    // The local pool (cognito-local) is created with the same policy.
    let policy: local_identity::PasswordPolicy =
        serde_norway::from_value(props["Policies"]["PasswordPolicy"].clone()).unwrap();
    assert_eq!(policy, local_identity::PasswordPolicy::local());
    // The pipeline's smoke role may touch only the pool tagged with its stage.
    assert_eq!(
        scalar(&props["UserPoolTags"]["birthdays:stage"]),
        Some("Stage")
    );

    // Prod keeps its users.
    let (condition, then, otherwise) = if_args(&props["DeletionProtection"]).unwrap();
    assert_eq!(
        (condition, then, otherwise),
        ("IsProd", &"ACTIVE".into(), &"INACTIVE".into())
    );
    for policy in ["DeletionPolicy", "UpdateReplacePolicy"] {
        let (condition, then, _) = if_args(&pool[policy]).unwrap_or_else(|| panic!("{policy}"));
        assert_eq!((condition, then), ("IsProd", &"Retain".into()), "{policy}");
    }

    let group = &auth["Resources"]["AdminsGroup"];
    assert_eq!(group["Type"], "AWS::Cognito::UserPoolGroup");
    assert_eq!(
        group["Properties"]["GroupName"],
        shared::identity::ADMINS_GROUP
    );
    assert_eq!(shared::identity::ADMINS_GROUP, local_identity::ADMINS_GROUP);

    let clients: Vec<(String, &Value)> = resources(&auth)
        .filter(|(_, r)| r["Type"] == "AWS::Cognito::UserPoolClient")
        .collect();
    assert_eq!(clients.len(), 1, "one app client");
    let client = &clients[0].1["Properties"];
    assert_eq!(
        client["GenerateSecret"], false,
        "a public client keeps no secret"
    );
    let flows: BTreeSet<&str> = client["ExplicitAuthFlows"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert_eq!(
        flows,
        [
            "ALLOW_REFRESH_TOKEN_AUTH",
            "ALLOW_USER_PASSWORD_AUTH",
            "ALLOW_USER_SRP_AUTH"
        ]
        .into()
    );
    assert_eq!(client["PreventUserExistenceErrors"], "ENABLED");
    assert_eq!(client["EnableTokenRevocation"], true);

    // What the API's authorizer checks tokens against.
    let issuer = scalar(&auth["Outputs"]["Issuer"]["Value"]).unwrap();
    assert_eq!(
        issuer,
        "https://cognito-idp.${AWS::Region}.amazonaws.com/${UserPool}"
    );
    for output in ["UserPoolId", "UserPoolArn", "UserPoolClientId", "Issuer"] {
        assert!(!auth["Outputs"][output].is_null(), "{output}");
    }
}

#[test]
fn intrinsic_deletion_policies_come_with_the_language_extensions() {
    // CloudFormation takes `!If` in DeletionPolicy and UpdateReplacePolicy
    // only under the AWS::LanguageExtensions transform.
    for (_, location) in nested_stacks() {
        let template = load(&location);
        let uses_intrinsics = resources(&template).any(|(_, r)| {
            intrinsic(&r["DeletionPolicy"]).is_some()
                || intrinsic(&r["UpdateReplacePolicy"]).is_some()
        });
        if !uses_intrinsics {
            continue;
        }
        let transforms: Vec<&str> = match &template["Transform"] {
            Value::Sequence(list) => list.iter().filter_map(Value::as_str).collect(),
            other => other.as_str().into_iter().collect(),
        };
        assert_eq!(
            transforms.first(),
            Some(&"AWS::LanguageExtensions"),
            "{location}: an intrinsic DeletionPolicy needs Transform [AWS::LanguageExtensions, ...] first"
        );
    }
}

#[test]
fn the_monitoring_stack_watches_every_function_and_route() {
    let root = load("template.yaml");
    let passed = &root["Resources"]["Monitoring"]["Properties"]["Parameters"];
    let monitoring = load("stacks/monitoring.yaml");
    let text = std::fs::read_to_string(workspace_root().join("stacks/monitoring.yaml")).unwrap();
    for f in generated::table() {
        let parameter = format!("{}FunctionName", f.name());
        assert_eq!(
            scalar(&passed[parameter.as_str()]),
            Some(format!("Functions.Outputs.{parameter}").as_str()),
            "the root passes {parameter}"
        );
        assert!(
            !monitoring["Parameters"][parameter.as_str()].is_null(),
            "{parameter}"
        );
        for alarm in ["LambdaErrorsAlarm", "LambdaThrottlesAlarm"] {
            let metrics = monitoring["Resources"][alarm]["Properties"]["Metrics"]
                .as_sequence()
                .unwrap();
            let id = metrics
                .iter()
                .find(|m| {
                    scalar(&m["MetricStat"]["Metric"]["Dimensions"][0]["Value"])
                        == Some(parameter.as_str())
                })
                .and_then(|m| m["Id"].as_str())
                .unwrap_or_else(|| panic!("{alarm} does not watch {}", f.krate));
            let total = metrics
                .iter()
                .find_map(|m| m["Expression"].as_str())
                .unwrap();
            assert!(
                total.split(" + ").any(|term| term == id),
                "{alarm}: {id} is not in {total}"
            );
        }
        for metric in ["Errors", "Throttles"] {
            assert!(
                text.contains(&format!(
                    r#"["AWS/Lambda", "{metric}", "FunctionName", "${{{parameter}}}"]"#
                )),
                "the dashboard does not show {metric} of {}",
                f.krate
            );
        }
    }
    for (method, path, _) in openapi_operations() {
        for metric in ["Count", "Latency"] {
            assert!(
                text.contains(&format!(r#""{metric}", "ApiId", "${{ApiId}}", "Stage", "$default", "Route", "{method} {path}"]"#)),
                "the dashboard does not show {metric} of {method} {path}"
            );
        }
    }
}

/// `*` in a CloudFront path pattern matches any characters, `/` included.
fn glob_matches(pattern: &str, path: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == path,
        Some((head, tail)) => {
            path.starts_with(head)
                && (0..=path.len() - head.len()).any(|skip| {
                    path.is_char_boundary(head.len() + skip)
                        && glob_matches(tail, &path[head.len() + skip..])
                })
        }
    }
}

#[test]
fn every_api_route_reaches_the_api_through_cloudfront_uncached_with_its_token() {
    let web = load("stacks/web.yaml");
    let distribution = resources(&web)
        .find(|(_, r)| r["Type"] == "AWS::CloudFront::Distribution")
        .map(|(_, r)| r["Properties"]["DistributionConfig"].clone())
        .expect("a distribution");
    let behaviours = distribution["CacheBehaviors"]
        .as_sequence()
        .unwrap()
        .clone();
    for (_, path, _) in openapi_operations() {
        let example = path.replace("{username}", "Ann");
        // CloudFront takes the first behaviour whose pattern matches.
        let behaviour = behaviours
            .iter()
            .find(|b| glob_matches(b["PathPattern"].as_str().unwrap(), &example))
            .unwrap_or_else(|| panic!("no CloudFront behaviour sends {path} to the API"));
        assert_eq!(behaviour["TargetOriginId"], "api", "{path}");
        let policy = |value: &serde_norway::Value| {
            intrinsic(value).map(|(_, args)| args[2].as_str().unwrap_or("").to_owned())
        };
        assert_eq!(
            policy(&behaviour["CachePolicyId"]).as_deref(),
            Some("CachingDisabled"),
            "{path}"
        );
        // All viewer headers but Host: the only way Authorization reaches the API.
        assert_eq!(
            policy(&behaviour["OriginRequestPolicyId"]).as_deref(),
            Some("AllViewerExceptHostHeader"),
            "{path}"
        );
        let methods = behaviour["AllowedMethods"].as_sequence().unwrap();
        assert!(methods.iter().any(|m| m == "PUT"), "{path} allows PUT");
        assert_eq!(
            intrinsic(&behaviour["ResponseHeadersPolicyId"]).map(|(f, a)| (f, a.clone())),
            Some(("!Ref".to_owned(), "SecurityHeadersPolicy".into())),
            "{path} carries the security headers"
        );
    }
    // The page's own paths stay with the bucket.
    for page in ["/", "/app.js", "/config.json"] {
        assert!(
            !behaviours
                .iter()
                .any(|b| glob_matches(b["PathPattern"].as_str().unwrap(), page)),
            "{page} would go to the API"
        );
    }
}

const GET_PIPELINE_EXECUTION: &str = "arn:aws:states:::aws-sdk:codepipeline:getPipelineExecution";
const GET_PIPELINE_STATE: &str = "arn:aws:states:::aws-sdk:codepipeline:getPipelineState";
const SNS_PUBLISH: &str = "arn:aws:states:::sns:publish";
const NEWS_TOPIC: &str = "arn:aws:sns:eu-west-1:111122223333:birthdays-pipeline-news";

/// The deployment-news state machine's definition as Step Functions gets
/// it: JSON, its `DefinitionSubstitutions` filled in for `stage`.
fn news_definition(pipeline: &Value, stage: &str) -> serde_json::Value {
    let machine = &pipeline["Resources"]["DeploymentNews"]["Properties"];
    let mut text = serde_json::to_string(&machine["Definition"]).unwrap();
    for (name, value) in machine["DefinitionSubstitutions"]
        .as_mapping()
        .expect("DefinitionSubstitutions")
    {
        let name = name.as_str().unwrap();
        let reference = intrinsic(value).map(|(tag, arg)| (tag, arg.as_str().unwrap_or("")));
        let filled = match (name, reference) {
            ("Stage", Some((tag, "Stage"))) if tag == "!Ref" => stage,
            ("TopicArn", Some((tag, "NotificationTopic"))) if tag == "!Ref" => NEWS_TOPIC,
            other => panic!("unexpected substitution {other:?}"),
        };
        text = text.replace(&format!("${{{name}}}"), filled);
    }
    assert!(!text.contains("${"), "a substitution is missing: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Each `(event, service results)` run through `definition` by
/// tests/state-machine.js with the jsonata package in .tools/node: the
/// arguments of each run's SNS Publish call, if it made one.
fn publish_news(
    definition: &serde_json::Value,
    runs: &[(serde_json::Value, serde_json::Value)],
) -> Vec<Option<serde_json::Value>> {
    use std::io::Write;
    use std::process::{Command, Stdio};

    let module = workspace_root().join(".tools/node/node_modules/jsonata");
    assert!(
        module.join("package.json").exists(),
        "the jsonata package is not in {}: run `scripts/setup.sh test` (or `make setup`)",
        module.display()
    );
    let request = serde_json::json!({
        "definition": definition,
        "runs": runs
            .iter()
            .map(|(input, results)| serde_json::json!({"input": input, "results": results}))
            .collect::<Vec<_>>(),
    });
    let mut child = Command::new("node")
        .arg(workspace_root().join("tests/state-machine.js"))
        .arg(&module)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run node ({e}): it evaluates the deployment news' JSONata")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "tests/state-machine.js: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        report["jsonata"], "2.0.6",
        "Step Functions implements JSONata 2.0.6: run `scripts/setup.sh test`"
    );
    report["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|run| {
            let calls = run["calls"].as_array().unwrap();
            assert_eq!(
                calls.first().map(|c| &c["resource"]),
                Some(&GET_PIPELINE_EXECUTION.into()),
                "the commit is looked up first"
            );
            let publish: Vec<_> = calls
                .iter()
                .filter(|c| c["resource"] == SNS_PUBLISH)
                .collect();
            assert!(
                publish.len() <= 1,
                "one message per event at most: {calls:?}"
            );
            publish.first().map(|call| call["arguments"].clone())
        })
        .collect()
}

/// The Chatbot custom notification a Publish call carries: `(title,
/// description)`, after checking the format, the topic, the thread and the
/// Subject e-mail shows.
fn chatbot_notification(publish: &serde_json::Value, execution: &str) -> (String, String) {
    assert_eq!(publish["TopicArn"], NEWS_TOPIC);
    let text = publish["Message"].as_str().expect("a Message");
    let message: serde_json::Value = serde_json::from_str(text)
        .unwrap_or_else(|e| panic!("the message is not JSON ({e}): {text}"));
    assert_eq!(
        (message["version"].as_str(), message["source"].as_str()),
        (Some("1.0"), Some("custom")),
        "{message}"
    );
    assert_eq!(message["content"]["textType"], "client-markdown");
    assert_eq!(
        message["metadata"]["threadId"], execution,
        "one thread per execution"
    );
    let title = message["content"]["title"].as_str().unwrap().to_owned();
    // SNS refuses a Subject with a line break or control character, or of
    // 100 characters or more.
    let subject = publish["Subject"].as_str().expect("a Subject");
    assert!(
        subject.len() < 100
            && subject
                .chars()
                .all(|c| c.is_ascii() && !c.is_ascii_control()),
        "{subject:?}"
    );
    assert!(title.starts_with(subject), "{subject:?} / {title:?}");
    let description = message["content"]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    (title, description)
}

#[test]
fn deployment_news_reach_the_team_channel_as_chatbot_notifications_with_stage_and_commit() {
    use serde_json::json;

    let pipeline = load("cicd/pipeline.yaml");
    let resource = |id: &str| pipeline["Resources"][id].clone();
    let reference = |value: &Value| intrinsic(value).map(|(tag, arg)| (tag, arg.clone()));

    // Every rule starts the news state machine with its role; none posts its
    // own template any more.
    let rules: Vec<String> = resources(&pipeline)
        .filter(|(_, r)| r["Type"] == "AWS::Events::Rule")
        .map(|(id, _)| id)
        .collect();
    assert_eq!(rules, ["StageNews", "ApprovalNews"]);
    for id in &rules {
        let targets = resource(id)["Properties"]["Targets"].clone();
        let targets = targets.as_sequence().unwrap();
        assert_eq!(targets.len(), 1, "{id}");
        assert_eq!(
            reference(&targets[0]["Arn"]),
            Some(("!Ref".to_owned(), "DeploymentNews".into())),
            "{id}"
        );
        assert_eq!(
            reference(&targets[0]["RoleArn"]),
            Some(("!GetAtt".to_owned(), "DeploymentNewsStartRole.Arn".into())),
            "{id}"
        );
        assert!(
            targets[0]["InputTransformer"].is_null(),
            "{id}: the whole event"
        );
    }
    let states: Vec<_> = resource("StageNews")["Properties"]["EventPattern"]["detail"]["state"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    for state in ["STARTED", "SUCCEEDED", "FAILED", "STOPPED", "CANCELED"] {
        assert!(states.iter().any(|s| s == state), "stage news on {state}");
    }
    // The approval news waits for the window check, which approves a
    // release inside the window itself: the gate's actions by their names.
    let approval = resource("ApprovalNews");
    assert_eq!(approval["Condition"], "IsProd");
    let pattern = &approval["Properties"]["EventPattern"]["detail"];
    assert_eq!(
        (&pattern["stage"][0], &pattern["action"][0]),
        (&Value::from("ReleaseGate"), &Value::from("WindowCheck"))
    );
    assert_eq!(
        pattern["state"],
        serde_norway::from_str::<Value>("[SUCCEEDED, FAILED]").unwrap()
    );
    let gate = serde_norway::to_string(&resource("Pipeline")["Properties"]["Stages"]).unwrap();
    for name in [
        "Name: ReleaseGate",
        "Name: Approve",
        "Category: Approval",
        "Name: WindowCheck",
    ] {
        assert!(gate.contains(name), "the pipeline has no {name}");
    }

    // An Express state machine of two service calls, and roles that allow
    // exactly those.
    let machine = resource("DeploymentNews");
    assert_eq!(machine["Type"], "AWS::StepFunctions::StateMachine");
    assert_eq!(machine["Properties"]["StateMachineType"], "EXPRESS");
    let statements = |role: &str| {
        resource(role)["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
            .as_sequence()
            .unwrap()
            .clone()
    };
    let start = statements("DeploymentNewsStartRole");
    assert_eq!(start.len(), 1);
    assert_eq!(start[0]["Action"], "states:StartExecution");
    assert_eq!(
        reference(&start[0]["Resource"]),
        Some(("!Ref".to_owned(), "DeploymentNews".into()))
    );
    let grant = |action: &str| {
        statements("DeploymentNewsRole")
            .into_iter()
            .find(|s| s["Action"] == action)
            .unwrap_or_else(|| panic!("the news role may not {action}"))
    };
    assert_eq!(
        scalar(&grant("codepipeline:GetPipelineExecution")["Resource"]),
        Some("arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${Pipeline}"),
        "this pipeline's executions only"
    );
    assert_eq!(
        scalar(&grant("codepipeline:GetPipelineState")["Resource"]),
        Some("arn:${AWS::Partition}:codepipeline:${AWS::Region}:${AWS::AccountId}:${Pipeline}"),
        "this pipeline's state only"
    );
    assert_eq!(
        reference(&grant("sns:Publish")["Resource"]),
        Some(("!Ref".to_owned(), "NotificationTopic".into()))
    );

    const EXECUTION: &str = "8a1b2c3d-1111-2222-3333-444455556666";
    const COMMIT: &str = "0123abc456def7890123abc456def7890123abcd"; // pragma: allowlist secret (a made-up commit id)
    const COMMIT_URL: &str = "https://github.com/example/birthdays/commit/0123abc456def7890123abcd";
    let link = format!(
        "https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/birthdays-pipeline-dev/executions/{EXECUTION}/timeline?region=eu-west-1"
    );
    let event = |detail_type: &str, detail: serde_json::Value| {
        let mut detail = detail;
        detail["pipeline"] = "birthdays-pipeline-dev".into();
        detail["execution-id"] = EXECUTION.into();
        json!({
            "version": "0",
            "id": "5f1c3e2a-0000-4000-8000-000000000001",
            "detail-type": detail_type,
            "source": "aws.codepipeline",
            "account": "111122223333",
            "time": "2025-03-01T10:00:00Z",
            "region": "eu-west-1",
            "resources": ["arn:aws:codepipeline:eu-west-1:111122223333:birthdays-pipeline-dev"],
            "detail": detail,
        })
    };
    let stage_event = |stage: &str, state: &str| {
        event(
            "CodePipeline Stage Execution State Change",
            json!({"stage": stage, "state": state, "version": 3.0, "pipeline-execution-attempt": 1.0}),
        )
    };
    // GetPipelineExecution's answer (the SDK integration's PascalCase) for a
    // source revision with `summary`, or an error.
    let revision = |summary: &str| {
        json!({
            GET_PIPELINE_EXECUTION: {"result": {"PipelineExecution": {
                "PipelineName": "birthdays-pipeline-dev",
                "PipelineExecutionId": EXECUTION,
                "Status": "InProgress",
                "ArtifactRevisions": [{
                    "Name": "Source",
                    "RevisionId": COMMIT,
                    "RevisionSummary": summary,
                    "RevisionUrl": COMMIT_URL,
                }],
            }}},
            SNS_PUBLISH: {"result": {"MessageId": "1"}},
        })
    };
    // What a CodeStar connection to GitHub writes: JSON around the message,
    // here one with quotes, backslashes, braces and a body.
    let first_line = r#"Fix "quoted" names, C:\dir\ and {"json": 1} \n"#;
    let github = json!({
        "ProviderType": "GitHub",
        "CommitMessage": format!("{first_line}\n\nThe body \"explains\"\r\nmore.\n"),
    })
    .to_string();
    let long = "x".repeat(300);
    let no_source_yet = json!({
        GET_PIPELINE_EXECUTION: {"result": {"PipelineExecution": {
            "PipelineExecutionId": EXECUTION, "Status": "InProgress", "ArtifactRevisions": [],
        }}},
        SNS_PUBLISH: {"result": {"MessageId": "1"}},
    });
    let unreadable = json!({
        GET_PIPELINE_EXECUTION: {"error": "CodePipeline.PipelineExecutionNotFoundException", "cause": "not yet"},
        SNS_PUBLISH: {"result": {"MessageId": "1"}},
    });

    let mut runs: Vec<_> = ["STARTED", "SUCCEEDED", "FAILED", "STOPPED"]
        .iter()
        .map(|state| (stage_event("Build", state), revision(&github)))
        .collect();
    runs.extend([
        // A plain-text summary (CodeCommit's), its first line.
        (
            stage_event("Deploy", "SUCCEEDED"),
            revision("Plain \"text\" \\ message\nsecond line"),
        ),
        // Looks like the JSON but is not: used as text, never a failure.
        (
            stage_event("Deploy", "FAILED"),
            revision(r#"{"ProviderType":"GitHub","CommitMessage":"bad \x escape"#),
        ),
        (stage_event("Deploy", "STARTED"), revision(&long)),
        (stage_event("Source", "STARTED"), no_source_yet),
        (stage_event("SmokeTest", "FAILED"), unreadable),
    ]);
    let published = publish_news(&news_definition(&pipeline, "dev"), &runs);
    let news: Vec<(String, String)> = published
        .iter()
        .map(|p| chatbot_notification(p.as_ref().expect("news of every stage event"), EXECUTION))
        .collect();

    for ((title, description), state) in
        news.iter()
            .zip(["STARTED", "SUCCEEDED", "FAILED", "STOPPED"])
    {
        assert_eq!(title, &format!("birthdays dev: Build {state} (0123abc)"));
        let lines: Vec<&str> = description.lines().collect();
        assert_eq!(
            lines,
            [
                format!("Pipeline birthdays-pipeline-dev, stage Build: {state}."),
                format!("Commit {COMMIT}: {}", first_line),
                COMMIT_URL.to_owned(),
                format!("Execution {EXECUTION}: {link}"),
            ],
            "which stage, which commit (its first line only), where to look"
        );
    }
    let commit_line = |i: usize| news[i].1.lines().nth(1).unwrap().to_owned();
    assert_eq!(
        commit_line(4),
        format!("Commit {COMMIT}: Plain \"text\" \\ message")
    );
    assert_eq!(
        commit_line(5),
        format!(r#"Commit {COMMIT}: {{"ProviderType":"GitHub","CommitMessage":"bad \x escape"#)
    );
    assert_eq!(
        commit_line(6),
        format!("Commit {COMMIT}: {}...", "x".repeat(97))
    );
    // Before the source is fetched, and when the lookup fails, the news still
    // goes out with the stage and the link.
    for (i, expected) in [
        (7, "Commit: not known yet; the execution page names it."),
        (
            8,
            "Commit: could not be read (CodePipeline.PipelineExecutionNotFoundException); the execution page names it.",
        ),
    ] {
        let (title, description) = &news[i];
        assert!(!title.contains('('), "no commit in {title:?}");
        assert_eq!(description.lines().nth(1), Some(expected), "{description}");
        assert!(description.ends_with(&link), "{description}");
    }
    assert_eq!(news[8].0, "birthdays dev: SmokeTest FAILED");

    // A prod release outside the release window: the window check has
    // succeeded and this execution's approval is still open.
    let window_checked = event(
        "CodePipeline Action Execution State Change",
        json!({
            "stage": "ReleaseGate", "action": "WindowCheck", "state": "SUCCEEDED", "region": "eu-west-1",
            "type": {"owner": "AWS", "provider": "CodeBuild", "category": "Build", "version": "1"},
            "version": 3.0,
        }),
    );
    // GetPipelineState's answer: the gate's stage in `execution`, its
    // approval in `approval` (InProgress, Succeeded...).
    let gate = |execution: &str, approval: &str| {
        let mut results = revision(&github);
        results[GET_PIPELINE_STATE] = json!({"result": {"PipelineName": "birthdays-pipeline-dev", "StageStates": [
            {"StageName": "Build", "LatestExecution": {"PipelineExecutionId": EXECUTION, "Status": "Succeeded"}},
            {"StageName": "ReleaseGate",
             "LatestExecution": {"PipelineExecutionId": execution, "Status": "InProgress"},
             "ActionStates": [
                {"ActionName": "Approve", "LatestExecution": {"Status": approval, "Token": "t"}},
                {"ActionName": "WindowCheck", "LatestExecution": {"Status": "Succeeded"}},
             ]},
        ]}});
        results
    };
    let mut gate_unreadable = revision(&github);
    gate_unreadable[GET_PIPELINE_STATE] =
        json!({"error": "CodePipeline.PipelineNotFoundException", "cause": "gone"});
    let published = publish_news(
        &news_definition(&pipeline, "prod"),
        &[
            (window_checked.clone(), gate(EXECUTION, "InProgress")),
            // Inside the window the check approved it: no news.
            (window_checked.clone(), gate(EXECUTION, "Succeeded")),
            // The open approval is another (newer) execution's: not this one's news.
            (
                window_checked.clone(),
                gate("another-execution", "InProgress"),
            ),
            // The state cannot be read: better told once too often.
            (window_checked.clone(), gate_unreadable),
            // The check itself failed: the approval waits for a person all the same.
            (
                {
                    let mut failed = window_checked;
                    failed["detail"]["state"] = "FAILED".into();
                    failed
                },
                gate(EXECUTION, "InProgress"),
            ),
        ],
    );
    assert!(
        published[1].is_none(),
        "approved inside the window, yet news"
    );
    assert!(
        published[2].is_none(),
        "another execution's approval, yet news"
    );
    // Outside the window, when the gate's state cannot be read, and when the
    // check failed: why a person approves, where, and what.
    let where_to_approve = "a person approves the release, action Approve: \
        https://eu-west-1.console.aws.amazon.com/codesuite/codepipeline/pipelines/birthdays-pipeline-dev/view?region=eu-west-1\n";
    for (i, why) in [
        (0, "outside the release window (cicd/release-window.json)"),
        (3, "outside the release window (cicd/release-window.json)"),
        (4, "the release window check failed (see its log), so"),
    ] {
        let publish = published[i].as_ref();
        let (title, description) = chatbot_notification(
            publish.unwrap_or_else(|| panic!("no news of the waiting release {i}")),
            EXECUTION,
        );
        assert_eq!(
            title,
            "birthdays prod: release waiting for approval (0123abc)"
        );
        assert!(
            description.starts_with(&format!("Stage ReleaseGate: {why} {where_to_approve}")),
            "{description}"
        );
        assert!(description.contains(&format!("Commit {COMMIT}: {}", first_line)));
        assert!(description.ends_with(&link), "{description}");
    }

    // E-mail keeps working without a chat channel.
    assert_eq!(
        pipeline["Resources"]["OwnerSubscription"]["Properties"]["Protocol"],
        "email"
    );
    // AWS Chatbot takes one configuration per channel and account: no
    // pipeline makes its own; the one team-channel stack subscribes the
    // topic every pipeline names in its outputs.
    assert!(
        !resources(&pipeline).any(|(_, r)| r["Type"]
            .as_str()
            .is_some_and(|t| t.starts_with("AWS::Chatbot::"))),
        "a pipeline creates a Chatbot configuration of its own"
    );
    assert_eq!(
        reference(&pipeline["Outputs"]["NotificationTopicArn"]["Value"]),
        Some(("!Ref".to_owned(), "NotificationTopic".into()))
    );
    let channel = load("cicd/team-channel.yaml");
    for (id, condition) in [("SlackChannel", "HasSlack"), ("TeamsChannel", "HasTeams")] {
        let resource = &channel["Resources"][id];
        assert_eq!(resource["Condition"], condition, "{id}");
        assert_eq!(
            intrinsic(&resource["Properties"]["SnsTopicArns"]).map(|(tag, arg)| (tag, arg.clone())),
            Some(("!Ref".to_owned(), "NewsTopicArns".into())),
            "{id} posts every pipeline's news"
        );
    }
    let deliver = std::fs::read_to_string(workspace_root().join("scripts/deliver.sh")).unwrap();
    assert!(
        deliver.contains(
            "--query \"Stacks[0].Outputs[?OutputKey=='NotificationTopicArn'].OutputValue\""
        ),
        "make team-channel reads each pipeline's topic from its outputs"
    );
}
