#!/usr/bin/env bash
# The local API: dynalite (a DynamoDB implementation) on 127.0.0.1, the users
# table in it, and the three real function binaries behind `cargo lambda
# watch`, routed as openapi.yaml declares (see [workspace.metadata.lambda.watch.router]).
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
  --invoke-address 127.0.0.1 --invoke-port "$LOCAL_API_PORT"
  --env-var "TABLE_NAME=$TABLE_NAME"
  --env-var "AWS_ENDPOINT_URL_DYNAMODB=$AWS_ENDPOINT_URL_DYNAMODB"
  --env-var "AWS_REGION=$AWS_REGION"
  --env-var "AWS_EC2_METADATA_DISABLED=true"
  --env-var "AWS_ACCESS_KEY_ID=local"
  --env-var "AWS_SECRET_ACCESS_KEY=local"
  --env-var "RUST_LOG=${RUST_LOG:-info}"
)

# The first request to each function starts its binary; make that happen now.
# (The PUT has no body: it is refused with a 400 and stores nothing.)
warm_up() {
  for path in /time /users/warmup /hello/warmup; do
    curl -s -o /dev/null --max-time 600 "http://127.0.0.1:$LOCAL_API_PORT$path" || true
  done
  curl -s -o /dev/null --max-time 600 -X PUT "http://127.0.0.1:$LOCAL_API_PORT/hello/warmup" || true
}

stop_all() {
  for name in watch dynalite; do
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
    log "Building the functions"
    cargo build --quiet -p server_time -p put_birthday -p get_user_by_id
    set -m
    cargo lambda watch "${watch_args[@]}" &
    echo $! > "$RUN_DIR/watch.pid"
    set +m
    wait_port "$LOCAL_API_PORT" watch 120 2>/dev/null || true
    warm_up
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
    log "Starting the functions behind cargo lambda watch on 127.0.0.1:$LOCAL_API_PORT"
    set -m
    cargo lambda watch --ignore-changes --quiet "${watch_args[@]}" > "$RUN_DIR/watch.log" 2>&1 &
    echo $! > "$RUN_DIR/watch.pid"
    set +m
    wait_port "$LOCAL_API_PORT" watch 300
    warm_up
    log "Local API ready at http://127.0.0.1:$LOCAL_API_PORT"
    ;;
  stop)
    stop_all
    ;;
  *)
    echo "usage: $0 serve|start|stop" >&2; exit 2 ;;
esac
