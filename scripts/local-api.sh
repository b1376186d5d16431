#!/usr/bin/env bash
# The local API: dynalite (a DynamoDB implementation) on 127.0.0.1 with the
# users table in it; the three real function binaries behind `cargo lambda
# watch` (its Lambda Invoke API on FUNCTIONS_PORT, hot reload); and in front
# of them the local gateway (local/gateway) on LOCAL_API_PORT, which plays
# API Gateway's HTTP API: routes from openapi.yaml, payload-2.0 events.
#
#   local-api.sh serve   foreground, for `make dev`; data kept in .local/dynamodb; Ctrl-C stops all
#   local-api.sh start   background, for tests; in-memory data; prints nothing but progress
#   local-api.sh stop    stops what `start` started
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

RUN_DIR="$ROOT/.local/run"
mkdir -p "$RUN_DIR"
export AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$DYNAMODB_PORT"

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
  for pair in "DYNAMODB_PORT:$DYNAMODB_PORT" "FUNCTIONS_PORT:$FUNCTIONS_PORT" "LOCAL_API_PORT:$LOCAL_API_PORT"; do
    if port_open "${pair#*:}"; then
      echo "error: port ${pair#*:} is taken (a make dev still running?); stop it, or set ${pair%%:*} to a free port" >&2
      exit 1
    fi
  done
}

# One cargo invocation for every binary, from the workspace root without -p:
# `cargo lambda watch` runs `cargo run --bin <function>` the same way, so it
# finds them built with the same features instead of building them again.
build() {
  log "Building the functions, the local gateway and the table tool"
  cargo build --quiet --bins
}

start_dynamodb() { # extra dynalite arguments
  log "Starting dynalite on 127.0.0.1:$DYNAMODB_PORT"
  dynalite --host 127.0.0.1 --port "$DYNAMODB_PORT" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 "$@" \
    > "$RUN_DIR/dynalite.log" 2>&1 &
  echo $! > "$RUN_DIR/dynalite.pid"
  wait_port "$DYNAMODB_PORT" dynalite 20
  log "Creating table $TABLE_NAME (if absent)"
  target/debug/create-table
}

watch_args=(
  --invoke-address 127.0.0.1 --invoke-port "$FUNCTIONS_PORT"
  --env-var "TABLE_NAME=$TABLE_NAME"
  --env-var "AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB"
  --env-var "AWS_REGION=$AWS_REGION"
  --env-var "AWS_EC2_METADATA_DISABLED=true"
  --env-var "AWS_ACCESS_KEY_ID=local"
  --env-var "AWS_SECRET_ACCESS_KEY=local"
  --env-var "RUST_LOG=${RUST_LOG:-info}"
)

start_gateway() { # [log file]; without one the output is the terminal's
  local args=(--listen "127.0.0.1:$LOCAL_API_PORT" --invoke "http://127.0.0.1:$FUNCTIONS_PORT" --root "$ROOT")
  if [ -n "${1:-}" ]; then target/debug/local-gateway "${args[@]}" > "$1" 2>&1 &
  else target/debug/local-gateway "${args[@]}" & fi
  echo $! > "$RUN_DIR/gateway.pid"
  wait_port "$LOCAL_API_PORT" gateway 20
}

start_watch() { # extra cargo lambda watch arguments
  log "Starting the functions behind cargo lambda watch (Invoke API on 127.0.0.1:$FUNCTIONS_PORT)"
  set -m
  if [ -n "${WATCH_LOG:-}" ]; then cargo lambda watch "$@" "${watch_args[@]}" > "$WATCH_LOG" 2>&1 &
  else cargo lambda watch "$@" "${watch_args[@]}" & fi
  echo $! > "$RUN_DIR/watch.pid"
  set +m
  wait_port "$FUNCTIONS_PORT" watch 120
  kill -0 "$(cat "$RUN_DIR/watch.pid")" 2>/dev/null \
    || { echo "error: cargo lambda watch stopped (log above or in $RUN_DIR/watch.log)" >&2; exit 1; }
}

# cargo lambda watch starts a function's binary on its first invocation:
# start each one now, straight through the Invoke API, so that the first
# request through the gateway is not held up by it. (An empty event is
# refused by the function; starting it is all that is wanted.)
warm_up() {
  for f in server_time put_birthday get_user_by_id; do
    curl -s -o /dev/null --max-time 300 -X POST -d '{}' \
      "http://127.0.0.1:$FUNCTIONS_PORT/2015-03-31/functions/$f/invocations" || true
  done
}

stop_all() {
  for name in gateway watch dynalite; do
    if [ -f "$RUN_DIR/$name.pid" ]; then
      pid=$(cat "$RUN_DIR/$name.pid")
      kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true
      rm -f "$RUN_DIR/$name.pid"
    fi
  done
}

case "${1:-}" in
  serve)
    check_ports
    # Whatever ends this (Ctrl-C, a failed step, a closed terminal), nothing is left running.
    trap 'stop_all' EXIT
    trap 'echo; log "Stopping"; exit 0' INT TERM HUP
    build
    mkdir -p "$ROOT/.local/dynamodb"
    start_dynamodb --path "$ROOT/.local/dynamodb"
    start_watch
    warm_up
    start_gateway
    cat <<MSG

  The API is running on http://127.0.0.1:$LOCAL_API_PORT  (Ctrl-C stops it)

    curl -i -X PUT http://127.0.0.1:$LOCAL_API_PORT/hello/Ann -H 'content-type: application/json' -d '{"dateOfBirth":"1990-04-23"}'
    curl http://127.0.0.1:$LOCAL_API_PORT/hello/Ann
    curl http://127.0.0.1:$LOCAL_API_PORT/users/Ann
    curl 'http://127.0.0.1:$LOCAL_API_PORT/time?tz=Asia/Kolkata'

MSG
    wait
    ;;
  start)
    stop_all
    check_ports
    trap 'status=$?; [ "$status" = 0 ] || stop_all; exit "$status"' EXIT
    build
    start_dynamodb
    WATCH_LOG="$RUN_DIR/watch.log" start_watch --ignore-changes --quiet
    warm_up
    start_gateway "$RUN_DIR/gateway.log"
    log "Local API ready at http://127.0.0.1:$LOCAL_API_PORT (log: $RUN_DIR/gateway.log)"
    ;;
  stop)
    stop_all
    ;;
  *)
    echo "usage: $0 serve|start|stop" >&2; exit 2 ;;
esac
