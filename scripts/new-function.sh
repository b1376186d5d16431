#!/usr/bin/env bash
# `make function NAME=... ROUTE="..." [AUTH=...]` and `make regenerate`: the
# scaffold and the generator (tests/src/scaffold.rs, tests/src/generated.rs),
# run on this checkout. Without -p: the features are the workspace's, so this
# shares make dev's build instead of compiling dependencies of its own.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
# rustfmt lays out the new crate.
need rustfmt
WORKSPACE_ROOT="$ROOT" cargo run --quiet --bin new-function -- "$@"
