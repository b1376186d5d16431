#!/usr/bin/env bash
# Installs everything the project needs, from the package registries only,
# at pinned versions, into .tools/ (git-ignored). Safe to run again: each
# step is skipped when its pinned version is already there.
#   setup.sh          everything
#   setup.sh sam      only the SAM CLI venv (what the pipeline's deploy step needs)
set -euo pipefail
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
CARGO_DENY_VERSION=0.20.2

stamp() { echo "$ROOT/.tools/$1.installed"; }
needs() { [ "$(cat "$(stamp "$1")" 2>/dev/null)" != "$2" ]; }
done_() { echo "$2" > "$(stamp "$1")"; }
mkdir -p .tools

if [ "${1:-}" != sam ]; then
if ! rustup target list --installed | grep -q '^aarch64-unknown-linux-gnu$'; then
  log "Adding the Rust target for Lambda arm64 (aarch64-unknown-linux-gnu)"
  rustup target add aarch64-unknown-linux-gnu
fi
rustup component list --installed | grep -q '^clippy' || rustup component add clippy rustfmt
fi

want="cargo-lambda==$CARGO_LAMBDA_VERSION ziglang==$ZIGLANG_VERSION aws-sam-cli==$SAM_CLI_VERSION cfn-lint==$CFN_LINT_VERSION"
if needs venv "$want"; then
  log "Installing $want (PyPI) into .tools/venv"
  python3 -m venv .tools/venv
  .tools/venv/bin/pip install --quiet --disable-pip-version-check $want
  done_ venv "$want"
fi

[ "${1:-}" = sam ] && exit 0

# checkov pins many libraries that clash with SAM CLI's: it gets its own venv.
want="checkov==$CHECKOV_VERSION detect-secrets==$DETECT_SECRETS_VERSION check-jsonschema==$CHECK_JSONSCHEMA_VERSION"
if needs venv-checkov "$want"; then
  log "Installing $want (PyPI) into .tools/venv-checkov"
  python3 -m venv .tools/venv-checkov
  .tools/venv-checkov/bin/pip install --quiet --disable-pip-version-check $want
  done_ venv-checkov "$want"
fi

want="cargo-deny@$CARGO_DENY_VERSION"
if needs cargo-deny "$want"; then
  log "Installing $want (crates.io) into .tools/cargo (a few minutes, once)"
  cargo install --quiet --locked --root .tools/cargo "cargo-deny@$CARGO_DENY_VERSION"
  done_ cargo-deny "$want"
fi

want="dynalite@$DYNALITE_VERSION"
if needs node "$want"; then
  log "Installing $want (npm) into .tools/node"
  mkdir -p .tools/node
  (cd .tools/node && npm install --silent --no-audit --no-fund --no-save "$want")
  done_ node "$want"
fi
