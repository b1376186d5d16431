#!/usr/bin/env bash
# Writes the architecture diagram, generated from the templates, into README.md.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
WORKSPACE_ROOT="$ROOT" cargo run --quiet --bin diagram
