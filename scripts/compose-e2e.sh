#!/usr/bin/env bash
# Runs the real docker-compose.yml, unmodified, with Compose v2 and checks the running
# system end to end, on machines without Docker or an image registry: rootful Podman
# serves the Docker API and the base images are local stand-ins (scripts/compose/README.md).
#
#   scripts/compose-e2e.sh        # as root; Debian with apt; pnpm install done
#
# Brings the stack up under its own project name, with every host port moved off the
# defaults, as `up -d --build --wait --scale order-worker=3 --scale order-service=2`, then:
# the README walkthrough through the gateway, both order-service replicas and all three
# workers healthy, the gateway spreading requests over both replicas, Bull Board refusing
# anonymous requests, PostgreSQL and Redis published on 127.0.0.1 only. Always ends with
# `down -v` and stops the engine if it started it; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STEP_PREFIX=e2e
# shellcheck source=compose/lib.sh
source scripts/compose/lib.sh

[ "$(id -u)" -eq 0 ] || { echo "compose-e2e.sh: run as root (rootful Podman)" >&2; exit 1; }
[ -d node_modules ] || { echo "compose-e2e.sh: run pnpm install first" >&2; exit 1; }

PROJECT=shop-e2e
# Host ports off every default (and off 5432/6379), given to compose only.
SHOP_GATEWAY_PORT=28080 SHOP_USER_SERVICE_PORT=28001 SHOP_ORDER_SERVICE_PORTS=28002-28005
SHOP_BOARD_PORT=25555 SHOP_POSTGRES_PORT=25433 SHOP_REDIS_PORT=26380
PORT_ENV=(
  SHOP_GATEWAY_PORT="$SHOP_GATEWAY_PORT" SHOP_USER_SERVICE_PORT="$SHOP_USER_SERVICE_PORT"
  SHOP_ORDER_SERVICE_PORTS="$SHOP_ORDER_SERVICE_PORTS" SHOP_BOARD_PORT="$SHOP_BOARD_PORT"
  SHOP_POSTGRES_PORT="$SHOP_POSTGRES_PORT" SHOP_REDIS_PORT="$SHOP_REDIS_PORT"
)
GATEWAY=http://127.0.0.1:$SHOP_GATEWAY_PORT
ORDER_REPLICAS=2
WORKERS=3

# A developer's .env must not change what is tested: the committed defaults are.
compose() {
  env "${PORT_ENV[@]}" "$COMPOSE" --project-name "$PROJECT" --file "$ROOT/docker-compose.yml" \
    --env-file /dev/null "$@"
}

engine_was_running=
bg_alive podman-service && engine_was_running=1
t_start=$SECONDS
up_done=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ] && [ -n "$up_done" ]; then
    echo "--- compose ps -a" >&2
    compose ps -a --format 'table {{.Name}}\t{{.State}}\t{{.Health}}\t{{.Ports}}' >&2 || true
    echo "--- compose logs (last 25 lines per container)" >&2
    compose logs --no-color --tail 25 >&2 || true
  fi
  # step exits on failure: a subshell keeps the rest of the cleanup going.
  if [ -n "${COMPOSE:-}" ]; then
    (step "down -v" compose down --volumes --remove-orphans --timeout 20) || rc=1
  fi
  if [ -z "$engine_was_running" ]; then scripts/compose/teardown-engine.sh || rc=1; fi
  if [ "$rc" -eq 0 ]; then
    printf '[%s] compose end-to-end test passed in %ds\n' "$STEP_PREFIX" "$((SECONDS - t_start))"
  else
    printf '[%s] compose end-to-end test FAILED (exit %d)\n' "$STEP_PREFIX" "$rc" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- engine and base images (both cached in $COMPOSE_STATE_DIR) -------------------
scripts/compose/setup-engine.sh
scripts/compose/build-base-images.sh
# shellcheck disable=SC1091
source "$STATE/env.sh"

# --- helpers ----------------------------------------------------------------------
fail() { echo "$*" >&2; return 1; }

# Local addresses (hex, as /proc/net/tcp{,6} show them) of the sockets listening on PORT.
listeners() {
  awk -v port="$(printf '%04X' "$1")" \
    'FNR > 1 && $4 == "0A" { split($2, a, ":"); if (a[2] == port) print a[1] }' \
    /proc/net/tcp /proc/net/tcp6
}

