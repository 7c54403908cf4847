import { withTimeout } from '@shop/platform'
import { createFailFastRedis } from '@shop/platform/redis'
import { Queue, SpanKind, type Telemetry } from 'bullmq'
import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'

import { jobIdFor, type OrderJobData, PROCESS_ORDER_JOB } from './order-job.js'
import { queueTelemetry } from './queue-telemetry.js'

export { jobIdFor, type OrderJobData, PROCESS_ORDER_JOB }

export interface OrderQueueOptions {
  redisUrl: string
  queueName: string
  /** BullMQ's key prefix (`ORDER_QUEUE_PREFIX`); BullMQ's own `bull` when absent. */
  prefix?: string
  maxAttempts: number
  backoffMs: number
  log: FastifyBaseLogger
  /** How long an add may take before the caller gives up and leaves it to the outbox. */
  addTimeoutMs?: number
  /** BullMQ's tracing adapter, when the process traces (see `queueTelemetry`). */
  telemetry?: Telemetry | undefined
}

/** Where an order's job comes from: its request, and the trace context its job carries on. */
export interface JobOrigin {
  requestId?: string
  /** The serialized context the worker's span continues (BullMQ's telemetry metadata). */
  traceContext?: string | undefined
}

export type OrderQueue = ReturnType<typeof createOrderQueue>

const LOST = new Set(['reconnecting', 'close', 'end'])

/** The producer side: adds order jobs, failing fast while Redis is away. */
export function createOrderQueue(options: OrderQueueOptions) {
  const {
    redisUrl,
    queueName,
    prefix,
    maxAttempts,
    backoffMs,
    log,
    addTimeoutMs = 2_000,
    telemetry,
  } = options
  const redis = createFailFastRedis(redisUrl)
  const queue = new Queue<OrderJobData>(queueName, {
    connection: redis,
    prefix,
    telemetry,
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
    /**
     * Adds one job per order, `origins[i]` telling where order `orderIds[i]` comes from; throws
     * at once while Redis is unreachable.
     */
    async enqueue(orderIds: number[], origins: (JobOrigin | undefined)[] = []) {
      if (orderIds.length === 0) return
      // Once the connection is lost BullMQ could wait for it: answer now instead. A first
      // connection still being made is waited for, within the timeout.
      if (LOST.has(redis.status)) throw new Error(`redis connection is ${redis.status}`)
      const jobs = orderIds.map((id, i) => {
        const { requestId, traceContext } = origins[i] ?? {}
        return {
          name: PROCESS_ORDER_JOB,
          data:
            requestId === undefined ? { order_id: id } : { order_id: id, request_id: requestId },
          // One addBulk carries the orders of many requests: each job names its own request's
          // context, which BullMQ keeps over the batch's own.
          opts: {
            jobId: jobIdFor(id),
            ...(traceContext ? { telemetry: { metadata: traceContext } } : {}),
          },
        }
      })
      await withTimeout(queue.addBulk(jobs), addTimeoutMs, 'redis')
    },
    /**
     * Runs `send` in a producer span of its own while the process traces, handing it the
     * context an order's job must carry so that the worker's span is its child.
     */
    withEnqueueSpan<T>(send: (traceContext?: string) => Promise<T>): Promise<T> {
      if (!telemetry) return send()
      return queue.trace(SpanKind.PRODUCER, 'enqueue', queueName, (_span, traceContext) =>
        send(traceContext),
      ) as Promise<T>
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
export const orderQueuePlugin = fp<Omit<OrderQueueOptions, 'log' | 'telemetry'>>(
  async (app, options) => {
    const telemetry = await queueTelemetry()
    const orderQueue = createOrderQueue({ ...options, log: app.log, telemetry })
    app.decorate('orderQueue', orderQueue)
    app.addHook('onClose', () => orderQueue.close())
  },
  { name: 'order-queue' },
)
