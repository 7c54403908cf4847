import client, { Registry } from '@prometheus-io/client'
import Fastify, { type FastifyInstance, LogController } from 'fastify'
import metricsModule from 'fastify-metrics'
import fp from 'fastify-plugin'
import { SERVER_TIMEOUTS } from './app.js'
import { clientErrorHandler, frameworkErrors } from './framework-errors.js'
import { problemDetails } from './problem-details.js'

// CommonJS with `exports.default`: Node's ESM loader hands over module.exports itself.
const fastifyMetrics = metricsModule.default

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics, served by `metricsServer`: a metric made for it names it in `registers`. */
    metricsRegistry: Registry
    /**
     * The listener that serves `GET /metrics`, on a port of its own (`METRICS_PORT`) so the
     * public port never shows it; `listen` starts it, and it closes with the app.
     */
    metricsServer: FastifyInstance
  }
}

/** A small Fastify instance with `GET /metrics` from `registry` and problem+json 404s beside. */
async function createMetricsServer(app: FastifyInstance, registry: Registry) {
  const server = Fastify({
    loggerInstance: app.log.child({ listener: 'metrics' }),
    // A scrape every few seconds is no news: only errors are logged.
    logController: new LogController({ disableRequestLogging: true }),
    ...SERVER_TIMEOUTS,
    frameworkErrors,
    clientErrorHandler,
  })
  await server.register(problemDetails)
  server.get('/metrics', { exposeHeadRoute: false }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  )
  return server
}

/**
 * Prometheus text at `GET /metrics` of `app.metricsServer`: process metrics plus a latency
 * histogram per route of the app, from a registry of the app's own (`app.metricsRegistry`),
 * so apps built side by side in one process (tests) never meet in the client's global one.
 * The app itself has no `/metrics`. Routes opt out with `config: { disableMetrics: true }`,
 * as the health probes do.
 */
export const metrics = fp(
  async (app) => {
    const registry = new Registry()
    const registers = [registry]
    app.decorate('metricsRegistry', registry)
    await app.register(fastifyMetrics, {
      // Served by the metrics server, from this registry alone (the plugin would merge in the
      // global one).
      endpoint: null,
      promClient: client,
      defaultMetrics: { enabled: true, register: registry },
      routeMetrics: {
        enabled: { histogram: true, summary: false },
        // Routes declared for several methods at once (the gateway's proxy routes) are not
        // counted here; the gateway measures what it proxies itself, more cheaply.
        registeredRoutesOnly: true,
        // The summary is made even when disabled: it too goes to this registry.
        overrides: { histogram: { registers }, summary: { registers } },
      },
    })
    const server = await createMetricsServer(app, registry)
    app.decorate('metricsServer', server)
    app.addHook('onClose', () => server.close())
  },
  { name: 'metrics' },
)
