import { Gauge, type Registry } from '@prometheus-io/client'
import { withTimeout } from '@shop/platform'
import type { Queue } from 'bullmq'
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'

export const QUEUE_JOB_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'completed',
  'failed',
  'waiting-children',
] as const

export interface QueueGaugeOptions {
  queue: Queue
  /** The queue's connection: read only while it is up. */
  redis: Redis
  log: FastifyBaseLogger
  /** Its app's registry, which `/metrics` serves. */
  registry: Registry
  /** How long one scrape may wait for Redis. */
  timeoutMs?: number
}

/**
 * `orders_queue_jobs{state}` and `orders_queue_workers`, read from Redis when `/metrics` is
 * scraped. A read that fails or takes longer than `timeoutMs` leaves the last values in place,
 * so a Redis outage never fails or holds up the scrape. Commands on a lost connection would
 * wait for it to come back: none is sent then.
 */
export function registerQueueGauges({
  queue,
  redis,
  log,
  registry,
  timeoutMs = 1_000,
}: QueueGaugeOptions) {
  const registers = [registry]
  async function read<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      if (redis.status !== 'ready') throw new Error(`redis connection is ${redis.status}`)
      return await withTimeout(work(), timeoutMs, 'redis')
    } catch (error) {
      log.warn({ err: error }, `queue metrics: could not read ${what}; the last values stay`)
      return undefined
    }
  }
  new Gauge({
    name: 'orders_queue_jobs',
    help: 'Jobs in the order queue, by state',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      const counts = await read('job counts', () => queue.getJobCounts(...QUEUE_JOB_STATES))
      if (!counts) return
      for (const state of QUEUE_JOB_STATES) this.set({ state }, counts[state] ?? 0)
    },
  })
  new Gauge({
    name: 'orders_queue_workers',
    help: 'Workers connected to the order queue, as Redis lists them',
    registers,
    async collect() {
      const workers = await read('live workers', () => queue.getWorkersCount())
      if (workers !== undefined) this.set(workers)
    },
  })
}
