import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createLogger } from '@shop/platform'
import { eventually } from '@shop/test-kit'
import { createOrderQueue, jobIdFor } from '../../src/orders/order-queue.js'
import { inspectQueue, startOwnRedis, uniqueName, useTestRedis } from '../helpers.js'

const log = createLogger('test', 'silent')

describe('order queue', () => {
  const redis = useTestRedis()

  const open = (queueName: string) =>
    createOrderQueue({ redisUrl: redis.url, queueName, maxAttempts: 5, backoffMs: 1000, log })

  /** Runs `use` with a producer and an inspector on a queue of its own, both closed after. */
  async function withFreshQueue(
    use: (
      producer: ReturnType<typeof open>,
      inspector: ReturnType<typeof inspectQueue>,
    ) => Promise<void>,
  ) {
    const queueName = uniqueName('orders')
    const producer = open(queueName)
    const inspector = inspectQueue(redis.url, queueName)
    try {
      await use(producer, inspector)
    } finally {
      await producer.close()
      await inspector.close()
    }
  }

  it('derives the job id from the order id', () => {
    assert.equal(jobIdFor(42), 'order-42')
  })

  it('keeps one job when the same order is added twice', async () => {
    await withFreshQueue(async (producer, inspector) => {
      await producer.enqueue([42])
      await producer.enqueue([42, 43])
      assert.equal(await inspector.queue.count(), 2)
      const jobs = await inspector.queue.getJobs(['waiting'])
      assert.deepEqual(jobs.map((job) => job.id).sort(), ['order-42', 'order-43'])
    })
  })

  it('queues ids only, with bounded retention and exponential retries', async () => {
    await withFreshQueue(async (producer, inspector) => {
      await producer.enqueue([7])
      const job = await inspector.queue.getJob('order-7')
      assert.ok(job)
      assert.deepEqual(job.data, { order_id: 7 })
      assert.equal(job.opts.attempts, 5)
      assert.deepEqual(job.opts.backoff, { type: 'exponential', delay: 1000 })
      assert.deepEqual(job.opts.removeOnComplete, { count: 1000, age: 86400 })
      assert.deepEqual(job.opts.removeOnFail, { count: 5000 })
    })
  })

  it('refuses an add at once while Redis is down', async () => {
    const local = await startOwnRedis()
    const producer = createOrderQueue({
      redisUrl: local.url,
      queueName: uniqueName('orders'),
      maxAttempts: 1,
      backoffMs: 0,
      log,
    })
    try {
      await producer.enqueue([1])
      await local.stop()
      await eventually(async () => (producer.redis.status === 'ready' ? undefined : true), {
        what: 'the connection noticing Redis is gone',
      })
      await assert.rejects(producer.enqueue([2]))
    } finally {
      await producer.close()
      await local.remove()
    }
  })
})
