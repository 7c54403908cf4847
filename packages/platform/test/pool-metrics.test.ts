import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  createTestDatabase,
  eventually,
  metricSample,
  type Stoppable,
  scrapeMetrics,
  suiteSetup,
} from '@shop/test-kit'
import type pg from 'pg'
import { createServiceApp, type ServiceApp } from '../src/app.js'
import { postgres } from '../src/db.js'

async function poolApp(url: string, max: number) {
  const app = await createServiceApp({ name: 'test', logLevel: 'silent' })
  await app.register(postgres, { url, applicationName: 'pool-metrics-test', max })
  return app
}

async function poolGauges(app: ServiceApp) {
  const text = await scrapeMetrics(app)
  return {
    total: metricSample(text, 'db_pool_clients', { state: 'total' }),
    idle: metricSample(text, 'db_pool_clients', { state: 'idle' }),
    waiting: metricSample(text, 'db_pool_clients', { state: 'waiting' }),
    max: metricSample(text, 'db_pool_max_clients'),
  }
}

describe('PostgreSQL pool gauges at /metrics', () => {
  let database: Stoppable
  let app: ServiceApp | undefined

  suiteSetup(async (teardown) => {
    database = await createTestDatabase()
    teardown(() => database.stop())
    // The app a test built last, closed before its database.
    teardown(() => app?.close())
  })

  it('count clients in use, idle and waited for as connections are held and released', async () => {
    const first = await poolApp(database.url, 2)
    app = first
    assert.deepEqual(await poolGauges(first), { total: 0, idle: 0, waiting: 0, max: 2 })

    // Two clients each inside an open transaction: the pool is full.
    const held: pg.PoolClient[] = []
    for (let i = 0; i < 2; i++) {
      const client = await first.pool.connect()
      await client.query('begin')
      held.push(client)
    }
    assert.deepEqual(await poolGauges(first), { total: 2, idle: 0, waiting: 0, max: 2 })

    // A third caller queues for a turn.
    const third = first.pool.query('select 1')
    await eventually(async () => ((await poolGauges(first)).waiting === 1 ? true : undefined), {
      what: 'one caller waiting',
    })

    for (const client of held) {
      await client.query('rollback')
      client.release()
    }
    await third
    assert.deepEqual(await poolGauges(first), { total: 2, idle: 2, waiting: 0, max: 2 })
  })

  it("are each app's own when another is built beside it", async () => {
    // Every app keeps its metrics in a registry of its own: neither pool hides the other.
    const second = await poolApp(database.url, 3)
    try {
      const text = await scrapeMetrics(second)
      assert.equal(metricSample(text, 'db_pool_max_clients'), 3)
      assert.equal(text.match(/^db_pool_max_clients /gm)?.length, 1)
      assert.equal(text.match(/^db_pool_clients\{state="idle"\} /gm)?.length, 1)
      assert.ok(app, 'the app of the test before')
      assert.equal((await poolGauges(app)).max, 2)
    } finally {
      await second.close()
    }
  })
})
