#!/usr/bin/env bash
# `make function`, tried as a team member tries it: in a copy of this tree,
# the scaffold makes one function of each kind (owner, admin, public); the
# new crates must be formatted, pass clippy's lints and their tests, and the
# template tests must pass on the copy (its stacks regenerated, its README
# and diagram updated). Requests it must refuse (a name or route that
# exists, a name that is no crate name, a path that is no template) must
# change nothing. Run by `make test` after the tests, in their build
# environment (scripts/build-env.sh), so the copy's build shares this
# checkout's compiled dependencies.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
need rustfmt clippy llvm cov
source scripts/build-env.sh

work="$TARGET_DIR/scaffold"
copy="$work/workspace"
mkdir -p "$work"
# The files a clone would have (and those not yet committed), modification
# times kept, so cargo finds the copy's crates built on the next run.
rm -rf "$copy" && mkdir -p "$copy"
git ls-files -z --cached --others --exclude-standard \
  | tar --null -T - -c | tar -x -C "$copy"
# The installed tools are this checkout's (some template tests run them).
ln -s "$ROOT/.tools" "$copy/.tools"
# Cargo names a workspace crate's artifacts by its path within the
# workspace, so the copy's crates would overwrite this checkout's in the
# shared target folder (and its tests then run the copy's code). Another
# version gives them names of their own; the dependencies are unchanged.
find "$copy" -name Cargo.toml -not -path "$copy/.tools/*" -print0 \
  | xargs -0 sed -i 's/^version = "0\.1\.0"$/version = "0.1.0-scaffold-check"/'
# The copy builds in this checkout's target folder, so it finds the
# dependencies compiled (only its own crates are its own); its instrumented
# runs write their profiles here, not among this checkout's (the coverage
# report is of this tree alone).
export CARGO_TARGET_DIR="$TARGET_DIR"
export LLVM_PROFILE_FILE="$work/profiles/%p-%m.profraw"

scaffold=$(built new-function)
tree_hash() { (cd "$copy" && find . -path ./.local -prune -o -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum); }

log "make function refuses what it cannot make, and changes nothing"
before=$(tree_hash)
refused=0
refuse() { # expected words, then NAME ROUTE [AUTH]
  local expected=$1 output
  shift
  if output=$(WORKSPACE_ROOT="$copy" "$scaffold" "$@" 2>&1); then
    echo "error: make function NAME=$1 ROUTE=\"$2\" ${3:+AUTH=$3} was not refused" >&2; exit 1
  fi
  grep -q -- "$expected" <<< "$output" \
    || { echo "error: make function NAME=$1 ROUTE=\"$2\": expected \"$expected\" in: $output" >&2; exit 1; }
  refused=$((refused + 1))
}
refuse "functions/get_users exists already" get_users "GET /scaffold-check"
refuse "has GET /users/{username} already" scaffold_check "GET /users/{name}"
refuse "is not a crate name" Scaffold-Check "GET /scaffold-check"
refuse "is not a path template" scaffold_check "GET /scaffold-check/{user name}"
refuse "needs {username} in the path" scaffold_check "GET /scaffold-check" owner
refuse "AUTH is" scaffold_check "GET /scaffold-check" everyone
[ "$(tree_hash)" = "$before" ] || { echo "error: a refused make function changed the workspace" >&2; exit 1; }

# Names and paths of its own, so that it runs in a workspace whatever
# functions it has; as many of the three kinds as the monitoring alarms have
# room for (MAX_FUNCTIONS in tests/src/generated.rs, 9).
log "make function: one of each kind in a copy of the tree (${copy#"$ROOT/"})"
room=$(( 9 - $(grep -c '^\[\[function\]\]' "$copy/stacks/functions.toml") ))
made=()
make_one() { # name route [auth]
  [ "${#made[@]}" -lt "$room" ] || { log "no room for $1 (the monitoring alarms take 9 functions): not made"; return 0; }
  WORKSPACE_ROOT="$copy" "$scaffold" "$@" > "$work/$1.log"
  made+=("$1")
}
make_one scaffold_check_owner "GET /scaffold-check/{username}"
make_one scaffold_check_admin "GET /scaffold-check" admin
# A second method on the path just made, public.
make_one scaffold_check_public "PUT /scaffold-check/{username}" public
packages=(); for name in "${made[@]}"; do packages+=(-p "$name"); done

log "The new crates: formatted, clippy-clean (as errors) and their tests passing"
(
  cd "$copy"
  [ "${#made[@]}" -gt 0 ] || exit 0
  cargo fmt --check "${packages[@]}"
  # With the tests crate selected too: its dependencies (the hand-unified
  # features among them) make the build's features the workspace's, so the
  # copy finds every dependency compiled; the new crates alone would want
  # some 45 of them with other features. --lib --test handler: the new
  # crates' tests, not the tests crate's own.
  cargo test "${packages[@]}" -p api-tests --lib --test handler \
    > "$work/crates.log" 2>&1 \
    || { tail -n 40 "$work/crates.log" >&2; echo "error: the scaffolded crates do not build or pass (log: $work/crates.log)" >&2; exit 1; }
)

log "The template tests on the copy (stacks regenerated, README and diagram updated)"
# This checkout's template tests, reading the copy's files. Not the one that
# compares the handlers' compiled-in routes: the copy's handlers are not in
# this build (the copy's own `make test` checks them).
cargo test -p api-tests --test templates --no-run --message-format=json > "$work/templates.json" 2> "$work/templates-build.log" \
  || { cat "$work/templates-build.log" >&2; echo "error: the template tests do not build" >&2; exit 1; }
templates=$(python3 -c 'import json, sys; print(next(m["executable"] for m in map(json.loads, sys.stdin) if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "templates" and m.get("executable")))' < "$work/templates.json")
WORKSPACE_ROOT="$copy" "$templates" --quiet --skip handlers_declare_the_openapi_routes > "$work/templates.log" 2>&1 \
  || { tail -n 40 "$work/templates.log" >&2; echo "error: the template tests fail on the scaffolded copy (log: $work/templates.log)" >&2; exit 1; }
[ "${#made[@]}" = 0 ] || grep -q "GET /scaffold-check/{username}" "$copy/stacks/api.yaml" \
  || { echo "error: the copy's API stack has no route GET /scaffold-check/{username}" >&2; exit 1; }
log "make function: $refused refusals changed nothing; ${#made[@]} functions made, built, linted and tested; the templates agree"
