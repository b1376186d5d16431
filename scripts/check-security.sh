#!/usr/bin/env bash
# Security checks that run offline: no secrets in the repository
# (detect-secrets against .secrets.baseline), and cargo deny for licenses,
# banned crates and sources (advisories run in the pull-request workflow).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
# cargo deny runs offline: every crate of Cargo.lock must be fetched first.
need checks deny crates

# The token_use claim of an access token, as API Gateway passes it (the
# events/ files, and the event `make function` writes), names no secret.
log "detect-secrets on every tracked and new file"
git ls-files -z --cached --others --exclude-standard \
  | grep -zv -E '^(\.secrets\.baseline|Cargo\.lock)$' \
  | xargs -0 detect-secrets-hook --baseline .secrets.baseline \
      --exclude-lines '^\s*.token_use.: .access.,?$'

log "cargo deny check licenses bans sources"
cargo deny --offline check licenses bans sources
