#!/usr/bin/env bash
# `make coverage`, and the test phase of `make test`: every test, once, in a
# build instrumented for coverage (cargo-llvm-cov); then line coverage of
# shared/ and functions/, an HTML report in $TARGET_DIR/coverage/html/, and a
# failure when it falls under COVERAGE_MIN_LINES.
#
# Counted: the code the functions run. Not counted: test code, the test
# helpers (shared/src/testing.rs), and each function's main.rs, which only
# wires things and runs as the real binaries in the black-box tests.
#
# The black-box tests need the local API: started here unless LOCAL_API_URL
# says where one runs (make test starts it once for every phase), with
# DYNAMODB_ENDPOINT, FUNCTIONS_LOG (the functions' log file), SENTRY_EVENTS
# (what they reported to the local Sentry receiver), MOTO_ENDPOINT (moto,
# the Secrets Manager API), and
# COGNITO_ENDPOINT and COGNITO_STATE (its user pool, for tokens) beside it.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
# The browser tests run here too.
need browser cov llvm
source scripts/build-env.sh

# Set from the measured figure (92.0% when set; README, "Coverage"): raise it
# as the figure rises, never lower it to let a change through.
COVERAGE_MIN_LINES="${COVERAGE_MIN_LINES:-90}"

if [ -n "${LOCAL_API_URL:-}" ]; then
  for name in DYNAMODB_ENDPOINT FUNCTIONS_LOG SENTRY_EVENTS MOTO_ENDPOINT FUNCTIONS_PORT COGNITO_ENDPOINT COGNITO_STATE XRAY_SEGMENTS; do
    [ -n "${!name:-}" ] || { echo "error: LOCAL_API_URL is set but $name is not: set both, or neither to start a local API here" >&2; exit 2; }
  done
else
  use_free_ports
  trap 'scripts/local-api.sh stop' EXIT
  AUTH=cognito scripts/local-api.sh start
  export LOCAL_API_URL="http://127.0.0.1:$LOCAL_API_PORT"
  export DYNAMODB_ENDPOINT="http://127.0.0.1:$DYNAMODB_PORT"
  export FUNCTIONS_LOG="$ROOT/.local/run/watch.log"
  export XRAY_SEGMENTS="$ROOT/.local/run/xray-segments.jsonl"
  export SENTRY_EVENTS="$ROOT/.local/run/sentry-events.jsonl"
  export MOTO_ENDPOINT="http://127.0.0.1:$SECRETS_PORT"
  source "$ROOT/.local/run/identity.env"
  export COGNITO_ENDPOINT COGNITO_STATE
fi

# Only this run's profiles count: those of earlier runs go. The build stays,
# so a run where nothing changed compiles nothing. (Doc tests are not run:
# the workspace has none, and they cannot be instrumented on stable.)
cargo llvm-cov clean --profraw-only
# Nor do the test binaries of earlier builds: the report reads every
# instrumented executable it finds, and one left from before a change of
# the dependencies (a new hash in its name) disagrees with this build's and
# spoils the counts. What this build made is what cargo lists (nothing is
# compiled here: the builds are fresh); the workspace's other executables go.
{
  cargo test --workspace --lib --bins --tests --no-run --message-format=json
  cargo build --workspace --bins --message-format=json
} 2>/dev/null | python3 -c '
import json, os, re, subprocess, sys
made = set()
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact":
        for path in [message.get("executable")] + message.get("filenames", []):
            if path and os.path.isfile(path):
                made.add(os.stat(path).st_ino)
metadata = json.loads(subprocess.check_output(["cargo", "metadata", "--format-version", "1", "--no-deps", "--offline"]))
names = {t["name"].replace("-", "_") for p in metadata["packages"] for t in p["targets"]}
deps = os.path.join(os.environ["TARGET_DIR"], "debug", "deps")
for name in os.listdir(deps):
    path = os.path.join(deps, name)
    stem = re.fullmatch(r"(.+)-[0-9a-f]{16}", name)
    if stem and stem.group(1) in names and os.access(path, os.X_OK) and os.path.isfile(path) \
            and os.stat(path).st_ino not in made:
        os.remove(path)
'
cargo test --workspace --lib --bins --tests --no-fail-fast -- --include-ignored

root=$(printf '%s' "$ROOT" | sed 's/[][\.*^$+?(){}|/]/\\&/g')
ignore="^$root/((tests|bench|smoke|local|cicd)/|functions/[^/]+/(tests/|src/main\.rs$)|shared/src/testing\.rs$)"
log "Line coverage of shared/ and functions/ (HTML: ${TARGET_DIR#"$ROOT/"}/coverage/html/index.html)"
cargo llvm-cov report --ignore-filename-regex "$ignore" --html --output-dir "$TARGET_DIR/coverage" >/dev/null
cargo llvm-cov report --ignore-filename-regex "$ignore" --summary-only \
  --fail-under-lines "$COVERAGE_MIN_LINES" \
  || { echo "error: line coverage is under $COVERAGE_MIN_LINES%: add tests for what the report shows uncovered" >&2; exit 1; }
