#!/usr/bin/env bash
# The delivery steps the pipelines run (cicd/pipeline.yaml), as make targets
# so that a person can run the same step by hand:
#   package          sam build (the deployed release profile), then sam package
#                    into $ARTIFACT_BUCKET                                  (Build stage)
#   deploy-packaged  sam deploy packaged.yaml as birthdays-$STAGE          (Deploy stage)
#   publish-web      upload web/ and its config.json, invalidate the CDN   (Deploy stage)
#   smoke-deployed   smoke checks against the stack's ApiUrl output and
#                    the page through the distribution                  (SmokeTest stage)
#   release-gate     approve the pending prod release inside the window    (ReleaseGate stage)
#   pipeline         deploy the pipeline of $STAGE                         (once per stage)
#   github-oidc      deploy cicd/github-oidc.yaml: GitHub OIDC, the preview
#                    roles (once per account)
#   preview-*        a pull request's preview birthdays-pr-$PR: deploy, smoke,
#                    bench (short), comment, teardown; sweep; fork-notice
#                    (.github/workflows/preview.yml)
# Unlike the rest of the project these talk to AWS: they need credentials.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
source scripts/target-dir.sh
# venv-zig first: cargo-lambda finds zig as `python3 -m ziglang`.
export PATH="$ROOT/.tools/venv-zig/bin:$ROOT/.tools/venv-lambda/bin:$ROOT/.tools/venv-sam/bin:$HOME/.cargo/bin:$PATH" SAM_CLI_TELEMETRY=0

require() { [ -n "${!1:-}" ] || { echo "error: set $1 ($2)" >&2; exit 2; }; }
# A pull request's preview: its number, its stack's name.
preview_stack() {
  require PR "the pull request's number"
  [[ "$PR" =~ ^[1-9][0-9]*$ ]] || { echo "error: PR is a pull request's number, not $PR" >&2; exit 2; }
  echo "birthdays-pr-$PR"
}
# Deletes preview stacks and what their deletion leaves: their artifacts
# and log groups a service made under their names (the prefix ends with
# "-", so birthdays-pr-1 never takes birthdays-pr-12's). Every deletion is
# begun first, then each is waited for; one that fails does not stop the
# others, and the run fails at the end, naming it.
delete_previews() { # stack...
  local stack prefix group failed=()
  for stack in "$@"; do log "Deleting $stack"; aws cloudformation delete-stack --stack-name "$stack" || failed+=("$stack"); done
  for stack in "$@"; do
    if ! aws cloudformation wait stack-delete-complete --stack-name "$stack"; then
      failed+=("$stack"); continue
    fi
    [ -z "${ARTIFACT_BUCKET:-}" ] || aws s3 rm "s3://$ARTIFACT_BUCKET/$stack/" --recursive --only-show-errors || failed+=("$stack")
    for prefix in "$stack-" "/aws/lambda/$stack-"; do
      for group in $(aws logs describe-log-groups --log-group-name-prefix "$prefix" \
          --query 'logGroups[].logGroupName' --output text); do
        [ "$group" = None ] || aws logs delete-log-group --log-group-name "$group" || failed+=("$stack")
      done
    done
  done
  [ "${#failed[@]}" = 0 ] || { echo "error: not (wholly) removed: ${failed[*]} (the stack's events in the console say why; the next sweep tries again)" >&2; return 1; }
}
log() { printf '==> %s\n' "$*"; }
# A stage's stack, or a pull request's preview (STACK=birthdays-pr-<n>).
stack() { echo "${STACK:-birthdays-$STAGE}"; }
output() { # an output of the stage's stack, or "None"
  aws cloudformation describe-stacks --stack-name "$(stack)" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue | [0]" --output text
}

