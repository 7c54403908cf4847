import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createLogger } from '@shop/platform'
import { eventually } from '@shop/test-kit'
import { buildApp } from '../../src/api/app.js'
import { createOrderQueue } from '../../src/orders/order-queue.js'
import { startOutboxSweeper } from '../../src/orders/outbox-sweeper.js'
import { buildWorker } from '../../src/worker/order-worker.js'
import {
  apiConfig,
  apiEnv,
  insertOrder,
  inspectQueue,
  placeAsCustomer,
  startOwnRedis,
  uniqueName,
  useCleanups,
  useFakeUserService,
  useOrdersDatabase,
  useTestRedis,
  workerConfig,
} from '../helpers.js'

const log = createLogger('test', 'silent')

describe('outbox', () => {
  const db = useOrdersDatabase()
  const users = useFakeUserService([1])
  const defer = useCleanups()

  /** The API on a Redis of the test's own, sweeping every 100 ms orders unqueued for 200 ms. */
  async function apiOnOwnRedis() {
    const redis = await startOwnRedis()
    defer(() => redis.remove())
    const queueName = uniqueName('orders')
    const app = await buildApp(
      await apiConfig({
        ...apiEnv(db, redis.url, queueName, users),
        OUTBOX_SWEEP_INTERVAL_MS: '100',
      }),
      { outboxGraceMs: 200 },
    )
    defer(() => app.close())
    await eventually(async () => (app.orderQueue.redis.status === 'ready' ? true : undefined))
    return { redis, queueName, app }
  }

  /** A producer adding jobs as the API does, and the queue to read, closed after the test. */
  function openQueue(redisUrl: string, queueName: string, maxAttempts = 3, backoffMs = 10) {
    const producer = createOrderQueue({ redisUrl, queueName, maxAttempts, backoffMs, log })
    defer(() => producer.close())
    const inspector = inspectQueue(redisUrl, queueName)
    defer(() => inspector.close())
    return { producer, queue: inspector.queue }
  }

  /** A worker on `queueName`, closed after the test. */
  async function startWorker(redisUrl: string, queueName: string) {
    const { app } = await buildWorker(
      workerConfig({ DATABASE_URL: db.url, REDIS_URL: redisUrl, ORDER_QUEUE_NAME: queueName }),
    )
    defer(() => app.close())
  }

  it('accepts an order while Redis is down and queues it once Redis is back', async () => {
    const { redis, queueName, app } = await apiOnOwnRedis()

    await redis.stop()
    await eventually(async () => (app.orderQueue.redis.status === 'ready' ? undefined : true))
    const response = await placeAsCustomer(app, { user_id: 1, item: 'book', quantity: 1 })
    assert.equal(response.statusCode, 201)
    const { id } = response.json()
    const row = await db.orderRow(id)
    assert.equal(row?.status, 'pending')
    assert.equal(row?.enqueued_at, null)

    await redis.restart()
    await startWorker(redis.url, queueName)
    const processed = await db.untilStatus(id, 'processed')
    assert.ok(processed.enqueued_at instanceof Date)
  })

  it('loses no order of batches Redis stops answering half way', async () => {
    const { redis, queueName, app } = await apiOnOwnRedis()
    const inspector = inspectQueue(redis.url, queueName)
    defer(() => inspector.close())
    const pid = Number(/process_id:(\d+)/.exec(await app.orderQueue.redis.info('server'))?.[1])
    assert.ok(pid > 0)

    const place = () => placeAsCustomer(app, { user_id: 1, item: 'b', quantity: 1 })
    const placing = Array.from({ length: 30 }, place)
    // Freeze Redis once some batches are through and others are still on their way.
    await eventually(async () => ((await inspector.queue.count()) > 0 ? true : undefined))
    process.kill(pid, 'SIGSTOP')
    let ids: number[]
    try {
      placing.push(...Array.from({ length: 30 }, place))
      const responses = await Promise.all(placing)
      ids = responses.map((response) => {
        assert.equal(response.statusCode, 201)
        return response.json().id as number
      })
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    const { rows } = await db.pool.query(
      'select count(*)::int as n from orders.orders where id = any($1) and enqueued_at is null',
      [ids],
    )
    assert.ok((rows[0] as { n: number }).n > 0, 'some orders waited for the sweeper')

    await eventually(
      async () => {
        const { rows: left } = await db.pool.query(
          'select count(*)::int as n from orders.orders where id = any($1) and enqueued_at is null',
          [ids],
        )
        return (left[0] as { n: number }).n === 0 ? true : undefined
      },
      { what: 'every order marked as queued', timeoutMs: 30_000 },
    )
    for (const id of ids) assert.ok(await inspector.queue.getJob(`order-${id}`), `order ${id}`)
    assert.equal(await inspector.queue.count(), ids.length)
  })

  it('queues again, once, the orders whose jobs Redis lost after they were queued', async () => {
    const redis = await startOwnRedis()
    defer(() => redis.remove())
    const queueName = uniqueName('orders')
    const { producer, queue } = openQueue(redis.url, queueName)
    const sweeper = startOutboxSweeper({
      db: db.orm,
      orders: db.repository,
      queue: producer,
      intervalMs: 600_000,
      requeueAfterMs: 60_000,
      log,
    })
    defer(() => sweeper.stop())

    // Queued while no worker runs; one was started before its job was lost.
    const lost = [await insertOrder(db), await insertOrder(db), await insertOrder(db)]
    const recent = await insertOrder(db)
    await producer.enqueue([...lost, recent])
    await db.pool.query('update orders.orders set enqueued_at = now() where id = any($1)', [
      [...lost, recent],
    ])
    await db.pool.query(
      `update orders.orders set status = 'processing', attempts = 1 where id = $1`,
      [lost[2]],
    )
    await producer.redis.flushall()
    assert.equal(await queue.count(), 0)
    // One whose job survives (queued after the flush) must not be queued twice.
    const kept = await insertOrder(db)
    await producer.enqueue([kept])
    const stale = [...lost, kept]
    await db.pool.query(
      `update orders.orders set enqueued_at = now() - interval '10 minutes',
              updated_at = now() - interval '10 minutes' where id = any($1)`,
      [stale],
    )

    assert.equal(await sweeper.sweep(), lost.length)
    assert.equal(await sweeper.sweep(), 0, 'a checked order waits for its next turn')
    const waiting = (await queue.getJobs(['waiting'])).map((job) => job.id).sort()
    assert.deepEqual(waiting, stale.map((id) => `order-${id}`).sort())
    assert.equal(await queue.getJob(`order-${recent}`), undefined, 'recent left alone')

    await startWorker(redis.url, queueName)
    for (const id of stale) {
      const row = await db.untilStatus(id, 'processed')
      assert.equal(row.attempts, 1, `order ${id} run once`)
    }
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'delayed')
    assert.deepEqual(counts, { completed: stale.length, failed: 0, waiting: 0, delayed: 0 })
    assert.equal((await db.orderRow(recent))?.status, 'pending')
  })

  describe('sweeper', () => {
    const redis = useTestRedis()
    const setup = async () => openQueue(redis.url, uniqueName('orders'), 1, 0)

    const sweeper = (queue: ReturnType<typeof createOrderQueue>, graceMs: number) => {
      const started = startOutboxSweeper({
        db: db.orm,
        orders: db.repository,
        queue,
        intervalMs: 600_000,
        graceMs,
        log,
      })
      defer(() => started.stop())
      return started
    }

    async function unqueuedOrders(count: number) {
      const ids: number[] = []
      for (let i = 0; i < count; i++) ids.push(await insertOrder(db))
      await db.pool.query(
        `update orders.orders set created_at = now() - interval '1 minute' where id = any($1)`,
        [ids],
      )
      return ids
    }

    it('queues each unqueued order once, even with several replicas sweeping at once', async () => {
      const { producer, queue } = await setup()
      const ids = await unqueuedOrders(5)
      const [first, second] = [sweeper(producer, 0), sweeper(producer, 0)]

      const queued = await Promise.all([first.sweep(), second.sweep(), first.sweep()])
      assert.equal(
        queued.reduce((a, b) => a + b, 0),
        (await queue.getJobs(['waiting'])).length,
      )
      const jobIds = (await queue.getJobs(['waiting'])).map((job) => job.id)
      for (const id of ids) assert.ok(jobIds.includes(`order-${id}`), `order ${id} queued`)
      for (const id of ids) assert.ok((await db.orderRow(id))?.enqueued_at instanceof Date)
      assert.equal(await first.sweep(), 0)
    })

    it('leaves orders younger than the grace period to their request', async () => {
      const { producer, queue } = await setup()
      const id = await insertOrder(db)
      await sweeper(producer, 60_000).sweep()
      assert.equal(await queue.getJob(`order-${id}`), undefined)
      assert.equal((await db.orderRow(id))?.enqueued_at, null)
    })
  })
})
