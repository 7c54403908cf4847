import {
  byIdRouteSchema,
  foundOr404,
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
          'Answers at once with the pending order; a worker processes it later. ' +
          'The user must exist in user-service.',
        headers: IdempotencyHeaders,
        body: CreateOrderBody,
        response: {
          201: Order.describe('The order, pending until a worker processes it'),
          ...problemResponses(400, 409, 413, 415),
          422: problemResponse(422, {
            description:
              'The user does not exist, or the Idempotency-Key was already used with another body',
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
          summary: 'List orders by id, optionally of one user or in one status',
          querystring: OrdersQuery,
          page: OrderList.describe('One page of orders, by id'),
        }),
      },
    },
    async (request, reply) => {
      const { limit, after_id, user_id, status } = request.query
      const rows = await orders.list({
        userId: user_id,
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
            '`processed` or `failed` (with `failure_reason`); 404 when there is none.',
          row: Order.describe('The order'),
          notFoundExample: 'order 7 does not exist',
        }),
      },
    },
    async (request) =>
      toOrder(foundOr404(await orders.findById(request.params.id), 'order', request.params.id)),
  )
}
