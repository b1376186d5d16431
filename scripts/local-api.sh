#!/usr/bin/env bash
# The local API: dynalite (a DynamoDB implementation) on 127.0.0.1 with the
# users table in it; cognito-local (the Cognito API) on COGNITO_PORT with the
# local user pool in it; the real function binaries behind `cargo lambda
# watch` (its Lambda Invoke API on FUNCTIONS_PORT, hot reload); and in front
# of them the local gateway (local/gateway) on LOCAL_API_PORT, which plays
# API Gateway's HTTP API: routes from openapi.yaml, payload-2.0 events, the
# JWT authorizer with the local pool's tokens.
#
#   local-api.sh serve   foreground, for `make dev`; data kept in .local/dynamodb and
#                        .local/cognito/dev; Ctrl-C stops all
#   local-api.sh start   background, for tests; in-memory table, user pool kept in
#                        .local/cognito/test; error reporting on: the functions read
#                        their Sentry DSN from moto (the Secrets Manager API) on
#                        SECRETS_PORT, and report to a receiver on SENTRY_PORT that
#                        writes each event to .local/run/sentry-events.jsonl;
#                        the functions' binaries started at once, as built, behind
#                        the Lambda APIs of cargo lambda watch (no reloading);
#                        prints nothing but progress
#   local-api.sh stop    stops what `start` started
#   local-api.sh token NAME [--admin] [--password P]
#                        prints an access token of NAME from the running local API's
#                        pool (`make -s token USER=Ann`), creating NAME if needed
#
# AUTH=open (`make dev AUTH=open`) runs without the user pool: the gateway
# checks no tokens and the functions apply no ownership rules (AUTH_MODE=open).
# Where the running local API's pool is, is in .local/run/identity.env.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

RUN_DIR="$ROOT/.local/run"
mkdir -p "$RUN_DIR"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DYNAMODB_PORT"
COGNITO_ENDPOINT="http://127.0.0.1:$COGNITO_PORT"
IDENTITY_ENV="$RUN_DIR/identity.env"

AUTH="${AUTH:-cognito}"
case "$AUTH" in
  cognito | open) ;;
  *) echo "error: AUTH is \"$AUTH\": set it to cognito (tokens of the local user pool, the default) or open (no tokens, no ownership rules)" >&2; exit 2 ;;
esac

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port what seconds
  for _ in $(seq 1 $(( $3 * 10 ))); do port_open "$1" && return 0; sleep 0.1; done
  echo "error: $2 did not start listening on 127.0.0.1:$1 within $3 s (log: $RUN_DIR/$2.log)" >&2
  tail -n 20 "$RUN_DIR/$2.log" >&2 || true
  return 1
}

# Every port must be free before anything starts: a stale server on one of
# them would otherwise answer in place of the new one.
check_ports() {
  local pairs=("DYNAMODB_PORT:$DYNAMODB_PORT" "FUNCTIONS_PORT:$FUNCTIONS_PORT" "LOCAL_API_PORT:$LOCAL_API_PORT")
  [ "$AUTH" = open ] || pairs+=("COGNITO_PORT:$COGNITO_PORT")
  [ "$1" = serve ] || pairs+=("SECRETS_PORT:$SECRETS_PORT" "SENTRY_PORT:$SENTRY_PORT")
  for pair in "${pairs[@]}"; do
    if port_open "${pair#*:}"; then
      echo "error: port ${pair#*:} is taken (a make dev still running?); stop it, or set ${pair%%:*} to a free port" >&2
      exit 1
    fi
  done
}

