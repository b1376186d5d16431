#!/usr/bin/env bash
# The contract, tried against what serves it: schemathesis generates
# requests from openapi.yaml for every operation, valid ones and not, sends
# them to the local API and checks each answer against the document (no
# 5xx, only the statuses, content types and bodies it declares, invalid
# input refused, tokens required where it says so). Bounded and repeatable:
# tests/contract/schemathesis.toml (a fixed seed, 20 examples per
# operation, and the few checks configured, each with why).
#
# Two passes, each on a local API of its own with an empty table (the
# black-box tests leave records behind, an unreadable one among them on
# purpose): signed in as an admin (every operation reachable), then with
# AUTH=open, without the checks about tokens (there are none to check).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
need contract node moto
CONFIG="$ROOT/tests/contract/schemathesis.toml"
REPORTS="$ROOT/.local/contract"
mkdir -p "$REPORTS"

contract() { # label, then extra st arguments
  local label=$1 output
  shift
  log "schemathesis, $label: every operation of openapi.yaml against $LOCAL_API_URL"
  # Its own working folder: schemathesis writes its cassettes and caches there.
  if ! output=$(cd "$REPORTS" && st --config-file "$CONFIG" run "$ROOT/openapi.yaml" \
      --url "$LOCAL_API_URL" --no-color "$@" 2>&1); then
    printf '%s\n' "$output" >&2
    echo "error: the local API answers $label as openapi.yaml does not say (above; config: ${CONFIG#"$ROOT/"})" >&2
    return 1
  fi
  grep -E "generated, .* passed" <<< "$output" | sed 's/^ */  /' >&2
}

trap 'scripts/local-api.sh stop >/dev/null 2>&1 || true' EXIT
use_free_ports
AUTH=cognito scripts/local-api.sh start
export LOCAL_API_URL="http://127.0.0.1:$LOCAL_API_PORT"
source "$ROOT/.local/run/identity.env"
token=$("$(built local-identity)" token --endpoint "$COGNITO_ENDPOINT" --state "$COGNITO_STATE" --user Contract --admin)
contract "signed in as an admin" -H "Authorization: Bearer $token"
scripts/local-api.sh stop

use_free_ports
AUTH=open scripts/local-api.sh start
export LOCAL_API_URL="http://127.0.0.1:$LOCAL_API_PORT"
# With AUTH=open no route needs a token: the checks that one is required
# (and that a request without it is invalid) do not apply.
contract "with AUTH=open" --exclude-checks ignored_auth,missing_required_header,negative_data_rejection
