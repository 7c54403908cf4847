/**
 * PostgreSQL paused (every process SIGSTOPped) under the order API and the worker, on a
 * server of this suite's own, over real HTTP and a real queue.
 */
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLogger } from '@shop/platform'
import {
  ANSWER_DEADLINE_MS,
  asCustomer,
  assertUnavailable,
  eventually,
  type FaultyPostgres,
  fetchAnswer,
  listenOnLoopback,
  startFaultyPostgres,
  untilReady,
} from '@shop/test-kit'
import { buildApp } from '../src/api/app.js'
import { createOrderQueue, jobIdFor } from '../src/orders/order-queue.js'
import { buildWorker } from '../src/worker/order-worker.js'
import {
  apiConfig,
  createOrdersDatabase,
  type FakeUserService,
  insertOrder,
  inspectQueue,
  type OrdersDatabase,
  startFakeUserService,
  startTestRedis,
  uniqueName,
  workerConfig,
} from './helpers.js'

describe('orders when PostgreSQL hangs', () => {
  let postgres: FaultyPostgres
  let db: OrdersDatabase
  let redis: Awaited<ReturnType<typeof startTestRedis>>
  let users: FakeUserService
  let app: Awaited<ReturnType<typeof buildApp>>
  let worker: Awaited<ReturnType<typeof buildWorker>>
  let inspector: ReturnType<typeof inspectQueue>
  let base: string
  let queueName: string

  /** Runs `during` while PostgreSQL is paused, resuming it whatever happens. */
  async function whilePaused<T>(during: () => Promise<T>): Promise<T> {
    await postgres.pause()
    try {
      return await during()
    } finally {
      await postgres.resume()
    }
  }

  /** The job of order `id` once it has started `runs` times. */
  const untilStarted = (id: number, runs: number, timeoutMs: number) =>
    eventually(
      async () => {
        const job = await inspector.queue.getJob(jobIdFor(id))
        return job && job.attemptsStarted >= runs ? job : undefined
      },
      { timeoutMs, what: `${runs} runs of order ${id} put off while PostgreSQL was paused` },
    )

  const placeOrder = async (item: string, headers: Record<string, string> = {}) =>
    fetchAnswer(`${base}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await asCustomer(1)), ...headers },
      body: JSON.stringify({ user_id: 1, item, quantity: 1 }),
    })
  /** GET `path` as customer 1. */
  const read = async (path: string) =>
    fetchAnswer(`${base}${path}`, { headers: await asCustomer(1) })

  before(async () => {
    postgres = await startFaultyPostgres()
    db = await createOrdersDatabase(postgres)
    redis = await startTestRedis()
    users = await startFakeUserService([1])
    queueName = uniqueName('orders')
    const shared = { DATABASE_URL: db.url, REDIS_URL: redis.url, ORDER_QUEUE_NAME: queueName }
    app = await buildApp(
      await apiConfig({ ...shared, USER_SERVICE_URL: users.url, ORDER_BACKOFF_MS: '1000' }),
    )
    base = await listenOnLoopback(app)
    worker = await buildWorker(workerConfig(shared))
    inspector = inspectQueue(redis.url, queueName)
  })
  after(async () => {
    await postgres?.resume()
    await inspector?.close()
    await worker?.app.close()
    await app?.close()
    await users?.stop()
    await redis?.stop()
    await db?.stop()
    await postgres?.stop()
  })

  it('answers 503 naming postgres to every order route while it is paused, and takes orders again once it resumes', async () => {
    const before = await db.orderCount()
    await whilePaused(async () => {
      assertUnavailable(await placeOrder('paused'), 'postgres')
      assertUnavailable(await placeOrder('paused', { 'idempotency-key': 'paused-1' }), 'postgres')
      assertUnavailable(await read('/orders'), 'postgres')
      assertUnavailable(await read('/orders/1'), 'postgres')
      assertUnavailable(await fetchAnswer(`${base}/readyz`), 'postgres')
    })
    await untilReady(base, '/readyz 200 after PostgreSQL resumed')
    // Nothing attempted while paused was committed behind the client's back.
    assert.equal(await db.orderCount(), before)
    const placed = await placeOrder('resumed', { 'idempotency-key': 'paused-1' })
    assert.equal(placed.status, 201)
    await db.untilStatus(Number(placed.body.id), 'processed', ANSWER_DEADLINE_MS)
  })

  it('has the worker retry an order it could not read while PostgreSQL was paused, until it is processed', async () => {
    const id = await insertOrder(db, { userId: 1, item: 'queued during the outage' })
    await whilePaused(async () => {
      await app.orderQueue.enqueue([id])
      // At least one run ended on PostgreSQL's silence, and was put off, before it answers again.
      await untilStarted(id, 2, ANSWER_DEADLINE_MS)
    })
    const row = await db.untilStatus(id, 'processed', 60_000)
    assert.equal(row.attempts, 1, 'the failed attempts never reached the order')
  })

  it('processes an order queued with 2 attempts once PostgreSQL answers, however long its outage, without counting the attempts it put off', async () => {
    // 2 attempts 50 ms apart: without putting attempts off, the job would fail for good
    // after its second attempt timed out on the paused server.
    const producer = createOrderQueue({
      redisUrl: redis.url,
      queueName,
      maxAttempts: 2,
      backoffMs: 50,
      log: createLogger('test', 'silent'),
    })
    try {
      const id = await insertOrder(db, { userId: 1, item: 'queued during a long outage' })
      await whilePaused(async () => {
        await producer.enqueue([id])
        // Twice as many runs as the job has attempts, each ended by PostgreSQL's silence.
        const job = await untilStarted(id, 4, 120_000)
        assert.equal(job.attemptsMade, 0, 'no run put off counted as an attempt')
        assert.notEqual(await inspector.queue.getJobState(jobIdFor(id)), 'failed')
      })
      const row = await db.untilStatus(id, 'processed', 60_000)
      assert.equal(row.attempts, 1, 'the outage added no attempt to the order')
      assert.equal(row.failure_reason, null)
    } finally {
      await producer.close()
    }
  })
})
