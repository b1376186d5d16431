#!/usr/bin/env bash
# `make sam-invoke`: every function with every one of its events/ files
# through `sam local invoke`, in Lambda's arm64 image under Docker, against a
# local DynamoDB API (dynalite) that the containers reach on the bridge's
# host address. The answers are checked as the black-box tests check them
# (tests/tests/sam_events.rs, here with SAM as its invoker); the run ends
# with one "N passed, M failed" line.
#
# The events go to SAM's local Lambda service (`sam local start-lambda`,
# its containers started once per function and kept warm: SAM's way for
# automated tests, about a second an event under emulation, where a cold
# `sam local invoke` takes about 12 s); one of them goes through
# `sam local invoke` too, as the README gives it.
#
# Docker: scripts/docker-engine.sh (a running engine, or one of the
# project's own as root; where neither can be, one line says why and this
# exits 0). The image: public.ecr.aws/lambda/provided:al2023-arm64 where it
# can be pulled, otherwise a stand-in built from Debian's arm64 packages
# (local/sam-image), once per content. SAM_BUILD_DONE=1 reuses the template
# check's sam build; SAM_BUILD_WAIT_PID and SAM_BUILD_READY wait for it
# (make test, below).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
need sam lambda zig arm64 node
source scripts/docker-engine.sh
WORK="$ROOT/.local/sam-invoke"
mkdir -p "$WORK"
dynalite_pid="" service_pid=""
cleanup() {
  # SAM removes its warm containers when interrupted, as at Ctrl-C.
  if [ -n "$service_pid" ]; then
    kill -INT "$service_pid" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$service_pid" 2>/dev/null || break; sleep 0.1; done
    kill "$service_pid" 2>/dev/null || true
  fi
  [ -z "$dynalite_pid" ] || kill "$dynalite_pid" 2>/dev/null || true
  # In an engine of the project's own, nothing is left behind either way.
  if [ -n "${docker_engine_pid:-}" ]; then
    docker ps -aq --filter label=sam.cli.container.type | xargs -r docker rm -f >/dev/null 2>&1 || true
  fi
  docker_engine_stop
}
trap cleanup EXIT

set +e; docker_engine_start; started=$?; set -e
[ "$started" = 0 ] || { [ "$started" = 1 ] && exit 0; exit "$started"; }

# The base image: Amazon's where the engine has it (or, with
# SAM_INVOKE_PULL=1, as on GitHub's runners, may pull it: nothing is
# fetched from a registry otherwise), else the stand-in.
REAL_IMAGE=public.ecr.aws/lambda/provided:al2023-arm64
if docker image inspect "$REAL_IMAGE" >/dev/null 2>&1 \
  || { [ "${SAM_INVOKE_PULL:-}" = 1 ] && docker pull --platform linux/arm64 "$REAL_IMAGE" >/dev/null; }; then
  IMAGE="$REAL_IMAGE"
  log "Image: $REAL_IMAGE (Amazon's)"
