#!/usr/bin/env bash
# Builds the three functions as Lambda deploys them (provided.al2023, arm64)
# with cargo-lambda (zig as the cross linker), zips them, and prints sizes.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

log "cargo lambda build --release --arm64 (all functions)"
cargo lambda build --release --arm64 --output-format zip \
  -p server_time -p put_birthday -p get_user_by_id
printf '%-16s %12s %12s\n' function bootstrap zip
for f in server_time put_birthday get_user_by_id; do
  dir="target/lambda/$f"
  raw=$(unzip -l "$dir/bootstrap.zip" | awk '/bootstrap$/ {print $1}')
  printf '%-16s %12s %12s\n' "$f" "$raw" "$(stat -c %s "$dir/bootstrap.zip")"
done
