import { createHash } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import fp from 'fastify-plugin'
import { z } from 'zod'
import { type DbExecutor, inTransaction, type PooledDatabase } from './db.js'
import { eq, inArray, integer, jsonb, lt, type PgSchema, sql, text, timestamp } from './drizzle.js'
import { runPeriodically } from './periodic.js'
import { HttpProblem } from './problem.js'

export const IDEMPOTENCY_HEADER = 'idempotency-key'

/** The optional `Idempotency-Key` request header, as declared on a route's `headers` schema. */
export const IdempotencyHeaders = z.object({
  [IDEMPOTENCY_HEADER]: z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 visible ASCII characters')
    .optional()
    .describe('Repeat a request with the same key and body to get the first answer back'),
})

/**
 * A key as stored: scoped to whoever sent it (`callerScope`, or the email of an anonymous
 * sign-up), so one client's key never meets another's, and no answer tells another client
 * that a key exists. The scope is part of the primary key: one index, one lookup.
 */
export function scopedIdempotencyKey(scope: readonly string[], key: string | undefined) {
  return key === undefined ? undefined : JSON.stringify([...scope, key])
}

/** Each service keeps its own keys, in its own schema; spread this into its Drizzle schema. */
export function idempotencyKeysTable(schema: PgSchema) {
  return schema.table('idempotency_keys', {
    key: text('key').primaryKey(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code'),
    responseBody: jsonb('response_body'),
    location: text('location'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  })
}
type IdempotencyKeys = ReturnType<typeof idempotencyKeysTable>

export interface StoredResponse<Body> {
  statusCode: number
  body: Body
  location?: string
}

export interface IdempotentResult<Body> extends StoredResponse<Body> {
  replayed: boolean
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

export function requestHash(body: unknown) {
  return createHash('sha256').update(canonicalJson(body)).digest('hex')
}

const REUSED_KEY = 'this Idempotency-Key was already used with a different request body'

/** The stored answer for `key`, if a request with it already succeeded. */
export async function findStoredResponse<Body>(
  db: DbExecutor,
  table: IdempotencyKeys,
  key: string,
  body: unknown,
): Promise<IdempotentResult<Body> | undefined> {
  const [row] = await db.select().from(table).where(eq(table.key, key))
  if (!row || row.statusCode === null) return undefined
  if (row.requestHash !== requestHash(body)) throw new HttpProblem(422, REUSED_KEY)
  return {
    statusCode: row.statusCode,
    body: row.responseBody as Body,
    ...(row.location ? { location: row.location } : {}),
    replayed: true,
  }
}

/**
 * Runs `create` in a transaction that also claims `key`. A concurrent request with the same
 * key blocks on the claim until the first commits, then replays its answer; if `create`
 * fails, the claim is rolled back with it and the key can be used again.
 */
export async function withIdempotency<Body>(
  db: PooledDatabase & DbExecutor,
  table: IdempotencyKeys,
  key: string | undefined,
  body: unknown,
  create: (tx: DbExecutor) => Promise<StoredResponse<Body>>,
): Promise<IdempotentResult<Body>> {
  if (key === undefined) {
    // Nothing to store beside it: the one statement of `create` is atomic on its own, so
    // BEGIN and COMMIT would only add two round trips.
    const created = await create(db)
    return { ...created, replayed: false }
  }
  return inTransaction(db, async (tx) => {
    const hash = requestHash(body)
    const claimed = await tx
      .insert(table)
      .values({ key, requestHash: hash })
      .onConflictDoNothing()
      .returning({ key: table.key })
    if (claimed.length === 0) {
      const stored = await findStoredResponse<Body>(tx, table, key, body)
      if (stored) return stored
      throw new HttpProblem(409, 'a request with this Idempotency-Key is still in progress')
    }
    const created = await create(tx)
    await tx
      .update(table)
      .set({
        statusCode: created.statusCode,
        responseBody: created.body,
        location: created.location ?? null,
      })
      .where(eq(table.key, key))
    return { ...created, replayed: false }
  })
}

export interface IdempotencySweeperOptions {
  db: PooledDatabase & DbExecutor
  table: IdempotencyKeys
  /** Keys older than this are deleted: a repeat after it creates anew. */
  retentionMs: number
  intervalMs: number
  log: FastifyBaseLogger
  batchSize?: number
}

export interface IdempotencySweeper {
  /** One pass; resolves with how many keys it deleted. */
  sweep(): Promise<number>
  stop(): Promise<void>
}

/**
 * Deletes idempotency keys past their retention window every `intervalMs`, in batches so no
 * delete holds many row locks for long. Replicas may sweep at once: a key deleted twice is
 * simply gone.
 */
export function startIdempotencySweeper(options: IdempotencySweeperOptions): IdempotencySweeper {
  const { db, table, retentionMs, intervalMs, log, batchSize = 1_000 } = options
  async function sweep() {
    let total = 0
    for (;;) {
      const expired = db
        .select({ key: table.key })
        .from(table)
        .where(lt(table.createdAt, sql`now() - make_interval(secs => ${retentionMs / 1000})`))
        .limit(batchSize)
      const deleted = await db
        .delete(table)
        .where(inArray(table.key, expired))
        .returning({ key: table.key })
      total += deleted.length
      if (deleted.length < batchSize) return total
    }
  }
  const periodic = runPeriodically(
    async () => {
      const deleted = await sweep()
      if (deleted > 0) log.info({ deleted }, 'idempotency keys past their retention deleted')
    },
    { intervalMs, log, name: 'idempotency key sweep' },
  )
  return { sweep, stop: () => periodic.stop() }
}

const HOUR_MS = 3_600_000

/** The retention window, shared by every service that keeps idempotency keys. */
export const IdempotencyConfig = z.object({
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().positive().default(24),
})

declare module 'fastify' {
  interface FastifyInstance {
    idempotencySweeper: IdempotencySweeper
  }
}

/** Sweeps `table` on the app's pool (the `postgres` plugin) from start to close. */
export const idempotencyRetention = fp<{ table: IdempotencyKeys; retentionHours: number }>(
  async (app, { table, retentionHours }) => {
    const retentionMs = retentionHours * HOUR_MS
    const sweeper = startIdempotencySweeper({
      db: app.db,
      table,
      retentionMs,
      intervalMs: Math.min(retentionMs / 4, HOUR_MS),
      log: app.log.child({ component: 'idempotency' }),
    })
    app.decorate('idempotencySweeper', sweeper)
    // preClose runs before any onClose: no sweep may be running once the pool closes.
    app.addHook('preClose', () => sweeper.stop())
  },
  { name: 'idempotency-retention', dependencies: ['postgres'] },
)
