#!/usr/bin/env bash
# sam-artifact.sh <LogicalId> <ARTIFACTS_DIR>: one function's bootstrap for
# `sam build` (stacks/Makefile). Every function is built for arm64 in one
# `cargo lambda build` (with the profile and target folder of the caller's
# environment: the deployed one for `make package`, the template check's
# quicker one in `make test`); a function already built is only copied.
set -euo pipefail
# Where this cargo puts what it builds: the caller may point CARGO_TARGET_DIR
# elsewhere than the TARGET_DIR it inherited.
unset TARGET_DIR
source "$(dirname "$0")/env.sh"
cd "$ROOT"
need lambda zig arm64
logical_id="$1" artifacts="$2"
# ServerTimeFunction -> server_time (stacks/functions.toml names them so).
crate=$(printf '%s' "${logical_id%Function}" | sed -E 's/([a-z0-9])([A-Z])/\1_\2/g' | tr '[:upper:]' '[:lower:]')
[ -f "functions/$crate/Cargo.toml" ] \
  || { echo "error: $logical_id names no crate: functions/$crate/Cargo.toml does not exist" >&2; exit 1; }
packages=(); for d in functions/*/; do packages+=(-p "$(basename "$d")"); done
cargo lambda build --release --arm64 "${packages[@]}"
mkdir -p "$artifacts"
cp "$TARGET_DIR/lambda/$crate/bootstrap" "$artifacts/bootstrap"
