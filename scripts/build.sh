#!/usr/bin/env bash
# Builds every function (functions/*) as Lambda deploys them (provided.al2023, arm64)
# with cargo-lambda (zig as the cross linker), zips them, and prints sizes.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
need lambda zig arm64

functions=(); for d in functions/*/; do functions+=("$(basename "$d")"); done
pkgs=(); for f in "${functions[@]}"; do pkgs+=(-p "$f"); done
log "cargo lambda build --release --arm64 (${functions[*]})"
cargo lambda build --release --arm64 --output-format zip "${pkgs[@]}"
printf '%-16s %12s %12s\n' function bootstrap zip
for f in "${functions[@]}"; do
  dir="$TARGET_DIR/lambda/$f"
  raw=$(unzip -l "$dir/bootstrap.zip" | awk '/bootstrap$/ {print $1}')
  printf '%-16s %12s %12s\n' "$f" "$raw" "$(stat -c %s "$dir/bootstrap.zip")"
done
