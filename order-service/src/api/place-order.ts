import { HttpProblem } from '@shop/platform'
import {
  findStoredResponse,
  type IdempotentResult,
  requestHash,
  type ServiceDatabase,
} from '@shop/platform/postgres'
import type { FastifyBaseLogger } from 'fastify'
import { idempotencyKeys } from '../db/schema.js'
import { KeyTakenError, type OrderRepository } from '../orders/order-repository.js'
import type { OrderEnqueuer } from './order-enqueuer.js'
import { type CreateOrderBody, type Order, toOrder } from './schemas/orders.js'
import type { UserClient } from './user-client.js'

export interface PlaceOrderDeps {
  db: ServiceDatabase
  orders: Pick<OrderRepository, 'insert'>
  users: Pick<UserClient, 'assertUserExists'>
  enqueuer: Pick<OrderEnqueuer, 'enqueue'>
}

export interface PlaceOrderContext {
  idempotencyKey: string | undefined
  requestId: string
  log: FastifyBaseLogger
}

/**
 * The story of an order: (replay a repeated request) → the user must exist → insert the order,
 * with the answer to its idempotency key, in one statement → queue its job. Processing happens
 * later, in the worker; the caller never waits for it.
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
  const claim =
    idempotencyKey === undefined
      ? undefined
      : { key: idempotencyKey, requestHash: requestHash(body) }
  let order: Awaited<ReturnType<OrderRepository['insert']>>
  try {
    order = await deps.orders.insert(
      { userId: body.user_id, item: body.item, quantity: body.quantity },
      claim,
    )
  } catch (error) {
    if (!(error instanceof KeyTakenError)) throw error
    // A request with the same key committed first (the insert waited for it): its answer.
    const stored = await findStoredResponse<Order>(deps.db, idempotencyKeys, error.key, body)
    if (stored) return stored
    throw new HttpProblem(409, 'a request with this Idempotency-Key is still in progress')
  }
  // Best effort: the order is committed whatever happens here. While Redis is away its outbox
  // marker stays null and the sweeper queues it later.
  await deps.enqueuer.enqueue(order.id, requestId)
  return {
    statusCode: 201,
    body: toOrder(order),
    location: `/orders/${order.id}`,
    replayed: false,
  }
}
