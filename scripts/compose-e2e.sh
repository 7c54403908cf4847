#!/usr/bin/env bash
# The compose test: the README's own `docker compose` commands, typed as the README gives
# them (adding only `-d --wait`, or running `watch` as a background job), on Docker Engine,
# checked end to end.
#
#   scripts/compose-e2e.sh        # as root on Debian, after pnpm install
#
# It starts the engine with scripts/compose/engine.sh (and stops it at the end if it started
# it), builds the stand-in base images when missing, then, as project shop-e2e on host ports
# 28000-28999 with any local .env ignored:
#   docker compose up --build                          every container healthy; published
#                                                      addresses; walkthrough; 413 for 2 MB
#                                                      bodies; Bull Board's login and its
#                                                      refusal of admin/admin beyond loopback
#   ... --scale order-worker=3 --scale order-service=2 replicas healthy, balanced, the
#                                                      system walkthrough test
#   docker compose --profile observability up prometheus   every replica a target, all up
#                                                      (3 workers, 2 order-services); a
#                                                      worker metric has 3 series
#   SIGKILL to the gateway's and a worker's process    both restarted and healthy again
#   docker compose restart order-service               healthy again, orders still served
#   docker compose down, then up --build               an order placed before is still there
#   docker compose -f … -f docker-compose.dev.yml watch  a saved file reaches the container
#                                                      and its process restarts
#   docker compose down -v                             nothing of the project is left
# Prints one line per step with its time; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
STEP_PREFIX=e2e
# shellcheck source=compose/lib.sh
source scripts/compose/lib.sh

[ -d node_modules ] || { echo "compose-e2e.sh: run pnpm install first" >&2; exit 1; }

export COMPOSE_PROJECT_NAME=shop-e2e
# A developer's .env must not change what is tested: the committed defaults are.
export COMPOSE_ENV_FILES=/dev/null
export SHOP_GATEWAY_PORT=28080 SHOP_USER_SERVICE_PORT=28001 SHOP_ORDER_SERVICE_PORTS=28002-28005
export SHOP_BOARD_PORT=28555 SHOP_POSTGRES_PORT=28433 SHOP_REDIS_PORT=28380
# The observability profile: only Prometheus runs here (Grafana's and Jaeger's images cannot
# be built without a registry: scripts/compose/README.md).
export SHOP_PROMETHEUS_PORT=28090 SHOP_GRAFANA_PORT=28300 SHOP_JAEGER_PORT=28686 SHOP_OTLP_PORT=28318
unset SHOP_PUBLISH_ADDRESS BULL_BOARD_USER BULL_BOARD_PASSWORD BULL_BOARD_AUTH
# Generous deadlines: the system test's burst of 200 orders on a busy two-core machine (load
# average 26 seen) kept user-service's answer past the default 2 s, and a 503 then is right.
export USER_SERVICE_TIMEOUT_MS=15000 UPSTREAM_TIMEOUT_MS=30000
GATEWAY=http://127.0.0.1:$SHOP_GATEWAY_PORT
ORDER_REPLICAS=2
WORKERS=3
PROMETHEUS=http://127.0.0.1:$SHOP_PROMETHEUS_PORT
DEV=(-f docker-compose.yml -f docker-compose.dev.yml)
# Every file and profile: what cleaning up must find.
ALL=("${DEV[@]}" --profile observability)
WATCHED_FILE=api-gateway/src/server.ts

t_start=$SECONDS
engine_was_running=
engine_up && engine_was_running=1
watch_pid=
watched_backup=
up_done=

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$watch_pid" ]; then kill -INT "$watch_pid" 2>/dev/null || true; wait "$watch_pid" 2>/dev/null || true; fi
  if [ -n "$watched_backup" ]; then cp "$watched_backup" "$WATCHED_FILE"; rm -f "$watched_backup"; fi
  if [ "$rc" -ne 0 ] && [ -n "$up_done" ]; then
    echo "--- docker compose ps -a" >&2
    docker compose "${ALL[@]}" ps -a --format 'table {{.Name}}\t{{.Image}}\t{{.State}}\t{{.Health}}\t{{.Ports}}' >&2 || true
    echo "--- docker compose logs (last 25 lines per container)" >&2
    docker compose "${ALL[@]}" logs --no-color --tail 25 >&2 || true
  fi
  # step exits on failure: a subshell keeps the rest of the cleanup going.
  if engine_up; then
    (step "docker compose down -v (clean up)" docker compose "${ALL[@]}" down -v --remove-orphans) || rc=1
  fi
  if [ -z "$engine_was_running" ]; then scripts/compose/engine.sh stop || rc=1; fi
  if [ "$rc" -eq 0 ]; then
    printf '[%s] compose end-to-end test passed in %ds\n' "$STEP_PREFIX" "$((SECONDS - t_start))"
  else
    printf '[%s] compose end-to-end test FAILED (exit %d) after %ds\n' "$STEP_PREFIX" "$rc" "$((SECONDS - t_start))" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- helpers ----------------------------------------------------------------------
