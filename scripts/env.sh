# Sourced by every script: the project's tools on PATH, and an environment in
# which nothing leaves 127.0.0.1 (the AWS SDK otherwise asks the EC2 metadata
# address for a region and credentials).
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# venv-lambda comes first: cargo-lambda finds zig as `python3 -m ziglang`.
PATH="$HOME/.cargo/bin:$PATH"
for tools in node/node_modules/.bin venv-cov/bin venv-deny/bin venv-checks/bin venv-sam/bin venv-lambda/bin; do
  PATH="$ROOT/.tools/$tools:$PATH"
done
export PATH

export AWS_REGION="${AWS_REGION:-us-east-1}"
export AWS_DEFAULT_REGION="$AWS_REGION"
export AWS_EC2_METADATA_DISABLED=true
export AWS_ACCESS_KEY_ID=local
export AWS_SECRET_ACCESS_KEY=local
unset AWS_SESSION_TOKEN AWS_PROFILE

export SAM_CLI_TELEMETRY=0
export SAM_CLI_DISABLE_UPDATE_CHECK=1
export CKV_SKIP_PACKAGE_UPDATE_CHECK=true
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# The local API.
export LOCAL_API_PORT="${LOCAL_API_PORT:-3000}"
export FUNCTIONS_PORT="${FUNCTIONS_PORT:-9001}"
export DYNAMODB_PORT="${DYNAMODB_PORT:-8000}"
export TABLE_NAME="${TABLE_NAME:-users}"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
