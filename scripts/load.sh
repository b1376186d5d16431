#!/usr/bin/env bash
# `make load`: the full load test (tests/src/load.rs) against a local API of
# its own on free loopback ports; prints throughput, latency percentiles and
# whether any write was lost. Bounded: LOAD_SECONDS (default 120) at most.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
use_free_ports
trap 'scripts/local-api.sh stop' EXIT
# It installs what it uses and builds the local API's binaries; the load
# generator is built beside them (one cargo run: the same features).
scripts/local-api.sh start
cargo build --quiet --bin load
LOCAL_API_URL="http://127.0.0.1:$LOCAL_API_PORT" "$(built load)"
