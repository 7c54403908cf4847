import { createFailFastRedis, withTimeout } from '@shop/platform'
import { Queue } from 'bullmq'
import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'

import { jobIdFor, type OrderJobData, PROCESS_ORDER_JOB } from './order-job.js'

export { jobIdFor, type OrderJobData, PROCESS_ORDER_JOB }

export interface OrderQueueOptions {
  redisUrl: string
  queueName: string
  maxAttempts: number
  backoffMs: number
  log: FastifyBaseLogger
  /** How long an add may take before the caller gives up and leaves it to the outbox. */
  addTimeoutMs?: number
}

export type OrderQueue = ReturnType<typeof createOrderQueue>

const LOST = new Set(['reconnecting', 'close', 'end'])

/** The producer side: adds order jobs, failing fast while Redis is away. */
export function createOrderQueue(options: OrderQueueOptions) {
  const { redisUrl, queueName, maxAttempts, backoffMs, log, addTimeoutMs = 2_000 } = options
  const redis = createFailFastRedis(redisUrl)
  const queue = new Queue<OrderJobData>(queueName, {
    connection: redis,
    defaultJobOptions: {
      attempts: maxAttempts,
      backoff: { type: 'exponential', delay: backoffMs },
      removeOnComplete: { count: 1_000, age: 86_400 },
      removeOnFail: { count: 5_000 },
    },
  })
  queue.on('error', (error) => log.warn({ err: error }, 'order queue: redis error'))

  return {
    queue,
    redis,
    /** Adds one job per order; throws at once while Redis is unreachable. */
    async enqueue(orderIds: number[]) {
      if (orderIds.length === 0) return
      // Once the connection is lost BullMQ could wait for it: answer now instead. A first
      // connection still being made is waited for, within the timeout.
      if (LOST.has(redis.status)) throw new Error(`redis connection is ${redis.status}`)
      const jobs = orderIds.map((id) => ({
        name: PROCESS_ORDER_JOB,
        data: { order_id: id },
        opts: { jobId: jobIdFor(id) },
      }))
      await withTimeout(queue.addBulk(jobs), addTimeoutMs, 'redis')
    },
    /** The orders among `orderIds` whose job the queue no longer holds, in one round trip. */
    async missing(orderIds: number[]): Promise<number[]> {
      if (orderIds.length === 0) return []
      if (LOST.has(redis.status)) throw new Error(`redis connection is ${redis.status}`)
      const pipeline = redis.pipeline()
      for (const id of orderIds) pipeline.exists(queue.toKey(jobIdFor(id)))
      const results = (await withTimeout(pipeline.exec(), addTimeoutMs, 'redis')) ?? []
      return orderIds.filter((_, i) => {
        const [error, found] = results[i] ?? [new Error('no answer')]
        if (error) throw error
        return found === 0
      })
    },
    async close() {
      await queue.close().catch((error) => log.warn({ err: error }, 'closing the order queue'))
      redis.disconnect()
    },
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    orderQueue: OrderQueue
  }
}

/** Decorates the app with the order queue, closed (with its Redis connection) on close. */
export const orderQueuePlugin = fp<Omit<OrderQueueOptions, 'log'>>(
  async (app, options) => {
    const orderQueue = createOrderQueue({ ...options, log: app.log })
    app.decorate('orderQueue', orderQueue)
    app.addHook('onClose', () => orderQueue.close())
  },
  { name: 'order-queue' },
)
