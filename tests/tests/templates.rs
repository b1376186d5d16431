//! Invariants across the templates, the OpenAPI document, the local gateway
//! and the README: what a reviewer would otherwise check by eye.

use std::collections::BTreeSet;

use api_tests::dynamodb::workspace_root;
use api_tests::routes::gateway_routes;
use api_tests::templates::{
    api_routes, diagram, dynamodb_actions, functions, intrinsic, load, nested_stacks,
    openapi_operations, resources, scalar,
};

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

#[test]
fn handlers_declare_the_openapi_routes() {
    let declared: BTreeSet<(String, String, String)> = [
        ("server_time", server_time::ROUTES),
        ("put_birthday", put_birthday::ROUTES),
        ("get_user_by_id", get_user_by_id::ROUTES),
    ]
    .into_iter()
    .flat_map(|(function, routes)| {
        routes
            .iter()
            .map(move |r| (r.method.to_owned(), r.path.to_owned(), function.to_owned()))
    })
    .collect();
    assert_eq!(declared, openapi_operations());

    for route in [
        server_time::ROUTES,
        put_birthday::ROUTES,
        get_user_by_id::ROUTES,
    ]
    .concat()
    {
        assert_eq!(route.key, format!("{} {}", route.method, route.path));
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
    assert_eq!(
        crates,
        ["get_user_by_id", "put_birthday", "server_time"]
            .map(String::from)
            .into()
    );
    for (id, krate, function) in functions() {
        assert_eq!(
            function["Metadata"]["BuildMethod"], "rust-cargolambda",
            "{id}"
        );
        assert!(
            workspace_root()
                .join("functions")
                .join(&krate)
                .join("Cargo.toml")
                .exists(),
            "{id}"
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
        for policy in function["Properties"]["Policies"]
            .as_sequence()
            .into_iter()
            .flatten()
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
    assert_eq!(ids, ["Api", "Database", "Functions", "Monitoring"].into());
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
