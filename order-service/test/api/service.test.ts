import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { asAdmin, eventually } from '@shop/test-kit'
import { buildApp } from '../../src/api/app.js'
import { startOwnRedis, unreachableUrl, useOrderApi } from '../helpers.js'

describe('order-service endpoints', () => {
  const api = useOrderApi()

  it('answers /healthz', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/healthz' })
    assert.equal(response.statusCode, 200)
    assert.deepEqual(response.json(), { status: 'ok' })
  })

  it('is ready when postgres, redis and user-service answer', async () => {
    const response = await eventually(
      async () => {
        const answer = await api.app.inject({ method: 'GET', url: '/readyz' })
        return answer.statusCode === 200 ? answer : undefined
      },
      { what: 'readiness' },
    )
    assert.deepEqual(response.json().checks, {
      postgres: 'ok',
      redis: 'ok',
      'user-service': 'ok',
    })
  })

  it('is not ready, naming redis, while Redis is down', async () => {
    const local = await startOwnRedis()
    const withLocalRedis = await buildApp(await api.config({ REDIS_URL: local.url }))
    try {
      await eventually(
        async () => {
          const ready = await withLocalRedis.inject({ method: 'GET', url: '/readyz' })
          return ready.statusCode === 200 ? true : undefined
        },
        { what: 'readiness before Redis stops' },
      )
      await local.stop()
      const response = await withLocalRedis.inject({ method: 'GET', url: '/readyz' })
      assert.equal(response.statusCode, 503)
      assert.equal(response.json().dependency, 'redis')
      assert.match(response.json().detail, /^redis is not ready/)
    } finally {
      await withLocalRedis.close()
      await local.remove()
    }
  })

  it('is not ready, naming user-service, while user-service is unreachable', async () => {
    const orphan = await buildApp(await api.config({ USER_SERVICE_URL: await unreachableUrl() }))
    try {
      // Its Redis connection is still opening at first, and Redis comes before user-service.
      await eventually(
        async () => (orphan.orderQueue.redis.status === 'ready' ? true : undefined),
        { what: 'the Redis connection' },
      )
      const response = await orphan.inject({ method: 'GET', url: '/readyz' })
      assert.equal(response.statusCode, 503)
      assert.equal(response.json().dependency, 'user-service')
    } finally {
      await orphan.close()
    }
  })

  it('documents the order routes in /docs/json', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/docs/json' })
    assert.equal(response.statusCode, 200)
    const document = response.json()
    assert.match(document.openapi, /^3\./)
    assert.ok(document.paths['/orders'].post, 'POST /orders')
    assert.ok(document.paths['/orders'].get, 'GET /orders')
    assert.ok(document.paths['/orders/{id}'].get, 'GET /orders/{id}')
    const created = document.paths['/orders'].post.responses['201']
    assert.ok(created, 'the 201 answer is documented')
    const ids = Object.values(document.paths).flatMap((item) =>
      Object.values(item as Record<string, { operationId?: string }>).map((op) => op.operationId),
    )
    assert.deepEqual(ids.sort(), [
      'getApiReference',
      'getLiveness',
      'getOpenApiDocument',
      'getOrder',
      'getReadiness',
      'listOrders',
      'placeOrder',
    ])
    for (const [path, method] of [
      ['/orders', 'post'],
      ['/orders', 'get'],
      ['/orders/{id}', 'get'],
    ] as const) {
      const operation = document.paths[path][method]
      assert.deepEqual(operation.security, [{ bearerAuth: [] }], `${method} ${path}`)
      for (const status of ['401', '403']) assert.ok(operation.responses[status], status)
    }
    assert.equal(document.components.securitySchemes.bearerAuth.scheme, 'bearer')
    const refused = document.paths['/orders'].post.responses['422']
    assert.ok(refused.content['application/problem+json'].schema.example, 'a problem example')
    assert.deepEqual(document.servers, [{ url: '/' }])
  })

  it('serves Prometheus metrics on its metrics listener only', async () => {
    await api.app.inject({ method: 'GET', url: '/orders', headers: await asAdmin() })
    assert.equal((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404)
    const response = await api.app.metricsServer.inject({ method: 'GET', url: '/metrics' })
    assert.equal(response.statusCode, 200)
    assert.match(String(response.headers['content-type']), /^text\/plain/)
    assert.match(response.body, /http_request_duration_seconds/)
    assert.match(response.body, /^db_pool_max_clients 10$/m)
    assert.match(response.body, /^db_pool_clients\{state="total"\} \d+$/m)
  })

  it('answers unknown routes with a 404 problem', async () => {
    const response = await api.app.inject({ method: 'GET', url: '/nope' })
    assert.equal(response.statusCode, 404)
    assert.equal(response.headers['content-type'], 'application/problem+json; charset=utf-8')
  })

  it('echoes the x-request-id it was given', async () => {
    const response = await api.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'abc-123' },
    })
    assert.equal(response.headers['x-request-id'], 'abc-123')
  })
})
