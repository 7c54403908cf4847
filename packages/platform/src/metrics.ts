import client, { Registry } from '@prometheus-io/client'
import metricsModule from 'fastify-metrics'
import fp from 'fastify-plugin'

// CommonJS with `exports.default`: Node's ESM loader hands over module.exports itself.
const fastifyMetrics = metricsModule.default

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's metrics, served at `/metrics`: a metric made for it names it in `registers`. */
    metricsRegistry: Registry
  }
}

/**
 * Prometheus text at `GET /metrics`: process metrics plus a latency histogram per route, from
 * a registry of the app's own (`app.metricsRegistry`), so apps built side by side in one
 * process (tests) never meet in the client's global one. Routes opt out with
 * `config: { disableMetrics: true }`, as the health probes do.
 */
export const metrics = fp(
  async (app) => {
    const registry = new Registry()
    const registers = [registry]
    app.decorate('metricsRegistry', registry)
    await app.register(fastifyMetrics, {
      // Served below, from this registry alone (the plugin would merge in the global one).
      endpoint: null,
      promClient: client,
      defaultMetrics: { enabled: true, register: registry },
      routeMetrics: {
        enabled: { histogram: true, summary: false },
        // Routes declared for several methods at once (the gateway's proxy routes) are not
        // counted here; the gateway measures what it proxies itself, more cheaply.
        registeredRoutesOnly: true,
        routeBlacklist: ['/metrics'],
        // The summary is made even when disabled: it too goes to this registry.
        overrides: { histogram: { registers }, summary: { registers } },
      },
    })
    app.get(
      '/metrics',
      { logLevel: 'fatal', exposeHeadRoute: false, config: { public: true } },
      async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()),
    )
  },
  { name: 'metrics' },
)
