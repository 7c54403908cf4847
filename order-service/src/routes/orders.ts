import {
  HttpProblem,
  IdempotencyHeaders,
  IdParams,
  NoQuery,
  paginate,
  problemResponses,
  type ServiceApp,
} from '@shop/platform'
import { z } from 'zod'
import type { OrderEnqueuer } from '../order-enqueuer.js'
import type { OrderRepository } from '../order-repository.js'
import { placeOrder } from '../place-order.js'
import { CreateOrderBody, Order, OrdersQuery, toOrder } from '../schemas/orders.js'
import type { UserClient } from '../user-client.js'

export interface OrdersRoutesOptions {
  users: UserClient
  orders: OrderRepository
  enqueuer: OrderEnqueuer
}

export async function ordersRoutes(
  app: ServiceApp,
  { users, orders, enqueuer }: OrdersRoutesOptions,
) {
  app.post(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'Place an order',
        description:
          'Answers at once with the pending order; a worker processes it later. ' +
          'The user must exist in user-service.',
        headers: IdempotencyHeaders,
        body: CreateOrderBody,
        response: { 201: Order, ...problemResponses(400, 409, 415, 422, 503) },
      },
    },
    async (request, reply) => {
      const placed = await placeOrder({ db: app.db, orders, users, enqueuer }, request.body, {
        idempotencyKey: request.headers['idempotency-key'],
        requestId: request.id,
        log: request.log,
      })
      if (placed.location) reply.header('location', placed.location)
      if (placed.replayed) reply.header('idempotent-replayed', 'true')
      return reply.code(201).send(placed.body)
    },
  )

  app.get(
    '/orders',
    {
      schema: {
        tags: ['orders'],
        summary: 'List orders by id, optionally of one user or in one status',
        querystring: OrdersQuery,
        response: { 200: z.array(Order), ...problemResponses(400) },
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
        tags: ['orders'],
        summary: 'Get one order, with its processing status',
        params: IdParams,
        querystring: NoQuery,
        response: { 200: Order, ...problemResponses(400, 404) },
      },
    },
    async (request) => {
      const order = await orders.findById(request.params.id)
      if (!order) throw new HttpProblem(404, `order ${request.params.id} does not exist`)
      return toOrder(order)
    },
  )
}
