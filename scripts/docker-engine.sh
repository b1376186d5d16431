# Sourced: a Docker engine for `sam local invoke` (scripts/sam-invoke.sh).
#
# docker_engine_start sets DOCKER_HOST and DOCKER_HOST_ADDRESS (the address
# at which a container reaches this machine) and returns 0, or prints one
# line saying why Docker cannot run here and returns 1. It uses a daemon
# that already answers `docker info`; otherwise, as root, it installs what is
# missing (Debian's docker.io, and qemu-user-static with binfmt-support so
# that arm64 images run), and starts a dockerd of the project's own: its own
# data root under .local/docker, its own socket, its own bridge
# ($DOCKER_BRIDGE, $DOCKER_BRIDGE_CIDR), and no NAT or iptables rules, so a
# container can reach only this machine. docker_engine_stop stops that
# daemon (not one it found running).
DOCKER_BRIDGE="${DOCKER_BRIDGE:-birthdays0}"
DOCKER_BRIDGE_CIDR="${DOCKER_BRIDGE_CIDR:-172.31.250.1/24}"
DOCKER_RUN_DIR="/run/birthdays-docker"
docker_engine_pid=""

docker_engine_start() {
  if docker info >/dev/null 2>&1; then
    DOCKER_HOST_ADDRESS=$(docker network inspect bridge --format '{{(index .IPAM.Config 0).Gateway}}' 2>/dev/null || true)
    [ -n "$DOCKER_HOST_ADDRESS" ] || { echo "error: the running engine's bridge network has no gateway address for the containers to reach this machine by" >&2; return 2; }
    export DOCKER_HOST_ADDRESS
    log "Using the running Docker engine (containers reach this machine at $DOCKER_HOST_ADDRESS)"
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "skipped: no Docker engine answers and starting one needs root (run as root, or start Docker and run again)"
    return 1
  fi
  need docker || { echo "skipped: Docker could not be installed here (.tools/logs/docker.log says why)"; return 1; }
  # arm64 binaries run under qemu; F (fix binary) lets containers use it.
  [ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc \
    || { echo "skipped: binfmt_misc cannot be mounted here, so arm64 containers cannot run"; return 1; }
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || update-binfmts --enable qemu-aarch64 >/dev/null \
    || { echo "skipped: qemu-aarch64 could not be registered with binfmt_misc"; return 1; }
  if ! ip link show "$DOCKER_BRIDGE" >/dev/null 2>&1; then
    ip link add "$DOCKER_BRIDGE" type bridge && ip addr add "$DOCKER_BRIDGE_CIDR" dev "$DOCKER_BRIDGE" \
      || { echo "skipped: the bridge $DOCKER_BRIDGE ($DOCKER_BRIDGE_CIDR) could not be made; set DOCKER_BRIDGE_CIDR to a free range"; return 1; }
  fi
  ip link set "$DOCKER_BRIDGE" up
  DOCKER_HOST_ADDRESS="${DOCKER_BRIDGE_CIDR%/*}"
  export DOCKER_HOST="unix://$DOCKER_RUN_DIR/docker.sock" DOCKER_HOST_ADDRESS
  mkdir -p "$DOCKER_RUN_DIR" "$ROOT/.local/docker"
  if ! docker info >/dev/null 2>&1; then
    log "Starting dockerd (data in .local/docker, bridge $DOCKER_BRIDGE, no NAT; log: .local/docker/dockerd.log)"
    dockerd --data-root "$ROOT/.local/docker/data" --exec-root "$DOCKER_RUN_DIR/exec" \
      --pidfile "$DOCKER_RUN_DIR/dockerd.pid" -H "$DOCKER_HOST" --bridge "$DOCKER_BRIDGE" \
      --iptables=false --ip6tables=false --ip-masq=false > "$ROOT/.local/docker/dockerd.log" 2>&1 &
    docker_engine_pid=$!
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
    docker info >/dev/null 2>&1 || { tail -n 20 "$ROOT/.local/docker/dockerd.log" >&2
      echo "error: dockerd did not answer within 30 s (above: the end of .local/docker/dockerd.log)" >&2; return 2; }
  fi
  return 0
}

docker_engine_stop() {
  [ -n "$docker_engine_pid" ] || return 0
  kill "$docker_engine_pid" 2>/dev/null || true
  wait "$docker_engine_pid" 2>/dev/null || true
  docker_engine_pid=""
}
