import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before, describe, it } from 'node:test'
import { freePort, startLocalRedis } from '@shop/local-infra'
import { createLogger } from '@shop/platform'
import { eventually, metricSample, scrapeMetrics } from '@shop/test-kit'
import { Worker } from 'bullmq'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { createOrderQueue } from '../src/orders/order-queue.js'
import { buildWorker, type WorkerOverrides } from '../src/worker/order-worker.js'
import { QUEUE_JOB_STATES } from '../src/worker/queue-gauges.js'
import {
  createOrdersDatabase,
  insertOrder,
  type OrdersDatabase,
  startTestRedis,
  uniqueName,
  workerConfig,
} from './helpers.js'

/** A processing delay that lasts until the test opens it. */
function gate() {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { wait: () => opened, open }
}

/** Polls the app's /metrics until `probe` finds what it wants in the text. */
function untilMetrics(app: FastifyInstance, what: string, probe: (text: string) => boolean) {
  return eventually(
    async () => {
      const text = await scrapeMetrics(app)
      return probe(text) ? text : undefined
    },
    { what },
  )
}

const queueJobs = (text: string, state: string) =>
  metricSample(text, 'orders_queue_jobs', { state })

describe('worker metrics', () => {
  let db: OrdersDatabase
  let redis: Awaited<ReturnType<typeof startTestRedis>>
  const cleanups: (() => Promise<unknown>)[] = []

  before(async () => {
    db = await createOrdersDatabase()
    redis = await startTestRedis()
  })
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  after(async () => {
    await redis.stop()
    await db.stop()
  })

  async function setup({
    env = {},
    overrides = {},
    redisUrl = redis.url,
  }: {
    env?: Record<string, string>
    overrides?: WorkerOverrides
    redisUrl?: string
  } = {}) {
    const queueName = uniqueName('orders')
    const producer = createOrderQueue({
      redisUrl,
      queueName,
      maxAttempts: 3,
      backoffMs: 10,
      log: createLogger('test', 'silent'),
    })
    cleanups.push(() => producer.close())
    const { app, worker } = await buildWorker(
      workerConfig({
        DATABASE_URL: db.url,
        REDIS_URL: redisUrl,
        ORDER_QUEUE_NAME: queueName,
        ...env,
      }),
      overrides,
    )
    cleanups.push(() => app.close())
    return { producer, app, worker, queueName }
  }

  it('reports queue depth per state as jobs are added, worked on and completed', async () => {
    const delay = gate()
    const { producer, app } = await setup({
      env: { WORKER_CONCURRENCY: '1' },
      overrides: { wait: delay.wait },
    })
    // Run before the worker closes (cleanups run in reverse), which waits for its active job.
    cleanups.push(async () => delay.open())
    const empty = await untilMetrics(app, 'the queue read', (t) => queueJobs(t, 'waiting') === 0)
    for (const state of QUEUE_JOB_STATES) assert.equal(queueJobs(empty, state), 0, state)

    const ids = [await insertOrder(db), await insertOrder(db), await insertOrder(db)]
    await producer.enqueue(ids)
    const busy = await untilMetrics(app, 'one job active', (t) => queueJobs(t, 'active') === 1)
    assert.equal(queueJobs(busy, 'waiting'), 2)
    assert.equal(queueJobs(busy, 'completed'), 0)

    delay.open()
    const drained = await untilMetrics(app, '3 completed', (t) => queueJobs(t, 'completed') === 3)
    assert.equal(queueJobs(drained, 'waiting'), 0)
    assert.equal(queueJobs(drained, 'active'), 0)
    assert.equal(queueJobs(drained, 'failed'), 0)
  })

  it('counts the workers connected to the queue as they start and close', async () => {
    const { app, worker, queueName } = await setup()
    await untilMetrics(app, 'its own worker', (t) => metricSample(t, 'orders_queue_workers') === 1)

    const connection = new Redis(redis.url, { maxRetriesPerRequest: null })
    cleanups.push(async () => connection.disconnect())
    const another = new Worker(queueName, async () => {}, { connection })
    cleanups.push(() => another.close())
    await untilMetrics(app, 'two workers', (t) => metricSample(t, 'orders_queue_workers') === 2)
    await another.close()
    await untilMetrics(app, 'one worker', (t) => metricSample(t, 'orders_queue_workers') === 1)
    // The app's own worker stops taking jobs; its HTTP side still answers.
    await worker.close()
    await untilMetrics(app, 'no worker', (t) => metricSample(t, 'orders_queue_workers') === 0)
  })

  it('observes one wait per job and one processing time per attempt, by outcome', async () => {
    // The first payment attempt is declined, every later one goes through.
    const draws = [0]
    const { producer, app } = await setup({
      env: { PAYMENT_FAILURE_RATE: '0.5' },
      overrides: { random: () => draws.shift() ?? 0.99 },
    })
    const before = await scrapeMetrics(app)
    assert.equal(metricSample(before, 'orders_job_wait_seconds_count'), 0)

    const ids = [await insertOrder(db), await insertOrder(db)]
    await producer.enqueue(ids)
    for (const id of ids) {
      await eventually(
        async () => ((await db.orderRow(id))?.status === 'processed' ? true : undefined),
        { what: `order ${id} processed` },
      )
    }
    const completed = { outcome: 'completed' }
    const text = await untilMetrics(
      app,
      'two completed attempts',
      (t) => metricSample(t, 'orders_job_processing_seconds_count', completed) === 2,
    )
    // Two jobs, three attempts: one wait each, one processing time per attempt.
    assert.equal(metricSample(text, 'orders_job_wait_seconds_count'), 2)
    assert.equal(
      metricSample(text, 'orders_job_processing_seconds_count', { outcome: 'failed' }),
      1,
    )
    assert.equal(metricSample(text, 'order_job_failed_attempts_total'), 1)
    assert.ok((metricSample(text, 'orders_job_wait_seconds_sum') ?? -1) >= 0)
  })

  it('still serves /metrics, queue gauges stale, while Redis is frozen or stopped', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'worker-metrics-'))
    cleanups.push(() => rm(dir, { recursive: true, force: true }))
    const port = await freePort()
    // Stopped after the worker closes, which waits for Redis: the server running by then.
    let local = await startLocalRedis({ port, dir })
    cleanups.push(() => local.stop())
    const { app, producer } = await setup({ redisUrl: local.url })
    await producer.enqueue([await insertOrder(db)])
    const live = await untilMetrics(app, 'a completed job', (t) => queueJobs(t, 'completed') === 1)
    assert.equal(metricSample(live, 'orders_queue_workers'), 1)
    const pid = Number(/process_id:(\d+)/.exec(await producer.redis.info('server'))?.[1])
    assert.ok(pid > 0)

    // Frozen: the connection stays up and nothing answers. Without a bound this scrape hangs.
    process.kill(pid, 'SIGSTOP')
    let frozen: string
    try {
      frozen = await scrapeMetrics(app)
    } finally {
      process.kill(pid, 'SIGCONT')
    }
    assert.equal(queueJobs(frozen, 'completed'), 1)
    assert.equal(metricSample(frozen, 'orders_queue_workers'), 1)
    assert.equal(metricSample(frozen, 'orders_processed_total'), 1)

    // Stopped: the connection is lost; nothing is sent until it is back.
    await local.stop()
    const stopped = await scrapeMetrics(app)
    assert.equal(queueJobs(stopped, 'completed'), 1)
    assert.equal(metricSample(stopped, 'orders_processed_total'), 1)

    // Back on the same port, empty (it kept nothing on disk): the gauges are read afresh.
    local = await startLocalRedis({ port, dir })
    await untilMetrics(app, 'the new queue read', (t) => queueJobs(t, 'completed') === 0)
  })
})
