//! Pull-request previews, read from what would run them: the trust and the
//! permissions of `cicd/github-oidc.yaml` (a pull request of this repository
//! only, its own `birthdays-pr-<number>` stack only, one role to pass), and
//! `.github/workflows/preview.yml` (its triggers, permissions, fork guard,
//! concurrency, and that every step runs a make target that exists).

use std::collections::BTreeSet;

use api_tests::dynamodb::workspace_root;
use api_tests::templates::{intrinsic, load, scalar};
use serde_norway::Value;

const STACKS: &str = ":stack/birthdays-pr-*/*";

fn list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Sequence(items) => items.iter().collect(),
        Value::Null => vec![],
        other => vec![other],
    }
}

/// A policy statement's actions or resources as text: plain strings as they
/// are, `!Sub x` as `x`, `!GetAtt X.Arn` as `GetAtt X.Arn`.
fn texts(value: &Value) -> Vec<String> {
    list(value)
        .into_iter()
        .map(|v| match intrinsic(v) {
            Some((tag, arg)) if tag == "!GetAtt" => format!("GetAtt {}", arg.as_str().unwrap()),
            _ => scalar(v).expect("a string").to_owned(),
        })
        .collect()
}

fn statements(document: &Value) -> Vec<&Value> {
    list(&document["Statement"])
}

/// Every statement a role holds: its inline policies' and those of the
/// template's managed policies it names.
fn role_statements<'a>(template: &'a Value, role: &str) -> Vec<&'a Value> {
    let properties = &template["Resources"][role]["Properties"];
    let mut found: Vec<&Value> = list(&properties["Policies"])
        .into_iter()
        .flat_map(|p| statements(&p["PolicyDocument"]))
        .collect();
    for managed in list(&properties["ManagedPolicyArns"]) {
        let (tag, name) = intrinsic(managed).expect("a policy of this template (!Ref)");
        assert_eq!(
            tag, "!Ref",
            "{role}: a policy of this template, not {managed:?}"
        );
        let policy = &template["Resources"][name.as_str().unwrap()];
        assert_eq!(policy["Type"], "AWS::IAM::ManagedPolicy");
        found.extend(statements(&policy["Properties"]["PolicyDocument"]));
    }
    assert!(!found.is_empty(), "{role} has policies");
    found
}

/// The one statement of a role's trust policy, with its StringEquals
/// condition (asserted to be the only operator, with two keys).
fn trust_of<'a>(template: &'a Value, role: &str) -> (&'a Value, &'a serde_norway::Mapping) {
    let trust = statements(&template["Resources"][role]["Properties"]["AssumeRolePolicyDocument"]);
    assert_eq!(trust.len(), 1, "{role}: one way in");
    let statement = trust[0];
    assert_eq!(statement["Effect"], "Allow");
    assert_eq!(
        texts(&statement["Action"]),
        ["sts:AssumeRoleWithWebIdentity"]
    );
    assert!(
        intrinsic(&statement["Principal"]["Federated"]).is_some(),
        "{role}: the provider above, or the account's own"
    );
    // StringEquals only: a StringLike (or a second operator) would let a
    // pattern, a branch or another repository in.
    let condition = statement["Condition"].as_mapping().expect("a condition");
    assert_eq!(condition.len(), 1, "{role}: {condition:?}");
    let equals = condition
        .get("StringEquals")
        .expect("StringEquals")
        .as_mapping()
        .unwrap();
    assert_eq!(
        equals.len(),
        2,
        "{role}: the audience and the subject, nothing else: {equals:?}"
    );
    assert_eq!(
        equals["token.actions.githubusercontent.com:aud"],
        "sts.amazonaws.com"
    );
    (statement, equals)
}

fn subject(equals: &serde_norway::Mapping) -> Option<&str> {
    let subject = &equals["token.actions.githubusercontent.com:sub"];
    assert_eq!(
        intrinsic(subject).map(|(tag, _)| tag),
        Some("!Sub".to_owned())
    );
    scalar(subject)
}

