#!/usr/bin/env bash
# `make traces`: the last requests the local API traced (make dev, or the
# tests' run), as small waterfalls: route, status and total, then each
# DynamoDB call attempt with its offset and duration, and init's warm-up on
# a cold start. Reads what the stand-in X-Ray daemon wrote
# (.local/xray/segments.jsonl; TRACES=N for more than the last 10).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
cargo build --quiet --bin traces
"$(built traces)" --count "${TRACES:-10}" "${1:-$ROOT/.local/xray/segments.jsonl}"
