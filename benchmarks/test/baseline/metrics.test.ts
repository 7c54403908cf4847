import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { gatewayMetrics, memoryMetrics, pipelineMetrics } from '../../lib/baseline/metrics.js'

describe('memoryMetrics', () => {
  it('adds up the processes of one program whatever ports they were given', () => {
    const metrics = memoryMetrics({
      total_mb: 300,
      total_pss_mb: 200,
      runner_mb: 50,
      processes: [
        { name: 'scripts/dist/stack.js', rss_mb: 50 },
        { name: 'order-service/dist/worker/server.js :43101', rss_mb: 120 },
        { name: 'order-service/dist/worker/server.js :43102', rss_mb: 130 },
      ],
    })
    assert.equal(metrics['  order-service/dist/worker/server.js idle RSS MB'], 250)
    assert.equal(metrics['  scripts/dist/stack.js idle RSS MB'], 50)
    assert.equal(metrics['idle RSS MB, total'], 300)
    assert.equal(metrics['after load RSS MB, total'], undefined)
  })
})

describe('gatewayMetrics', () => {
  it('gives direct its CPU per request and each gateway what it adds', () => {
    const row = (through: string, cpu: number, added: number | null) => ({
      route: 'trivial',
      through,
      rps: 1000,
      cpu_us_per_request: cpu,
      added_cpu_us_per_request: added,
    })
    const metrics = gatewayMetrics({
      rows: [row('direct', 20, null), row('api-gateway', 120, 100)],
    })
    assert.equal(metrics['trivial route direct: CPU µs/req'], 20)
    assert.equal(metrics['trivial route api-gateway: added CPU µs/req'], 100)
    assert.equal(metrics['trivial route api-gateway: req/s'], 1000)
  })
})

describe('pipelineMetrics', () => {
  it('puts the total first, as the line each round reports', () => {
    const metrics = pipelineMetrics({
      cpu_ms_per_order: 3,
      orders_per_second: 200,
      cpu_ms_per_order_by_process: { workers: 1, 'api-gateway': 0.5 },
    })
    assert.deepEqual(Object.keys(metrics), [
      'CPU ms/order, end to end',
      '  api-gateway CPU ms/order',
      '  workers CPU ms/order',
      'orders/s end to end',
    ])
  })
})
