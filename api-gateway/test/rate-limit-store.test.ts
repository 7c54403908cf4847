import assert from 'node:assert/strict'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { freePort, startLocalRedis } from '@shop/local-infra'
import { eventually, metricSample, scratchDir, suiteResource, uniqueName } from '@shop/test-kit'
import { withGateway } from './support/gateway.js'
import { statuses } from './support/rate-limit.js'
import { upstreams, useEcho, useGateway } from './support/suite.js'

/** Fails open (RELIABILITY.md): without its Redis the gateway serves, unlimited, never a 5xx. */
describe('rate limit when its Redis is away', () => {
  const echo = useEcho('echo')
  // A Redis of its own, which the tests pause and stop.
  const own = suiteResource(async (teardown) => {
    const dir = await scratchDir('gateway-rate-limit-')
    teardown(() => rm(dir, { recursive: true, force: true }))
    const started = await startLocalRedis({ port: await freePort(), dir })
    teardown(() => started.stop())
    const pid = Number(await readFile(join(dir, 'redis.pid'), 'utf8'))
    return { ...started, pid }
  })
  const gateway = useGateway(
    () => ({ ...upstreams(echo), RATE_LIMIT_MAX: '2', REDIS_URL: own.url }),
    () => ({ rateLimitNameSpace: `${uniqueName('away')}:` }),
  )

  const storeUp = async () =>
    metricSample(
      await (await fetch(`${gateway.metricsUrl}/metrics`)).text(),
      'gateway_rate_limit_store_up',
    )
  const until = (value: number) =>
    eventually(async () => ((await storeUp()) === value ? true : undefined), {
      timeoutMs: 5_000,
      what: `gateway_rate_limit_store_up ${value}`,
    })

  it('serves within a second while its Redis is paused, then limits again once it answers', async () => {
    assert.equal(await storeUp(), 1)
    assert.deepEqual(await statuses(`${gateway.url}/users`, 3), [200, 200, 429])
    process.kill(own.pid, 'SIGSTOP')
    try {
      for (let i = 0; i < 6; i++) {
        const started = performance.now()
        assert.deepEqual(await statuses(`${gateway.url}/users`, 1), [200])
        const ms = performance.now() - started
        // One bounded count (1 s) at most, until the ping notices.
        assert.ok(ms < 2_000, `request ${i} took ${ms.toFixed(0)} ms`)
      }
      await until(0)
      assert.deepEqual(await statuses(`${gateway.url}/users`, 3), [200, 200, 200])
    } finally {
      process.kill(own.pid, 'SIGCONT')
    }
    await until(1)
    assert.deepEqual(await statuses(`${gateway.url}/users`, 1), [429])
  })

  it('serves requests unlimited once its Redis is stopped', async () => {
    assert.deepEqual(await statuses(`${gateway.url}/users`, 1), [429])
    await own.stop()
    assert.deepEqual(await statuses(`${gateway.url}/users`, 5), [200, 200, 200, 200, 200])
    await until(0)
    assert.equal((await fetch(`${gateway.url}/readyz`)).status, 200)
  })

  it('serves requests when its Redis is unreachable from the start', async () => {
    await withGateway(
      {
        ...upstreams(echo),
        RATE_LIMIT_MAX: '2',
        REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      },
      async (started) => {
        assert.deepEqual(await statuses(`${started.url}/users`, 4), [200, 200, 200, 200])
      },
    )
  })
})
