import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { freePort, startLocalRedis } from '@shop/local-infra'
import {
  type Stoppable,
  startTestRedis,
  suiteResource,
  suiteSetup,
  uniqueName,
} from '@shop/test-kit'
import {
  problemOf,
  type RunningGateway,
  signedFetch,
  startGateway,
  withGateway,
} from './support/gateway.js'
import { upstreams, useEcho, useGateway } from './support/suite.js'

/** Sends `count` GETs (as customer 1) to `url` and returns their statuses in order. */
async function statuses(url: string, count: number) {
  const seen: number[] = []
  for (let i = 0; i < count; i++) {
    const response = await signedFetch(url)
    await response.body?.cancel()
    seen.push(response.status)
  }
  return seen
}

describe('rate limit', () => {
  let redis: Stoppable
  const echo = useEcho('echo')

  suiteSetup(async (teardown) => {
    redis = await startTestRedis()
    teardown(() => redis.stop())
  })

  function limited(max: number, nameSpace: string, extra: Record<string, string> = {}) {
    return startGateway(
      {
        ...upstreams(echo),
        RATE_LIMIT_MAX: String(max),
        RATE_LIMIT_WINDOW_MS: '60000',
        REDIS_URL: redis.url,
        ...extra,
      },
      { rateLimitNameSpace: nameSpace },
    )
  }

  describe('with RATE_LIMIT_MAX set', () => {
    let gateway: RunningGateway

    suiteSetup(async (teardown) => {
      gateway = await limited(3, `${uniqueName('limit')}:`)
      teardown(() => gateway.close())
    })

    it('answers 429 problem+json with Retry-After to requests over the limit, without forwarding them', async () => {
      const first = await signedFetch(`${gateway.url}/users`)
      assert.equal(first.status, 200)
      assert.equal(first.headers.get('x-ratelimit-limit'), '3')
      assert.equal(first.headers.get('x-ratelimit-remaining'), '2')
      await first.body?.cancel()
      assert.deepEqual(await statuses(`${gateway.url}/orders`, 2), [200, 200])

      const hits = echo.hits
      const response = await signedFetch(`${gateway.url}/users/1`)
      const retryAfter = Number(response.headers.get('retry-after'))
      const problem = await problemOf(response)
      assert.equal(problem.status, 429)
      assert.match(problem.contentType, /^application\/problem\+json/)
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${retryAfter}`)
      assert.match(problem.body.detail ?? '', /rate limit/)
      assert.equal(echo.hits, hits)
    })

    it('does not limit /healthz, /readyz and /metrics', async () => {
      assert.equal((await signedFetch(`${gateway.url}/users`)).status, 429)
      for (const path of ['/healthz', '/readyz', '/metrics']) {
        assert.deepEqual(await statuses(`${gateway.url}${path}`, 5), [200, 200, 200, 200, 200])
      }
    })
  })

  it('shares one count between gateway instances using the same Redis', async () => {
    const nameSpace = `${uniqueName('shared')}:`
    const one = await limited(4, nameSpace)
    const two = await limited(4, nameSpace)
    try {
      assert.deepEqual(await statuses(`${one.url}/users`, 2), [200, 200])
      assert.deepEqual(await statuses(`${two.url}/users`, 3), [200, 200, 429])
      assert.deepEqual(await statuses(`${one.url}/orders`, 1), [429])
    } finally {
      await Promise.all([one.close(), two.close()])
    }
  })

  it('is off by default', async () => {
    await withGateway(
      {
        USER_SERVICE_URL: echo.url,
        ORDER_SERVICE_URL: echo.url,
        REDIS_URL: redis.url,
      },
      async (gateway) => {
        const seen = await statuses(`${gateway.url}/users`, 150)
        assert.ok(seen.every((status) => status === 200))
        const response = await signedFetch(`${gateway.url}/users`)
        assert.equal(response.headers.get('x-ratelimit-limit'), null)
        await response.body?.cancel()
      },
    )
  })

  describe('when its Redis goes away', () => {
    // A Redis of its own, which the test stops.
    const own = suiteResource(async (teardown) => {
      const dir = await mkdtemp(join(tmpdir(), 'gateway-rate-limit-'))
      teardown(() => rm(dir, { recursive: true, force: true }))
      const started = await startLocalRedis({ port: await freePort(), dir })
      teardown(() => started.stop())
      return started
    })
    const gateway = useGateway(
      () => ({ ...upstreams(echo), RATE_LIMIT_MAX: '2', REDIS_URL: own.url }),
      () => ({ rateLimitNameSpace: `${uniqueName('gone')}:` }),
    )

    it('serves requests unlimited instead of failing them', async () => {
      assert.deepEqual(await statuses(`${gateway.url}/users`, 3), [200, 200, 429])
      await own.stop()
      assert.deepEqual(await statuses(`${gateway.url}/users`, 5), [200, 200, 200, 200, 200])
      assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200)
    })
  })

  it('serves requests when its Redis is unreachable from the start', async () => {
    await withGateway(
      {
        USER_SERVICE_URL: echo.url,
        ORDER_SERVICE_URL: echo.url,
        RATE_LIMIT_MAX: '2',
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      },
      async (gateway) => {
        assert.deepEqual(await statuses(`${gateway.url}/users`, 4), [200, 200, 200, 200])
      },
    )
  })
})
