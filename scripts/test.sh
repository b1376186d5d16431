#!/usr/bin/env bash
# `make test`: every check and test, on loopback only, on a machine with empty
# caches as well as a warm one. Installs what it needs first (setup.sh test,
# which has cargo fetch the crates meanwhile, so nothing offline runs before
# they are there); starts its own DynamoDB-API server, user pool (cognito-local) and
# local API on free ports and stops them when done, whatever happens; ends with
# how long each phase took.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

phases=() seconds=() phase_started=$SECONDS current=""
TEST_OUTPUT="$ROOT/.local/test-output.log"
mkdir -p "$ROOT/.local" && : > "$TEST_OUTPUT"
phase() { # name: ends the running phase and starts the next
  [ -n "$current" ] && { phases+=("$current"); seconds+=($(( SECONDS - phase_started ))); }
  current="$1" phase_started=$SECONDS
  [ -n "$current" ] && log "[${SECONDS}s] $current"
  return 0
}
report() {
  local status=$?
  if [ -n "$current" ]; then
    [ "$status" = 0 ] || current="$current: FAILED"
    phases+=("$current") seconds+=($(( SECONDS - phase_started )))
  fi
  scripts/local-api.sh stop >/dev/null 2>&1 || true
  printf '\n%-66s %8s\n' "make test: phase" seconds >&2
  for i in "${!phases[@]}"; do printf '%-66s %8s\n' "${phases[$i]}" "${seconds[$i]}" >&2; done
  printf '%-66s %8s\n' total "$SECONDS" >&2
  # One closing line for the whole run, summed over every test binary.
  if [ -s "$TEST_OUTPUT" ]; then
    awk '/^test result: / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
         END { printf "tests: %d passed, %d failed\n", p, f }' "$TEST_OUTPUT"
  fi
  exit "$status"
}
trap report EXIT

phase "Tools (setup.sh test) and crates (cargo fetch), in parallel"
scripts/setup.sh test

phase "Format (cargo fmt --check)"
cargo fmt --all --check

phase "Security: secrets scan, cargo deny (licenses, bans, sources)"
scripts/check-security.sh

phase "Lint (cargo clippy --all-targets -D warnings)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

use_free_ports
phase "Start the local API on 127.0.0.1:$LOCAL_API_PORT (as make dev does)"
# The tests need tokens (AUTH=open in the caller's environment would turn them off).
AUTH=cognito scripts/local-api.sh start
export LOCAL_API_URL="http://127.0.0.1:$LOCAL_API_PORT"
export DYNAMODB_ENDPOINT="http://127.0.0.1:$DYNAMODB_PORT"
export FUNCTIONS_LOG="$ROOT/.local/run/watch.log"
# What the functions reported to the local Sentry receiver.
export SENTRY_EVENTS="$ROOT/.local/run/sentry-events.jsonl"
# moto, the Secrets Manager API holding the functions' Sentry DSN.
export MOTO_ENDPOINT="http://127.0.0.1:$SECRETS_PORT"
# The user pool's endpoint and state file, for the tests' tokens.
source "$ROOT/.local/run/identity.env"
export COGNITO_ENDPOINT COGNITO_STATE

phase "Tests, instrumented for coverage (unit, handler, gateway, DynamoDB, black-box...)"
scripts/coverage.sh 2>&1 | tee "$TEST_OUTPUT"

phase "Smoke checks against the local API (as after a deployment)"
# As the pipelines run them: with an access token of the smoke-test user.
# The page is served beside the API locally, as CloudFront serves it on AWS.
SMOKE_TOKEN=$(target/debug/local-identity token --endpoint "$COGNITO_ENDPOINT" --state "$COGNITO_STATE" --user Smoketest) \
  WEB_URL="$LOCAL_API_URL" target/debug/smoke "$LOCAL_API_URL"
scripts/local-api.sh stop

phase "Templates: sam validate, cfn-lint, checkov, sam build (arm64)"
scripts/check-templates.sh

phase ""
log "All checks passed"
