# The two commands a newcomer needs: `make dev` and `make test`.
# Every target installs what it uses first (scripts/setup.sh <what>, pinned
# versions, from the package registries) and nothing else.
SHELL := /bin/bash

.PHONY: dev token traces test sam-invoke coverage setup build bench cost fuzz load diagram function regenerate smoke fmt lint clean package deploy-packaged publish-web smoke-deployed release-gate pipeline team-channel github-oidc preview-deploy preview-smoke preview-bench preview-comment preview-teardown preview-sweep preview-fork-notice

## Run the API locally on http://127.0.0.1:3000 (Ctrl-C stops it), with the
## local user pool (cognito-local) for tokens; `make dev AUTH=open` runs
## without tokens or ownership rules
dev:
	scripts/local-api.sh serve

## Print an access token of the running `make dev`'s user pool, and nothing
## else: make -s token USER=Ann [ADMIN=1] [PASSWORD=...]. The user is created
## if needed, and their password set to the one given or to the development
## password Birthdays-dev-2026 (DEFAULT_PASSWORD in local/identity); ADMIN=1
## puts them in admins. As in: curl -H "authorization: Bearer $(make -s token USER=Ann)" ...
token:
ifneq ($(origin USER),command line)
	@echo "error: name the user: make -s token USER=Ann [ADMIN=1] [PASSWORD=...]" >&2; exit 2
else
	@scripts/local-api.sh token '$(subst ','\'',$(value USER))' \
	  $(if $(filter 1 yes true,$(ADMIN)),--admin) \
	  $(if $(filter command line,$(origin PASSWORD)),--password '$(subst ','\'',$(value PASSWORD))')
endif

## Print the last requests the running `make dev` traced, as waterfalls
## (route, total, each DynamoDB call with its duration): make traces [TRACES=20]
traces:
	scripts/traces.sh

## Run every check and test
test:
	scripts/test.sh

## Every events/ file through `sam local invoke`, arm64 in Lambda's image
## under Docker (started, as root, if none runs), against a local DynamoDB API
sam-invoke:
	scripts/sam-invoke.sh

## Every test once, instrumented: line coverage of shared/ and functions/,
## HTML in target/coverage/html/, failing under the limit in scripts/coverage.sh
coverage:
	scripts/coverage.sh

## Install every pinned tool into .tools/ (make test installs them itself)
setup:
	scripts/setup.sh test

## Build the release binaries for Lambda (provided.al2023, arm64) and print their sizes
build:
	scripts/build.sh

fmt:
	scripts/setup.sh rustfmt
	cargo fmt --all

lint:
	scripts/setup.sh clippy
	cargo clippy --workspace --all-targets -- -D warnings

clean:
	scripts/local-api.sh stop || true
	cargo clean
	rm -rf .aws-sam .local

## Measure cold start, warm throughput, memory and size; writes BENCHMARKS.md
## (make bench BASELINE=<revision>: also that revision's functions, before and after)
bench:
	scripts/bench.sh

## The estimated monthly cost per route and for a mix, at 1, 10 and 100 M
## requests (prices in cicd/cost.json, durations from BENCHMARKS.md)
cost:
	scripts/cost.sh

## The property tests with many more inputs (FUZZ_CASES, default 100000)
fuzz:
	FUZZ_CASES=$${FUZZ_CASES:-100000} cargo test --release -p api-tests --test properties

## The full load test against a local API of its own (bounded; prints the figures)
load:
	scripts/load.sh

## Regenerate the README's architecture diagram from the templates
diagram:
	scripts/diagram.sh

## A new function: make function NAME=get_reports ROUTE="GET /reports/{username}"
## [AUTH=owner|admin|public] writes its crate, its row in stacks/functions.toml,
## its openapi.yaml operation, an events/ file and a README line, and
## regenerates the stacks; refuses (changing nothing) a name or route that exists
function:
	scripts/new-function.sh '$(subst ','\'',$(NAME))' '$(subst ','\'',$(ROUTE))' '$(subst ','\'',$(AUTH))'

## Rewrite what is generated from stacks/functions.toml and openapi.yaml:
## parts of the stacks and template.yaml, the README's diagram
regenerate:
	scripts/new-function.sh --regenerate

## Smoke-check a running API: make smoke API_URL=https://...
smoke:
	cargo run --quiet --release -p smoke -- "$(API_URL)"

## Delivery steps (they talk to AWS; see scripts/deliver.sh and README "Delivery")
package deploy-packaged publish-web smoke-deployed release-gate pipeline team-channel github-oidc:
	scripts/deliver.sh $@

## Pull-request previews (.github/workflows/preview.yml runs them; they talk
## to AWS and GitHub): make preview-deploy PR=12, preview-smoke, preview-bench
## (a short make bench, local), preview-comment, preview-teardown; preview-sweep;
## preview-fork-notice. Switched on by make github-oidc REPOSITORY=owner/name
## (README, "Previews")
preview-deploy preview-smoke preview-bench preview-comment preview-teardown preview-sweep preview-fork-notice:
	scripts/deliver.sh $@

## Deploy the pipeline of a stage: make pipeline STAGE=dev CONNECTION_ARN=... REPOSITORY=owner/name
## [SLACK_WORKSPACE_ID=... SLACK_CHANNEL_ID=... | TEAMS_TEAM_ID=... TEAMS_CHANNEL_ID=... TEAMS_TENANT_ID=...]
## (the channel also subscribes every pipeline's news: make team-channel alone does only that)
