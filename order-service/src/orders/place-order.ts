import { type Caller, callerScope, HttpProblem, mayActFor } from '@shop/platform'
import { requestHash, scopedIdempotencyKey } from '@shop/platform/postgres'
import type { FastifyBaseLogger } from 'fastify'
import type { OrderEnqueuer } from './order-enqueuer.js'
import type { OrderRecord } from './order-record.js'
import { KeyTakenError, type OrdersRepository } from './orders-repository.js'
import type { UserClient } from './user-client.js'

/** An order as the client asked for it: the body of `POST /orders`, which a key's fingerprint covers. */
export interface OrderRequest {
  user_id: number
  item: string
  quantity: number
}

export interface PlaceOrderDeps {
  orders: Pick<OrdersRepository, 'insert' | 'findByIdempotencyKey'>
  users: Pick<UserClient, 'assertUserExists'>
  enqueuer: Pick<OrderEnqueuer, 'enqueue'>
}

export interface PlaceOrderContext {
  caller: Caller
  idempotencyKey: string | undefined
  requestId: string
  log: FastifyBaseLogger
}

export interface PlacedOrder {
  /** The order as it was created: pending, its job queued or left to the outbox. */
  order: OrderRecord
  /** An earlier request with the same key created it; this one created nothing. */
  replayed: boolean
}

/**
 * The story of an order: who is calling (a customer orders for themselves, an admin for
 * anyone) → (replay a repeated request of theirs) → the user must exist → insert the order,
 * with the claim of its idempotency key, in one statement → queue its job. Processing happens
 * later, in the worker; the caller never waits for it.
 */
export async function placeOrder(
  deps: PlaceOrderDeps,
  request: OrderRequest,
  { caller, requestId, log, ...context }: PlaceOrderContext,
): Promise<PlacedOrder> {
  if (!mayActFor(caller, request.user_id)) {
    throw new HttpProblem(403, 'a customer places orders only for their own user_id')
  }
  const idempotencyKey = scopedIdempotencyKey(callerScope(caller), context.idempotencyKey)
  if (idempotencyKey !== undefined) {
    const earlier = await deps.orders.findByIdempotencyKey(idempotencyKey, request)
    if (earlier) return { order: earlier, replayed: true }
  }
  // A verified token vouches for its own user (accounts are never deleted); only an admin's
  // order for someone else is checked, with the admin's token.
  if (request.user_id !== caller.userId) {
    await deps.users.assertUserExists(request.user_id, { requestId, log, token: caller.token })
  }
  const claim =
    idempotencyKey === undefined
      ? undefined
      : { key: idempotencyKey, requestHash: requestHash(request) }
  let order: OrderRecord
  try {
    order = await deps.orders.insert(
      { userId: request.user_id, item: request.item, quantity: request.quantity },
      claim,
    )
  } catch (error) {
    if (!(error instanceof KeyTakenError)) throw error
    // A request with the same key committed first (the insert waited for it): its order.
    const earlier = await deps.orders.findByIdempotencyKey(error.key, request)
    if (earlier) return { order: earlier, replayed: true }
    throw new HttpProblem(409, 'a request with this Idempotency-Key is still in progress')
  }
  // Best effort: the order is committed whatever happens here. While Redis is away its outbox
  // marker stays null and the sweeper queues it later.
  await deps.enqueuer.enqueue(order.id, requestId)
  return { order, replayed: false }
}