else
  # Debian's arm64 packages, through apt with a state of its own (the
  # machine's architectures and package lists are left as they are).
  apt_dir="$ROOT/.tools/apt-arm64" rootfs="$WORK/image/rootfs"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
  apt_opts=(-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache" -o Dir::State::status=/dev/null
    -o APT::Architecture=arm64 -o APT::Architectures=arm64 -o APT::Sandbox::User=root)
  packages=(libc6 libgcc-s1 busybox-static)
  if [ -z "$(ls "$apt_dir/debs"/*.deb 2>/dev/null)" ]; then
    log "Fetching Debian's arm64 ${packages[*]} for the stand-in image"
    apt-get "${apt_opts[@]}" update -qq
    (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download "${packages[@]}" -qq)
  fi
  tag=$(cat local/sam-image/Dockerfile <(ls "$apt_dir/debs") | sha256sum | cut -c1-16)
  IMAGE="birthdays/provided-al2023-standin:arm64-$tag"
  if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
    log "Building the stand-in image $IMAGE ($REAL_IMAGE is not in the engine; SAM_INVOKE_PULL=1 pulls it)"
    rm -rf "$WORK/image" && mkdir -p "$rootfs"
    for deb in "$apt_dir/debs"/*.deb; do dpkg-deb -x "$deb" "$rootfs"; done
    for tool in sh mv chmod cp ls cat mkdir rm; do ln -sf busybox "$rootfs/bin/$tool"; done
    mkdir -p "$rootfs/tmp" "$rootfs/var/task" "$rootfs/var/runtime" "$rootfs/opt" "$rootfs/etc"
    chmod 1777 "$rootfs/tmp"
    echo 'root:x:0:0:root:/root:/bin/sh' > "$rootfs/etc/passwd"
    echo 'root:x:0:' > "$rootfs/etc/group"
    cp local/sam-image/Dockerfile "$WORK/image/"
    docker build --quiet --platform linux/arm64 -t "$IMAGE" "$WORK/image" >/dev/null
  fi
  log "Image: the stand-in $IMAGE (not $REAL_IMAGE; README: what it lacks)"
fi


# dynalite on the address the containers reach (host.docker.internal in
# events/env.json); the test creates the table as make dev does.
bind_address="$DOCKER_HOST_ADDRESS"
# A free TCP port on ADDRESS.
free_port() { python3 -c 'import socket, sys; s = socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"; }
port=$(free_port "$bind_address")
dynalite --host "$bind_address" --port "$port" --createTableMs 0 --deleteTableMs 0 --updateTableMs 0 \
  > "$WORK/dynalite.log" 2>&1 &
dynalite_pid=$!
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/$bind_address/$port") 2>/dev/null && break; sleep 0.1; done
python3 - events/env.json "$WORK/env.json" "$port" <<'PY'
import json, sys
source, target, port = sys.argv[1], sys.argv[2], sys.argv[3]
env = json.load(open(source))
env["Parameters"]["AWS_ENDPOINT_URL_DYNAMODB"] = f"http://host.docker.internal:{port}"
json.dump(env, open(target, "w"), indent=2)
PY

# The build: the template check's, which make test runs beside this
# (SAM_BUILD_WAIT_PID, its process; SAM_BUILD_READY, the file it leaves
# once its sam build is there), so that the engine, the image and dynalite
# are ready first; or one made here.
if [ -n "${SAM_BUILD_WAIT_PID:-}" ]; then
  : "${SAM_BUILD_READY:?SAM_BUILD_READY names the file the template check leaves}"
  while [ ! -f "$SAM_BUILD_READY" ] && kill -0 "$SAM_BUILD_WAIT_PID" 2>/dev/null; do sleep 1; done
  [ -f "$SAM_BUILD_READY" ] \
    || { echo "error: not run: the template check's sam build failed (.local/templates.log)" >&2; exit 1; }
elif [ "${SAM_BUILD_DONE:-}" != 1 ] || [ ! -f .aws-sam/template-check/template.yaml ]; then
  scripts/sam-build-check.sh
fi

# SAM's --env-vars only sets variables the template declares, and the
# deployed template rightly has no endpoint: a local copy of the build
# (hard links, the bootstraps shared) declares AWS_ENDPOINT_URL_DYNAMODB
# for every function, empty unless the env file gives it.
rm -rf "$WORK/build" && cp -al .aws-sam/template-check "$WORK/build"
rm "$WORK/build/Functions/template.yaml"
"$ROOT/.tools/venv-sam/bin/python" - .aws-sam/template-check/Functions/template.yaml "$WORK/build/Functions/template.yaml" <<'PY'
import os, sys, yaml
source, target = sys.argv[1], sys.argv[2]
template = yaml.safe_load(open(source))
template["Globals"]["Function"]["Environment"]["Variables"]["AWS_ENDPOINT_URL_DYNAMODB"] = ""
# Code paths as absolute ones: sam build may point a function into its
# cache beside the build (../../cache/...), which the copy does not have.
for resource in template["Resources"].values():
    uri = resource.get("Properties", {}).get("CodeUri")
    if isinstance(uri, str) and not os.path.isabs(uri):
        resource["Properties"]["CodeUri"] = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(source)), uri))
yaml.safe_dump(template, open(target, "w"), sort_keys=False)
PY

# SAM's local Lambda service, on a free loopback port, every function's
# container started before the first event (EAGER).
lambda_port=$(free_port 127.0.0.1)
sam_args=(--template "$WORK/build/template.yaml" --env-vars "$WORK/env.json"
  --invoke-image "$IMAGE" --skip-pull-image --add-host "host.docker.internal:$DOCKER_HOST_ADDRESS")
log "sam local start-lambda: every function's container, warm (arm64, $IMAGE; log: .local/sam-invoke/service.log)"
# With job control on, the service does not ignore SIGINT as background
# commands otherwise do: the cleanup's Ctrl-C then reaches it.
set -m
sam local start-lambda "${sam_args[@]}" --host 127.0.0.1 --port "$lambda_port" \
  --warm-containers EAGER --no-watch > "$WORK/service.log" 2>&1 &
service_pid=$!
set +m
service_up=""
for _ in $(seq 1 600); do
  (exec 3<>"/dev/tcp/127.0.0.1/$lambda_port") 2>/dev/null && { service_up=1; break; }
  kill -0 "$service_pid" 2>/dev/null || break
  sleep 0.5
done
[ -n "$service_up" ] || { tail -n 30 "$WORK/service.log" >&2
  echo "error: sam local start-lambda did not answer on 127.0.0.1:$lambda_port within 300 s (above: the end of its log)" >&2; exit 1; }

log "Every event through it, and one through sam local invoke"
export EVENTS_INVOKER=sam SAM_INVOKE_IMAGE="$IMAGE" SAM_INVOKE_ENV="$WORK/env.json" \
  SAM_INVOKE_TEMPLATE="$WORK/build/template.yaml" SAM_INVOKE_HOST="$DOCKER_HOST_ADDRESS" \
  SAM_INVOKE_DYNAMODB="http://$bind_address:$port" SAM_LAMBDA_ENDPOINT="http://127.0.0.1:$lambda_port"
cargo test --quiet --workspace --test sam_events -- --ignored --nocapture 2>&1 | tee "$WORK/test.log"
