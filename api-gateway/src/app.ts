import cors from '@fastify/cors'
import {
  authConfigFrom,
  authentication,
  createServiceApp,
  health,
  type Lookup,
  ReplicaBalancer,
} from '@shop/platform'
import type { Config } from './config.js'
import { registerDocsRoutes, registerOpenApi } from './docs.js'
import { proxyRoutes } from './proxy-routes.js'
import { isPublicRequest } from './public-requests.js'
import { registerRateLimit } from './rate-limit.js'
import { anyReplicaAlive } from './readiness.js'
import { UpstreamDocs } from './upstream-docs.js'
import { createUpstreamHistogram } from './upstream-metrics.js'

export const SERVICE_NAME = 'api-gateway'

/** Seams for tests; production uses the defaults. */
export interface GatewayOptions {
  lookup?: Lookup
  /** How long a replica that refused a connection is passed over. */
  replicaDownMs?: number
  docsRefreshMs?: number
  rateLimitNameSpace?: string
}

/**
 * The client address is the one reported by the last of this many proxies in front
 * (X-Forwarded-For); with none, a client's own X-Forwarded-For must not pick its rate-limit
 * key. Fastify no longer takes a bare hop count, as it trusts whoever connects: that holds
 * only when every client reaches the gateway through those proxies (docs/operations.md).
 */
function trustedHops(hops: number) {
  return hops === 0 ? false : (_address: string, hop: number) => hop < hops
}

/** The gateway without a port: tests listen on loopback, server.ts on PORT. */
export async function buildGateway(config: Config, options: GatewayOptions = {}) {
  const app = await createServiceApp({
    name: SERVICE_NAME,
    logLevel: config.LOG_LEVEL,
    fastify: {
      trustProxy: trustedHops(config.TRUST_PROXY_HOPS),
      bodyLimit: config.BODY_LIMIT_BYTES,
    },
  })
  const balancer = (name: string, urls: string[]) =>
    new ReplicaBalancer({
      name,
      urls,
      refreshMs: config.DNS_REFRESH_MS,
      lookup: options.lookup,
      downMs: options.replicaDownMs,
      log: app.log,
    })
  // user-service is also the shop's OpenID issuer: sign-in and its discovery document.
  const upstreams = [
    {
      paths: ['/users', '/tokens', '/.well-known'],
      replicas: balancer('user-service', config.USER_SERVICE_URL),
    },
    { paths: ['/orders'], replicas: balancer('order-service', config.ORDER_SERVICE_URL) },
  ]
  const upstreamDocs = new UpstreamDocs(
    upstreams.map(({ paths, replicas }) => ({ replicas, prefixes: paths })),
    { log: app.log, ...(options.docsRefreshMs ? { refreshMs: options.docsRefreshMs } : {}) },
  )
  app.addHook('onReady', async () => {
    await Promise.all(upstreams.map(({ replicas }) => replicas.start()))
    upstreamDocs.start()
  })
  app.addHook('onClose', async () => {
    upstreamDocs.close()
    for (const { replicas } of upstreams) replicas.close()
  })

  await registerOpenApi(app)
  if (config.CORS_ORIGINS.length > 0) {
    await app.register(cors, {
      origin: config.CORS_ORIGINS.includes('*') ? '*' : config.CORS_ORIGINS,
      exposedHeaders: ['x-request-id', 'location', 'link', 'retry-after'],
    })
  }
  await app.register(health, {
    checks: Object.fromEntries(
      upstreams.map(({ replicas }) => [replicas.name, anyReplicaAlive(replicas)]),
    ),
  })
  // Before the rate limit, which counts per verified caller; after CORS, whose preflights
  // carry no token.
  await app.register(authentication, { ...authConfigFrom(config), isPublic: isPublicRequest })
  await registerRateLimit(app, {
    max: config.RATE_LIMIT_MAX,
    credentialsMax: config.RATE_LIMIT_CREDENTIALS_MAX,
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    redisUrl: config.REDIS_URL,
    nameSpace: options.rateLimitNameSpace,
  })
  await registerDocsRoutes(app, upstreamDocs)
  const histogram = createUpstreamHistogram(app.metricsRegistry)
  for (const { paths, replicas } of upstreams) {
    for (const path of paths) {
      await app.register(proxyRoutes, {
        path,
        replicas,
        timeoutMs: config.UPSTREAM_TIMEOUT_MS,
        bodyLimit: config.BODY_LIMIT_BYTES,
        histogram,
      })
    }
  }
  return app
}

export type Gateway = Awaited<ReturnType<typeof buildGateway>>
