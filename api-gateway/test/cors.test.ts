import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Echo } from './support/echo-upstream.js'
import { json, signedFetch, withGateway } from './support/gateway.js'
import { upstreams, useEcho, useGateway } from './support/suite.js'

const ALLOWED = 'https://shop.example'
const OTHER = 'https://evil.example'

/** A simple cross-origin GET: its status and the origin it was allowed for (or null). */
async function crossOrigin(url: string, origin: string) {
  const response = await signedFetch(url, { headers: { origin } })
  await response.body?.cancel()
  return {
    status: response.status,
    allowed: response.headers.get('access-control-allow-origin'),
  }
}

/** A preflight, with a token only so that the default gateway forwards it to the echo. */
function preflight(url: string, origin: string) {
  return signedFetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, idempotency-key',
    },
  })
}

describe('CORS', () => {
  const echo = useEcho('echo')

  describe('by default', () => {
    const gateway = useGateway(() => upstreams(echo))

    it('adds no CORS header to a cross-origin request', async () => {
      assert.deepEqual(await crossOrigin(`${gateway.url}/users`, ALLOWED), {
        status: 200,
        allowed: null,
      })
    })

    it('forwards a preflight to the service like any OPTIONS request', async () => {
      const response = await preflight(`${gateway.url}/users`, ALLOWED)
      assert.equal(response.headers.get('access-control-allow-origin'), null)
      assert.equal((await json<Echo>(response)).method, 'OPTIONS')
    })
  })

  describe('with CORS_ORIGINS set', () => {
    const gateway = useGateway(() => ({
      ...upstreams(echo),
      CORS_ORIGINS: `${ALLOWED}, http://localhost:3000`,
    }))

    it('answers a preflight from a listed origin itself, allowing it', async () => {
      const hits = echo.hits
      for (const path of ['/users', '/orders/7']) {
        const response = await preflight(`${gateway.url}${path}`, ALLOWED)
        assert.equal(response.status, 204, path)
        assert.equal(response.headers.get('access-control-allow-origin'), ALLOWED)
        assert.match(response.headers.get('access-control-allow-methods') ?? '', /POST/)
        assert.match(
          response.headers.get('access-control-allow-headers') ?? '',
          /content-type, idempotency-key/,
        )
        assert.match(response.headers.get('vary') ?? '', /origin/i)
      }
      assert.equal(echo.hits, hits)
    })

    it('allows a simple request from a listed origin and exposes the useful headers', async () => {
      const response = await signedFetch(`${gateway.url}/users/1`, {
        headers: { origin: 'http://localhost:3000' },
      })
      assert.equal(response.status, 200)
      assert.equal(response.headers.get('access-control-allow-origin'), 'http://localhost:3000')
      const exposed = (response.headers.get('access-control-expose-headers') ?? '').split(/,\s*/)
      for (const header of ['x-request-id', 'location', 'link', 'retry-after']) {
        assert.ok(exposed.includes(header), `${header} not exposed`)
      }
      assert.match(response.headers.get('vary') ?? '', /origin/i)
      await response.body?.cancel()
    })

    it('gives another origin no CORS header, on a preflight or a simple request', async () => {
      const pre = await preflight(`${gateway.url}/users`, OTHER)
      assert.equal(pre.headers.get('access-control-allow-origin'), null)
      await pre.body?.cancel()
      assert.deepEqual(await crossOrigin(`${gateway.url}/users`, OTHER), {
        status: 200,
        allowed: null,
      })
    })

    it('adds CORS headers to the gateway own answers too', async () => {
      assert.deepEqual(await crossOrigin(`${gateway.url}/nowhere`, ALLOWED), {
        status: 404,
        allowed: ALLOWED,
      })
    })
  })

  it('allows every origin with CORS_ORIGINS=*', async () => {
    await withGateway(
      {
        USER_SERVICE_URL: echo.url,
        ORDER_SERVICE_URL: echo.url,
        CORS_ORIGINS: '*',
      },
      async (gateway) => {
        assert.equal((await crossOrigin(`${gateway.url}/users`, OTHER)).allowed, '*')
      },
    )
  })
})
