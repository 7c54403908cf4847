import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { freePort } from '@shop/local-infra'
import { asAdmin } from '@shop/test-kit'
import { buildApp } from '../src/app.js'
import { type App, assertProblem, testConfig, useUserService } from './helpers.js'

describe('user-service operations', () => {
  const service = useUserService()

  it('answers /healthz with 200', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/healthz' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { status: 'ok' })
  })

  it('answers /readyz with 200 while PostgreSQL answers', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(res.statusCode, 200)
    assert.deepEqual(res.json(), { status: 'ok', checks: { postgres: 'ok' } })
  })

  it('serves an OpenAPI 3 document listing the users routes and their answers', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/docs/json' })
    assert.equal(res.statusCode, 200)
    const doc = res.json()
    assert.match(doc.openapi, /^3\./)
    assert.equal(doc.info.title, 'user-service')
    const post = doc.paths['/users'].post
    assert.deepEqual(post.tags, ['users'])
    assert.ok(post.summary)
    for (const status of ['201', '400', '409', '422']) assert.ok(post.responses[status], status)
    const body = post.requestBody.content['application/json'].schema
    assert.deepEqual(body.required.sort(), ['email', 'full_name', 'password'])
    assert.equal(body.additionalProperties, false)
    assert.ok(post.parameters.some((p: { name: string }) => p.name === 'idempotency-key'))
    assert.deepEqual(post.security, [])
    const list = doc.paths['/users'].get
    assert.deepEqual(Object.keys(list.responses).sort(), ['200', '400', '401', '403', '503'])
    assert.deepEqual(list.security, [{ bearerAuth: [] }])
    assert.deepEqual(list.parameters.map((p: { name: string }) => p.name).sort(), [
      'after_id',
      'limit',
    ])
    const one = doc.paths['/users/{id}'].get
    assert.deepEqual(Object.keys(one.responses).sort(), ['200', '400', '401', '403', '404', '503'])
    assert.deepEqual(one.security, [{ bearerAuth: [] }])
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: doc.components.securitySchemes.bearerAuth.description,
    })
    for (const path of ['/healthz', '/readyz', '/docs', '/docs/json']) {
      assert.deepEqual(doc.paths[path].get.security ?? [], [], path)
    }
    const ids = Object.values(doc.paths).flatMap((item) =>
      Object.values(item as Record<string, { operationId?: string }>).map((op) => op.operationId),
    )
    assert.deepEqual(ids.sort(), [
      'createToken',
      'createUser',
      'getApiReference',
      'getCurrentUser',
      'getJsonWebKeySet',
      'getLiveness',
      'getOpenApiDocument',
      'getOpenIdConfiguration',
      'getReadiness',
      'getUser',
      'listUsers',
    ])
    assert.deepEqual(doc.servers, [{ url: '/' }])
  })

  it('serves Swagger UI at /docs', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/docs/' })
    assert.equal(res.statusCode, 200)
    assert.match(res.body, /swagger/i)
  })

  it('exposes Prometheus metrics including the users routes on its metrics listener only', async () => {
    await service.app.inject({ method: 'GET', url: '/users', headers: await asAdmin() })
    assert.equal((await service.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404)
    const res = await service.app.metricsServer.inject({ method: 'GET', url: '/metrics' })
    assert.equal(res.statusCode, 200)
    assert.match(String(res.headers['content-type']), /^text\/plain/)
    assert.match(res.body, /http_request_duration_seconds_count\{[^}]*route="\/users"/)
    assert.match(res.body, /^db_pool_max_clients 10$/m)
    assert.match(res.body, /^db_pool_clients\{state="total"\} \d+$/m)
  })

  it('echoes the x-request-id it was sent', async () => {
    const res = await service.app.inject({
      method: 'GET',
      url: '/users/1',
      headers: { 'x-request-id': 'trace-me-42', ...(await asAdmin()) },
    })
    assert.equal(res.headers['x-request-id'], 'trace-me-42')
  })

  it('mints an x-request-id when none was sent', async () => {
    const res = await service.app.inject({ method: 'GET', url: '/healthz' })
    assert.match(String(res.headers['x-request-id']), /^[0-9a-f-]{36}$/)
  })

  it('answers unknown routes with a 404 problem', async () => {
    assertProblem(await service.app.inject({ method: 'GET', url: '/nowhere' }), 404)
  })
})

describe('user-service without its database', () => {
  let app: App
  before(async () => {
    const port = await freePort()
    app = await buildApp(await testConfig(`postgres://postgres:postgres@127.0.0.1:${port}/shop`))
  })
  after(() => app.close())

  it('stays live: /healthz answers 200', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
  })

  it('answers /readyz with a 503 problem naming postgres', async () => {
    const problem = assertProblem(await app.inject({ method: 'GET', url: '/readyz' }), 503)
    assert.match(problem.detail ?? '', /^postgres is not ready/)
  })
})
