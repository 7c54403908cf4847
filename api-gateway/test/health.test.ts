import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { startEcho } from './support/echo-upstream.js'
import { json, problemOf, signedFetch, startGateway } from './support/gateway.js'
import { useEcho, useGateway } from './support/suite.js'
import { deadUrl } from './support/traffic.js'

describe('GET /healthz, /readyz, and /metrics on the metrics port', () => {
  const users = useEcho('users-1')
  const ordersA = useEcho('orders-a')
  const ordersB = useEcho('orders-b')
  const gateway = useGateway(() => ({
    USER_SERVICE_URL: users.url,
    ORDER_SERVICE_URL: `${ordersA.url},${ordersB.url}`,
  }))

  it('answers /healthz 200', async () => {
    const response = await fetch(`${gateway.url}/healthz`)
    assert.equal(response.status, 200)
    assert.deepEqual(await json(response), { status: 'ok' })
  })

  it('answers /readyz 200 naming each upstream when each has a replica answering', async () => {
    const response = await fetch(`${gateway.url}/readyz`)
    assert.equal(response.status, 200)
    assert.deepEqual(await json(response), {
      status: 'ok',
      checks: { 'user-service': 'ok', 'order-service': 'ok' },
    })
  })

  it('stays ready while one replica of an upstream is down', async () => {
    await ordersA.close()
    assert.equal((await fetch(`${gateway.url}/readyz`)).status, 200)
  })

  it('answers /readyz 503 problem+json naming the upstream with no replica answering', async () => {
    await ordersB.close()
    const problem = await problemOf(await fetch(`${gateway.url}/readyz`))
    assert.equal(problem.status, 503)
    assert.match(problem.contentType, /^application\/problem\+json/)
    assert.equal(problem.body.dependency, 'order-service')
    assert.match(problem.body.detail ?? '', /order-service/)
    // Liveness does not depend on the upstreams.
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200)
  })

  it('answers /metrics on the metrics port in Prometheus text format, counting proxied requests', async () => {
    await (await signedFetch(`${gateway.url}/users/1`)).arrayBuffer()
    const response = await fetch(`${gateway.metricsUrl}/metrics`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/)
    const text = await response.text()
    assert.match(text, /^# HELP process_cpu_user_seconds_total /m)
    assert.match(text, /^# TYPE http_request_duration_seconds histogram$/m)
    assert.match(
      text,
      /^gateway_proxied_request_duration_seconds_count\{upstream="user-service",status_class="2xx"\} 1$/m,
    )
    assert.doesNotMatch(text, /route="\/(healthz|readyz)"/)
  })

  it('answers /metrics on the public port 404 problem+json, and nothing else on the metrics port', async () => {
    const hidden = await problemOf(await fetch(`${gateway.url}/metrics`))
    assert.equal(hidden.status, 404)
    assert.match(hidden.contentType, /^application\/problem\+json/)
    for (const path of ['/healthz', '/users/1', '/docs/json']) {
      assert.equal((await problemOf(await fetch(`${gateway.metricsUrl}${path}`))).status, 404)
    }
  })
})

describe('GET /readyz with an upstream never reached', () => {
  it('answers 503 naming user-service, the first upstream that fails', async () => {
    const orders = await startEcho({ name: 'orders-1' })
    const gateway = await startGateway({
      USER_SERVICE_URL: await deadUrl(),
      ORDER_SERVICE_URL: orders.url,
    })
    try {
      const problem = await problemOf(await fetch(`${gateway.url}/readyz`))
      assert.equal(problem.status, 503)
      assert.equal(problem.body.dependency, 'user-service')
    } finally {
      await gateway.close()
      await orders.close()
    }
  })
})
