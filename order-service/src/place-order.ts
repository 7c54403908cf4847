import { findStoredResponse, type IdempotentResult, withIdempotency } from '@shop/platform'
import type { FastifyBaseLogger } from 'fastify'
import type { OrdersDatabase } from './db/database.js'
import { idempotencyKeys } from './db/schema.js'
import type { OrderQueue } from './order-queue.js'
import type { OrderRepository } from './order-repository.js'
import { type CreateOrderBody, type Order, toOrder } from './schemas/orders.js'
import type { UserClient } from './user-client.js'

export interface PlaceOrderDeps {
  db: OrdersDatabase
  orders: OrderRepository
  users: UserClient
  queue: Pick<OrderQueue, 'enqueue'>
}

export interface PlaceOrderContext {
  idempotencyKey: string | undefined
  requestId: string
  log: FastifyBaseLogger
}

/**
 * The story of an order: (replay a repeated request) → the user must exist → insert the order
 * and claim the idempotency key in one transaction → queue its job. Processing happens later,
 * in the worker; the caller never waits for it.
 */
export async function placeOrder(
  deps: PlaceOrderDeps,
  body: CreateOrderBody,
  { idempotencyKey, requestId, log }: PlaceOrderContext,
): Promise<IdempotentResult<Order>> {
  if (idempotencyKey !== undefined) {
    const stored = await findStoredResponse<Order>(deps.db, idempotencyKeys, idempotencyKey, body)
    if (stored) return stored
  }
  await deps.users.assertUserExists(body.user_id, { requestId, log })
  const placed = await withIdempotency<Order>(
    deps.db,
    idempotencyKeys,
    idempotencyKey,
    body,
    async (tx) => {
      const order = await deps.orders.insert(
        { userId: body.user_id, item: body.item, quantity: body.quantity },
        tx,
      )
      return { statusCode: 201, body: toOrder(order), location: `/orders/${order.id}` }
    },
  )
  if (!placed.replayed) await enqueue(deps, placed.body.id, log)
  return placed
}

/**
 * Best effort: the order is committed whatever happens here. While Redis is away its outbox
 * marker stays null and the sweeper queues it later.
 */
async function enqueue(deps: PlaceOrderDeps, orderId: number, log: FastifyBaseLogger) {
  try {
    await deps.queue.enqueue([orderId])
  } catch (error) {
    log.warn({ err: error, order_id: orderId }, 'order not queued yet: the outbox sweeper will')
    return
  }
  try {
    await deps.orders.markEnqueued([orderId])
  } catch (error) {
    // The job is queued; the sweeper adding it again is a no-op thanks to its job id.
    log.warn({ err: error, order_id: orderId }, 'order queued but not marked as queued')
  }
}
