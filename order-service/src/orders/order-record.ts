import type { OrderStatus } from '../db/schema.js'

/** An order as the repository gives it: plain data, no Drizzle types. */
export interface OrderRecord {
  id: number
  userId: number
  item: string
  quantity: number
  status: OrderStatus
  failureReason: string | null
  attempts: number
  createdAt: Date
  updatedAt: Date
  processedAt: Date | null
  enqueuedAt: Date | null
}

export interface NewOrder {
  userId: number
  item: string
  quantity: number
}

/** A row as node-postgres gives it for the statements written as SQL, or as a key stores it. */
export interface OrderRow {
  id: number
  user_id: number
  item: string
  quantity: number
  status: OrderStatus
  failure_reason: string | null
  attempts: number
  created_at: string | Date
  updated_at: string | Date
  processed_at: string | Date | null
  /** Absent where a key holds the answer itself, as keys stored by earlier versions do. */
  enqueued_at?: string | Date | null
}

const toDate = (value: string | Date) => (value instanceof Date ? value : new Date(value))

export function fromRow(row: OrderRow): OrderRecord {
  return {
    id: row.id,
    userId: row.user_id,
    item: row.item,
    quantity: row.quantity,
    status: row.status,
    failureReason: row.failure_reason,
    attempts: row.attempts,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    processedAt: row.processed_at ? toDate(row.processed_at) : null,
    enqueuedAt: row.enqueued_at ? toDate(row.enqueued_at) : null,
  }
}