# One cargo invocation for all of them, from the workspace root without -p:
# `cargo lambda watch` runs `cargo run --bin <function>` the same way, so it
# finds them built with the same features instead of building them again.
# Under `make test` they are already built, instrumented for coverage with
# clippy's lints (scripts/build-env.sh), and this finds nothing to do.
# Only the binaries the local API runs (--bin selects targets, not
# packages: the features stay the workspace's, as `cargo run --bin` has them).
build() {
  log "Building the functions, the local gateway, the table tool and local-identity"
  local bins=(--bin local-gateway --bin local-identity --bin create-table --bin sentry-receiver --bin xray-daemon) dir
  for dir in functions/*/; do bins+=(--bin "$(basename "$dir")"); done
  cargo build --quiet "${bins[@]}"
}

# Installs GROUPs (setup.sh) while cargo builds: neither waits for the other,
# and on a fresh machine the downloads overlap the compiling.
need_while_building() { # group...
  need "$@" & local setup=$!
  if ! build; then wait "$setup" || true; return 1; fi
  wait "$setup"
}

start_dynamodb() { # extra dynalite arguments
  log "Starting dynalite on 127.0.0.1:$DYNAMODB_PORT"
  dynalite --host 127.0.0.1 --port "$DYNAMODB_PORT" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 "$@" \
    > "$RUN_DIR/dynalite.log" 2>&1 &
  echo $! > "$RUN_DIR/dynalite.pid"
  wait_port "$DYNAMODB_PORT" dynalite 20
  log "Creating table $TABLE_NAME (if absent)"
  "$(built create-table)"
}

# cognito-local in the data folder $1 (its working directory: it keeps the
# pools, clients and users in .cognito/db there). Its config is written
# first: plain usernames, not e-mail addresses, in the pool it creates (only
# read when a pool is created; the pool keeps its own settings), and tokens
# whose issuer is this run's address (the port may differ between runs).
start_cognito() { # data folder
  mkdir -p "$1/.cognito"
  python3 - "$1/.cognito/config.json" "$COGNITO_ENDPOINT" "$COGNITO_PORT" <<'PY'
import json, sys
path, endpoint, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    with open(path) as f:
        config = json.load(f)
except (OSError, ValueError):
    config = {}
config.setdefault("UserPoolDefaults", {"UsernameAttributes": []})
config.setdefault("TokenConfig", {})["IssuerDomain"] = endpoint
# Loopback only, whatever HOST says (the config file wins over HOST and PORT).
config.setdefault("ServerConfig", {}).update(hostname="127.0.0.1", port=port)
with open(path, "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
PY
  log "Starting cognito-local on 127.0.0.1:$COGNITO_PORT (data in ${1#"$ROOT/"})"
  (cd "$1" && HOST=127.0.0.1 PORT="$COGNITO_PORT" exec cognito-local) > "$RUN_DIR/cognito.log" 2>&1 &
  echo $! > "$RUN_DIR/cognito.pid"
}

# Waits for cognito-local to answer, then has local-identity create (first
# start) or re-use the pool, app client and admins group recorded in the
# folder's state.json, and writes where they are to $IDENTITY_ENV.
setup_cognito() { # data folder
  local answered="" setup key value
  for _ in $(seq 1 300); do
    if curl -sf --noproxy '*' -o /dev/null --max-time 2 "$COGNITO_ENDPOINT/health"; then answered=1; break; fi
    kill -0 "$(cat "$RUN_DIR/cognito.pid")" 2>/dev/null || break
    sleep 0.1
  done
  if [ -z "$answered" ]; then
    echo "error: cognito-local did not answer on $COGNITO_ENDPOINT within 30 s (log: $RUN_DIR/cognito.log)" >&2
    tail -n 20 "$RUN_DIR/cognito.log" >&2 || true
    return 1
  fi
  log "Setting up the local user pool (created on the first start, then re-used)"
  setup=$("$(built local-identity)" setup --endpoint "$COGNITO_ENDPOINT" --state "$1/state.json")
  while IFS='=' read -r key value; do
    case "$key" in
      user_pool_id) COGNITO_POOL_ID=$value ;;
      client_id) COGNITO_CLIENT_ID=$value ;;
      issuer) COGNITO_ISSUER=$value ;;
      default_password) DEV_PASSWORD=$value ;;
    esac
  done <<< "$setup"
  {
    echo "# How to reach the running local API's user pool (scripts/local-api.sh writes it)."
    printf 'LOCAL_AUTH=cognito\n'
    printf 'COGNITO_ENDPOINT=%q\n' "$COGNITO_ENDPOINT"
    printf 'COGNITO_STATE=%q\n' "$1/state.json"
    printf 'COGNITO_ISSUER=%q\n' "$COGNITO_ISSUER"
    printf 'COGNITO_CLIENT_ID=%q\n' "$COGNITO_CLIENT_ID"
  } > "$IDENTITY_ENV"
}

start_identity() { # data folder: cognito-local, set up; nothing in open mode
  if [ "$AUTH" = open ]; then
    printf 'LOCAL_AUTH=open\n' > "$IDENTITY_ENV"
    return
  fi
  setup_cognito "$1"
}

# The functions' environment, as their templates give it on AWS (loopback
# endpoints in place of AWS's).
function_env=(
  "TABLE_NAME=$TABLE_NAME"
  "AUTH_MODE=$AUTH"
  "AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB"
  "AWS_REGION=$AWS_REGION"
  "AWS_EC2_METADATA_DISABLED=true"
  "AWS_ACCESS_KEY_ID=local"
  "AWS_SECRET_ACCESS_KEY=local"
  "RUST_LOG=${RUST_LOG:-info}"
  # Where Lambda's X-Ray daemon is, with Active tracing: here, the stand-in.
  "AWS_XRAY_DAEMON_ADDRESS=127.0.0.1:$XRAY_PORT"
)

# The stand-in X-Ray daemon on 127.0.0.1 UDP: every document the functions
# send, one JSON object per line, in $1 (make traces reads it).
start_xray() { # segments file
  log "Starting the stand-in X-Ray daemon on 127.0.0.1:$XRAY_PORT (UDP; documents in ${1#"$ROOT/"})"
  mkdir -p "$(dirname "$1")"
  "$(built xray-daemon)" --port "$XRAY_PORT" --out "$1" > "$RUN_DIR/xray.log" 2>&1 &
  echo $! > "$RUN_DIR/xray.pid"
  # UDP has no connection to wait for: it says when it listens.
  for _ in $(seq 1 50); do grep -q listening "$RUN_DIR/xray.log" 2>/dev/null && return 0; sleep 0.1; done
  echo "error: the stand-in X-Ray daemon did not start on 127.0.0.1:$XRAY_PORT (UDP; a make dev still running? set XRAY_PORT to a free port):" >&2
  cat "$RUN_DIR/xray.log" >&2
  return 1
}

# Error reporting as on AWS, on loopback: the DSN of a Sentry receiver is
# kept in a secret of moto's Secrets Manager, and the functions are told the
# secret's name, never the DSN.
SENTRY_SECRET=birthdays/local/sentry-dsn
SENTRY_EVENTS="$RUN_DIR/sentry-events.jsonl"
start_error_reporting() {
  log "Starting moto (Secrets Manager API) on 127.0.0.1:$SECRETS_PORT and a Sentry receiver on 127.0.0.1:$SENTRY_PORT"
  moto_server -H 127.0.0.1 -p "$SECRETS_PORT" > "$RUN_DIR/moto.log" 2>&1 &
  echo $! > "$RUN_DIR/moto.pid"
  : > "$SENTRY_EVENTS"
  "$(built sentry-receiver)" --port "$SENTRY_PORT" --out "$SENTRY_EVENTS" > "$RUN_DIR/sentry.log" 2>&1 &
  echo $! > "$RUN_DIR/sentry.pid"
  wait_port "$SECRETS_PORT" moto 30
  wait_port "$SENTRY_PORT" sentry 10
  "$ROOT/.tools/venv-moto/bin/python" - "http://127.0.0.1:$SECRETS_PORT" "$SENTRY_SECRET" "http://public@127.0.0.1:$SENTRY_PORT/1" <<'PY'
import sys, boto3
endpoint, name, dsn = sys.argv[1:]
boto3.client("secretsmanager", endpoint_url=endpoint).create_secret(Name=name, SecretString=dsn)
PY
  function_env+=(
    "SENTRY_DSN_SECRET=$SENTRY_SECRET"
    "AWS_ENDPOINT_URL_SECRETS_MANAGER=http://127.0.0.1:$SECRETS_PORT"
    "SENTRY_ENVIRONMENT=local"
  )
}

start_gateway() { # [log file]; without one the output is the terminal's
  local args=(--listen "127.0.0.1:$LOCAL_API_PORT" --invoke "http://127.0.0.1:$FUNCTIONS_PORT" --root "$ROOT")
  # In tests the functions reach the Runtime API through the gateway, which
  # then plays Lambda's part in traces (local/gateway/src/trace.rs).
  [ -z "${GATEWAY_TRACES:-}" ] || args+=(--xray "127.0.0.1:$XRAY_PORT")
  if [ "$AUTH" = open ]; then args+=(--auth open)
  else args+=(--issuer "$COGNITO_ISSUER" --audience "$COGNITO_CLIENT_ID"); fi
  if [ -n "${1:-}" ]; then "$(built local-gateway)" "${args[@]}" > "$1" 2>&1 &
  else "$(built local-gateway)" "${args[@]}" & fi
  echo $! > "$RUN_DIR/gateway.pid"
  wait_port "$LOCAL_API_PORT" gateway 20
}

start_watch() { # extra cargo lambda watch arguments
  log "Starting the functions behind cargo lambda watch (Invoke API on 127.0.0.1:$FUNCTIONS_PORT)"
  local args=(--invoke-address 127.0.0.1 --invoke-port "$FUNCTIONS_PORT") var
  for var in "${function_env[@]}"; do args+=(--env-var "$var"); done
  set -m
  if [ -n "${WATCH_LOG:-}" ]; then cargo lambda watch "$@" "${args[@]}" >> "$WATCH_LOG" 2>&1 &
  else cargo lambda watch "$@" "${args[@]}" & fi
  echo $! > "$RUN_DIR/watch.pid"
  set +m
  wait_port "$FUNCTIONS_PORT" watch 120
  kill -0 "$(cat "$RUN_DIR/watch.pid")" 2>/dev/null \
    || { echo "error: cargo lambda watch stopped (log above or in $RUN_DIR/watch.log)" >&2; exit 1; }
}

# For tests: cargo lambda watch serves only the Lambda APIs (no reloading),
# and each function's binary, as built, is started here at once, as Lambda
# starts an instance: with the Runtime API's address (its path names the
# function; the gateway relays it to watch, and gives each invocation the
# trace header it began) and the variables Lambda sets. Left to cargo lambda watch, each
# would start through `cargo run` on its first invocation, seconds of cargo
# checking that everything is fresh. One instance per function, as watch
# runs them (--concurrency 1); one that exits is started again, as Lambda
# replaces an instance whose runtime failed.
start_functions() {
  log "Starting each function's binary (its log: ${RUN_DIR#"$ROOT/"}/watch.log)"
  local dir f bin
  set -m
  (
    for dir in functions/*/; do
      f=$(basename "$dir") bin=$(built "$(basename "$dir")")
      while :; do
        env "${function_env[@]}" AWS_LAMBDA_FUNCTION_NAME="$f" AWS_LAMBDA_FUNCTION_VERSION='$LATEST' \
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 AWS_LAMBDA_LOG_GROUP_NAME="/aws/lambda/$f" \
          AWS_LAMBDA_LOG_STREAM_NAME=local AWS_LAMBDA_RUNTIME_API="http://127.0.0.1:$LOCAL_API_PORT/.rt/$f" \
          "$bin" || echo "$f exited ($?): starting it again" >&2
        sleep 0.2
      done &
    done
    wait
  ) >> "$RUN_DIR/watch.log" 2>&1 &
  echo $! > "$RUN_DIR/functions.pid"
  set +m
}

