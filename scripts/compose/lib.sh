# shellcheck shell=bash
# Shared by scripts/compose/*.sh. Sourced, not executed.
#
# Everything kept between runs (the engine's data root with its images and build cache,
# rootfs and npm tarballs, the Compose plugin's .deb) lives in $COMPOSE_STATE_DIR, outside
# the clone; the engine's socket, pid file and exec root live in $COMPOSE_RUN_DIR.
COMPOSE_STATE_DIR="${COMPOSE_STATE_DIR:-/var/tmp/shop-compose}"
COMPOSE_RUN_DIR="${COMPOSE_RUN_DIR:-/run/shop-compose}"
STATE="$COMPOSE_STATE_DIR"
COMPOSE_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOG_DIR="$STATE/logs"
DOCKER_SOCK="$COMPOSE_RUN_DIR/docker.sock"
mkdir -p "$STATE" "$LOG_DIR"

# step NAME CMD...: run CMD with its output in a log, print one line with its time.
# On failure print the log's tail and exit with CMD's status. Lines go to stderr, so
# that a script's stdout stays free for what it prints to be read (engine.sh's export).
step_log() { printf '%s/%s.log\n' "$LOG_DIR" "$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_')"; }
step() {
  local name="$1"; shift
  local log; log=$(step_log "$name")
  local t0=$SECONDS rc=0
  # In the background and waited for: a function called as `f || ...` runs with errexit
  # ignored (even if re-enabled inside); a background job keeps set -e.
  "$@" >"$log" 2>&1 </dev/null &
  wait $! || rc=$?
  if [ "$rc" -eq 0 ]; then
    printf '[%s] %-58s ok   %4ds\n' "${STEP_PREFIX:-compose}" "$name" "$((SECONDS - t0))" >&2
  else
    printf '[%s] %-58s FAIL %4ds (exit %d, log %s)\n' "${STEP_PREFIX:-compose}" "$name" \
      "$((SECONDS - t0))" "$rc" "$log" >&2
    tail -n 40 "$log" >&2
    exit "$rc"
  fi
}

# skip NAME REASON: a one-line "skipped" step.
skip() { printf '[%s] %-58s skip      (%s)\n' "${STEP_PREFIX:-compose}" "$1" "$2" >&2; }

# apt_install PACKAGE...: installs what is missing; waits for another apt run's lock.
APT_WAIT=(-o DPkg::Lock::Timeout=600)
apt_install() {
  local p missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ "${#missing[@]}" -eq 0 ]; then skip "apt-get install $*" "installed"; return 0; fi
  step "apt-get update" apt-get "${APT_WAIT[@]}" update -qq
  step "apt-get install ${missing[*]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${APT_WAIT[@]}" install -y -qq --no-install-recommends "${missing[@]}"
}

# The Debian archive URI the host's apt already uses (one-line and deb822 sources; the
# security archive and third-party repositories are ignored).
debian_mirror() {
  local f uri
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    case "$f" in
      *.sources)
        uri=$(awk '
          /^[[:space:]]*$/ { if (u != "" && s ~ /(bookworm|trixie|stable)([[:space:]]|$)/ && s !~ /security/) { print u; exit } u=""; s=""; next }
          /^URIs:/   { u=$2 }
          /^Suites:/ { $1=""; s=$0 }
          END { if (u != "" && s ~ /(bookworm|trixie|stable)([[:space:]]|$)/ && s !~ /security/) print u }
        ' "$f" | head -n1) ;;
      *)
        uri=$(awk '$1=="deb" { i=2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
               if ($(i+1) ~ /^(bookworm|trixie|stable)$/) { print $i; exit } }' "$f") ;;
    esac
    if [ -n "$uri" ]; then printf '%s\n' "${uri%/}"; return 0; fi
  done
  echo "no Debian mirror found in /etc/apt/sources*" >&2
  return 1
}

# The host's Debian security archive URI, or Debian's own where the host names none.
debian_security_mirror() {
  local uri
  uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    awk '$1 == "deb" && /-security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }
         /^URIs:/ { u = $2 } /^Suites:.*-security/ && u != "" { print u; exit }' | head -n1)
  printf '%s\n' "${uri:-http://deb.debian.org/debian-security}" | sed 's:/*$::'
}

# The engine answers on our socket.
engine_up() { curl -fsS --max-time 3 --unix-socket "$DOCKER_SOCK" http://d/_ping >/dev/null 2>&1; }
