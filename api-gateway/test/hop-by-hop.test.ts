import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, it } from 'node:test'
import { asCustomer, sendRawRequest, suiteResource } from '@shop/test-kit'
import type { Echo } from './support/echo-upstream.js'
import { signedFetch } from './support/gateway.js'
import { upstreams, useEcho, useGateway } from './support/suite.js'

/** An upstream that names a header of its own as hop-by-hop and asks to close its connection. */
async function startHopUpstream() {
  const server: Server = createServer((request, response) => {
    response.writeHead(200, {
      'content-type': 'application/json',
      connection: 'close, x-hop',
      'keep-alive': 'timeout=1',
      'x-hop': 'for the gateway only',
      'x-kept': 'end to end',
      'set-cookie': ['a=1', 'b=2'],
    })
    response.end(JSON.stringify({ url: request.url }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

describe('headers about the upstream connection', () => {
  const upstream = suiteResource(async (teardown) => {
    const started = await startHopUpstream()
    teardown(started.close)
    return started
  })
  const gateway = useGateway(() => upstreams(upstream))

  it('are not passed on to the client, and the client connection stays open', async () => {
    const response = await signedFetch(`${gateway.url}/users/1`)
    assert.equal(response.status, 200)
    assert.deepEqual(await response.json(), { url: '/users/1' })
    assert.equal(response.headers.get('x-hop'), null)
    assert.notEqual(response.headers.get('keep-alive'), 'timeout=1')
    assert.notEqual(response.headers.get('connection'), 'close')
    assert.equal(response.headers.get('x-kept'), 'end to end')
    assert.deepEqual(response.headers.getSetCookie(), ['a=1', 'b=2'])
  })
})

describe('hop-by-hop and proxy-only request headers', () => {
  const upstream = useEcho('orders-1')
  const gateway = useGateway(() => upstreams(upstream))

  const cases: Array<[string, Record<string, string>]> = [
    ['Expect: 100-continue', { expect: '100-continue' }],
    ['Upgrade: websocket', { upgrade: 'websocket' }],
    ['Upgrade: websocket named by Connection', { upgrade: 'websocket', connection: 'upgrade' }],
    ['Keep-Alive: timeout=5', { 'keep-alive': 'timeout=5' }],
    ['TE: trailers', { te: 'trailers', connection: 'te' }],
    ['TE: gzip', { te: 'gzip' }],
    ['Trailer: x-sum', { trailer: 'x-sum' }],
    [
      'Proxy-Authorization and Proxy-Connection',
      { 'proxy-authorization': 'Basic eDp5', 'proxy-connection': 'keep-alive' },
    ],
    ['a header named by Connection', { connection: 'x-for-the-gateway', 'x-for-the-gateway': '1' }],
  ]
  const dropped = [
    'expect',
    'upgrade',
    'keep-alive',
    'te',
    'trailer',
    'proxy-authorization',
    'proxy-connection',
    'x-for-the-gateway',
  ]

  for (const [name, headers] of cases) {
    for (const method of ['GET', 'POST']) {
      it(`${method} with ${name} is proxied, the header kept to the gateway's own connection`, async () => {
        const body = Buffer.from(method === 'POST' ? '{"item":"x"}' : '')
        const answer = await sendRawRequest(gateway.url, {
          method,
          path: '/orders/7',
          headers: {
            ...headers,
            ...(await asCustomer(1)),
            ...(body.length > 0 ? { 'content-type': 'application/json' } : {}),
          },
          body,
        })
        assert.equal(answer.status, 200, answer.body)
        const echo = JSON.parse(answer.body) as Echo
        assert.equal(echo.method, method)
        assert.equal(Buffer.from(echo.body, 'base64').toString(), body.toString())
        for (const header of dropped) assert.equal(echo.headers[header], undefined, header)
      })
    }
  }
})