case "${1:-}" in
  package)
    require STAGE "dev, staging or prod"; require ARTIFACT_BUCKET "the pipeline's artifact bucket"
    scripts/setup.sh lambda zig arm64 sam
    # The real profile (fat LTO, one codegen unit): make test's template
    # check builds a quicker, unoptimised one elsewhere.
    sam build --template template.yaml
    sam package --template-file .aws-sam/build/template.yaml --output-template-file packaged.yaml \
      --s3-bucket "$ARTIFACT_BUCKET" --s3-prefix "packages/$STAGE"
    ;;
  deploy-packaged)
    require STAGE "dev, staging or prod"; require ARTIFACT_BUCKET "the pipeline's artifact bucket"
    require CFN_ROLE_ARN "the CloudFormation role the pipeline stack creates"
    scripts/setup.sh sam
    sam deploy --template-file packaged.yaml --config-env "$STAGE" --stack-name "$(stack)" \
      --s3-bucket "$ARTIFACT_BUCKET" --s3-prefix "packages/$STAGE" --role-arn "$CFN_ROLE_ARN" \
      --no-confirm-changeset --no-fail-on-empty-changeset
    ;;
  publish-web)
    require STAGE "dev, staging or prod"
    bucket=$(output WebBucketName); distribution=$(output DistributionId)
    pool=$(output UserPoolId); client=$(output UserPoolClientId)
    if [ "$bucket" = None ] || [ "$distribution" = None ]; then
      echo "error: the stack $(stack) has no web outputs (WebBucketName, DistributionId): deploy it first" >&2; exit 1
    fi
    # What the page is told about signing in: the same shape the local gateway
    # serves. The pool's region is its id's prefix (eu-west-1_AbC), the same
    # endpoint the stack's CSP allows.
    if [ "$pool" = None ] || [ -z "$pool" ]; then config='{"auth":"open"}'
    else config="{\"auth\":\"cognito\",\"identity\":{\"endpoint\":\"https://cognito-idp.${pool%%_*}.amazonaws.com/\",\"clientId\":\"$client\"}}"; fi
    # Revalidated on every load: the files are small and the CDN keeps them close.
    aws s3 sync web/ "s3://$bucket/" --delete --exclude config.json --cache-control "no-cache"
    printf '%s' "$config" | aws s3 cp - "s3://$bucket/config.json" \
      --content-type application/json --cache-control "no-cache"
    aws cloudfront create-invalidation --distribution-id "$distribution" --paths '/*' \
      --query Invalidation.Id --output text
    ;;
  smoke-deployed)
    require STAGE "dev, staging or prod"
    url=$(output ApiUrl); pool=$(output UserPoolId); client=$(output UserPoolClientId)
    web=$(output WebUrl); [ "$web" = "None" ] && web=""
    export WEB_URL="$web"
    if [ "$pool" = "None" ] || [ -z "$pool" ]; then
      echo "The stage has no user pool (Auth=open): smoke checks without a token."
      "$(built smoke)" "$url"
      exit
    fi
    # The smoke-test user signs in with the password kept in Secrets Manager
    # (the pipeline's build passes it as SMOKE_PASSWORD; by hand:
    # SMOKE_PASSWORD=$(aws secretsmanager get-secret-value --secret-id birthdays-$STAGE/smoke-test-password --query SecretString --output text)).
    require SMOKE_PASSWORD "the smoke-test user's password, from the secret birthdays-$STAGE/smoke-test-password"
    user=Smoketest
    # Created on first use, and given the secret's current password on every
    # run, so rotating the secret needs nothing else.
    if ! aws cognito-idp admin-get-user --user-pool-id "$pool" --username "$user" >/dev/null 2>&1; then
      aws cognito-idp admin-create-user --user-pool-id "$pool" --username "$user" \
        --message-action SUPPRESS >/dev/null
    fi
    aws cognito-idp admin-set-user-password --user-pool-id "$pool" --username "$user" \
      --password="$SMOKE_PASSWORD" --permanent
    # As JSON, so no character of the password is read as CLI syntax.
    auth=$(python3 -c 'import json, os, sys; print(json.dumps({"USERNAME": sys.argv[1], "PASSWORD": os.environ["SMOKE_PASSWORD"]}))' "$user")
    SMOKE_TOKEN=$(aws cognito-idp initiate-auth --client-id "$client" --auth-flow USER_PASSWORD_AUTH \
      --auth-parameters "$auth" --query AuthenticationResult.AccessToken --output text)
    if [ -z "$SMOKE_TOKEN" ] || [ "$SMOKE_TOKEN" = None ]; then
      echo "error: $user got no access token (a challenge such as a new password?): check the user in pool $pool" >&2
      exit 1
    fi
    SMOKE_TOKEN="$SMOKE_TOKEN" "$(built smoke)" "$url"
    ;;
  release-gate)
    require PIPELINE "the pipeline's name"
    if "$(built release-gate)" cicd/release-window.json; then
      token=$(aws codepipeline get-pipeline-state --name "$PIPELINE" \
        --query "stageStates[?stageName=='ReleaseGate'].actionStates[?actionName=='Approve'].latestExecution.token | [0][0]" --output text)
      aws codepipeline put-approval-result --pipeline-name "$PIPELINE" --stage-name ReleaseGate \
        --action-name Approve --token "$token" \
        --result "summary=Inside the release window (cicd/release-window.json),status=Approved"
    fi
    ;;
  pipeline)
    require STAGE "dev, staging or prod"; require CONNECTION_ARN "an AVAILABLE CodeStar connection to GitHub"
    require REPOSITORY "owner/name on GitHub"
    case "$STAGE" in dev) branch=dev ;; staging) branch=staging ;; prod) branch=main ;;
      *) echo "error: STAGE must be dev, staging or prod" >&2; exit 2 ;; esac
    email=$(python3 -c 'import json; print(json.load(open("cicd/owner.json"))["email"])')
    scripts/setup.sh sam
    sam deploy --template-file cicd/pipeline.yaml --stack-name "birthdays-pipeline-$STAGE" \
      --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
      --parameter-overrides "Stage=$STAGE" "Branch=$branch" "FullRepositoryId=$REPOSITORY" \
        "ConnectionArn=$CONNECTION_ARN" "OwnerEmail=$email"
    # A channel given: subscribe it to this pipeline's topic too. None given:
    # the team channel stays as it is.
    if [ -n "${SLACK_CHANNEL_ID:-}${TEAMS_CHANNEL_ID:-}" ]; then "$0" team-channel; fi
    ;;
  team-channel)
    # One AWS Chatbot configuration per channel and account: every pipeline's
    # topic in this account and region goes into the one stack.
    if [ -z "${SLACK_WORKSPACE_ID:-}${SLACK_CHANNEL_ID:-}${TEAMS_TEAM_ID:-}${TEAMS_CHANNEL_ID:-}${TEAMS_TENANT_ID:-}" ]; then
      echo "error: name the channel: SLACK_WORKSPACE_ID and SLACK_CHANNEL_ID, or TEAMS_TEAM_ID, TEAMS_CHANNEL_ID and TEAMS_TENANT_ID" >&2
      exit 2
    fi
    topics=()
    for stage in dev staging prod; do
      topic=$(aws cloudformation describe-stacks --stack-name "birthdays-pipeline-$stage" \
        --query "Stacks[0].Outputs[?OutputKey=='NotificationTopicArn'].OutputValue" --output text 2>/dev/null || true)
      if [ -n "$topic" ] && [ "$topic" != None ]; then topics+=("$topic"); fi
    done
    if [ "${#topics[@]}" -eq 0 ]; then
      echo "error: no pipeline in this account and region yet: run make pipeline first" >&2
      exit 1
    fi
    log "Team channel for the pipelines' news: ${topics[*]}"
    aws cloudformation deploy --template-file cicd/team-channel.yaml --stack-name birthdays-team-channel \
      --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
      --parameter-overrides "NewsTopicArns=$(IFS=,; echo "${topics[*]}")" \
        "SlackWorkspaceId=${SLACK_WORKSPACE_ID:-}" "SlackChannelId=${SLACK_CHANNEL_ID:-}" \
        "TeamsTeamId=${TEAMS_TEAM_ID:-}" "TeamsChannelId=${TEAMS_CHANNEL_ID:-}" "TeamsTenantId=${TEAMS_TENANT_ID:-}"
    ;;
  github-oidc)
    require REPOSITORY "owner/name on GitHub"
    aws cloudformation deploy --template-file cicd/github-oidc.yaml --stack-name birthdays-github-oidc \
      --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
      --parameter-overrides "Repository=$REPOSITORY" "DefaultBranch=${DEFAULT_BRANCH:-main}" \
        "ExistingProviderArn=${EXISTING_PROVIDER_ARN:-}"
    echo "Previews are on once the repository has these variables (Settings, Secrets and variables, Actions):"
    for pair in PREVIEW_ROLE_ARN:PreviewRoleArn PREVIEW_SWEEP_ROLE_ARN:PreviewSweepRoleArn \
        PREVIEW_EXECUTION_ROLE_ARN:PreviewExecutionRoleArn PREVIEW_ARTIFACTS_BUCKET:PreviewArtifactsBucket \
        PREVIEW_BOUNDARY_ARN:PreviewFunctionBoundaryArn PREVIEW_CODEDEPLOY_ROLE_ARN:PreviewCodeDeployRoleArn; do
      echo "  gh variable set ${pair%%:*} --repo $REPOSITORY --body $(STACK=birthdays-github-oidc output "${pair#*:}")"
    done
    echo "  gh variable set PREVIEW_REGION --repo $REPOSITORY --body ${AWS_REGION:-$(aws configure get region)}"
    ;;
  preview-fork-notice)
    echo "This pull request comes from a fork: it gets no preview stack. Previews deploy with this"
    echo "repository's AWS role, which GitHub's OIDC token grants only to pull requests from its own"
    echo "branches (and fork workflows get no token). make test ran on it as on any pull request;"
    echo "a maintainer can push the branch to this repository for a preview."
    ;;
  preview-deploy)
    stack=$(preview_stack)
    require ARTIFACT_BUCKET "the previews' bucket (cicd/github-oidc.yaml output PreviewArtifactsBucket)"
    require CFN_ROLE_ARN "the previews' CloudFormation role (output PreviewExecutionRoleArn)"
    require PREVIEW_BOUNDARY_ARN "the previews' permissions boundary (output PreviewFunctionBoundaryArn)"
    require PREVIEW_CODEDEPLOY_ROLE_ARN "CodeDeploy's role for previews (output PreviewCodeDeployRoleArn)"
    scripts/setup.sh lambda zig arm64 sam
    sam build --template template.yaml
    # Stage=dev settings, no page, nothing kept (Preview=yes), every role
    # within the boundary; the tag marks every resource as this preview's
    # (the execution role touches keys and pools only with it). A first
    # deployment that fails is deleted, so the next push starts afresh.
    sam deploy --template-file .aws-sam/build/template.yaml --stack-name "$stack" \
      --s3-bucket "$ARTIFACT_BUCKET" --s3-prefix "$stack" --role-arn "$CFN_ROLE_ARN" \
      --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND \
      --parameter-overrides Stage=dev Auth=cognito Preview=yes \
        "PreviewPermissionsBoundary=$PREVIEW_BOUNDARY_ARN" "PreviewCodeDeployRole=$PREVIEW_CODEDEPLOY_ROLE_ARN" \
      --tags "birthdays:preview=$stack" --on-failure DELETE \
      --no-confirm-changeset --no-fail-on-empty-changeset
    ;;
  preview-smoke)
    stack=$(preview_stack)
    cargo build --quiet -p smoke
    # A fresh password every run: the smoke user is the preview's own.
    SMOKE_PASSWORD="$(python3 -c 'import secrets; print("Pr-" + secrets.token_urlsafe(24) + "-7a")')" \
      STACK="$stack" STAGE=dev "$0" smoke-deployed
    ;;
  preview-comment)
    stack=$(preview_stack)
    require SMOKE "the smoke step's outcome (success or failure)"
    require GITHUB_REPOSITORY "owner/name (GitHub Actions sets it)"
    cargo build --quiet -p preview
    verdict=failed; [ "$SMOKE" = success ] && verdict=passed
    url=$(STACK="$stack" output ApiUrl 2>/dev/null || echo None)
    [ "$url" != None ] || url="none: the deployment failed (the deploy step's log says why)"
    # The estimated cost from the durations this run measured (make
    # preview-bench), or else from the pull request's BENCHMARKS.md, beside
    # those of the base branch's, each table on its own.
    mkdir -p .local/preview
    cost=.local/preview/cost.md
    rm -f "$cost"
    here=BENCHMARKS.md here_label="this pull request's BENCHMARKS.md (as committed)"
    if [ -s .local/preview/BENCHMARKS.md ]; then
      here=.local/preview/BENCHMARKS.md here_label="this pull request, measured by a short make bench in this run"
    fi
    if BENCHMARKS="$here" scripts/cost.sh > .local/preview/cost-here.md; then
      { echo "From $here_label:"; echo; cat .local/preview/cost-here.md; } > "$cost"
      if gh api "repos/$GITHUB_REPOSITORY/contents/BENCHMARKS.md?ref=${BASE_REF:-main}" --jq .content 2>/dev/null \
          | base64 -d > .local/preview/base-benchmarks.md 2>/dev/null && [ -s .local/preview/base-benchmarks.md ] \
          && BENCHMARKS=.local/preview/base-benchmarks.md scripts/cost.sh > .local/preview/cost-base.md; then
        { echo; echo "From ${BASE_REF:-main}'s (the same prices and memory):"; echo; cat .local/preview/cost-base.md; } >> "$cost"
      fi
    else
      echo "warning: no cost estimate (above: why)" >&2
    fi
    cost_args=(); [ -f "$cost" ] && cost_args=(--cost "$cost")
    body=$("$(built preview)" comment --pr "$PR" --commit "${COMMIT:-$(git rev-parse HEAD)}" \
      --api-url "$url" --smoke "$verdict" "${cost_args[@]}")
    # One comment per pull request, found by its first line and updated.
    id=$(gh api "repos/$GITHUB_REPOSITORY/issues/$PR/comments" --paginate \
      --jq '.[] | select(.user.login == "github-actions[bot]" and (.body | startswith("<!-- birthdays-preview -->"))) | .id' | head -n 1)
    if [ -n "$id" ]; then gh api -X PATCH "repos/$GITHUB_REPOSITORY/issues/comments/$id" -f body="$body" >/dev/null
    else gh api "repos/$GITHUB_REPOSITORY/issues/$PR/comments" -f body="$body" >/dev/null; fi
    echo "$body"
    [ "$verdict" = passed ] || { echo "error: the preview's smoke checks failed (the smoke step above says which)" >&2; exit 1; }
    ;;
  preview-bench)
    # A short, bounded make bench of the pull request's functions, for the
    # comment's cost (its own file: BENCHMARKS.md stays as committed).
    mkdir -p .local/preview
    rm -f .local/preview/BENCHMARKS.md
    BENCH_QUICK=1 BENCH_OUT=.local/preview/BENCHMARKS.md scripts/bench.sh
    ;;
  preview-teardown)
    delete_previews "$(preview_stack)"
    ;;
  preview-sweep)
    require GITHUB_REPOSITORY "owner/name (GitHub Actions sets it)"
    cargo build --quiet -p preview
    mkdir -p .local/preview
    aws cloudformation list-stacks --output json > .local/preview/stacks.json
    gh pr list --repo "$GITHUB_REPOSITORY" --state open --json number --limit 1000 > .local/preview/open.json
    "$(built preview)" sweep --stacks .local/preview/stacks.json --open .local/preview/open.json \
      --max-age-hours "${PREVIEW_MAX_AGE_HOURS:-72}" > .local/preview/doomed.tsv
    [ -s .local/preview/doomed.tsv ] || echo "No preview to remove."
    doomed=()
    while IFS=$'\t' read -r name why; do echo "$name: $why"; doomed+=("$name"); done < .local/preview/doomed.tsv
    [ "${#doomed[@]}" = 0 ] || delete_previews "${doomed[@]}"
    ;;
  *) echo "usage: $0 package|deploy-packaged|publish-web|smoke-deployed|release-gate|pipeline|team-channel|github-oidc|preview-deploy|preview-smoke|preview-bench|preview-comment|preview-teardown|preview-sweep|preview-fork-notice" >&2; exit 2 ;;
esac
