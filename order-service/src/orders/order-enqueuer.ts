import type { FastifyBaseLogger } from 'fastify'
import { createBatcher } from './batcher.js'
import type { JobOrigin, OrderQueue } from './order-queue.js'
import type { OrdersRepository } from './orders-repository.js'

export interface OrderEnqueuerOptions {
  queue: Pick<OrderQueue, 'enqueue' | 'withEnqueueSpan'>
  orders: Pick<OrdersRepository, 'markEnqueued'>
  log: FastifyBaseLogger
}

export type OrderEnqueuer = ReturnType<typeof createOrderEnqueuer>

/**
 * Queues the jobs of freshly committed orders and sets their outbox marker, for many requests
 * at once: under load one `addBulk` and one UPDATE serve the orders of every request that
 * arrived while the previous batch was on its way. Best effort, as before: an order whose
 * batch fails keeps a null marker and the outbox sweeper queues it; a job already queued is
 * never added twice (its id is the order's), so a batch half done is simply done again.
 */
export function createOrderEnqueuer({ queue, orders, log }: OrderEnqueuerOptions) {
  const batcher = createBatcher(async (batch: { id: number; origin: JobOrigin }[]) => {
    const ids = batch.map(({ id }) => id)
    try {
      await queue.enqueue(
        ids,
        batch.map(({ origin }) => origin),
      )
    } catch (error) {
      log.warn({ err: error, order_ids: ids }, 'orders not queued yet: the outbox sweeper will')
      return batch.map(() => false)
    }
    try {
      await orders.markEnqueued(ids)
    } catch (error) {
      // The jobs are queued; the sweeper adding them again is a no-op thanks to their ids.
      log.warn({ err: error, order_ids: ids }, 'orders queued but not marked as queued')
    }
    return batch.map(() => true)
  })

  return {
    /**
     * Resolves once the order's job is queued (true) or left to the sweeper (false). Called
     * within its request, whose id and trace the job carries to the worker.
     */
    enqueue: (id: number, requestId?: string) =>
      queue.withEnqueueSpan((traceContext) =>
        batcher.call({ id, origin: { requestId, traceContext } }),
      ),
    /** Waits for the batches under way (before the queue and the pool close). */
    drain: () => batcher.drain(),
  }
}