# cargo lambda watch starts a function's binary on its first invocation:
# start each one now, straight through the Invoke API, so that a first
# request through the gateway is seldom held up by it. (An empty event is
# refused by the function; starting it is all that is wanted.)
warm_up() {
  local dir f
  for dir in functions/*/; do
    f=$(basename "$dir")
    curl -s -o /dev/null --max-time 300 -X POST -d '{}' \
      "http://127.0.0.1:$FUNCTIONS_PORT/2015-03-31/functions/$f/invocations" || true
  done
}

stop_all() {
  rm -f "$IDENTITY_ENV"
  for name in gateway functions watch dynalite cognito moto sentry xray; do
    if [ -f "$RUN_DIR/$name.pid" ]; then
      pid=$(cat "$RUN_DIR/$name.pid")
      kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
      rm -f "$RUN_DIR/$name.pid"
    fi
  done
}

# How to call the API, as `make dev` prints it.
usage_message() {
  local api="http://127.0.0.1:$LOCAL_API_PORT"
  if [ "$AUTH" = open ]; then
    cat <<MSG

  The API is running on $api in open mode: no tokens, no ownership rules  (Ctrl-C stops it)

    curl -i -X PUT $api/hello/Ann -H 'content-type: application/json' -d '{"dateOfBirth":"1990-04-23"}'
    curl $api/hello/Ann
    curl $api/users/Ann
    curl '$api/users?limit=10'
    curl '$api/time?tz=Asia/Kolkata'

  make traces prints the last requests as X-Ray waterfalls (each DynamoDB call timed).

MSG
    return
  fi
  cat <<MSG

  The API is running on $api  (Ctrl-C stops it)

  PUT /hello/{username}, GET /users/{username} and GET /users take an access token of
  the local user pool (cognito-local on $COGNITO_ENDPOINT, pool $COGNITO_POOL_ID,
  app client $COGNITO_CLIENT_ID, kept in ${COGNITO_DIR#"$ROOT/"}). In another terminal:

    TOKEN=\$(make -s token USER=Ann)    # creates Ann if needed; ADMIN=1 also puts her in admins
    curl -i -X PUT $api/hello/Ann -H "authorization: Bearer \$TOKEN" -H 'content-type: application/json' -d '{"dateOfBirth":"1990-04-23"}'
    curl $api/hello/Ann
    curl $api/users/Ann -H "authorization: Bearer \$TOKEN"
    curl '$api/users?limit=10' -H "authorization: Bearer \$(make -s token USER=Boss ADMIN=1)"
    curl '$api/time?tz=Asia/Kolkata'

  make token sets the user's password to the development password $DEV_PASSWORD
  (or PASSWORD=..., 12+ characters with upper and lower case, a digit and a symbol).
  Tokens last 1 hour. make dev AUTH=open runs without tokens. make traces prints
  the last requests as X-Ray waterfalls (each DynamoDB call timed).

MSG
}

case "${1:-}" in
  serve)
    check_ports serve
    # Whatever ends this (Ctrl-C, a failed step, a closed terminal), nothing is left running.
    trap 'stop_all' EXIT
    trap 'echo; log "Stopping"; exit 0' INT TERM HUP
    need_while_building lambda node
    COGNITO_DIR="$ROOT/.local/cognito/dev"
    [ "$AUTH" = open ] || start_cognito "$COGNITO_DIR"
    mkdir -p "$ROOT/.local/dynamodb"
    start_dynamodb --path "$ROOT/.local/dynamodb"
    start_identity "$COGNITO_DIR"
    start_xray "$ROOT/.local/xray/segments.jsonl"
    start_watch
    start_gateway
    # Beside the first requests, not before them: the API answers as soon as
    # the gateway listens (a request to a function still starting waits for it).
    warm_up &
    usage_message
    wait
    ;;
  start)
    stop_all
    check_ports start
    trap 'status=$?; [ "$status" = 0 ] || stop_all; exit "$status"' EXIT
    # moto: the Secrets Manager API holding the functions' Sentry DSN.
    need_while_building lambda node moto
    # The tests' own pool, kept between runs (they use new usernames each time).
    COGNITO_DIR="$ROOT/.local/cognito/test"
    [ "$AUTH" = open ] || start_cognito "$COGNITO_DIR"
    start_dynamodb
    start_identity "$COGNITO_DIR"
    start_error_reporting
    : > "$RUN_DIR/xray-segments.jsonl"
    # watch's lines and the functions' go to one file, each appending.
    : > "$RUN_DIR/watch.log"
    start_xray "$RUN_DIR/xray-segments.jsonl"
    # The gateway first: the functions ask it for their first event.
    WATCH_LOG="$RUN_DIR/watch.log" start_watch --only-lambda-apis --quiet
    GATEWAY_TRACES=1 start_gateway "$RUN_DIR/gateway.log"
    start_functions
    log "Local API ready at http://127.0.0.1:$LOCAL_API_PORT (log: $RUN_DIR/gateway.log)"
    ;;
  stop)
    stop_all
    ;;
  token)
    [ -n "${2:-}" ] || { echo "usage: $0 token NAME [--admin] [--password P]" >&2; exit 2; }
    if [ ! -f "$IDENTITY_ENV" ]; then
      echo "error: the local API is not running (there is no ${IDENTITY_ENV#"$ROOT/"}): start it with make dev, then ask for the token again" >&2
      exit 1
    fi
    source "$IDENTITY_ENV"
    if [ "$LOCAL_AUTH" = open ]; then
      echo "error: the local API runs in open mode (make dev AUTH=open) and takes no tokens: restart it with make dev for tokens" >&2
      exit 1
    fi
    # Built with everything else by serve and start; built here only if it is missing.
    [ -x "$(built local-identity)" ] || cargo build --quiet --bin local-identity >&2
    exec "$(built local-identity)" token --endpoint "$COGNITO_ENDPOINT" --state "$COGNITO_STATE" --user "$2" "${@:3}"
    ;;
  *)
    echo "usage: $0 serve|start|stop|token" >&2; exit 2 ;;
esac