#[test]
fn only_this_repositorys_pull_requests_can_assume_the_preview_role() {
    let template = load("cicd/github-oidc.yaml");
    let provider = &template["Resources"]["GitHubProvider"]["Properties"];
    assert_eq!(
        provider["Url"],
        "https://token.actions.githubusercontent.com"
    );
    assert_eq!(texts(&provider["ClientIdList"]), ["sts.amazonaws.com"]);

    let (_, equals) = trust_of(&template, "PreviewRole");
    assert_eq!(subject(equals), Some("repo:${Repository}:pull_request"));
    // The sweep runs on a schedule, on the default branch: its role can
    // only remove previews (below).
    let (_, equals) = trust_of(&template, "PreviewSweepRole");
    assert_eq!(
        subject(equals),
        Some("repo:${Repository}:ref:refs/heads/${DefaultBranch}")
    );
}

#[test]
fn the_preview_roles_reach_only_preview_stacks_and_pass_only_their_role() {
    let template = load("cicd/github-oidc.yaml");
    for role in ["PreviewRole", "PreviewSweepRole"] {
        check_preview_permissions(&template, role);
    }
    // The sweep removes; it cannot create or change a stack.
    for statement in role_statements(&template, "PreviewSweepRole") {
        for action in texts(&statement["Action"]) {
            assert!(
                ![
                    "CreateChangeSet",
                    "ExecuteChangeSet",
                    "CreateStack",
                    "UpdateStack",
                    "PutObject"
                ]
                .iter()
                .any(|verb| action.ends_with(verb)),
                "the sweep's role may not {action}"
            );
        }
    }
}

fn check_preview_permissions(template: &Value, role: &str) {
    let mut passes = 0;
    for statement in role_statements(template, role) {
        let sid = format!("{role} {}", statement["Sid"].as_str().unwrap_or("?"));
        // Refusals narrow what the rest allows: read below, not here.
        if statement["Effect"] == "Deny" {
            continue;
        }
        assert_eq!(statement["Effect"], "Allow", "{sid}");
        let actions = texts(&statement["Action"]);
        let resources = texts(&statement["Resource"]);
        let condition = &statement["Condition"];
        for action in &actions {
            assert!(
                !action.contains('*'),
                "{sid}: no wildcard actions ({action})"
            );
            let (service, name) = action.split_once(':').unwrap();
            match service {
                "cloudformation" if ["ListStacks", "ValidateTemplate"].contains(&name) => {}
                "cloudformation" => {
                    for resource in &resources {
                        let transform =
                            name == "CreateChangeSet" && resource.contains(":aws:transform/");
                        assert!(
                            resource.ends_with(STACKS) || transform,
                            "{sid}: {action} on {resource}, not only birthdays-pr-<number> stacks"
                        );
                    }
                }
                "iam" => {
                    assert_eq!(
                        name, "PassRole",
                        "{sid}: no IAM action but passing the execution role"
                    );
                    assert_eq!(resources, ["GetAtt PreviewExecutionRole.Arn"], "{sid}");
                    assert_eq!(
                        condition["StringEquals"]["iam:PassedToService"],
                        "cloudformation.amazonaws.com",
                        "{sid}: passed to CloudFormation only"
                    );
                    passes += 1;
                }
                "s3" => {
                    for resource in &resources {
                        let prefixed = resource.ends_with("/birthdays-pr-*")
                            || condition["StringLike"]["s3:prefix"] == "birthdays-pr-*";
                        assert!(
                            prefixed,
                            "{sid}: {action} on {resource} beyond the previews' prefix"
                        );
                    }
                }
                "logs" if name == "DescribeLogGroups" => {}
                "logs" => {
                    for resource in &resources {
                        assert!(
                            resource.contains("log-group:birthdays-pr-*")
                                || resource.contains("log-group:/aws/lambda/birthdays-pr-*"),
                            "{sid}: {action} on {resource}"
                        );
                    }
                }
                "cognito-idp" => {
                    assert_eq!(
                        condition["StringLike"]["aws:ResourceTag/birthdays:preview"],
                        "birthdays-pr-*",
                        "{sid}: only previews' pools"
                    );
                }
                other => panic!("{sid}: {action}: the preview role has no business with {other}"),
            }
        }
        if resources.iter().any(|r| r == "*") {
            assert!(
                actions
                    .iter()
                    .all(|a| a == "cloudformation:ListStacks"
                        || a == "cloudformation:ValidateTemplate"),
                "{sid}: only listing may name every resource: {actions:?}"
            );
        }
    }
    assert_eq!(passes, 1, "{role}: one PassRole statement");
}

