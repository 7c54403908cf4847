import { check, index, integer, pgSchema, sql, text, timestamp } from '@shop/platform/drizzle'
import { idempotencyKeysTable } from '@shop/platform/postgres'

export const ORDER_STATUSES = ['pending', 'processing', 'processed', 'failed'] as const
export type OrderStatus = (typeof ORDER_STATUSES)[number]

export const ordersSchema = pgSchema('orders')

const timestamptz = (name: string) => timestamp(name, { withTimezone: true })

export const orders = ordersSchema.table(
  'orders',
  {
    id: integer('id').primaryKey().generatedAlwaysAsIdentity(),
    // No foreign key: users live in user-service's schema and are checked over HTTP.
    userId: integer('user_id').notNull(),
    item: text('item').notNull(),
    quantity: integer('quantity').notNull(),
    // text + CHECK rather than a pg enum: adding a status later is a one-line migration.
    status: text('status', { enum: ORDER_STATUSES }).notNull().default('pending'),
    failureReason: text('failure_reason'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: timestamptz('created_at').notNull().defaultNow(),
    updatedAt: timestamptz('updated_at').notNull().defaultNow(),
    processedAt: timestamptz('processed_at'),
    // Outbox marker: null until the job is known to be in the queue.
    enqueuedAt: timestamptz('enqueued_at'),
  },
  (table) => [
    check('orders_quantity_positive', sql`${table.quantity} >= 1`),
    check(
      'orders_status_valid',
      sql`${table.status} in ('pending', 'processing', 'processed', 'failed')`,
    ),
    index('orders_user_id_id_idx').on(table.userId, table.id),
    index('orders_status_id_idx').on(table.status, table.id),
    index('orders_not_enqueued_idx').on(table.id).where(sql`${table.enqueuedAt} is null`),
  ],
)

export const idempotencyKeys = idempotencyKeysTable(ordersSchema)
