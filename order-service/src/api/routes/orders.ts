import {
  byIdRouteSchema,
  callerOf,
  foundOr404,
  HttpProblem,
  mayActFor,
  pageRouteSchema,
  paginate,
  problemResponse,
  problemResponses,
  type ServiceApp,
} from '@shop/platform'
import { IdempotencyHeaders } from '@shop/platform/postgres'
import type { OrdersRepository } from '../../orders/orders-repository.js'
import { type PlaceOrderDeps, placeOrder } from '../../orders/place-order.js'
import { CreateOrderBody, Order, OrderList, OrdersQuery, toOrder } from '../schemas/orders.js'

export interface OrdersRoutesOptions extends PlaceOrderDeps {
  orders: OrdersRepository
}

export const ORDERS_TAG = {
  name: 'orders',
  description: 'Placing orders and following them until a worker has processed them',
}
const tags = [ORDERS_TAG.name]

export async function ordersRoutes(
  app: ServiceApp,
  { users, orders, enqueuer }: OrdersRoutesOptions,
) {
  app.post(
    '/orders',
    {
      schema: {
        tags,
        operationId: 'placeOrder',
        summary: 'Place an order',
        description:
          'Answers at once with the pending order; a worker processes it later. A customer ' +
          'orders only for their own `user_id`; an admin for anyone, whose existence ' +
          'order-service then checks with user-service. An `Idempotency-Key` is scoped to the caller.',
        headers: IdempotencyHeaders,
        body: CreateOrderBody,
        response: {
          201: Order.describe('The order, pending until a worker processes it'),
          ...problemResponses(400),
          403: problemResponse(403, {
            description: "The `user_id` is another customer's",
            detail: 'a customer places orders only for their own user_id',
          }),
          ...problemResponses(409, 413, 415),
          422: problemResponse(422, {
            description:
              "The user an admin orders for does not exist, or the caller's Idempotency-Key was already used with another body",
            detail: 'user 42 does not exist',
          }),
          503: problemResponse(503, {
            description:
              'user-service, PostgreSQL or Redis is unavailable; try again (`Retry-After` where known)',
            detail: 'user-service is unavailable',
          }),
        },
      },
    },
    async (request, reply) => {
      const { order, replayed } = await placeOrder({ orders, users, enqueuer }, request.body, {
        caller: callerOf(request),
        idempotencyKey: request.headers['idempotency-key'],
        requestId: request.id,
        log: request.log,
      })
      reply.header('location', `/orders/${order.id}`)
      if (replayed) reply.header('idempotent-replayed', 'true')
      return reply.code(201).send(toOrder(order))
    },
  )

  app.get(
    '/orders',
    {
      schema: {
        tags,
        ...pageRouteSchema({
          operationId: 'listOrders',
          summary:
            'List orders by id, optionally of one user or in one status: a customer sees their own, an admin all',
          querystring: OrdersQuery,
          page: OrderList.describe('One page of orders, by id'),
        }),
      },
    },
    async (request, reply) => {
      const { limit, after_id, user_id, status } = request.query
      const caller = callerOf(request)
      if (user_id !== undefined && !mayActFor(caller, user_id)) {
        throw new HttpProblem(403, 'a customer lists only their own orders')
      }
      const rows = await orders.list({
        userId: caller.isAdmin ? user_id : caller.userId,
        status,
        afterId: after_id,
        limit: limit + 1,
      })
      return paginate(request, reply, rows, limit).map(toOrder)
    },
  )

  app.get(
    '/orders/:id',
    {
      schema: {
        tags,
        ...byIdRouteSchema({
          operationId: 'getOrder',
          summary: 'Get one order, with its processing status',
          description:
            'The order with this id: `status` goes from `pending` to `processing`, then ' +
            '`processed` or `failed` (with `failure_reason`); 404 when there is none or it is ' +
            "another customer's.",
          row: Order.describe('The order'),
          notFoundExample: 'order 7 does not exist',
        }),
      },
    },
    async (request) => {
      const { id } = request.params
      const order = await orders.findById(id)
      // Another customer's order answers as a missing one: existence must not leak.
      const visible = order && mayActFor(callerOf(request), order.userId) ? order : undefined
      return toOrder(foundOr404(visible, 'order', id))
    },
  )
}