fail() { echo "$*" >&2; return 1; }

# typed CMD...: a command as a user types it, bounded in time, as one step.
typed() { step "$*" timeout 900 "$@"; }

# A check whose output is worth reading: its lines follow the step's line.
report() { step "$@"; sed 's/^/      /' "$(step_log "$1")" >&2; }

# until_ok SECONDS CMD...: CMD until it succeeds, once a second, for at most SECONDS;
# prints the output of its last run. CMD runs as a background job: in a condition
# (`until CMD`) bash ignores errexit inside functions, so a failed check would go on.
until_ok() {
  local deadline=$((SECONDS + $1)) out="$STATE/e2e-until.out" pid
  shift
  while :; do
    "$@" >"$out" 2>&1 &
    pid=$!
    if wait "$pid"; then cat "$out"; return 0; fi
    [ "$SECONDS" -lt "$deadline" ] || { cat "$out"; return 1; }
    sleep 1
  done
}

# field JSON NAME: JSON's top-level field NAME.
field() { node -p 'JSON.parse(process.argv[1])[process.argv[2]]' "$1" "$2"; }

# Local addresses (hex, as /proc/net/tcp{,6} show them) of the sockets listening on PORT.
listeners() {
  awk -v port="$(printf '%04X' "$1")" \
    'FNR > 1 && $4 == "0A" { split($2, a, ":"); if (a[2] == port) print a[1] }' \
    /proc/net/tcp /proc/net/tcp6
}

ports_free() {
  local port
  for port in "$SHOP_GATEWAY_PORT" "$SHOP_USER_SERVICE_PORT" "$SHOP_BOARD_PORT" \
    "$SHOP_POSTGRES_PORT" "$SHOP_REDIS_PORT" "$SHOP_PROMETHEUS_PORT" $(seq "${SHOP_ORDER_SERVICE_PORTS%-*}" "${SHOP_ORDER_SERVICE_PORTS#*-}"); do
    [ -z "$(listeners "$port")" ] || fail "port $port is in use: stop what listens there"
  done
}

# all_healthy ORDER_REPLICAS WORKERS: every container running and healthy, in those numbers.
all_healthy() {
  local rows bad
  rows=$(docker compose ps --all --format '{{.Service}} {{.State}} {{.Health}}' | sort)
  echo "$rows"
  bad=$(awk '$2 != "running" || $3 != "healthy"' <<<"$rows")
  [ -z "$bad" ] || fail "not running and healthy: $bad"
  [ "$(grep -c '^order-service ' <<<"$rows")" -eq "$1" ] || fail "expected $1 order-service replicas"
  [ "$(grep -c '^order-worker ' <<<"$rows")" -eq "$2" ] || fail "expected $2 order-worker replicas"
}

# published SERVICE PORT ADDRESS: compose publishes it on ADDRESS (127.0.0.1 or 0.0.0.0),
# and the host's listening sockets agree.
published() {
  local service=$1 port=$2 want=$3 got host_port addresses a
  got=$(docker compose port "$service" "$port")
  host_port=${got##*:}
  [ "${got%:*}" = "$want" ] || fail "$service: published as '$got', expected $want"
  addresses=$(listeners "$host_port")
  [ -n "$addresses" ] || fail "$service: nothing listens on $host_port"
  for a in $addresses; do
    case "$want:$a" in
      # 127.0.0.1 and ::1 as the kernel prints them
      127.0.0.1:0100007F | 127.0.0.1:00000000000000000000000001000000) ;;
      0.0.0.0:00000000 | 0.0.0.0:00000000000000000000000000000000) ;;
      *) fail "$service: port $host_port listens on $a, expected $want only" ;;
    esac
  done
  echo "$service: $got"
}