#[test]
fn only_cloudformation_assumes_the_execution_role_and_it_names_only_previews() {
    let template = load("cicd/github-oidc.yaml");
    let trust = statements(
        &template["Resources"]["PreviewExecutionRole"]["Properties"]["AssumeRolePolicyDocument"],
    );
    assert_eq!(trust.len(), 1);
    assert_eq!(
        trust[0]["Principal"]["Service"],
        "cloudformation.amazonaws.com"
    );
    assert_eq!(texts(&trust[0]["Action"]), ["sts:AssumeRole"]);
    let boundary = |statement: &Value| {
        intrinsic(&statement["Condition"]["StringEquals"]["iam:PermissionsBoundary"])
            .map(|(tag, arg)| (tag, arg.as_str().unwrap_or("").to_owned()))
    };
    let mut keeps_the_boundary = false;
    for statement in role_statements(&template, "PreviewExecutionRole") {
        let sid = statement["Sid"].as_str().unwrap_or("?");
        let actions = texts(&statement["Action"]);
        let resources = texts(&statement["Resource"]);
        let condition = &statement["Condition"];
        if statement["Effect"] == "Deny" {
            keeps_the_boundary |= actions.contains(&"iam:DeleteRolePermissionsBoundary".to_owned())
                && actions.contains(&"iam:PutRolePermissionsBoundary".to_owned());
            continue;
        }
        for action in &actions {
            // Roles: created, or given permissions, only with the boundary,
            // so a pull request cannot write itself a stronger role.
            if [
                "iam:CreateRole",
                "iam:PutRolePolicy",
                "iam:AttachRolePolicy",
                "iam:DetachRolePolicy",
                "iam:DeleteRolePolicy",
            ]
            .contains(&action.as_str())
            {
                assert_eq!(
                    boundary(statement),
                    Some(("!Ref".to_owned(), "PreviewFunctionBoundary".to_owned())),
                    "{sid}: {action} without the boundary"
                );
            }
            if action == "iam:PassRole" {
                let service = condition["StringEquals"]["iam:PassedToService"].as_str();
                assert!(
                    matches!(
                        service,
                        Some("lambda.amazonaws.com" | "codedeploy.amazonaws.com")
                    ),
                    "{sid}: roles passed to Lambda or CodeDeploy only, not {service:?}"
                );
            }
            assert!(
                !["xray:*", "iam:*", "s3:*", "*"].contains(&action.as_str()),
                "{sid}: {action}"
            );
        }
        if actions
            .iter()
            .any(|a| a.starts_with("iam:") || a == "cloudformation:*")
        {
            for resource in &resources {
                assert!(
                    resource.contains("birthdays-pr-*")
                        || resource.contains(":aws:transform/")
                        || resource.starts_with("GetAtt "),
                    "{sid}: {actions:?} on {resource}"
                );
            }
        }
        // Every resource: only where the name or the tag says a preview's,
        // but for the services that name by id and check no tags here.
        if resources.iter().any(|r| r == "*") {
            let tagged = condition["StringLike"]["aws:ResourceTag/birthdays:preview"]
                == "birthdays-pr-*"
                || condition["StringLike"]["aws:RequestTag/birthdays:preview"] == "birthdays-pr-*";
            let by_id = actions.iter().all(|a| {
                a.starts_with("apigateway:")
                    || a.starts_with("cloudwatch:")
                    || a.starts_with("logs:")
            });
            assert!(tagged || by_id, "{sid}: {actions:?} on every resource");
            if by_id {
                assert!(
                    actions
                        .iter()
                        .all(|a| !a.starts_with("logs:") || a != "logs:*"),
                    "{sid}: logs:* on every resource"
                );
            }
        }
    }
    assert!(
        keeps_the_boundary,
        "a role's boundary can be neither removed nor replaced"
    );
}

#[test]
fn a_preview_cannot_import_what_exists() {
    let template = load("cicd/github-oidc.yaml");
    let refusal = role_statements(&template, "PreviewRole")
        .into_iter()
        .find(|s| s["Effect"] == "Deny")
        .expect("a Deny statement");
    assert_eq!(
        texts(&refusal["Action"]),
        ["cloudformation:CreateChangeSet"]
    );
    assert_eq!(texts(&refusal["Resource"]), ["*"]);
    assert_eq!(
        refusal["Condition"]["Null"]["cloudformation:ImportResourceTypes"],
        "false"
    );
}

fn workflow() -> Value {
    load(".github/workflows/preview.yml")
}

