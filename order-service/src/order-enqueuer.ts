import type { FastifyBaseLogger } from 'fastify'
import type { OrderQueue } from './order-queue.js'
import type { OrderRepository } from './order-repository.js'

export interface OrderEnqueuerOptions {
  queue: Pick<OrderQueue, 'enqueue'>
  orders: Pick<OrderRepository, 'markEnqueued'>
  log: FastifyBaseLogger
  /** Most orders one Redis call and one update take. */
  maxBatch?: number
}

interface Waiting {
  id: number
  done: (queued: boolean) => void
}

export type OrderEnqueuer = ReturnType<typeof createOrderEnqueuer>

/**
 * Queues the jobs of freshly committed orders and sets their outbox marker, for many requests
 * at once: while one batch is on its way to Redis, the orders of the requests arriving
 * meanwhile gather into the next, so under load one `addBulk` and one UPDATE serve many
 * orders, and alone an order goes out at once. Best effort, as before: an order whose batch
 * fails keeps a null marker and the outbox sweeper queues it; a job already queued is never
 * added twice (its id is the order's), so a batch half done is simply done again.
 */
export function createOrderEnqueuer({ queue, orders, log, maxBatch = 256 }: OrderEnqueuerOptions) {
  let waiting: Waiting[] = []
  let flushing: Promise<void> | undefined

  async function send(batch: Waiting[]) {
    const ids = batch.map((entry) => entry.id)
    try {
      await queue.enqueue(ids)
    } catch (error) {
      log.warn({ err: error, order_ids: ids }, 'orders not queued yet: the outbox sweeper will')
      return false
    }
    try {
      await orders.markEnqueued(ids)
    } catch (error) {
      // The jobs are queued; the sweeper adding them again is a no-op thanks to their ids.
      log.warn({ err: error, order_ids: ids }, 'orders queued but not marked as queued')
    }
    return true
  }

  async function flush() {
    while (waiting.length > 0) {
      const batch = waiting.slice(0, maxBatch)
      waiting = waiting.slice(batch.length)
      const queued = await send(batch)
      for (const entry of batch) entry.done(queued)
    }
    flushing = undefined
  }

  return {
    /** Resolves once the order's job is queued (true) or left to the sweeper (false). */
    enqueue(id: number): Promise<boolean> {
      return new Promise((done) => {
        waiting.push({ id, done })
        // Requests handled in this same turn of the event loop join the first batch.
        flushing ??= new Promise((resolve) => setImmediate(resolve)).then(flush)
      })
    },
    /** Waits for the batches under way (before the queue and the pool close). */
    async drain() {
      await flushing
    },
  }
}