check_published() {
  published api-gateway 8080 0.0.0.0
  published user-service 8001 127.0.0.1
  published order-service 8002 127.0.0.1
  published bull-board 5555 127.0.0.1
  published postgres 5432 127.0.0.1
  published redis 6379 127.0.0.1
}

# place_order: a new user and an order through the gateway; prints the order's id.
place_order() {
  local user order
  user=$(curl -fsS -X POST "$GATEWAY/users" -H 'content-type: application/json' \
    -d "{\"email\":\"compose-$RANDOM$RANDOM@example.com\",\"full_name\":\"Compose Check\"}")
  order=$(curl -fsS -X POST "$GATEWAY/orders" -H 'content-type: application/json' \
    -d "{\"user_id\":$(field "$user" id),\"item\":\"compose check\",\"quantity\":1}")
  field "$order" id
}
order_processed() { [ "$(field "$(curl -fsS "$GATEWAY/orders/$1")" status)" = processed ]; }

walkthrough() {
  local id
  id=$(place_order)
  until_ok 60 order_processed "$id" || fail "order $id not processed within 60 s"
  echo "order $id processed"
  echo "$id" >"$STATE/e2e-order-id"
}

# 2 MB of JSON, sent whole (no Expect: 100-continue): the client reads a 413 problem.
check_body_limit() {
  local body="$STATE/e2e-2mb.json" url code rc
  node -e 'process.stdout.write(JSON.stringify({ email: "big@example.com", full_name: "x".repeat(2 * 1024 * 1024) }))' >"$body"
  for url in "http://127.0.0.1:$SHOP_USER_SERVICE_PORT/users" "$GATEWAY/users" \
    "http://127.0.0.1:$(docker compose port order-service 8002 | sed 's/.*://')/orders"; do
    rc=0
    code=$(curl -sS -o "$STATE/e2e-413.out" -D "$STATE/e2e-413.headers" -w '%{http_code}' \
      -H 'content-type: application/json' -H 'Expect:' --data-binary "@$body" "$url") || rc=$?
    [ "$code" = 413 ] || fail "$url: 2 MB body answered '$code' (curl exit $rc), not 413"
    grep -qi '^content-type: application/problem+json' "$STATE/e2e-413.headers" ||
      fail "$url: the 413 is not application/problem+json"
    [ "$(field "$(cat "$STATE/e2e-413.out")" status)" = 413 ] || fail "$url: unreadable problem"
    echo "$url: 413 problem+json read (curl exit $rc)"
  done
}

# GET /orders requests an order-service replica has served, from its own /metrics.
orders_served() {
  curl -fsS "http://127.0.0.1:$1/metrics" | awk '/^http_request_duration_seconds_count\{/ &&
    /method="GET"/ && /route="\/orders"/ { n += $NF } END { print n + 0 }'
}
check_balancing() {
  local i ports=() before=() served
  for i in $(seq 1 "$ORDER_REPLICAS"); do
    ports+=("$(docker compose port --index "$i" order-service 8002 | sed 's/.*://')")
    before+=("$(orders_served "${ports[-1]}")")
  done
  for _ in $(seq 1 20); do curl -fsS -o /dev/null "$GATEWAY/orders?limit=1"; done
  for i in "${!ports[@]}"; do
    served=$(($(orders_served "${ports[$i]}") - before[i]))
    echo "order-service replica on :${ports[$i]} served $served of 20"
    [ "$served" -gt 0 ] || fail "the gateway sent nothing to the replica on :${ports[$i]}"
  done
}

check_board_login() {
  local board="http://127.0.0.1:$SHOP_BOARD_PORT/" anonymous signed_in
  anonymous=$(curl -sS -o /dev/null -w '%{http_code}' "$board")
  signed_in=$(curl -sS -o /dev/null -w '%{http_code}' -u admin:admin "$board")
  echo "bull-board on 127.0.0.1: $anonymous without credentials, $signed_in with admin/admin"
  [ "$anonymous" = 401 ] && [ "$signed_in" = 200 ]
}

# Published on every interface, the board stops at start with one line naming the fix.
check_board_refuses_default_password() {
  local out rc=0
  out=$(SHOP_PUBLISH_ADDRESS=0.0.0.0 docker compose run --rm --no-deps -T bull-board 2>&1) || rc=$?
  echo "$out"
  [ "$rc" -ne 0 ] || fail "bull-board started with admin/admin while published on 0.0.0.0"
  [ "$(grep -c 'set BULL_BOARD_PASSWORD' <<<"$out")" -eq 1 ] || fail "no one-line reason given"
}