/// The jobs of the workflow whose `if` mentions `text`.
fn jobs_guarded_by<'a>(workflow: &'a Value, text: &str) -> Vec<&'a str> {
    workflow["jobs"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, job)| job["if"].as_str().is_some_and(|c| c.contains(text)))
        .map(|(name, _)| name.as_str().unwrap())
        .collect()
}

#[test]
fn the_preview_workflow_runs_on_pull_requests_and_a_schedule_with_the_permissions_it_needs() {
    let workflow = workflow();
    // serde_norway reads the bare key `on` as the string "on".
    let on = &workflow["on"];
    let types: BTreeSet<&str> = list(&on["pull_request"]["types"])
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        BTreeSet::from(["opened", "synchronize", "reopened", "closed"])
    );
    assert!(
        on.get("pull_request_target").is_none(),
        "pull_request_target would hand forks credentials"
    );
    assert!(
        !list(&on["schedule"]).is_empty(),
        "the sweep runs on a schedule"
    );
    // Nothing by default; each job asks for what it uses.
    assert_eq!(workflow["permissions"], Value::Mapping(Default::default()));
    for name in ["deploy", "teardown", "sweep"] {
        let permissions = &workflow["jobs"][name]["permissions"];
        assert_eq!(permissions["id-token"], "write", "{name}: OIDC");
        assert_eq!(permissions["contents"], "read", "{name}");
        assert!(
            permissions.as_mapping().unwrap().len() <= 3,
            "{name}: {permissions:?}"
        );
    }
    assert_eq!(
        workflow["jobs"]["deploy"]["permissions"]["pull-requests"],
        "write"
    );
    // One group per pull request, never cancelled midway: a deploy and its
    // teardown queue behind each other.
    let concurrency = &workflow["concurrency"];
    assert!(
        concurrency["group"]
            .as_str()
            .unwrap()
            .contains("github.event.pull_request.number")
    );
    assert_eq!(concurrency["cancel-in-progress"], false);
}

#[test]
fn forks_get_no_credentials_and_are_told_why() {
    let workflow = workflow();
    let same_repository = "github.event.pull_request.head.repo.full_name == github.repository";
    let guarded = jobs_guarded_by(&workflow, same_repository);
    for name in ["deploy", "teardown"] {
        assert!(
            guarded.contains(&name),
            "{name} runs only for this repository's branches"
        );
    }
    let forks = jobs_guarded_by(
        &workflow,
        "github.event.pull_request.head.repo.full_name != github.repository",
    );
    assert_eq!(forks.len(), 1, "one job says why a fork gets no preview");
    let fork_job = &workflow["jobs"][forks[0]];
    assert!(
        fork_job
            .get("permissions")
            .is_none_or(|p| p.get("id-token").is_none())
    );
    assert_eq!(
        workflow["jobs"]["sweep"]["if"]
            .as_str()
            .map(|c| c.contains("schedule") || c.contains("workflow_dispatch")),
        Some(true)
    );
}

#[test]
fn every_step_runs_a_make_target_that_exists() {
    let makefile = std::fs::read_to_string(workspace_root().join("Makefile")).unwrap();
    let targets: BTreeSet<&str> = makefile
        .lines()
        .filter(|l| !l.starts_with('\t') && !l.starts_with('#') && !l.starts_with('.'))
        .filter_map(|l| l.split_once(':').map(|(names, _)| names))
        .flat_map(|names| names.split_whitespace())
        .collect();
    let workflow = workflow();
    let mut runs = 0;
    for (job, definition) in workflow["jobs"].as_mapping().unwrap() {
        for step in list(&definition["steps"]) {
            let Some(run) = step["run"].as_str() else {
                continue;
            };
            runs += 1;
            for line in run.lines().map(str::trim).filter(|l| !l.is_empty()) {
                let target = line
                    .strip_prefix("make ")
                    .and_then(|rest| {
                        rest.split_whitespace()
                            .find(|w| !w.starts_with('-') && !w.contains('='))
                    })
                    .unwrap_or_else(|| panic!("{job:?}: `{line}` is not a make target"));
                assert!(
                    targets.contains(target),
                    "{job:?}: make {target} is not in the Makefile"
                );
            }
        }
    }
    assert!(
        runs >= 5,
        "deploy, smoke, comment, teardown and sweep each run a step"
    );
}
