# shellcheck shell=bash
# Shared helpers for scripts/compose/*.sh. Sourced, not executed.

COMPOSE_STATE_DIR="${COMPOSE_STATE_DIR:-/var/tmp/shop-compose}"
STATE="$COMPOSE_STATE_DIR"
COMPOSE_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_DIR="$STATE/logs"
mkdir -p "$STATE" "$LOG_DIR"

# step NAME CMD...: run CMD quietly (output to a log), print one line with timing.
# On failure print the log's tail and exit with CMD's status.
step_log() { printf '%s/%s.log\n' "$LOG_DIR" "$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_')"; }
step() {
  local name="$1"; shift
  local log; log=$(step_log "$name")
  local t0=$SECONDS rc=0
  # Run in the background and wait: a function called as `f || ...` runs with
  # errexit ignored (even if re-enabled inside); a background job keeps set -e.
  "$@" >"$log" 2>&1 </dev/null &
  wait $! || rc=$?
  if [ "$rc" -eq 0 ]; then
    printf '[%s] %-44s ok   %4ds\n' "${STEP_PREFIX:-compose}" "$name" "$((SECONDS - t0))"
  else
    printf '[%s] %-44s FAIL %4ds (exit %d, log %s)\n' "${STEP_PREFIX:-compose}" "$name" "$((SECONDS - t0))" "$rc" "$log" >&2
    tail -n 40 "$log" >&2
    exit "$rc"
  fi
}

# skip NAME REASON: print a one-line "skipped" step.
skip() {
  printf '[%s] %-44s skip      (%s)\n' "${STEP_PREFIX:-compose}" "$1" "$2"
}

# The Debian archive URI the host's apt already uses (read at run time from
# the system's apt sources; one-line and deb822 formats; the security archive
# and third-party repositories are ignored).
debian_mirror() {
  local f uri
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    case "$f" in
      *.sources)
        # deb822: take URIs of stanzas whose Suites name a plain Debian suite.
        uri=$(awk '
          /^[[:space:]]*$/ { if (u != "" && s ~ /(bookworm|trixie|bullseye|stable)([[:space:]]|$)/ && s !~ /security/) { print u; exit } u=""; s=""; next }
          /^URIs:/   { u=$2 }
          /^Suites:/ { $1=""; s=$0 }
          END { if (u != "" && s ~ /(bookworm|trixie|bullseye|stable)([[:space:]]|$)/ && s !~ /security/) print u }
        ' "$f" | head -n1) ;;
      *)
        uri=$(awk '$1=="deb" { i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
               if ($(i+1) ~ /^(bookworm|trixie|bullseye|stable)$/) { print $i; exit } }' "$f") ;;
    esac
    if [ -n "$uri" ]; then printf '%s\n' "${uri%/}"; return 0; fi
  done
  echo "no Debian mirror found in /etc/apt/sources*" >&2
  return 1
}

podman_env() {
  export CONTAINERS_CONF="$STATE/containers.conf"
  export CONTAINERS_STORAGE_CONF="$STATE/storage.conf"
}

# --- background processes started by setup-engine.sh ------------------------
# Each has $STATE/<name>.pid; its command line must still contain the marker
# recorded in $STATE/<name>.marker (guards against a recycled pid).
bg_alive() {  # bg_alive NAME
  local pid marker
  [ -f "$STATE/$1.pid" ] && [ -f "$STATE/$1.marker" ] || return 1
  pid=$(cat "$STATE/$1.pid"); marker=$(cat "$STATE/$1.marker")
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$marker"
}
start_bg() {  # start_bg NAME MARKER CMD...
  local name="$1" marker="$2"; shift 2
  setsid nohup "$@" >>"$LOG_DIR/$name.out" 2>&1 </dev/null &
  echo $! >"$STATE/$name.pid"
  printf '%s\n' "$marker" >"$STATE/$name.marker"
}
stop_bg() {  # stop_bg NAME: SIGTERM, wait up to 10 s, then SIGKILL
  local pid
  if bg_alive "$1"; then
    pid=$(cat "$STATE/$1.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$STATE/$1.pid" "$STATE/$1.marker"
}
ping_sock() { curl -fsS --max-time 3 --unix-socket "$1" http://d/_ping >/dev/null 2>&1; }
wait_ping() {  # wait_ping SOCKET NAME
  for _ in $(seq 1 75); do ping_sock "$1" && return 0; sleep 0.2; done
  echo "$2 did not answer on $1" >&2
  tail -n 20 "$LOG_DIR/$2.out" >&2
  return 1
}
