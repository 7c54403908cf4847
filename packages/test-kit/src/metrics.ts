import type { FastifyInstance } from 'fastify'

/** An app of `@shop/platform`: its `/metrics` is on a listener of its own. */
export interface WithMetricsServer {
  metricsServer: FastifyInstance
}

/** The `/metrics` text of the app's metrics listener, failing unless it answers 200. */
export async function scrapeMetrics(app: WithMetricsServer): Promise<string> {
  const response = await app.metricsServer.inject({ method: 'GET', url: '/metrics' })
  if (response.statusCode !== 200) throw new Error(`/metrics answered ${response.statusCode}`)
  return response.body
}

/**
 * One sample's value from Prometheus text, e.g. `metricSample(text, 'db_pool_clients',
 * { state: 'idle' })`; undefined when the series is absent. Labels are matched in the order
 * given, as the Prometheus client writes them in the order the metric declares them.
 */
export function metricSample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const pairs = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  const series = pairs.length > 0 ? `${name}{${pairs.join(',')}}` : name
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}
