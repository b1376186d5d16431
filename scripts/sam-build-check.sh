#!/usr/bin/env bash
# sam build of every function for arm64 without Docker, into
# .aws-sam/template-check: what the template check packages
# (scripts/check-package.sh) and `make sam-invoke` runs in Lambda's image.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
need sam lambda zig arm64

# The check proves the wiring (template, BuildMethod, CodeUri, cargo-lambda,
# zig, arm64), not the deployed optimisation: the release profile's fat LTO
# and single codegen unit are turned off here through cargo's environment
# overrides, in a target folder of its own so that `make build` and
# `make package` (the real profile) do not rebuild after it.
log "sam build (arm64, cargo-lambda with zig, no Docker; unoptimised release profile)"
export CARGO_PROFILE_RELEASE_OPT_LEVEL=0 CARGO_PROFILE_RELEASE_LTO=off \
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 CARGO_PROFILE_RELEASE_INCREMENTAL=true \
  CARGO_TARGET_DIR="$TARGET_DIR/template-check"
# sam build runs stacks/Makefile for each function: one cargo invocation
# builds them all, the rest copy.
sam build --template template.yaml --build-dir .aws-sam/template-check
# Every AWS::Serverless::Function of the functions stack (generated from
# the table in tests/src/templates.rs), so a new one needs no edit here.
functions=$(grep -B1 -E '^    Type: AWS::Serverless::Function$' stacks/functions.yaml | sed -nE 's/^  ([A-Za-z0-9]+):$/\1/p' || true)
[ -n "$functions" ] || { echo "error: no function found in stacks/functions.yaml" >&2; exit 1; }
for f in $functions; do
  file=".aws-sam/template-check/Functions/$f/bootstrap"
  [ -x "$file" ] || { echo "error: sam build did not produce $file" >&2; exit 1; }
  file -b "$file" | grep -q 'ARM aarch64' || { echo "error: $file is not an arm64 executable" >&2; exit 1; }
  printf '  %-22s %s bytes\n' "$f" "$(stat -c %s "$file")"
done
