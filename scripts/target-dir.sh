# Sourced by env.sh and deliver.sh: where cargo puts what it builds, asked of
# cargo once (it honours CARGO_TARGET_DIR and build.target-dir), then
# inherited by every script started from here. Nothing assumes ./target.
# (Where there is no cargo, as in the pipelines' deploy stages, which run
# binaries the build stage made: CARGO_TARGET_DIR or ./target.)
if [ -z "${TARGET_DIR:-}" ]; then
  if command -v cargo >/dev/null; then
    TARGET_DIR="$(cd "$ROOT" && cargo metadata --format-version 1 --no-deps --offline 2>/dev/null \
      | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')" \
      || { echo "error: cargo metadata did not say where the target folder is: run it in $ROOT to see why" >&2; exit 1; }
  else
    TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
  fi
fi
export TARGET_DIR

# A binary of the workspace's, as the last cargo build made it.
built() { printf '%s/debug/%s' "$TARGET_DIR" "$1"; }