ports_free() {
  local port lo hi
  lo=${SHOP_ORDER_SERVICE_PORTS%-*}; hi=${SHOP_ORDER_SERVICE_PORTS#*-}
  for port in "$SHOP_GATEWAY_PORT" "$SHOP_USER_SERVICE_PORT" "$SHOP_BOARD_PORT" \
    "$SHOP_POSTGRES_PORT" "$SHOP_REDIS_PORT" $(seq "$lo" "$hi"); do
    [ -z "$(listeners "$port")" ] || fail "port $port is in use: stop what listens there"
  done
}

# Storage grows with each changed build; past 8 GB drop dangling layers (and the build
# cache with them) once.
prune_if_large() {
  local mb
  mb=$(du -sm "$STATE/storage" | cut -f1)
  if [ "$mb" -gt 8192 ]; then podman image prune --force; fi
  echo "storage ${mb} MB"
}

# field JSON NAME: prints JSON's top-level field NAME.
field() { node -p 'JSON.parse(process.argv[1])[process.argv[2]]' "$1" "$2"; }

# A step whose output is worth reading: its lines follow the step's line.
report() { step "$@"; sed 's/^/      /' "$(step_log "$1")"; }

# Every container running and healthy; COUNT replicas of order-service and order-worker.
check_containers() {
  local rows bad
  rows=$(compose ps --all --format '{{.Service}} {{.State}} {{.Health}}')
  echo "$rows"
  bad=$(awk '$2 != "running" || $3 != "healthy"' <<<"$rows")
  [ -z "$bad" ] || fail "not running and healthy: $bad"
  [ "$(grep -c '^order-service running healthy$' <<<"$rows")" -eq "$ORDER_REPLICAS" ] ||
    fail "expected $ORDER_REPLICAS healthy order-service replicas"
  [ "$(grep -c '^order-worker running healthy$' <<<"$rows")" -eq "$WORKERS" ] ||
    fail "expected $WORKERS healthy order-worker replicas"
}

# Published on 127.0.0.1 only: as compose reports it and as the host's sockets show it.
check_loopback_only() {
  local service=$1 port=$2 host_port=$3 published addresses a
  published=$(compose port "$service" "$port")
  [ "$published" = "127.0.0.1:$host_port" ] || fail "$service: published as '$published'"
  addresses=$(listeners "$host_port")
  [ -n "$addresses" ] || fail "$service: nothing listens on $host_port"
  for a in $addresses; do
    # 127.0.0.1 and ::1 as the kernel prints them
    case "$a" in 0100007F | 00000000000000000000000001000000) ;;
      *) fail "$service: port $host_port listens on a non-loopback address ($a)" ;;
    esac
  done
  echo "$service: $published"
}

walkthrough_by_curl() {
  local user order id status
  user=$(curl -fsS -X POST "$GATEWAY/users" -H 'content-type: application/json' \
    -d "{\"email\":\"compose-$RANDOM$RANDOM@example.com\",\"full_name\":\"Compose Check\"}")
  order=$(curl -fsS -X POST "$GATEWAY/orders" -H 'content-type: application/json' \
    -d "{\"user_id\":$(field "$user" id),\"item\":\"compose check\",\"quantity\":1}")
  id=$(field "$order" id)
  for _ in $(seq 1 120); do
    status=$(field "$(curl -fsS "$GATEWAY/orders/$id")" status)
    [ "$status" = processed ] && { echo "order $id processed"; return 0; }
    sleep 0.5
  done
  fail "order $id still $status after 60 s"
}

# GET /orders requests a replica has served, from its own /metrics.
orders_served() {
  curl -fsS "http://127.0.0.1:$1/metrics" | awk '/^http_request_duration_seconds_count\{/ &&
    /method="GET"/ && /route="\/orders"/ { n += $NF } END { print n + 0 }'
}

check_balancing() {
  local i ports=() before=() served
  for i in $(seq 1 "$ORDER_REPLICAS"); do
    ports+=("$(compose port --index "$i" order-service 8002 | sed 's/.*://')")
    before+=("$(orders_served "${ports[-1]}")")
  done
  for _ in $(seq 1 20); do curl -fsS -o /dev/null "$GATEWAY/orders?limit=1"; done
  for i in "${!ports[@]}"; do
    served=$(($(orders_served "${ports[$i]}") - before[i]))
    echo "order-service replica on :${ports[$i]} served $served of 20"
    [ "$served" -gt 0 ] || fail "the gateway sent nothing to the replica on :${ports[$i]}"
  done
}

check_board_auth() {
  local board="http://127.0.0.1:$SHOP_BOARD_PORT/" anonymous signed_in
  anonymous=$(curl -sS -o /dev/null -w '%{http_code}' "$board")
  signed_in=$(curl -sS -o /dev/null -w '%{http_code}' -u admin:admin "$board")
  echo "bull-board: $anonymous without credentials, $signed_in with them"
  [ "$anonymous" = 401 ] && [ "$signed_in" = 200 ]
}

# --- the run ----------------------------------------------------------------------
step "clear a previous run" compose down --volumes --remove-orphans --timeout 5
step "host ports free" ports_free
report "disk" prune_if_large
up_done=1
# --parallel 1: Podman's classic builder shares no work between concurrent builds; one
# image at a time, the workspace stage common to all three is built once and reused.
step "up --build --wait (order-service=$ORDER_REPLICAS, order-worker=$WORKERS)" \
  compose --parallel 1 up --detach --build --wait --wait-timeout 300 \
  --scale order-worker="$WORKERS" --scale order-service="$ORDER_REPLICAS"
report "containers running and healthy" check_containers
report "postgres on 127.0.0.1 only" check_loopback_only postgres 5432 "$SHOP_POSTGRES_PORT"
report "redis on 127.0.0.1 only" check_loopback_only redis 6379 "$SHOP_REDIS_PORT"
report "walkthrough by curl" walkthrough_by_curl
report "gateway balances order-service replicas" check_balancing
report "bull-board asks for credentials" check_board_auth
if [ -f tests/system/walkthrough.test.ts ]; then
  echo "[$STEP_PREFIX] tests/system/walkthrough.test.ts against $GATEWAY"
  SHOP_GATEWAY_URL=$GATEWAY pnpm test:only tests/system/walkthrough.test.ts
fi
