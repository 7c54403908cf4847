/**
 * Prometheus metrics on a port of their own: every process of a native stack, started by its
 * real entry point, serves `/metrics` on its metrics listener (METRICS_PORT) and nothing else
 * there, and its public port answers 404 for `/metrics`.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { suiteSetup } from '@shop/test-kit'
import { startTestStack, type TestStack } from './support/test-stack.js'

const PROMETHEUS_TEXT = /^text\/plain; version=0\.0\.4/

describe('/metrics of every process', () => {
  let running: TestStack
  suiteSetup(async (teardown) => {
    running = await startTestStack({ workers: 1 })
    teardown(() => running.stop())
  })

  /** Each process: its public base URL, its metrics base URL, a login where it needs one. */
  const processes = () => {
    const { urls } = running.stack
    const login = Buffer.from(`${running.board.user}:${running.board.password}`).toString('base64')
    return [
      { name: 'api-gateway', base: urls.gateway, metrics: urls.metrics.gateway },
      { name: 'user-service', base: urls.userService, metrics: urls.metrics.userService },
      { name: 'order-service', base: urls.orderService, metrics: urls.metrics.orderService },
      { name: 'worker-1', base: urls.workers[0], metrics: urls.metrics.workers[0] },
      {
        name: 'bull-board',
        base: urls.board,
        metrics: urls.metrics.board,
        headers: { authorization: `Basic ${login}` },
      },
    ]
  }

  it('answers 404 problem+json for /metrics on each public port', async () => {
    for (const { name, base, headers } of processes()) {
      const answer = await fetch(`${base}/metrics`, { headers: headers ?? {} })
      assert.equal(answer.status, 404, name)
      assert.match(answer.headers.get('content-type') ?? '', /^application\/problem\+json/, name)
      assert.equal(((await answer.json()) as { status: number }).status, 404, name)
    }
  })

  it('serves Prometheus text on each metrics port, without a login', async () => {
    for (const { name, base, metrics } of processes()) {
      assert.notEqual(metrics, base, name)
      const answer = await fetch(`${metrics}/metrics`)
      assert.equal(answer.status, 200, name)
      assert.match(answer.headers.get('content-type') ?? '', PROMETHEUS_TEXT, name)
      assert.match(await answer.text(), /^process_cpu_user_seconds_total /m, name)
    }
  })

  it('serves nothing else on a metrics port', async () => {
    for (const { name, metrics } of processes()) {
      for (const path of ['/healthz', '/readyz', '/docs/json', '/users', '/']) {
        const answer = await fetch(`${metrics}${path}`)
        assert.equal(answer.status, 404, `${name} ${path}`)
        await answer.body?.cancel()
      }
    }
  })
})
