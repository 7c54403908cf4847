# Every service's image, from the repository root (a pnpm workspace); SERVICE picks which:
#   docker build --build-arg SERVICE=api-gateway   -t shop-api-gateway .
#   docker build --build-arg SERVICE=user-service  -t shop-user-service .
#   docker build --build-arg SERVICE=order-service -t shop-order-service .
# `--target dev` gives the image docker-compose.dev.yml runs. Run either with an init
# (`docker run --init`, compose `init: true`) so signals reach node.
#
# What differs between the images (port, default command, drizzle/) lives in one small
# stage per service, `dev-<service>` and `runtime-<service>`, picked by `FROM ...-${SERVICE}`:
# each CMD stays a literal in exec form, so node is the init's child with no shell between.
# Those stages hold no RUN, so the classic builder, which builds every stage up to the target,
# builds the other services' ones from cache for nothing.
ARG SERVICE

FROM node:24-bookworm-slim AS base
# `healthz [PORT]`: exit 0 when 127.0.0.1:PORT/healthz answers 2xx within 4 s (PORT
# defaults to $PORT). In bash, not node: slim images have no curl, and a probe that starts a
# Node process every few seconds in every container weighs on a small machine.
RUN printf '%s\n' '#!/bin/bash' \
      'exec 3<>"/dev/tcp/127.0.0.1/${1:-$PORT}" || exit 1' \
      'printf "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" >&3' \
      'read -r -t 4 _ status _ <&3 || exit 1' \
      '[[ $status == 2?? ]]' \
      > /usr/local/bin/healthz \
 && chmod 755 /usr/local/bin/healthz

# ---- workspace: every dependency from the lockfile, then the sources -------------
# Without SERVICE, so its layers are the same for every image and built once.
FROM base AS workspace
WORKDIR /repo
COPY package.json ./
RUN npm install --global --no-audit --no-fund --loglevel=error \
      "pnpm@$(node -p "require('./package.json').packageManager.split('@')[1]")"
# Fetched by the lockfile alone: this layer is rebuilt only when the lockfile changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline
# Compiled here, in a stage every image shares, so it is compiled once for all three.
RUN pnpm --filter @shop/platform build

# ---- build: compile the service, then a production-only copy in /out ----------------
FROM workspace AS build
ARG SERVICE
RUN case "$SERVICE" in api-gateway|user-service|order-service) ;; \
      *) echo "Dockerfile: build with --build-arg SERVICE=api-gateway, user-service or order-service" >&2; exit 1 ;; \
    esac
RUN pnpm --filter "@shop/$SERVICE" build
# pnpm 12's deploy copies @shop/platform in with its dist/ (no inject setting needed, the
# workspace keeps links), takes versions from the lockfile and leaves devDependencies out,
# so @shop/local-infra, native-stack and test-kit stay behind. Then only what the image
# runs is kept: package.json, node_modules, dist and, where the service has migrations, drizzle.
RUN pnpm --filter "@shop/$SERVICE" deploy --prod --offline /out \
 && find /out -mindepth 1 -maxdepth 1 -not -name package.json -not -name node_modules \
      -not -name dist -not -name drizzle -exec rm -rf {} + \
 && mkdir /empty-dir

# ---- dev: TypeScript sources under tsx watch (docker-compose.dev.yml) -------------
# As root: Docker Engine 20.10 copies Compose Watch's synced files in as the image's user,
# which it looks up in the host's passwd database, where there may be none.
FROM workspace AS dev-api-gateway
WORKDIR /repo/api-gateway
ENV HOST=0.0.0.0 PORT=8080
CMD ["/repo/node_modules/.bin/tsx", "watch", "--clear-screen=false", "--conditions=development", "src/server.ts"]

FROM workspace AS dev-user-service
WORKDIR /repo/user-service
ENV HOST=0.0.0.0 PORT=8001
CMD ["/repo/node_modules/.bin/tsx", "watch", "--clear-screen=false", "--conditions=development", "src/server.ts"]

FROM workspace AS dev-order-service
WORKDIR /repo/order-service
ENV HOST=0.0.0.0 PORT=8002
CMD ["/repo/node_modules/.bin/tsx", "watch", "--clear-screen=false", "--conditions=development", "src/api/server.ts"]

FROM dev-${SERVICE} AS dev

# ---- runtime: production dependencies only, as user node ----------------------------
FROM base AS runtime-common
WORKDIR /app
ENV HOST=0.0.0.0
COPY --from=build /out ./
USER node
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["healthz"]

# api-gateway: the front door, proxying /users, /tokens, /.well-known and /orders to their services.
FROM runtime-common AS runtime-api-gateway
ENV PORT=8080
EXPOSE 8080
CMD ["node", "dist/server.js"]

# user-service: owns users (PostgreSQL schema `users`; migrations in drizzle/ run at start).
FROM runtime-common AS runtime-user-service
ENV PORT=8001
# Its signing key and a generated admin password, unless the environment gives them: owned
# by node, so a volume mounted here (compose) starts out writable by it.
COPY --from=build --chown=node:node /empty-dir /var/lib/user-service
ENV AUTH_KEYS_DIR=/var/lib/user-service
EXPOSE 8001
CMD ["node", "dist/server.js"]

# order-service: the HTTP API by default; the same image runs the queue worker
# (`node --max-semi-space-size=2 dist/worker/server.js`, health on WORKER_PORT 8003) and Bull
# Board (`node --max-semi-space-size=1 dist/board/server.js`, BULL_BOARD_PORT 5555), as
# docker-compose.yml does (node's flags per entry point: packages/native-stack/src/node-flags.ts).
FROM runtime-common AS runtime-order-service
ENV PORT=8002
EXPOSE 8002 8003 5555
CMD ["node", "dist/api/server.js"]

FROM runtime-${SERVICE} AS runtime
