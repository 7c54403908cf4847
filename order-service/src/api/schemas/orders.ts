import { Id, MAX_ID, PageQuery, textLine } from '@shop/platform'
import { z } from 'zod'
import { ORDER_STATUSES } from '../../db/schema.js'
import type { OrderRecord } from '../../orders/order-record.js'

/** Whole numbers within the PostgreSQL `integer` column, so no input reaches a database error. */
const positiveInteger = () => z.number().int().min(1).max(MAX_ID)

export const CreateOrderBody = z
  .strictObject({
    user_id: positiveInteger().describe('An existing user of user-service'),
    item: textLine(200).describe('What is ordered, 1 to 200 characters'),
    quantity: positiveInteger().describe('How many, at least 1'),
  })
  .meta({ example: { user_id: 42, item: 'Analytical Engine gear', quantity: 2 } })
export type CreateOrderBody = z.output<typeof CreateOrderBody>

export const OrderStatus = z.enum(ORDER_STATUSES)

const timestamp = () => z.iso.datetime({ offset: true })

const EXAMPLE_ORDER = {
  id: 7,
  user_id: 42,
  item: 'Analytical Engine gear',
  quantity: 2,
  status: 'pending',
  failure_reason: null,
  attempts: 0,
  created_at: '2026-01-15T09:31:00.000Z',
  updated_at: '2026-01-15T09:31:00.000Z',
  processed_at: null,
}

/** One representation for every answer, so a client reads an order the same way everywhere. */
export const Order = z
  .object({
    id: z.number().int(),
    user_id: z.number().int(),
    item: z.string(),
    quantity: z.number().int(),
    status: OrderStatus,
    failure_reason: z.string().nullable().describe('Why the order failed, once it has'),
    attempts: z.number().int().describe('Processing attempts started so far'),
    created_at: timestamp(),
    updated_at: timestamp(),
    processed_at: timestamp().nullable(),
  })
  .meta({ example: EXAMPLE_ORDER })
export type Order = z.output<typeof Order>

export const OrderList = z.array(Order).meta({ example: [EXAMPLE_ORDER] })

// Unknown query parameters are refused rather than ignored, so a typo never passes unnoticed.
export const OrdersQuery = z.strictObject({
  ...PageQuery.shape,
  user_id: Id.optional().describe('Only orders of this user'),
  status: OrderStatus.optional().describe('Only orders in this status'),
})
export type OrdersQuery = z.output<typeof OrdersQuery>

export function toOrder(order: OrderRecord): Order {
  return {
    id: order.id,
    user_id: order.userId,
    item: order.item,
    quantity: order.quantity,
    status: order.status,
    failure_reason: order.failureReason,
    attempts: order.attempts,
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
    processed_at: order.processedAt?.toISOString() ?? null,
  }
}
