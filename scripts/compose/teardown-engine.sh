#!/usr/bin/env bash
# Stop what setup-engine.sh started: the Docker API shim and the podman service.
# Images, the compose binary and cached rootfs/npm tarballs stay in
# $COMPOSE_STATE_DIR for the next run. Containers still running are left alone
# (run `"$COMPOSE" down` first); with no service, podman CLI can still manage them.
#
#   scripts/compose/teardown-engine.sh
set -euo pipefail
STEP_PREFIX=teardown
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for name in docker-api-shim podman-service; do
  if bg_alive "$name"; then
    step "stop $name (pid $(cat "$STATE/$name.pid"))" stop_bg "$name"
  else
    rm -f "$STATE/$name.pid" "$STATE/$name.marker"
    skip "stop $name" "not running"
  fi
done
rm -f "$STATE/docker.sock" "$STATE/podman.sock" "$STATE/docker-api-shim.running.cjs"
