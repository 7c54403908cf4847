import { runPeriodically } from '@shop/platform'
import { inTransaction, type ServiceDatabase } from '@shop/platform/postgres'
import type { FastifyBaseLogger } from 'fastify'
import type { OrderQueue } from './order-queue.js'
import type { OrdersRepository } from './orders-repository.js'

export interface OutboxSweeperOptions {
  db: ServiceDatabase
  orders: Pick<OrdersRepository, 'lockNotEnqueued' | 'markEnqueued' | 'lockStale' | 'markChecked'>
  queue: Pick<OrderQueue, 'enqueue' | 'missing'>
  intervalMs: number
  log: FastifyBaseLogger
  /** Orders younger than this are left to the request that created them. */
  graceMs?: number
  batchSize?: number
  /**
   * Orders unfinished and unchanged this long have their job looked for; one Redis lost
   * (flushed, or restarted without its data) is queued again.
   */
  requeueAfterMs?: number
}

export interface OutboxSweeper {
  /** One pass; resolves with how many orders it queued. */
  sweep(): Promise<number>
  stop(): Promise<void>
}

/**
 * Every `intervalMs`: queues orders committed while Redis was away (their `enqueued_at` is
 * still null), then checks one batch of orders left unfinished for `requeueAfterMs` and queues
 * again those whose job Redis no longer holds. Replicas may sweep at once: rows are locked
 * with SKIP LOCKED, and a job id already in the queue is not added twice anyway.
 */
export function startOutboxSweeper(options: OutboxSweeperOptions): OutboxSweeper {
  const {
    db,
    orders,
    queue,
    intervalMs,
    log,
    graceMs = 2_000,
    batchSize = 500,
    requeueAfterMs = 300_000,
  } = options
  let stopped = false

  /** One batch, so a long backlog costs each sweep the same: checked rows wait their turn. */
  const requeueLost = () =>
    inTransaction(db, async (tx) => {
      const ids = await orders.lockStale(tx, requeueAfterMs, batchSize)
      const lost = await queue.missing(ids)
      await queue.enqueue(lost)
      await orders.markChecked(ids, tx)
      return lost.length
    })

  async function sweep(): Promise<number> {
    let total = 0
    for (;;) {
      const queued = await inTransaction(db, async (tx) => {
        const ids = await orders.lockNotEnqueued(tx, graceMs, batchSize)
        await queue.enqueue(ids)
        await orders.markEnqueued(ids, tx)
        return ids.length
      })
      total += queued
      if (queued < batchSize || stopped) break
    }
    if (stopped) return total
    const requeued = await requeueLost()
    if (requeued > 0) log.warn({ requeued }, 'outbox: queued again orders whose job was lost')
    return total + requeued
  }

  const periodic = runPeriodically(
    async () => {
      const queued = await sweep()
      if (queued > 0) log.info({ queued }, 'outbox: queued orders that were not queued yet')
    },
    { intervalMs, log, name: 'outbox sweep' },
  )

  return {
    sweep,
    async stop() {
      stopped = true
      await periodic.stop()
    },
  }
}
