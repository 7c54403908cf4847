import { and, asc, eq, gt, inArray, isNull, lt, type SQL, sql } from '@shop/platform/drizzle'
import type { DbExecutor, ServiceDatabase } from '@shop/platform/postgres'
import { type OrderStatus, orders } from '../db/schema.js'
import { createBatcher } from './batcher.js'

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

/** What claims an `Idempotency-Key` in the same statement as the order it answers. */
export interface KeyClaim {
  key: string
  requestHash: string
}

/** The key was used before: its stored answer decides what the caller gets. */
export class KeyTakenError extends Error {
  constructor(readonly key: string) {
    super('idempotency key already used')
  }
}

const UNIQUE_VIOLATION = '23505'
const isUniqueViolation = (error: unknown) => {
  for (let e = error; e instanceof Error; e = e.cause) {
    if ((e as { code?: unknown }).code === UNIQUE_VIOLATION) return true
  }
  return false
}

/** `toOrder`'s timestamps, in SQL: UTC, milliseconds (truncated, as a JS Date keeps them). */
const iso = (column: string) =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`

/**
 * Inserts the order and stores the answer to its `Idempotency-Key` in one statement, so one
 * round trip commits both or neither. The stored body is built by PostgreSQL in the shape
 * `toOrder` gives the first answer; a test holds the two equal.
 */
const INSERT_WITH_KEY = `
  with created as (
    insert into orders.orders (user_id, item, quantity) values ($1, $2, $3) returning *
  ), claimed as (
    insert into orders.idempotency_keys (key, request_hash, status_code, response_body, location)
    select $4, $5, 201, jsonb_build_object(
      'id', id, 'user_id', user_id, 'item', item, 'quantity', quantity, 'status', status,
      'failure_reason', failure_reason, 'attempts', attempts,
      'created_at', ${iso('created_at')}, 'updated_at', ${iso('updated_at')},
      'processed_at', null), '/orders/' || id
    from created
  )
  select id, user_id, item, quantity, status, failure_reason, attempts, created_at, updated_at,
         processed_at, enqueued_at
  from created`

interface OrderRow {
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
  enqueued_at: string | Date | null
}

const toDate = (value: string | Date) => (value instanceof Date ? value : new Date(value))

function fromRow(row: OrderRow): OrderRecord {
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
    processedAt: row.processed_at === null ? null : toDate(row.processed_at),
    enqueuedAt: row.enqueued_at === null ? null : toDate(row.enqueued_at),
  }
}

const UNFINISHED: OrderStatus[] = ['pending', 'processing']

export function orderRepository(db: ServiceDatabase) {
  // The hot statements are prepared once, by name: PostgreSQL parses and plans them once per
  // connection, and Drizzle builds their SQL once per process.
  const insertOrder = db
    .insert(orders)
    .values({
      userId: sql.placeholder('userId'),
      item: sql.placeholder('item'),
      quantity: sql.placeholder('quantity'),
    })
    .returning()
    .prepare('orders_insert')
  const markEnqueued = db
    .update(orders)
    .set({ enqueuedAt: sql`now()` })
    .where(
      and(sql`${orders.id} = any(${sql.placeholder('ids')}::int[])`, isNull(orders.enqueuedAt)),
    )
    .prepare('orders_mark_enqueued')
  // The worker's two updates per order are batched: the jobs of a worker finishing while one
  // statement is on its way share the next, one round trip and one commit for all of them.
  // `attempts` is the number of the job's latest counted start (`runNumber`): an attempt that
  // failed before it reached the database still counts, as it does for the queue, and a
  // stalled attempt run again shows as a second start; a run put off because PostgreSQL was
  // away, or its claim arriving late, repeats the number and adds nothing.
  const startProcessing = createBatcher(async (claims: { id: number; attempt: number }[]) => {
    const { rows } = await db.$client.query<{ id: number }>({
      name: 'orders_start_processing',
      text: `update orders.orders o
                set status = 'processing', attempts = greatest(o.attempts, c.attempt),
                    updated_at = now()
               from unnest($1::int[], $2::int[]) as c(id, attempt)
              where o.id = c.id and o.status in ('pending', 'processing')
          returning o.id`,
      values: [claims.map((claim) => claim.id), claims.map((claim) => claim.attempt)],
    })
    const started = new Set(rows.map((row) => row.id))
    return claims.map((claim) => started.has(claim.id))
  })
  const markProcessed = createBatcher(async (ids: number[]) => {
    const { rows } = await db.$client.query<{ id: number }>({
      name: 'orders_mark_processed',
      text: `update orders.orders set status = 'processed', processed_at = now(), updated_at = now()
              where id = any($1::int[]) and status = 'processing'
          returning id`,
      values: [ids],
    })
    const processed = new Set(rows.map((row) => row.id))
    return ids.map((id) => processed.has(id))
  })

  return {
    /**
     * Inserts an order, and with `claim` stores its answer under the key in the same statement.
     * Throws `KeyTakenError` (and inserts nothing) when the key was used before.
     */
    async insert(order: NewOrder, claim?: KeyClaim): Promise<OrderRecord> {
      if (!claim) {
        const [created] = await insertOrder.execute({ ...order })
        if (!created) throw new Error('insert returned no row')
        return created
      }
      try {
        const { rows } = await db.$client.query<OrderRow>(INSERT_WITH_KEY, [
          order.userId,
          order.item,
          order.quantity,
          claim.key,
          claim.requestHash,
        ])
        const [created] = rows
        if (!created) throw new Error('insert returned no row')
        return fromRow(created)
      } catch (error) {
        if (isUniqueViolation(error)) throw new KeyTakenError(claim.key)
        throw error
      }
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

    async markEnqueued(ids: number[], tx?: DbExecutor) {
      if (ids.length === 0) return
      if (!tx) {
        await markEnqueued.execute({ ids })
        return
      }
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

    /**
     * Unfinished orders marked as queued and unchanged for `staleMs`, the longest unchecked
     * first, locked for the caller's transaction (rows another replica holds are skipped).
     */
    async lockStale(tx: DbExecutor, staleMs: number, limit: number): Promise<number[]> {
      const before = sql`now() - make_interval(secs => ${staleMs / 1000})`
      const rows = await tx
        .select({ id: orders.id })
        .from(orders)
        .where(
          and(
            inArray(orders.status, UNFINISHED),
            lt(orders.enqueuedAt, before),
            lt(orders.updatedAt, before),
          ),
        )
        .orderBy(asc(orders.enqueuedAt))
        .limit(limit)
        .for('update', { skipLocked: true })
      return rows.map((row) => row.id)
    },

    /** Their job was just found in the queue, or queued again: the next check is due later. */
    async markChecked(ids: number[], tx: DbExecutor) {
      if (ids.length === 0) return
      await tx.update(orders).set({ enqueuedAt: sql`now()` }).where(inArray(orders.id, ids))
    },

    /**
     * Claims run `attempt` (1-based, the job's `runNumber`) with one conditional update; false
     * when the order is already final or does not exist.
     */
    startProcessing(id: number, attempt: number): Promise<boolean> {
      return startProcessing.call({ id, attempt })
    },

    /** Processed at last; false when the order was not `processing` (already final). */
    markProcessed(id: number): Promise<boolean> {
      return markProcessed.call(id)
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
