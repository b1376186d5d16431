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

start_dynamodb() { # extra dynalite arguments
  if port_open "$DYNAMODB_PORT"; then
    echo "error: port $DYNAMODB_PORT is taken; set DYNAMODB_PORT to a free port" >&2; exit 1
  fi
  log "Starting dynalite on 127.0.0.1:$DYNAMODB_PORT"
  dynalite --host 127.0.0.1 --port "$DYNAMODB_PORT" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 "$@" \
    > "$RUN_DIR/dynalite.log" 2>&1 &
  echo $! > "$RUN_DIR/dynalite.pid"
  wait_port "$DYNAMODB_PORT" dynalite 20
  log "Creating table $TABLE_NAME (if absent)"
  cargo run --quiet -p api-tests --bin create-table
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

start_gateway() { # where its output goes
  if port_open "$LOCAL_API_PORT"; then
    echo "error: port $LOCAL_API_PORT is taken; set LOCAL_API_PORT to a free port" >&2; exit 1
  fi
  target/debug/local-gateway --listen "127.0.0.1:$LOCAL_API_PORT" \
    --invoke "http://127.0.0.1:$FUNCTIONS_PORT" --root "$ROOT" > "$1" 2>&1 &
  echo $! > "$RUN_DIR/gateway.pid"
  wait_port "$LOCAL_API_PORT" gateway 20
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
    trap 'echo; log "Stopping"; stop_all; exit 0' INT TERM
    mkdir -p "$ROOT/.local/dynamodb"
    start_dynamodb --path "$ROOT/.local/dynamodb"
    log "Building the functions and the local gateway"
    cargo build --quiet -p server_time -p put_birthday -p get_user_by_id -p local-gateway
    log "Starting the functions behind cargo lambda watch (Invoke API on 127.0.0.1:$FUNCTIONS_PORT)"
    set -m
    cargo lambda watch "${watch_args[@]}" &
    echo $! > "$RUN_DIR/watch.pid"
    set +m
    wait_port "$FUNCTIONS_PORT" watch 120
    warm_up
    start_gateway /dev/stdout
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
    start_dynamodb
    log "Starting the functions behind cargo lambda watch (Invoke API on 127.0.0.1:$FUNCTIONS_PORT)"
    set -m
    cargo lambda watch --ignore-changes --quiet "${watch_args[@]}" > "$RUN_DIR/watch.log" 2>&1 &
    echo $! > "$RUN_DIR/watch.pid"
    set +m
    wait_port "$FUNCTIONS_PORT" watch 300
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
