import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { eventually, metricSample, scrapeMetrics } from '@shop/test-kit'
import { Worker } from 'bullmq'
import type { FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { QUEUE_JOB_STATES } from '../../src/worker/queue-gauges.js'
import { gate, insertOrder, startOwnRedis } from '../helpers.js'
import { useWorkers } from './workers.js'

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
  const { db, redis, start: setup, defer } = useWorkers()

  it('reports queue depth per state as jobs are added, worked on and completed', async () => {
    const delay = gate()
    const { producer, app } = await setup({
      env: { WORKER_CONCURRENCY: '1' },
      overrides: { wait: delay.wait },
    })
    // Run before the worker closes (cleanups run in reverse), which waits for its active job.
    defer(async () => delay.open())
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
    defer(async () => connection.disconnect())
    const another = new Worker(queueName, async () => {}, { connection })
    defer(() => another.close())
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
      await db.untilStatus(id, 'processed')
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
    // Stopped after the worker closes, which waits for Redis: the server running by then.
    const local = await startOwnRedis()
    defer(() => local.remove())
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
    await local.restart()
    await untilMetrics(app, 'the new queue read', (t) => queueJobs(t, 'completed') === 0)
  })
})