# crash SERVICE: SIGKILL to the service's process (the child of the container's init), as
# a crash or the OOM killer would; then the container must come back healthy by itself.
crash() {
  local service=$1 ids id init pid restarts
  # Not `| head -n1`: compose exits 255 when head closes the pipe before it is done.
  ids=$(docker compose ps -q "$service")
  id=${ids%%$'\n'*}
  restarts=$(docker inspect -f '{{.RestartCount}}' "$id")
  init=$(docker inspect -f '{{.State.Pid}}' "$id")
  pid=$(ps --ppid "$init" -o pid= | tr -d ' ')
  [ -n "$pid" ] || fail "$service: no process under the container's init ($init)"
  kill -KILL $pid
  echo "$service: SIGKILL to pid $pid"
  until_ok 60 restarted "$id" "$restarts" || fail "$service: not restarted within 60 s"
  until_ok 120 healthy "$id" || fail "$service: not healthy again within 120 s"
  echo "$service: restarted ($(docker inspect -f '{{.RestartCount}}' "$id") restarts), healthy"
}
restarted() { [ "$(docker inspect -f '{{.RestartCount}}' "$1")" -gt "$2" ]; }
healthy() { [ "$(docker inspect -f '{{.State.Status}} {{.State.Health.Status}}' "$1")" = "running healthy" ]; }

# restarted_since SERVICE TIME: every container of SERVICE started after TIME, and healthy.
restarted_since() {
  local id started
  for id in $(docker compose ps -q "$1"); do
    started=$(docker inspect -f '{{.State.StartedAt}}' "$id")
    [[ "$started" > "$2" ]] || fail "$1: $id last started at $started"
    healthy "$id" || fail "$1: $id not healthy"
    echo "$1: $id started at $started, healthy"
  done
}

check_order_kept() {
  local id
  id=$(cat "$STATE/e2e-order-id")
  order_processed "$id" || fail "order $id is gone or changed"
  echo "order $id still there, processed"
}

# The dev containers run (tsx watch under the :dev images) and answer.
dev_stack_up() {
  [ "$(docker compose "${DEV[@]}" ps --format '{{.Image}}' api-gateway)" = distributed-shop/api-gateway:dev ] &&
    all_healthy 1 1 >/dev/null
}
listening_lines() { docker compose "${DEV[@]}" logs --no-color api-gateway | grep -c 'Server listening at' || true; }
more_listening_lines() { [ "$(listening_lines)" -gt "$1" ]; }
synced() { docker compose "${DEV[@]}" exec -T api-gateway grep -q "$1" "/repo/$WATCHED_FILE"; }
check_watch() {
  local marker="compose-watch-$RANDOM$RANDOM" before
  before=$(listening_lines)
  watched_backup=$(mktemp)
  cp "$WATCHED_FILE" "$watched_backup"
  printf '// %s\n' "$marker" >>"$WATCHED_FILE"
  until_ok 60 synced "$marker" || fail "$WATCHED_FILE did not reach the container within 60 s"
  echo "$WATCHED_FILE saved: synced into the api-gateway container"
  until_ok 60 more_listening_lines "$before" || fail "the gateway did not restart"
  until_ok 60 curl -fsS -o /dev/null "$GATEWAY/readyz" || fail "the gateway did not come back"
  echo "gateway restarted ($before → $(listening_lines) 'Server listening' lines) and ready"
  cp "$watched_backup" "$WATCHED_FILE"
  rm -f "$watched_backup"
  watched_backup=
}

# prometheus_targets JOB=N...: Prometheus' active targets are exactly N per JOB, all up.
prometheus_targets() {
  curl -fsS "$PROMETHEUS/api/v1/targets?state=active" | node -e '
    const { data } = JSON.parse(require("fs").readFileSync(0, "utf8"))
    const want = Object.fromEntries(process.argv.slice(1).map((a) => a.split("=")))
    const up = {}
    const problems = []
    for (const t of data.activeTargets) {
      const { job, instance } = t.labels
      if (t.health === "up") up[job] = (up[job] ?? 0) + 1
      else problems.push(`${job} ${instance}: ${t.health} ${t.lastError}`)
    }
    for (const job of new Set([...Object.keys(want), ...Object.keys(up)])) {
      console.log(`${job}: ${up[job] ?? 0} targets up`)
      if (String(up[job] ?? 0) !== want[job]) problems.push(`${job}: ${up[job] ?? 0} up, expected ${want[job] ?? 0}`)
    }
    if (problems.length > 0) { console.log(problems.join("\n")); process.exit(1) }
  ' "$@"
}

