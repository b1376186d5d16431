#!/usr/bin/env bash
# `make load`: the full load test (tests/src/load.rs) against a local API of
# its own on free loopback ports; prints throughput, latency percentiles and
# whether any write was lost. Bounded: LOAD_SECONDS (default 120) at most.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
use_free_ports
cargo build --quiet -p api-tests --bin load -p server_time -p put_birthday -p get_user_by_id -p local-gateway
trap 'scripts/local-api.sh stop' EXIT
scripts/local-api.sh start
LOCAL_API_URL="http://127.0.0.1:$LOCAL_API_PORT" target/debug/load
