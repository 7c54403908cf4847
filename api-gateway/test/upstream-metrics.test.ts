import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Histogram, type Metric, Registry } from 'prom-client'
import { UpstreamHistogram } from '../src/upstream-metrics.js'

const NAME = 'gateway_proxied_request_duration_seconds'

/** prom-client's own Histogram as the gateway declared it before, in a registry of its own. */
function promClientHistogram() {
  const registry = new Registry()
  const histogram = new Histogram({
    name: NAME,
    help: 'Time from a proxied request to the end of its answer, by upstream and status class',
    labelNames: ['upstream', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  })
  return { registry, histogram }
}

function ours() {
  const registry = new Registry()
  const histogram = new UpstreamHistogram()
  registry.registerMetric(histogram as unknown as Metric)
  return { registry, histogram }
}

describe('the proxied-request histogram', () => {
  it("writes the same Prometheus text as prom-client's Histogram for the same observations", async () => {
    const theirs = promClientHistogram()
    const mine = ours()
    const observations: [string, string, number][] = [
      ['user-service', '2xx', 0.0004],
      ['user-service', '2xx', 0.005], // on a bound: counted in that bucket
      ['user-service', '2xx', 0.0051],
      ['user-service', '5xx', 0.3],
      ['order-service', '4xx', 12], // above every bucket: only in +Inf
      ['order-service', '2xx', 1],
      ['user-service', '2xx', 0.75],
    ]
    // A series made but never observed is not written, as prom-client leaves it out too.
    mine.histogram.series('order-service', '3xx')
    for (const [upstream, statusClass, seconds] of observations) {
      theirs.histogram.labels({ upstream, status_class: statusClass }).observe(seconds)
      mine.histogram.series(upstream, statusClass).observe(seconds)
    }
    assert.equal(await mine.registry.metrics(), await theirs.registry.metrics())
  })

  it('starts from nothing again when the registry is reset', async () => {
    const mine = ours()
    mine.histogram.series('user-service', '2xx').observe(0.01)
    mine.registry.resetMetrics()
    assert.doesNotMatch(await mine.registry.metrics(), /_count/)
    mine.histogram.series('user-service', '2xx').observe(0.02)
    assert.match(
      await mine.registry.metrics(),
      new RegExp(`^${NAME}_count\\{upstream="user-service",status_class="2xx"\\} 1$`, 'm'),
    )
  })
})
