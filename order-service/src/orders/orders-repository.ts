// Queries are Drizzle's builder; a statement on the hot path (the intake, the worker's loop) is
// prepared once by name (`.prepare()`), or, where the builder cannot say it (the data-modifying
// CTE of `insert` with a key, the worker's joins on `unnest`), written as SQL and sent through
// node-postgres (`$client.query`), its rows mapped by `fromRow`.
import { isUniqueViolation } from '@shop/platform'
import {
  type AnyPgColumn,
  and,
  asc,
  eq,
  gt,
  inArray,
  isNull,
  lt,
  type SQL,
  sql,
} from '@shop/platform/drizzle'
import { type DbExecutor, findStoredResponse, type ServiceDatabase } from '@shop/platform/postgres'
import { idempotencyKeys, type OrderStatus, orders } from '../db/schema.js'
import { createBatcher } from './batcher.js'
import { fromRow, type NewOrder, type OrderRecord, type OrderRow } from './order-record.js'

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

/**
 * Inserts the order and claims its `Idempotency-Key` in one statement, so one round trip
 * commits both or neither. The key keeps the order's row as it was created (its columns, not
 * an answer): a replay answers it through `fromRow` and the API's one representation.
 */
const INSERT_WITH_KEY = `
  with created as (
    insert into orders.orders (user_id, item, quantity) values ($1, $2, $3) returning *
  ), claimed as (
    insert into orders.idempotency_keys (key, request_hash, status_code, response_body, location)
    select $4, $5, 201, to_jsonb(created), '/orders/' || id
    from created
  )
  select id, user_id, item, quantity, status, failure_reason, attempts, created_at, updated_at,
         processed_at, enqueued_at
  from created`

const UNFINISHED: OrderStatus[] = ['pending', 'processing']

const ago = (ms: number) => sql`now() - make_interval(secs => ${ms / 1000})`

/**
 * The ids of the first `limit` orders matching `where`, by `order`, locked for the caller's
 * transaction; rows another replica is sweeping are skipped, not waited for.
 */
async function lockIds(tx: DbExecutor, where: SQL | undefined, order: AnyPgColumn, limit: number) {
  const rows = await tx
    .select({ id: orders.id })
    .from(orders)
    .where(where)
    .orderBy(asc(order))
    .limit(limit)
    .for('update', { skipLocked: true })
  return rows.map((row) => row.id)
}

export function createOrdersRepository(db: ServiceDatabase) {
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

    /**
     * The order created by the request that used `key`, as it was then; undefined while no
     * such request has committed. Throws 422 when `request` is not the body that used it.
     */
    async findByIdempotencyKey(key: string, request: unknown): Promise<OrderRecord | undefined> {
      const stored = await findStoredResponse<OrderRow>(db, idempotencyKeys, key, request)
      return stored && fromRow(stored.body)
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

    /** Orders committed at least `graceMs` ago whose job is not known to be queued, locked. */
    async lockNotEnqueued(tx: DbExecutor, graceMs: number, limit: number): Promise<number[]> {
      const notEnqueued = and(isNull(orders.enqueuedAt), lt(orders.createdAt, ago(graceMs)))
      return lockIds(tx, notEnqueued, orders.id, limit)
    },

    /**
     * Unfinished orders marked as queued and unchanged for `staleMs`, the longest unchecked
     * first, locked.
     */
    async lockStale(tx: DbExecutor, staleMs: number, limit: number): Promise<number[]> {
      const stale = and(
        inArray(orders.status, UNFINISHED),
        lt(orders.enqueuedAt, ago(staleMs)),
        lt(orders.updatedAt, ago(staleMs)),
      )
      return lockIds(tx, stale, orders.enqueuedAt, limit)
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

export type OrdersRepository = ReturnType<typeof createOrdersRepository>
