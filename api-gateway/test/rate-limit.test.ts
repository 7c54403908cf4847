import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { asCustomer, type Stoppable, startTestRedis, suiteSetup, uniqueName } from '@shop/test-kit'
import type { GatewayOptions } from '../src/app.js'
import type { Echo } from './support/echo-upstream.js'
import { json, problemOf, signedFetch, startGateway, withGateway } from './support/gateway.js'
import { statuses } from './support/rate-limit.js'
import { upstreams, useEcho } from './support/suite.js'

/** A public route: anonymous callers reach the limiter, which counts them by address. */
const PUBLIC = '/.well-known/jwks.json'

describe('rate limit', () => {
  let redis: Stoppable
  const echo = useEcho('echo')

  suiteSetup(async (teardown) => {
    redis = await startTestRedis()
    teardown(() => redis.stop())
  })

  /** A gateway counting in the suite's Redis under a name space of its own (or `nameSpace`). */
  function limited(env: Record<string, string>, options: GatewayOptions = {}) {
    return startGateway(
      { ...upstreams(echo), REDIS_URL: redis.url, ...env },
      { rateLimitNameSpace: `${uniqueName('limit')}:`, ...options },
    )
  }

  async function using(env: Record<string, string>, use: (url: string) => Promise<void>) {
    const gateway = await limited(env)
    try {
      await use(gateway.url)
    } finally {
      await gateway.close()
    }
  }

  it('is on by default: 300 requests a minute, 10 to POST /users', async () => {
    await using({ RATE_LIMIT_MAX: '', RATE_LIMIT_CREDENTIALS_MAX: '' }, async (url) => {
      const get = await signedFetch(`${url}/orders`)
      assert.equal(get.headers.get('x-ratelimit-limit'), '300')
      await get.body?.cancel()
      const post = await fetch(`${url}/users`, { method: 'POST', body: '{}' })
      assert.equal(post.headers.get('x-ratelimit-limit'), '10')
      await post.body?.cancel()
    })
  })

  it('answers 429 problem+json with Retry-After over the limit, without forwarding, and not on health', async () => {
    await using({ RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW_MS: '60000' }, async (url) => {
      const first = await signedFetch(`${url}/users`)
      assert.equal(first.status, 200)
      assert.equal(first.headers.get('x-ratelimit-remaining'), '2')
      await first.body?.cancel()
      assert.deepEqual(await statuses(`${url}/orders`, 2), [200, 200])

      const hits = echo.hits
      const response = await signedFetch(`${url}/users/1`)
      const retryAfter = Number(response.headers.get('retry-after'))
      const problem = await problemOf(response)
      assert.equal(problem.status, 429)
      assert.match(problem.contentType, /^application\/problem\+json/)
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`)
      assert.match(problem.body.detail ?? '', /rate limit of 3 requests/)
      assert.equal(echo.hits, hits)
      for (const path of ['/healthz', '/readyz']) {
        assert.deepEqual(await statuses(`${url}${path}`, 5), [200, 200, 200, 200, 200])
      }
    })
  })

  it('counts POST /users apart, against its stricter limit, whatever its query or trailing slash', async () => {
    await using({ RATE_LIMIT_MAX: '20', RATE_LIMIT_CREDENTIALS_MAX: '3' }, async (url) => {
      const post = { method: 'POST', body: '{}' }
      assert.deepEqual(await statuses(`${url}/users`, 2, post), [200, 200])
      assert.deepEqual(await statuses(`${url}/users/?x=1`, 2, post), [200, 429])
      const problem = await problemOf(await fetch(`${url}/users`, post))
      assert.match(problem.body.detail ?? '', /rate limit of 3 requests/)
      // The general count is the caller's own: reads, and POSTs elsewhere, go on.
      assert.deepEqual(await statuses(`${url}/users`, 2), [200, 200])
      assert.deepEqual(await statuses(`${url}/orders`, 2, post), [200, 200])
    })
  })

  it('counts each verified caller apart from the others and from its address', async () => {
    await using({ RATE_LIMIT_MAX: '2' }, async (url) => {
      const as = async (userId: number) => ({ headers: await asCustomer(userId) })
      assert.deepEqual(await statuses(`${url}/orders`, 3, await as(1)), [200, 200, 429])
      assert.deepEqual(await statuses(`${url}/orders`, 3, await as(2)), [200, 200, 429])
      // The same address without a caller has a count of its own.
      assert.deepEqual(await statuses(`${url}${PUBLIC}`, 3, { headers: {} }), [200, 200, 429])
    })
  })

  it('shares one count between gateway instances using the same Redis', async () => {
    const nameSpace = `${uniqueName('shared')}:`
    const env = { RATE_LIMIT_MAX: '4' }
    const one = await limited(env, { rateLimitNameSpace: nameSpace })
    const two = await limited(env, { rateLimitNameSpace: nameSpace })
    try {
      assert.deepEqual(await statuses(`${one.url}/users`, 2), [200, 200])
      assert.deepEqual(await statuses(`${two.url}/users`, 3), [200, 200, 429])
      assert.deepEqual(await statuses(`${one.url}/orders`, 1), [429])
    } finally {
      await Promise.all([one.close(), two.close()])
    }
  })

  describe('client address', () => {
    const from = (forwardedFor: string) => ({ headers: { 'x-forwarded-for': forwardedFor } })

    it('ignores X-Forwarded-For by default: spoofed addresses share the connection’s count', async () => {
      await using({ RATE_LIMIT_MAX: '2' }, async (url) => {
        assert.deepEqual(await statuses(`${url}${PUBLIC}`, 1, from('198.51.100.1')), [200])
        assert.deepEqual(await statuses(`${url}${PUBLIC}`, 1, from('198.51.100.2')), [200])
        assert.deepEqual(await statuses(`${url}${PUBLIC}`, 1, from('198.51.100.3')), [429])
      })
    })

    it('takes the address the last of TRUST_PROXY_HOPS proxies reports, and nothing before it', async () => {
      await using({ RATE_LIMIT_MAX: '2', TRUST_PROXY_HOPS: '1' }, async (url) => {
        const client = '203.0.113.7'
        assert.deepEqual(await statuses(`${url}${PUBLIC}`, 1, from(client)), [200])
        // Whatever the client wrote before the proxy's entry is not trusted.
        assert.deepEqual(
          await statuses(`${url}${PUBLIC}`, 2, from(`10.9.9.9, ${client}`)),
          [200, 429],
        )
        assert.deepEqual(await statuses(`${url}${PUBLIC}`, 2, from('203.0.113.8')), [200, 200])
        const echoed = await json<Echo>(await fetch(`${url}${PUBLIC}`, from('203.0.113.9')))
        assert.equal(echoed.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1')
      })
    })

    it('walks back two hops with TRUST_PROXY_HOPS=2', async () => {
      await using({ RATE_LIMIT_MAX: '1', TRUST_PROXY_HOPS: '2' }, async (url) => {
        assert.deepEqual(
          await statuses(`${url}${PUBLIC}`, 1, from('1.1.1.1, 203.0.113.7, 10.0.0.2')),
          [200],
        )
        assert.deepEqual(
          await statuses(`${url}${PUBLIC}`, 1, from('2.2.2.2, 203.0.113.7, 10.0.0.3')),
          [429],
        )
        assert.deepEqual(await statuses(`${url}${PUBLIC}`, 1, from('203.0.113.8, 10.0.0.2')), [200])
      })
    })
  })

  it('counts in memory without REDIS_URL', async () => {
    await withGateway({ ...upstreams(echo), RATE_LIMIT_MAX: '2' }, async (gateway) => {
      assert.deepEqual(await statuses(`${gateway.url}/users`, 3), [200, 200, 429])
    })
  })
})
