#!/usr/bin/env bash
# `make test`: every check and test, on loopback only. Installs what it needs
# first (scripts/setup.sh), starts its own DynamoDB-API server and local API on
# free ports, and stops them when done, whatever happens.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

started=$(date +%s)
step() { log "[$(( $(date +%s) - started ))s] $*"; }

step "Installing tools (skipped when present)"
scripts/setup.sh

step "Checking format (cargo fmt --check)"
cargo fmt --all --check

step "Security: secrets scan and cargo deny (licenses, bans, sources)"
scripts/check-security.sh

step "Linting (cargo clippy --all-targets -- -D warnings)"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "Building the workspace once (debug, all targets)"
cargo build --workspace --all-targets --quiet

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export DYNAMODB_PORT="$(free_port)" LOCAL_API_PORT="$(free_port)"
trap 'scripts/local-api.sh stop' EXIT
step "Starting the local API (as make dev does) on 127.0.0.1:$LOCAL_API_PORT"
scripts/local-api.sh start
export LOCAL_API_URL="http://127.0.0.1:$LOCAL_API_PORT"
export DYNAMODB_ENDPOINT="http://127.0.0.1:$DYNAMODB_PORT"

step "Running the tests: unit, handler, DynamoDB integration, SAM events, black-box HTTP"
cargo test --workspace --quiet -- --include-ignored

step "Smoke checks (as the pipelines run them after a deployment) against the local API"
target/debug/smoke "$LOCAL_API_URL"
scripts/local-api.sh stop
trap - EXIT

if [ -x scripts/check-templates.sh ]; then
  step "Checking the templates"
  scripts/check-templates.sh
fi

step "All checks passed"
