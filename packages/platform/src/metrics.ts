import metricsModule from 'fastify-metrics'
import fp from 'fastify-plugin'

// CommonJS with `exports.default`: Node's ESM loader hands over module.exports itself.
const fastifyMetrics = metricsModule.default

/**
 * Prometheus text at `GET /metrics`: process metrics plus a latency histogram per route.
 * Metrics live in prom-client's one global registry, which each app clears as it registers
 * (so tests can build many apps in one process without duplicate-metric errors): one app per
 * process serves them. Routes opt out with `config: { disableMetrics: true }`, as the health
 * probes do.
 */
export const metrics = fp(
  async (app) => {
    await app.register(fastifyMetrics, {
      endpoint: '/metrics',
      clearRegisterOnInit: true,
      routeMetrics: {
        enabled: { histogram: true, summary: false },
        // Routes declared for several methods at once (the gateway's proxy routes) are not
        // counted here; the gateway measures what it proxies itself, more cheaply.
        registeredRoutesOnly: true,
        routeBlacklist: ['/metrics'],
      },
    })
  },
  { name: 'metrics' },
)
