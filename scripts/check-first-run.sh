#!/usr/bin/env bash
# A newcomer's first command, for real: `make load` (which once failed in a
# fresh clone, for want of moto) in a copy of this tree with no .tools/ of
# its own, started from a bare environment, its build in this checkout's
# target folder: outside the copy, so the scripts must honour
# CARGO_TARGET_DIR, and shared by two trees, so each must run its own
# binaries with its own files. The installs come from the package
# registries (through pip's and npm's caches where they are warm).
#
# A run is keyed by what decides how a first run installs and builds: the
# Makefile, the scripts (setup.sh's pins among them), the manifests and
# Cargo.lock. With none of them changed since it last passed, it says so and
# is skipped (FIRST_RUN=1 runs it anyway); what the code does is the rest of
# the suite's to check.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

work="$TARGET_DIR/first-run"
copy="$work/clone"
key=$(git ls-files -z --cached --others --exclude-standard -- Makefile scripts Cargo.lock '*Cargo.toml' \
  | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
if [ "${FIRST_RUN:-}" != 1 ] && [ "$(cat "$work/passed" 2>/dev/null)" = "$key" ]; then
  log "make load in a fresh copy: passed already with these scripts, manifests and lock file ($key), skipped (FIRST_RUN=1 runs it)"
  exit 0
fi

rm -rf "$copy" && mkdir -p "$copy"
# The files a clone would have (and those not yet committed), modification
# times kept, so cargo finds the copy's crates built on the next run.
git ls-files -z --cached --others --exclude-standard \
  | tar --null -T - -c | tar -x -C "$copy"

# A new terminal: none of this checkout's tools on PATH, none of its
# variables; only where the toolchain and the caches are (the user's own
# settings for them kept).
path=$(tr ':' '\n' <<< "$PATH" | grep -v "^$ROOT/" | paste -sd:)
log "make load in a fresh copy (${copy#"$ROOT/"}), CARGO_TARGET_DIR=${TARGET_DIR#"$ROOT/"}, LOAD_SECONDS=3"
started=$SECONDS
# Under make test, its build environment (scripts/build-env.sh) is passed
# on: cargo names the copy's crates by their paths in the workspace, the
# same as this checkout's, so the copy finds them built with the same flags
# instead of compiling the workspace again. What this checks is the rest:
# the installs, the target folder outside the tree, each tree its own files.
build_env=()
for name in RUSTC_WORKSPACE_WRAPPER CLIPPY_ARGS RUSTC_WRAPPER CARGO_LLVM_COV CARGO_LLVM_COV_SHOW_ENV \
    CARGO_LLVM_COV_TARGET_DIR CARGO_LLVM_COV_BUILD_DIR __CARGO_LLVM_COV_RUSTC_WRAPPER \
    __CARGO_LLVM_COV_RUSTC_WRAPPER_RUSTFLAGS __CARGO_LLVM_COV_RUSTC_WRAPPER_CRATE_NAMES; do
  [ -z "${!name:-}" ] || build_env+=("$name=${!name}")
done
# Its instrumented processes write their profiles beside its log.
[ "${#build_env[@]}" = 0 ] || build_env+=("LLVM_PROFILE_FILE=$work/profiles/%p-%m.profraw")
env -i HOME="$HOME" PATH="$path" TERM="${TERM:-dumb}" "${build_env[@]}" \
  ${CARGO_HOME:+CARGO_HOME="$CARGO_HOME"} ${RUSTUP_HOME:+RUSTUP_HOME="$RUSTUP_HOME"} \
  ${PIP_CACHE_DIR:+PIP_CACHE_DIR="$PIP_CACHE_DIR"} ${npm_config_cache:+npm_config_cache="$npm_config_cache"} \
  CARGO_TARGET_DIR="$TARGET_DIR" LOAD_SECONDS=3 \
  make -C "$copy" load > "$work/load.log" 2>&1 \
  || { tail -n 30 "$work/load.log" >&2; echo "error: make load failed as a first command (log: $work/load.log)" >&2; exit 1; }
# The load ran against the copy's own local API, and read the copy's files.
grep -q "held: zero 5xx, zero lost writes" "$work/load.log" \
  || { tail -n 30 "$work/load.log" >&2; echo "error: make load ran but did not report its writes (log: $work/load.log)" >&2; exit 1; }
[ -d "$copy/.tools/venv-moto" ] || { echo "error: make load did not install moto into the copy's .tools/" >&2; exit 1; }
echo "$key" > "$work/passed"
log "make load as a first command passed in $(( SECONDS - started )) s"
