import type { DbExecutor } from '@shop/platform'
import { and, asc, eq, gt, inArray, isNull, lt, type SQL, sql } from 'drizzle-orm'
import { type OrderStatus, orders } from './db/schema.js'

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

export interface OrderFilter {
  userId?: number | undefined
  status?: OrderStatus | undefined
  afterId?: number | undefined
  /** Rows to return; callers paginating ask for one more than they show. */
  limit: number
}

const UNFINISHED: OrderStatus[] = ['pending', 'processing']

export function orderRepository(db: DbExecutor) {
  return {
    async insert(order: NewOrder, tx: DbExecutor = db): Promise<OrderRecord> {
      const [created] = await tx.insert(orders).values(order).returning()
      if (!created) throw new Error('insert returned no row')
      return created
    },

    async findById(id: number, tx: DbExecutor = db): Promise<OrderRecord | undefined> {
      const [found] = await tx.select().from(orders).where(eq(orders.id, id))
      return found
    },

    async list(filter: OrderFilter, tx: DbExecutor = db): Promise<OrderRecord[]> {
      const conditions: SQL[] = []
      if (filter.userId !== undefined) conditions.push(eq(orders.userId, filter.userId))
      if (filter.status !== undefined) conditions.push(eq(orders.status, filter.status))
      if (filter.afterId !== undefined) conditions.push(gt(orders.id, filter.afterId))
      return tx
        .select()
        .from(orders)
        .where(and(...conditions))
        .orderBy(asc(orders.id))
        .limit(filter.limit)
    },

    async markEnqueued(ids: number[], tx: DbExecutor = db) {
      if (ids.length === 0) return
      await tx
        .update(orders)
        .set({ enqueuedAt: sql`now()` })
        .where(and(inArray(orders.id, ids), isNull(orders.enqueuedAt)))
    },

    /**
     * Orders committed at least `graceMs` ago whose job is not known to be queued, locked for
     * the caller's transaction; rows another replica is sweeping are skipped, not waited for.
     */
    async lockNotEnqueued(tx: DbExecutor, graceMs: number, limit: number): Promise<number[]> {
      const rows = await tx
        .select({ id: orders.id })
        .from(orders)
        .where(
          and(
            isNull(orders.enqueuedAt),
            lt(orders.createdAt, sql`now() - make_interval(secs => ${graceMs / 1000})`),
          ),
        )
        .orderBy(asc(orders.id))
        .limit(limit)
        .for('update', { skipLocked: true })
      return rows.map((row) => row.id)
    },

    /** Claims an attempt; undefined when the order is already final (or gone). */
    async startProcessing(id: number, tx: DbExecutor = db): Promise<OrderRecord | undefined> {
      const [started] = await tx
        .update(orders)
        .set({ status: 'processing', attempts: sql`${orders.attempts} + 1`, updatedAt: sql`now()` })
        .where(and(eq(orders.id, id), inArray(orders.status, UNFINISHED)))
        .returning()
      return started
    },

    async markProcessed(id: number, tx: DbExecutor = db): Promise<OrderRecord | undefined> {
      const [processed] = await tx
        .update(orders)
        .set({ status: 'processed', processedAt: sql`now()`, updatedAt: sql`now()` })
        .where(and(eq(orders.id, id), eq(orders.status, 'processing')))
        .returning()
      return processed
    },

    async markFailed(id: number, reason: string, tx: DbExecutor = db) {
      const [failed] = await tx
        .update(orders)
        .set({ status: 'failed', failureReason: reason, updatedAt: sql`now()` })
        .where(and(eq(orders.id, id), inArray(orders.status, UNFINISHED)))
        .returning()
      return failed
    },
  }
}

export type OrderRepository = ReturnType<typeof orderRepository>
