import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { describe, it } from 'node:test'
import { BUFFERED_LIMIT_BYTES } from '../src/upstream-client.js'
import type { Echo } from './support/echo-upstream.js'
import { PROBLEM_BODY, patternBytes } from './support/echo-upstream.js'
import { json, problemOf, requestRawPath, signedFetch } from './support/gateway.js'
import { upstreams, useEcho, useGateway } from './support/suite.js'

describe('proxying /users and /orders', () => {
  const users = useEcho('users-1')
  const orders = useEcho('orders-1')
  const gateway = useGateway(() => ({ ...upstreams(users, orders), BODY_LIMIT_BYTES: '1024' }))

  for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
    it(`forwards ${method} with path, query, body bytes and headers untouched`, async () => {
      const body = '{ "email" : "a@b.c",\n  "full_name": "Ada" }'
      const response = await signedFetch(`${gateway.url}/orders/42/items?a=1&a=2&b=%20x+y&flag`, {
        method,
        body,
        headers: { 'content-type': 'application/json', 'x-custom': 'kept' },
      })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('x-upstream'), 'orders-1')
      const echo = await json<Echo>(response)
      assert.equal(echo.method, method)
      assert.equal(echo.url, '/orders/42/items?a=1&a=2&b=%20x+y&flag')
      assert.equal(Buffer.from(echo.body, 'base64').toString(), body)
      assert.equal(echo.headers['content-type'], 'application/json')
      assert.equal(echo.headers['x-custom'], 'kept')
      assert.equal(echo.headers['content-length'], String(Buffer.byteLength(body)))
    })
  }

  it('forwards GET and HEAD to the service owning the prefix, with the client Host', async () => {
    const response = await signedFetch(`${gateway.url}/users?limit=2&after_id=10`)
    assert.equal(response.status, 200)
    const echo = await json<Echo>(response)
    assert.deepEqual(
      [echo.replica, echo.method, echo.url],
      ['users-1', 'GET', '/users?limit=2&after_id=10'],
    )
    assert.equal(echo.headers.host, new URL(gateway.url).host)
    assert.equal(echo.headers['x-forwarded-for'], '127.0.0.1')

    const head = await signedFetch(`${gateway.url}/users/1`, { method: 'HEAD' })
    assert.equal(head.status, 200)
    assert.equal(head.headers.get('x-upstream'), 'users-1')
    assert.ok(Number(head.headers.get('content-length')) > 0)
    assert.equal(await head.text(), '')
  })

  it('passes the upstream status and headers back', async () => {
    const response = await signedFetch(`${gateway.url}/users`, {
      method: 'POST',
      headers: { 'x-echo-status': '201', 'content-type': 'application/json' },
      body: '{}',
    })
    assert.equal(response.status, 201)
    assert.equal(response.headers.get('x-upstream'), 'users-1')
  })

  it('returns an upstream problem+json byte for byte, with its content type and Location', async () => {
    const response = await signedFetch(`${gateway.url}/users/problem`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"email":"taken@example.com"}',
    })
    assert.equal(response.status, 409)
    assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/)
    assert.equal(response.headers.get('location'), '/users/7')
    assert.equal(await response.text(), PROBLEM_BODY)
  })

  it('passes bodies of any content type through without parsing them', async () => {
    const binary = Buffer.from([0, 255, 128, 10, 13, 0x7b, 0x22])
    for (const [contentType, body] of [
      ['application/octet-stream', binary],
      ['text/plain; charset=latin1', Buffer.from('plain text')],
      ['application/x-odd+thing; v=2', Buffer.from('{not json')],
      ['application/json', Buffer.from('{"broken": ')],
    ] as const) {
      const response = await signedFetch(`${gateway.url}/users/raw`, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      })
      assert.equal(response.status, 200, contentType)
      const echo = await json<Echo>(response)
      assert.equal(echo.headers['content-type'], contentType)
      assert.deepEqual(Buffer.from(echo.body, 'base64'), body, contentType)
    }
  })

  it('passes answers small and large through byte for byte, the large ones streamed', async () => {
    for (const length of [1, 1000, BUFFERED_LIMIT_BYTES, BUFFERED_LIMIT_BYTES + 1, 1024 * 1024]) {
      const response = await signedFetch(`${gateway.url}/users/bytes?length=${length}`)
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('content-length'), String(length))
      assert.deepEqual(Buffer.from(await response.arrayBuffer()), patternBytes(length), `${length}`)
    }
  })

  it('forwards empty bodies as empty', async () => {
    const post = await json<Echo>(await signedFetch(`${gateway.url}/orders`, { method: 'POST' }))
    assert.equal(post.method, 'POST')
    assert.equal(post.body, '')
    const del = await json<Echo>(await signedFetch(`${gateway.url}/orders/3`, { method: 'DELETE' }))
    assert.equal(del.method, 'DELETE')
    assert.equal(del.body, '')
  })

  it('keeps an encoded path segment encoded', async () => {
    const echo = await json<Echo>(await signedFetch(`${gateway.url}/users/a%2Fb%20c`))
    assert.equal(echo.url, '/users/a%2Fb%20c')
  })

  /** Sends `path` as written; the gateway must answer it 400 problem+json itself. */
  const refused = async (path: string, method = 'GET') => {
    const answer = await requestRawPath(gateway.url, path, method)
    assert.equal(answer.status, 400, `${method} ${path}`)
    assert.match(answer.contentType, /^application\/problem\+json/, `${method} ${path}`)
    return answer
  }

  it('answers 400 problem+json to a path escaping its prefix, without forwarding it', async () => {
    const hits = orders.hits + users.hits
    for (const path of [
      '/users/%2e%2e/orders',
      '/users/../orders',
      '/users/..%2forders',
      '/users/%2E./orders',
      '/users/.%2E/orders',
      '/users/..%5Corders',
      '/users/..\\orders',
      '/users/..;/orders',
      '/users/7/..',
      '/orders/1/%2e%2e/%2e%2e/users?limit=1',
    ]) {
      assert.match((await refused(path)).body, /segments/, path)
    }
    assert.equal(orders.hits + users.hits, hits)
  })

  it('answers 400 to a single-dot segment instead of forwarding a rewritten path', async () => {
    const hits = orders.hits + users.hits
    for (const method of ['GET', 'POST']) {
      for (const path of ['/users/./7', '/users/%2e/7', '/orders/.', '/orders/%2E?x=1']) {
        await refused(path, method)
      }
    }
    assert.equal(orders.hits + users.hits, hits)
  })

  it('forwards dots that are not whole segments, and dot segments in the query', async () => {
    for (const path of [
      '/users/a..b',
      '/users/.hidden',
      '/users/v1.2/x.',
      '/users?next=/../x&p=%2e%2e',
    ]) {
      const answer = await requestRawPath(gateway.url, path)
      assert.equal(answer.status, 200, path)
      assert.equal((JSON.parse(answer.body) as Echo).url, path)
    }
  })

  it('keeps its connections to the upstream alive across requests', async () => {
    const before = orders.connections
    for (let i = 0; i < 50; i++) {
      const response = await signedFetch(`${gateway.url}/orders/${i}`)
      assert.equal(response.status, 200)
      await response.body?.cancel()
    }
    // One kept-alive connection serves them all (plus, at most, one the docs fetch opened).
    assert.ok(orders.connections - before <= 2, `${orders.connections - before} connections`)
  })

  it('passes an upstream 503 through once, without repeating the request', async () => {
    const hits = users.hits
    const response = await signedFetch(`${gateway.url}/users/unavailable`)
    assert.equal(response.status, 503)
    assert.equal(users.hits, hits + 1)
  })

  it('answers 404 problem+json for paths it does not proxy', async () => {
    for (const path of ['/products', '/usersx', '/']) {
      const problem = await problemOf(await fetch(`${gateway.url}${path}`))
      assert.equal(problem.status, 404, path)
      assert.match(problem.contentType, /^application\/problem\+json/)
    }
  })

  it('answers 413 problem+json to a declared oversized body without forwarding it', async () => {
    const hits = users.hits
    const problem = await problemOf(
      await signedFetch(`${gateway.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ padding: 'x'.repeat(2_000) }),
      }),
    )
    assert.equal(problem.status, 413)
    assert.match(problem.contentType, /^application\/problem\+json/)
    assert.equal(users.hits, hits)
  })

  it('answers 413 problem+json to a chunked upload that outgrows the limit', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${gateway.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream', 'transfer-encoding': 'chunked' },
      })
      request.on('response', (response) => {
        response.resume()
        resolve(response.statusCode ?? 0)
      })
      request.on('error', reject)
      for (let i = 0; i < 8; i++) request.write(Buffer.alloc(512, 'a'))
      request.end()
    })
    assert.equal(status, 413)
  })

  it('forwards a chunked upload within the limit', async () => {
    const echo = await new Promise<Echo>((resolve, reject) => {
      const request = httpRequest(`${gateway.url}/users`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' },
      })
      request.on('response', async (response) => {
        const chunks: Buffer[] = []
        for await (const chunk of response) chunks.push(chunk as Buffer)
        resolve(JSON.parse(Buffer.concat(chunks).toString()) as Echo)
      })
      request.on('error', reject)
      request.write('hello ')
      request.end('world')
    })
    assert.equal(Buffer.from(echo.body, 'base64').toString(), 'hello world')
  })
})