# series_of QUERY N: Prometheus answers QUERY with N series.
series_of() {
  curl -fsS --get "$PROMETHEUS/api/v1/query" --data-urlencode "query=$1" | node -e '
    const { data } = JSON.parse(require("fs").readFileSync(0, "utf8"))
    for (const s of data.result) console.log(JSON.stringify(s.metric), s.value[1])
    if (data.result.length !== Number(process.argv[1])) {
      console.log(`${data.result.length} series, expected ${process.argv[1]}`)
      process.exit(1)
    }
  ' "$2"
}

check_prometheus() {
  until_ok 120 prometheus_targets api-gateway=1 user-service=1 order-service="$ORDER_REPLICAS" \
    order-worker="$WORKERS" prometheus=1
  until_ok 60 series_of 'orders_processed_total{job="order-worker"}' "$WORKERS"
}

remove_prometheus() {
  docker compose --profile observability rm --stop --force prometheus
  # `up` created every volume of the profile; a `down -v` without the profile leaves them.
  docker volume rm "${COMPOSE_PROJECT_NAME}_prometheus-data" "${COMPOSE_PROJECT_NAME}_grafana-data"
}

volumes_gone() {
  local left
  left=$(docker volume ls -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME")
  [ -z "$left" ] || fail "volumes left: $left"
  echo "no volume of $COMPOSE_PROJECT_NAME left"
}

# --- engine and base images ----------------------------------------------------------
eval "$(scripts/compose/engine.sh start)"
scripts/compose/build-base-images.sh

# --- the run -------------------------------------------------------------------------
step "clear a previous run" docker compose "${ALL[@]}" down -v --remove-orphans
step "host ports 28001-28555 and 28090 free" ports_free
up_done=1

typed docker compose up --build -d --wait
report "every container healthy" all_healthy 1 1
report "only the gateway published beyond 127.0.0.1" check_published
report "walkthrough: a user, an order, processed" walkthrough
report "2 MB bodies: the client reads the 413" check_body_limit
report "bull-board asks for a login" check_board_login
report "bull-board beyond loopback refuses admin/admin" check_board_refuses_default_password

typed docker compose up --build --scale order-worker=$WORKERS --scale order-service=$ORDER_REPLICAS -d --wait
report "$ORDER_REPLICAS order-service and $WORKERS workers healthy" all_healthy "$ORDER_REPLICAS" "$WORKERS"
report "the gateway balances the replicas" check_balancing
step "tests/system/walkthrough.test.ts" env SHOP_GATEWAY_URL="$GATEWAY" pnpm test:only tests/system/walkthrough.test.ts
typed docker compose --profile observability up -d --wait prometheus
report "prometheus: every replica a target and up" check_prometheus
step "stop prometheus, remove the profile's volumes" remove_prometheus

report "gateway killed: restarted and healthy" crash api-gateway
report "a worker killed: restarted and healthy" crash order-worker
report "all healthy; orders still processed" all_healthy "$ORDER_REPLICAS" "$WORKERS"
report "walkthrough after the crashes" walkthrough

restart_mark=$(date -u +%Y-%m-%dT%H:%M:%S)
typed docker compose restart order-service
report "both replicas restarted and healthy" until_ok 120 restarted_since order-service "$restart_mark"
report "orders served after the restart" until_ok 60 check_order_kept

typed docker compose down
typed docker compose up --build -d --wait
report "the order placed before down is still there" check_order_kept

docker compose "${DEV[@]}" watch >"$LOG_DIR/e2e-watch.log" 2>&1 </dev/null &
watch_pid=$!
step "docker compose ${DEV[*]} watch (background): dev containers healthy" until_ok 600 dev_stack_up
report "watch: a saved file reaches the container, the process restarts" check_watch
kill -INT "$watch_pid"
wait "$watch_pid" || true
watch_pid=

typed docker compose down -v
report "down -v removed the data volumes" volumes_gone
