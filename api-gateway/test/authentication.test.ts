import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  asCustomer,
  bearer,
  FORGERIES,
  sendRawRequest,
  type TestIssuer,
  testIssuer,
} from '@shop/test-kit'
import type { Echo } from './support/echo-upstream.js'
import { json, problemOf, withGateway } from './support/gateway.js'
import { upstreams, useEcho, useGateway } from './support/suite.js'
import { deadUrl } from './support/traffic.js'

describe('the gateway verifying tokens before it proxies', () => {
  const echo = useEcho('echo')
  const gateway = useGateway(() => upstreams(echo))

  it('forwards a request with a valid token, Authorization header included', async () => {
    const credentials = await asCustomer(5)
    const response = await fetch(`${gateway.url}/orders/7`, { headers: credentials })
    assert.equal(response.status, 200)
    const seen = await json<Echo>(response)
    assert.equal(seen.headers.authorization, credentials.authorization)
  })

  it('answers 401 with a challenge, forwarding nothing, without a token or with a forged one', async () => {
    const issuer: TestIssuer = await testIssuer()
    const hits = echo.hits
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic YWRtaW46YWRtaW4=' },
      ...(await Promise.all(FORGERIES.map(async (kind) => bearer(await issuer.forged(kind, 5))))),
    ]
    for (const headers of attempts) {
      for (const [method, path] of [
        ['GET', '/users/5'],
        ['GET', '/users'],
        ['POST', '/orders'],
        ['GET', '/orders/1'],
        ['DELETE', '/orders/1'],
        ['POST', '/users/5'],
      ] as const) {
        const response = await fetch(`${gateway.url}${path}`, { method, headers })
        const problem = await problemOf(response)
        assert.equal(problem.status, 401, `${method} ${path} ${JSON.stringify(headers)}`)
        assert.match(problem.contentType, /^application\/problem\+json/)
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer realm=/)
      }
    }
    assert.equal(echo.hits, hits, 'nothing reached the service')
  })

  it('forwards a sign-up without a token', async () => {
    for (const [method, path] of [
      ['POST', '/users'],
      ['POST', '/users?x=1'],
    ] as const) {
      const response = await fetch(`${gateway.url}${path}`, { method, body: '{}' })
      assert.equal(response.status, 200, `${method} ${path}`)
      assert.equal((await json<Echo>(response)).method, method)
    }
  })

  it('lets a client read its 401 while it is still uploading a large body, every time', async () => {
    for (let round = 1; round <= 10; round++) {
      const answer = await sendRawRequest(gateway.url, {
        path: '/orders',
        headers: { 'content-type': 'application/json' },
        body: Buffer.alloc(2 * 1024 * 1024, ' '),
      }).catch((error: Error) => assert.fail(`round ${round}: ${error.message}`))
      assert.equal(answer.status, 401, `round ${round}`)
    }
  })
})

describe('the gateway when the issuer cannot be reached', () => {
  const echo = useEcho('echo')

  it('answers 503 naming the issuer, never 401 or 500, and forwards nothing', async () => {
    const nowhere = await deadUrl()
    const hits = echo.hits
    await withGateway(
      { ...upstreams(echo), AUTH_ISSUER: nowhere, AUTH_DISCOVERY_URL: '' },
      async (gw) => {
        const response = await fetch(`${gw.url}/users/1`, { headers: await asCustomer(1) })
        const problem = await problemOf(response)
        assert.equal(problem.status, 503)
        assert.equal(problem.body.dependency, 'issuer')
        assert.equal((await fetch(`${gw.url}/healthz`)).status, 200)
      },
    )
    assert.equal(echo.hits, hits)
  })
})
