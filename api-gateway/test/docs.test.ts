import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { eventually } from '@shop/test-kit'
import { mergeOpenApi, type OpenApiDocument } from '../src/openapi-merge.js'
import type { Echo } from './support/echo-upstream.js'
import { json, signedFetch } from './support/gateway.js'
import { upstreams, useEcho, useGateway } from './support/suite.js'

const Problem = {
  type: 'object',
  required: ['type', 'title', 'status'],
  properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' } },
}

function answers(schema: string) {
  return {
    200: {
      description: 'OK',
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${schema}` } } },
    },
    404: {
      description: 'Not found',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    },
  }
}

function serviceDocument<Schemas extends object>(
  title: string,
  paths: Record<string, unknown>,
  schemas: Schemas,
) {
  return {
    openapi: '3.0.3',
    info: { title, version: '1.0.0' },
    tags: [{ name: title.split('-')[0] as string }],
    paths: {
      ...paths,
      // A service's own health routes are not reachable through the gateway's prefixes.
      '/healthz': {
        get: { summary: `${title} liveness`, responses: { 200: { description: 'OK' } } },
      },
    },
    components: { schemas: { Problem, ...schemas } },
  }
}

const usersDocument = serviceDocument(
  'user-service',
  {
    '/users': { get: { operationId: 'listUsers', responses: answers('User') } },
    '/users/{id}': { get: { operationId: 'getUser', responses: answers('User') } },
  },
  { User: { type: 'object', properties: { id: { type: 'integer' }, email: { type: 'string' } } } },
)

// Its own `User` (the owner of an order) differs from user-service's: a name collision.
const ordersDocument = serviceDocument(
  'order-service',
  {
    '/orders': { get: { operationId: 'listOrders', responses: answers('Order') } },
    '/orders/{id}': { get: { operationId: 'getOrder', responses: answers('Order') } },
  },
  {
    Order: {
      type: 'object',
      properties: { id: { type: 'integer' }, user: { $ref: '#/components/schemas/User' } },
    },
    User: { type: 'object', properties: { id: { type: 'integer' } } },
  },
)

describe('GET /docs and /docs/json', () => {
  // Neither service has its document ready yet: both answer 503 at first.
  const users = useEcho({ name: 'users-1', docs: undefined })
  const orders = useEcho({ name: 'orders-1', docs: undefined })
  const gateway = useGateway(() => upstreams(users, orders), { docsRefreshMs: 100 })

  const merged = async () => json<OpenApiDocument>(await fetch(`${gateway.url}/docs/json`))

  it('serves Swagger UI at /docs', async () => {
    const response = await fetch(`${gateway.url}/docs`)
    assert.equal(response.status, 200)
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/)
    const html = await response.text()
    assert.match(html, /swagger-ui/i)
    const initializer = await fetch(`${gateway.url}/docs/static/swagger-initializer.js`)
    assert.equal(initializer.status, 200)
  })

  it('documents the gateway own routes while the services have no document yet', async () => {
    const document = await merged()
    assert.match(String(document.openapi), /^3\./)
    assert.deepEqual(Object.keys(document.paths ?? {}).sort(), [
      '/docs',
      '/docs/json',
      '/healthz',
      '/readyz',
    ])
  })

  it('keeps asking the services until they answer, then merges every route of both', async () => {
    await eventually(
      async () => (users.docsRequests > 0 && orders.docsRequests > 0 ? true : undefined),
      { what: 'both services asked for their document' },
    )
    users.setDocs(usersDocument)
    orders.setDocs(ordersDocument)
    const document = await eventually(
      async () => {
        const current = await merged()
        return Object.keys(current.paths ?? {}).length === 8 ? current : undefined
      },
      { what: 'both service documents merged' },
    )
    assert.deepEqual(Object.keys(document.paths ?? {}).sort(), [
      '/docs',
      '/docs/json',
      '/healthz',
      '/orders',
      '/orders/{id}',
      '/readyz',
      '/users',
      '/users/{id}',
    ])
    // The gateway's own /healthz, not a service's.
    assert.doesNotMatch(JSON.stringify(document.paths?.['/healthz']), /service liveness/)
    const tags = (document.tags ?? []).map((tag) => tag.name)
    assert.ok(
      ['user', 'order'].every((tag) => tags.includes(tag)),
      tags.join(),
    )
  })

  it('adds what the gateway itself answers to every proxied operation', async () => {
    const document = await merged()
    const getUser = document.paths?.['/users/{id}'] as {
      get: { responses: Record<string, { description: string }> }
    }
    assert.deepEqual(Object.keys(getUser.get.responses).sort(), [
      '200',
      '400',
      '404',
      '429',
      '502',
      '503',
      '504',
    ])
    assert.equal(getUser.get.responses['404']?.description, 'Not found')
  })

  it('keeps colliding component names apart and shares identical ones', async () => {
    const document = await merged()
    const schemas = document.components?.schemas ?? {}
    assert.deepEqual(schemas.User, usersDocument.components.schemas.User)
    assert.deepEqual(schemas.OrderServiceUser, ordersDocument.components.schemas.User)
    assert.deepEqual(schemas.Problem, Problem)
    assert.equal(schemas.OrderServiceProblem, undefined)
    const order = schemas.Order as { properties: { user: { $ref: string } } }
    assert.equal(order.properties.user.$ref, '#/components/schemas/OrderServiceUser')
    const getUser = JSON.stringify(document.paths?.['/users/{id}'])
    assert.match(getUser, /#\/components\/schemas\/User"/)
  })

  it("declares the bearer scheme that Swagger UI's Authorize button fills", async () => {
    const document = await merged()
    const schemes = document.components?.securitySchemes as Record<string, { scheme?: string }>
    assert.equal(schemes.bearerAuth?.scheme, 'bearer')
    const health = document.paths?.['/healthz'] as { get: { security?: unknown[] } }
    assert.deepEqual(health.get.security ?? [], [])
  })

  it('points servers at the gateway, so "Try it out" requests go through it', async () => {
    const document = await merged()
    const server = document.servers as Array<{ url: string }>
    assert.equal(server.length, 1)
    for (const path of ['/users', '/orders']) {
      const target = new URL(`${server[0]?.url.replace(/\/$/, '')}${path}`, `${gateway.url}/docs`)
      assert.equal(target.origin, gateway.url)
      // With the token Swagger UI's Authorize button adds.
      const response = await signedFetch(target.href)
      assert.equal(response.status, 200)
      assert.equal((await json<Echo>(response)).url, path)
    }
  })

  it('picks up a service document that changed', async () => {
    users.setDocs({
      ...usersDocument,
      paths: {
        ...usersDocument.paths,
        '/users/{id}/avatar': {
          get: { operationId: 'getAvatar', responses: { 200: { description: 'OK' } } },
        },
      },
    })
    await eventually(
      async () => ((await merged()).paths?.['/users/{id}/avatar'] ? true : undefined),
      { what: 'the changed user-service document' },
    )
  })

  it('keeps the last good document while a service stops answering', async () => {
    orders.setDocs(undefined)
    const asked = orders.docsRequests
    await eventually(async () => (orders.docsRequests >= asked + 2 ? true : undefined), {
      what: 'two failed refreshes',
    })
    const document = await merged()
    assert.ok(document.paths?.['/orders/{id}'])
  })
})

describe('mergeOpenApi', () => {
  it('prefixes an operationId the gateway already uses with the service name', () => {
    const gateway = {
      openapi: '3.0.3',
      info: { title: 'gateway', version: '1.0.0' },
      paths: { '/healthz': { get: { operationId: 'getLiveness', responses: {} } } },
    }
    const users = {
      openapi: '3.0.3',
      info: { title: 'user-service', version: '1.0.0' },
      paths: {
        '/users/healthz': { get: { operationId: 'getLiveness', responses: {} } },
        '/users': { get: { operationId: 'listUsers', responses: {} } },
      },
    }
    const merged = mergeOpenApi(gateway, [
      { name: 'user-service', prefixes: ['/users'], document: users },
    ])
    const id = (path: string) =>
      (merged.paths?.[path] as { get?: { operationId?: string } } | undefined)?.get?.operationId
    assert.equal(id('/healthz'), 'getLiveness')
    assert.equal(id('/users/healthz'), 'userServiceGetLiveness')
    assert.equal(id('/users'), 'listUsers')
    assert.equal(
      (users.paths['/users/healthz'].get as { operationId: string }).operationId,
      'getLiveness',
    )
  })
})
