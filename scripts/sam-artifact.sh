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
# The crate whose name in upper camel case, then "Function", is the logical
# id (stacks/functions.toml: server_time is ServerTimeFunction). Matched
# that way round: names such as get_a_user do not come back from their ids.
crate="" packages=()
for d in functions/*/; do
  name=$(basename "$d")
  packages+=(-p "$name")
  camel=$(printf '%s' "$name" | awk -F_ '{ for (i = 1; i <= NF; i++) printf "%s%s", toupper(substr($i, 1, 1)), substr($i, 2) }')
  [ "${camel}Function" != "$logical_id" ] || crate="$name"
done
[ -n "$crate" ] || { echo "error: $logical_id is no function's logical id (a crate under functions/ in upper camel case, then Function)" >&2; exit 1; }
cargo lambda build --release --arm64 "${packages[@]}"
mkdir -p "$artifacts"
cp "$TARGET_DIR/lambda/$crate/bootstrap" "$artifacts/bootstrap"
