# Sourced by every script: the project's tools on PATH, and an environment in
# which nothing leaves 127.0.0.1 (the AWS SDK otherwise asks the EC2 metadata
# address for a region and credentials).
# The physical path: coverage data records files by it.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
# The checkout, told to the tools at run time (tests/src/dynamodb.rs,
# workspace_root): a binary in a shared CARGO_TARGET_DIR may have been built
# from another clone.
WORKSPACE_ROOT="$ROOT"
export ROOT WORKSPACE_ROOT
# venv-zig comes first: cargo-lambda finds zig as `python3 -m ziglang`.
PATH="$HOME/.cargo/bin:$PATH"
for tools in node/node_modules/.bin venv-contract/bin venv-moto/bin venv-cov/bin venv-deny/bin venv-checks/bin venv-sam/bin venv-lambda/bin venv-zig/bin; do
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

source "$ROOT/scripts/target-dir.sh"

# The local API.
export LOCAL_API_PORT="${LOCAL_API_PORT:-3000}"
export FUNCTIONS_PORT="${FUNCTIONS_PORT:-9001}"
export DYNAMODB_PORT="${DYNAMODB_PORT:-8000}"
export COGNITO_PORT="${COGNITO_PORT:-9229}"
# In tests: moto (the Secrets Manager API) and a Sentry receiver.
export SECRETS_PORT="${SECRETS_PORT:-4566}"
export SENTRY_PORT="${SENTRY_PORT:-9002}"
# The stand-in X-Ray daemon (UDP), as Lambda's is on AWS.
export XRAY_PORT="${XRAY_PORT:-2000}"
export TABLE_NAME="${TABLE_NAME:-users}"

# Picks free loopback ports for a run of its own: DYNAMODB_PORT,
# LOCAL_API_PORT, FUNCTIONS_PORT, COGNITO_PORT, SECRETS_PORT and SENTRY_PORT,
# all different (the sockets are held open until all are chosen), and
# XRAY_PORT, a free UDP one.
use_free_ports() {
  local ports
  ports=$(python3 -c 'import socket
socks = [socket.socket() for _ in range(6)] + [socket.socket(socket.AF_INET, socket.SOCK_DGRAM)]
for s in socks: s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))')
  read -r DYNAMODB_PORT LOCAL_API_PORT FUNCTIONS_PORT COGNITO_PORT SECRETS_PORT SENTRY_PORT XRAY_PORT <<< "$ports"
  export DYNAMODB_PORT LOCAL_API_PORT FUNCTIONS_PORT COGNITO_PORT SECRETS_PORT SENTRY_PORT XRAY_PORT
}

# need GROUP...: installs what the calling script uses (scripts/setup.sh).
need() { "$ROOT/scripts/setup.sh" "$@"; }

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
