import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { listenMetricsOnLoopback, listenOnLoopback, suiteSetup } from '@shop/test-kit'
import { z } from 'zod'
import { createServiceApp, type ServiceApp } from '../src/app.js'
import { DependencyUnavailableError } from '../src/driver-errors.js'
import { health } from '../src/health.js'
import { HttpProblem, problemResponses } from '../src/problem.js'

async function buildApp() {
  const app = await createServiceApp({ name: 'test', logLevel: 'silent' })
  await app.register(health, {
    checks: {
      postgres: async () => {},
      redis: async () => {
        throw new Error('connection refused')
      },
    },
  })
  app.post(
    '/things',
    {
      schema: {
        body: z.object({ name: z.string().min(1).max(10), count: z.number().int().min(1) }),
        response: { 201: z.object({ name: z.string() }), ...problemResponses(400, 409) },
      },
    },
    async (request, reply) => {
      if (request.body.name === 'taken') throw new HttpProblem(409, 'name is taken')
      return reply.code(201).send({ name: request.body.name })
    },
  )
  app.get('/boom', async () => {
    throw new Error('secret database detail')
  })
  return app
}

describe('a service app', () => {
  let app: ServiceApp
  suiteSetup(async (teardown) => {
    app = await buildApp()
    teardown(() => app.close())
  })
  /** POST /things with `payload`, as JSON unless `contentType` says otherwise. */
  const postThing = (payload: object | string, contentType?: string) =>
    app.inject({
      method: 'POST',
      url: '/things',
      payload,
      ...(contentType ? { headers: { 'content-type': contentType } } : {}),
    })

  it('answers 400 problem+json naming each invalid field', async () => {
    const res = await postThing({ name: '', count: 0 })
    assert.equal(res.statusCode, 400)
    assert.match(String(res.headers['content-type']), /^application\/problem\+json/)
    const body = res.json()
    assert.equal(body.status, 400)
    assert.deepEqual(body.errors.map((e: { field: string }) => e.field).sort(), ['count', 'name'])
  })

  it('answers 400 for malformed JSON', async () => {
    const res = await postThing('{"name":', 'application/json')
    assert.equal(res.statusCode, 400)
    assert.equal(res.json().title, 'Bad Request')
  })

  it('answers 415 for a body that is not JSON', async () => {
    const res = await postThing('<thing/>', 'application/xml')
    assert.equal(res.statusCode, 415)
    assert.match(String(res.headers['content-type']), /problem\+json/)
  })

  it('answers a thrown HttpProblem with its status', async () => {
    const res = await postThing({ name: 'taken', count: 1 })
    assert.equal(res.statusCode, 409)
    assert.equal(res.json().detail, 'name is taken')
  })

  it('masks unexpected errors as 500 without their message', async () => {
    const res = await app.inject({ method: 'GET', url: '/boom' })
    assert.equal(res.statusCode, 500)
    assert.doesNotMatch(res.body, /secret/)
    assert.match(String(res.headers['content-type']), /problem\+json/)
  })

  it('answers unknown routes with a 404 problem', async () => {
    const res = await app.inject({ method: 'GET', url: '/nowhere?x=1' })
    assert.equal(res.statusCode, 404)
    assert.equal(res.json().detail, 'No route for GET /nowhere')
  })

  it('keeps a sane x-request-id and replaces an unsafe one', async () => {
    const kept = await app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'abc-123' },
    })
    assert.equal(kept.headers['x-request-id'], 'abc-123')
    const replaced = await app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'a'.repeat(500) },
    })
    assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/)
  })

  it('is live while a dependency is down, and not ready, naming it', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
    const res = await app.inject({ method: 'GET', url: '/readyz' })
    assert.equal(res.statusCode, 503)
    assert.equal(res.json().dependency, 'redis')
    assert.match(res.json().detail, /redis is not ready: connection refused/)
  })

  it('serves Prometheus metrics on its metrics listener, never on the app', async () => {
    await app.inject({ method: 'POST', url: '/things', payload: { name: 'a', count: 1 } })
    const res = await app.metricsServer.inject({ method: 'GET', url: '/metrics' })
    assert.equal(res.statusCode, 200)
    assert.match(res.body, /http_request_duration_seconds_bucket\{.*route="\/things"/)
    const hidden = await app.inject({ method: 'GET', url: '/metrics' })
    assert.equal(hidden.statusCode, 404)
    assert.match(String(hidden.headers['content-type']), /^application\/problem\+json/)
    const other = await app.metricsServer.inject({ method: 'GET', url: '/things' })
    assert.equal(other.statusCode, 404)
    assert.match(String(other.headers['content-type']), /^application\/problem\+json/)
  })
})

describe("a service app's metrics listener", () => {
  it('serves /metrics on a port of its own, 404 on the public one, and closes with the app', async () => {
    const app = await createServiceApp({ name: 'test', logLevel: 'silent' })
    const publicUrl = await listenOnLoopback(app)
    const metricsUrl = await listenMetricsOnLoopback(app)
    assert.notEqual(metricsUrl, publicUrl)
    assert.equal((await fetch(`${publicUrl}/metrics`)).status, 404)
    const served = await fetch(`${metricsUrl}/metrics`)
    assert.equal(served.status, 200)
    assert.match(await served.text(), /^# TYPE process_cpu_user_seconds_total counter$/m)
    await app.close()
    assert.equal(app.metricsServer.server.listening, false)
    await assert.rejects(fetch(`${metricsUrl}/metrics`))
  })
})

describe('a service app whose dependency drops mid-request', () => {
  it('answers 503 problem+json with Retry-After naming the dependency, not 500', async () => {
    const app = await createServiceApp({ name: 'test', logLevel: 'silent' })
    const refused = () =>
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })
    const failures: Record<string, [() => Error, string | undefined]> = {
      '/refused': [refused, undefined],
      '/terminated': [
        () => Object.assign(new Error('terminating connection'), { code: '57P01' }),
        'postgres',
      ],
      // Drizzle wraps the driver's error: the cause tells what happened.
      '/wrapped': [
        () =>
          Object.assign(
            new Error('Failed query: select 1', {
              cause: new Error('Connection terminated due to connection timeout', {
                cause: refused(),
              }),
            }),
            { name: 'DrizzleQueryError' },
          ),
        'postgres',
      ],
      '/query-timeout': [() => new Error('Query read timeout'), 'postgres'],
      '/named': [() => new DependencyUnavailableError('redis', { cause: refused() }), 'redis'],
    }
    for (const [url, [failure]] of Object.entries(failures)) {
      app.get(url, async () => {
        throw failure()
      })
    }
    try {
      for (const [url, [, dependency]] of Object.entries(failures)) {
        const res = await app.inject({ method: 'GET', url })
        assert.equal(res.statusCode, 503, url)
        assert.equal(res.headers['retry-after'], '1')
        assert.match(String(res.headers['content-type']), /problem\+json/)
        assert.doesNotMatch(res.body, /5432|terminating|Failed query/)
        assert.equal(res.json().dependency, dependency, url)
      }
    } finally {
      await app.close()
    }
  })
})
