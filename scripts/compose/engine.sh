#!/usr/bin/env bash
# A working `docker compose` on a Debian machine without Docker, as root:
#
#   eval "$(scripts/compose/engine.sh start)"   # Docker Engine + Compose v2; prints the export
#   docker compose up --build
#   scripts/compose/engine.sh stop               # stops the engine `start` started
#   scripts/compose/engine.sh status             # exits 0 when the engine answers
#
# start installs Debian's docker.io (Docker Engine 20.10) when missing, puts Compose v2 (from
# Debian trixie's docker-compose package: bookworm's is v1, which rejects `name:` and
# `develop:`) where the docker CLI finds its plugins, and runs dockerd on a socket, data
# root and exec root of its own, so it never meets another engine. It is idempotent: a
# running engine is left as it is. Its only stdout is the `export DOCKER_HOST=…` line.
set -euo pipefail
STEP_PREFIX=engine
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PIDFILE="$COMPOSE_RUN_DIR/dockerd.pid"
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins

usage() { echo "usage: scripts/compose/engine.sh start|stop|status" >&2; exit 2; }

require_root_debian() {
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    echo "engine.sh: run it as root on Debian (it installs docker.io with apt-get)," \
      "or use a Docker you already have" >&2
    exit 1
  fi
}

# The .deb of trixie's docker-compose, fetched with apt into $STATE/apt-trixie; the
# system's apt sources and lists are not touched.
fetch_compose_deb() {
  local apt="$STATE/apt-trixie" mirror
  mirror=$(debian_mirror)
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] %s trixie main\n' \
    "$mirror" >"$apt/sources.list"
  local opts=(
    -o Dir::Etc::SourceList="$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null
    -o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache"
    -o Dir::State::Status=/dev/null -o APT::Get::List-Cleanup=0 -qq
  )
  apt-get "${opts[@]}" update
  (cd "$apt/debs" && rm -f docker-compose_*.deb && apt-get "${opts[@]}" download docker-compose)
}

install_compose_plugin() {
  local deb tmp="$STATE/compose-deb.tmp"
  deb=$(ls "$STATE"/apt-trixie/debs/docker-compose_*.deb 2>/dev/null | head -n1 || true)
  if [ -z "$deb" ]; then
    fetch_compose_deb
    deb=$(ls "$STATE"/apt-trixie/debs/docker-compose_*.deb | head -n1)
  fi
  rm -rf "$tmp"
  dpkg-deb -x "$deb" "$tmp"
  mkdir -p "$PLUGIN_DIR"
  install -m 755 "$tmp/usr/libexec/docker/cli-plugins/docker-compose" "$PLUGIN_DIR/docker-compose"
  rm -rf "$tmp"
  docker compose version
}

compose_v2() { docker compose version --short 2>/dev/null | grep -q '^v\?2\.'; }

run_dockerd() {
  mkdir -p "$COMPOSE_RUN_DIR" "$STATE/docker"
  setsid nohup dockerd --host "unix://$DOCKER_SOCK" --data-root "$STATE/docker" \
    --exec-root "$COMPOSE_RUN_DIR/exec" --pidfile "$PIDFILE" \
    >>"$LOG_DIR/dockerd.log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 150); do
    engine_up && return 0
    kill -0 $! 2>/dev/null || break
    sleep 0.2
  done
  echo "dockerd did not answer on $DOCKER_SOCK; its log ($LOG_DIR/dockerd.log) ends:" >&2
  tail -n 20 "$LOG_DIR/dockerd.log" >&2
  return 1
}

# The pid in our pid file, if that process is a dockerd serving our socket.
our_dockerd() {
  local pid
  [ -f "$PIDFILE" ] || return 1
  pid=$(cat "$PIDFILE")
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "unix://$DOCKER_SOCK" || return 1
  echo "$pid"
}

start() {
  require_root_debian
  command -v dockerd >/dev/null && command -v curl >/dev/null || apt_install docker.io curl ca-certificates
  if compose_v2; then
    skip "compose v2 plugin" "$(docker compose version --short)"
  else
    step "compose v2 plugin (trixie's docker-compose)" install_compose_plugin
  fi
  if engine_up; then
    skip "dockerd" "answering on $DOCKER_SOCK"
  else
    step "dockerd on $DOCKER_SOCK" run_dockerd
  fi
  echo "export DOCKER_HOST=unix://$DOCKER_SOCK"
}

stop() {
  local pid i
  if ! pid=$(our_dockerd); then
    skip "stop dockerd" "not running"
    return 0
  fi
  # dockerd stops the containers first (up to their stop timeouts), then containerd.
  kill -TERM "$pid"
  for i in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { echo "[engine] dockerd (pid $pid) stopped" >&2; return 0; }
    sleep 0.1
  done
  echo "dockerd (pid $pid) still running after 60 s" >&2
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) engine_up ;;
  *) usage ;;
esac
