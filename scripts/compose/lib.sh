# shellcheck shell=bash
# Shared helpers for scripts/compose/*.sh. Sourced, not executed.

COMPOSE_STATE_DIR="${COMPOSE_STATE_DIR:-/var/tmp/shop-compose}"
STATE="$COMPOSE_STATE_DIR"
COMPOSE_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_DIR="$STATE/logs"
mkdir -p "$STATE" "$LOG_DIR"

# step NAME CMD...: run CMD quietly (output to a log), print one line with timing.
# On failure print the log's tail and exit with CMD's status.
step() {
  local name="$1"; shift
  local log="$LOG_DIR/$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '_').log"
  local t0=$SECONDS rc=0
  "$@" >"$log" 2>&1 || rc=$?
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

# The Debian archive URI this machine's apt already uses (read at run time from
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
