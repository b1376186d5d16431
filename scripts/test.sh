#!/usr/bin/env bash
# `make test`: every check and test, on loopback only, on a machine with empty
# caches as well as a warm one; starts its own DynamoDB-API server, user pool
# (cognito-local) and local API on free ports and stops them when done,
# whatever happens; ends with how long each phase took.
#
# The work is made small rather than spread thin: the workspace is compiled
# for this machine once (scripts/build-env.sh: instrumented for coverage, with
# clippy's lints, and the local API runs those binaries), and once for arm64
# (sam build). What does not need the build runs beside it: the tool
# installs, and the template checks with their arm64 build, in the
# background from the start (their log: .local/templates.log).
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
  # Background work still running when a phase fails stops with the run.
  for pid in ${templates_pid:-} ${tools_pid:-} ${security_pid:-} ${sam_invoke_pid:-} ${contract_pid:-} ${first_run_pid:-}; do kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true; done
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

phase "Rust components and cargo-llvm-cov (the build needs them; the other tools install meanwhile)"
# In the background from here on: the template checks (each installing what
# it uses first), and the tools the later phases need.
TEMPLATES_LOG="$ROOT/.local/templates.log"
set -m # each in a process group of its own, so that a failed run stops all of it
SAM_BUILD_READY="$ROOT/.local/sam-build.ready"
rm -f "$SAM_BUILD_READY"
SAM_BUILD_READY="$SAM_BUILD_READY" scripts/check-templates.sh > "$TEMPLATES_LOG" 2>&1 &
templates_pid=$!
need node moto contract deny browser crates &
tools_pid=$!
set +m
need rustfmt clippy llvm cov

phase "Format (cargo fmt --check)"
cargo fmt --all --check

phase "Build for this machine, instrumented, with clippy's lints as errors (-D warnings)"
source scripts/build-env.sh
# Every target clippy --all-targets lints, and the binaries as the local
# API runs them: a plain binary build, which finds everything built (the
# tests crate asks for the features the dev-dependencies would add; a test
# in tests/tests/scripts.rs keeps it so) and only puts the binaries in place.
cargo test --workspace --all-targets --no-run --quiet
cargo build --workspace --bins --quiet

wait "$tools_pid" || { echo "error: installing the tools failed (above)" >&2; exit 1; }
# The secrets scan and cargo deny need no local API: beside the tests, in
# the background (their log: .local/security.log).
SECURITY_LOG="$ROOT/.local/security.log"
set -m
scripts/check-security.sh > "$SECURITY_LOG" 2>&1 &
security_pid=$!
# make sam-invoke (its log: .local/sam-invoke.log): the engine, the image
# and dynalite now, the invocations once the template check's sam build
# (its first step) is there, with this build's test binary; its profiles apart from the
# coverage run's (it runs only test code here).
SAM_INVOKE_LOG="$ROOT/.local/sam-invoke.log"
SAM_BUILD_WAIT_PID="$templates_pid" SAM_BUILD_READY="$SAM_BUILD_READY" \
  LLVM_PROFILE_FILE="$ROOT/.local/sam-invoke/profiles/%p-%m.profraw" \
  scripts/sam-invoke.sh > "$SAM_INVOKE_LOG" 2>&1 &
sam_invoke_pid=$!
set +m

use_free_ports
phase "Start the local API on 127.0.0.1:$LOCAL_API_PORT (as make dev does)"
# The tests need tokens (AUTH=open in the caller's environment would turn them off).
AUTH=cognito scripts/local-api.sh start
export LOCAL_API_URL="http://127.0.0.1:$LOCAL_API_PORT"
export DYNAMODB_ENDPOINT="http://127.0.0.1:$DYNAMODB_PORT"
export FUNCTIONS_LOG="$ROOT/.local/run/watch.log"
# What the functions sent the stand-in X-Ray daemon.
export XRAY_SEGMENTS="$ROOT/.local/run/xray-segments.jsonl"
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
SMOKE_TOKEN=$("$(built local-identity)" token --endpoint "$COGNITO_ENDPOINT" --state "$COGNITO_STATE" --user Smoketest) \
  WEB_URL="$LOCAL_API_URL" "$(built smoke)" "$LOCAL_API_URL"
scripts/local-api.sh stop

phase "make function in a copy of the tree: refusals, and a function of each kind built, linted, tested"
# Beside it, in the background: the contract check, which mostly waits on
# the local APIs it starts, and make load as a first command, which mostly
# installs (their logs: .local/contract.log, .local/first-run.log).
CONTRACT_LOG="$ROOT/.local/contract.log" FIRST_RUN_LOG="$ROOT/.local/first-run.log"
set -m
scripts/check-contract.sh > "$CONTRACT_LOG" 2>&1 &
contract_pid=$!
scripts/check-first-run.sh > "$FIRST_RUN_LOG" 2>&1 &
first_run_pid=$!
set +m
scripts/check-scaffold.sh

# Waits for a check begun in the background; on failure shows the end of its
# log, otherwise the lines of it that say what it found.
finish() { # pid log what summary-pattern
  if ! wait "$1"; then
    tail -n 60 "$2" >&2
    echo "error: $3 failed (the whole log: ${2#"$ROOT/"})" >&2
    exit 1
  fi
  grep -E "$4" "$2" | sed 's/\x1b\[[0-9;]*m//g' >&2 || true
}

phase "Security: secrets scan, cargo deny (licenses, bans, sources), begun after the build"
finish "$security_pid" "$SECURITY_LOG" "the security checks" '^(.*==> |.*(advisories|bans|licenses|sources) ok)'

phase "make load as a newcomer's first command (a fresh copy, CARGO_TARGET_DIR outside it), begun after the smoke checks"
finish "$first_run_pid" "$FIRST_RUN_LOG" "make load as a first command" \
  "make load (as a first command passed|in a fresh copy: passed already)"

phase "The contract: schemathesis from openapi.yaml, signed in as an admin and with AUTH=open, begun after the smoke checks"
finish "$contract_pid" "$CONTRACT_LOG" "the contract check" "generated, .* passed"

phase "Templates: sam validate, cfn-lint, checkov, sam build (arm64), sam package into a local S3, begun in the background"
finish "$templates_pid" "$TEMPLATES_LOG" "the template checks" \
  '^(  [A-Za-z]+ +[0-9]+ bytes|  packaged: |.*==> (Templates linted|sam build took|sam package and its checks))'

phase "sam local invoke: every event in Lambda's arm64 image under Docker, begun after the build"
finish "$sam_invoke_pid" "$SAM_INVOKE_LOG" "make sam-invoke" '^(skipped|.*==> Image: |events: )'

phase ""
log "All checks passed"
