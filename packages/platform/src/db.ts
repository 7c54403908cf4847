import { fileURLToPath } from 'node:url'
import fp from 'fastify-plugin'
import pg from 'pg'
// The plugin this one depends on, and with it the type of `app.metricsRegistry`.
import './metrics.js'
import { DependencyUnavailableError, unavailableDependency } from './driver-errors.js'
import {
  drizzle,
  migrate,
  type NodePgDatabase,
  type NodePgQueryResultHKT,
  type PgDatabase,
} from './drizzle.js'
import { registerPoolMetrics } from './pool-metrics.js'

export interface PoolOptions {
  url: string
  applicationName: string
  max?: number
  /** How long getting a connection may take: a new one, or a turn on a busy pool. */
  connectTimeoutMs?: number
  /** How long one statement may run (lock waits included) before PostgreSQL cancels it. */
  statementTimeoutMs?: number
}

/**
 * A pool whose every wait has a bound, so a PostgreSQL that hangs (paused, or cut off without
 * a reset) turns into errors within seconds instead of requests that never end: a connection
 * or a turn on the pool within `connectTimeoutMs`; a statement cancelled by the server after
 * `statementTimeoutMs`; and, for a server that cannot even cancel, an answer awaited a second
 * longer at most (`query_timeout`). A connection whose query failed that way is closed by the
 * pool rather than reused.
 */
export function createPool({
  url,
  applicationName,
  max = 10,
  connectTimeoutMs = 3_000,
  statementTimeoutMs = 5_000,
}: PoolOptions) {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: applicationName,
    max,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 1_000,
    // A transaction whose client vanished must not hold its locks for long.
    idle_in_transaction_session_timeout: statementTimeoutMs * 2,
    keepAlive: true,
  })
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {})
  // Nor may one checked out between two queries (inside a transaction): unheard, its 'error'
  // event is an uncaught exception. Its next query fails instead, and the pool drops it.
  pool.on('connect', (client) => client.on('error', () => {}))
  return pool
}

export async function pingDatabase(pool: pg.Pool) {
  await pool.query('select 1')
}

export interface MigrateOptions {
  url: string
  /** The schema the service owns; its migrations table lives there too. */
  schema: string
  migrationsFolder: string
}

/**
 * Applies the service's reviewed SQL migrations. An advisory lock keyed on the schema
 * makes replicas that start together take turns; the journal lives in the service's own
 * schema so two services never read each other's history.
 */
export async function runMigrations({ url, schema, migrationsFolder }: MigrateOptions) {
  const client = new pg.Client({ connectionString: url, application_name: `${schema}-migrate` })
  await client.connect()
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [`migrations:${schema}`])
    await migrate(drizzle(client), {
      migrationsFolder,
      migrationsSchema: schema,
      migrationsTable: '__drizzle_migrations',
    })
  } finally {
    await client.end()
  }
}

/**
 * A service's migrations: its `drizzle/` folder, found from `moduleUrl`, the service's
 * `src/db/` module under tsx or `dist/db/` under node (one depth, so one path serves both).
 */
export function serviceMigrations(schema: string, moduleUrl: string) {
  const migrationsFolder = fileURLToPath(new URL('../../drizzle', moduleUrl))
  return {
    migrationsFolder,
    migrateDatabase: (url: string) => runMigrations({ url, schema, migrationsFolder }),
  }
}

/** Drizzle over the app's pool; `$client` is the pool, for the few statements written as SQL. */
export type ServiceDatabase = NodePgDatabase<Record<string, unknown>> & PooledDatabase

declare module 'fastify' {
  interface FastifyInstance {
    pool: pg.Pool
    db: ServiceDatabase
  }
}

/**
 * The one way a service reaches PostgreSQL: decorates the app with a pool and with Drizzle
 * over it (`app.db`), the pool's gauges at `/metrics`, the pool closed when the app closes.
 * Queries name their tables, so Drizzle needs no schema here.
 */
export const postgres = fp<PoolOptions>(
  async (app, options) => {
    const pool = createPool(options)
    registerPoolMetrics(pool, app.metricsRegistry)
    app.decorate('pool', pool)
    app.decorate('db', drizzle({ client: pool }))
    app.addHook('onClose', async () => {
      await pool.end()
    })
  },
  { name: 'postgres', dependencies: ['metrics'] },
)

/** A Drizzle database over a pool, as `drizzle({ client: pool })` returns it. */
export type PooledDatabase = { $client: pg.Pool }

/**
 * Runs `work` in a transaction on a connection of its own, taken from `db`'s pool. Drizzle's
 * own `db.transaction` on a pool never returns a connection whose BEGIN failed, and returns
 * one whose statement timed out while that statement may still run in an open transaction;
 * here such a connection is closed instead (the server then rolls it back), and a failure to
 * reach PostgreSQL is reported as `postgres` being unavailable.
 */
export async function inTransaction<Result>(
  db: PooledDatabase,
  work: (tx: DbExecutor) => Promise<Result>,
): Promise<Result> {
  let client: pg.PoolClient
  try {
    client = await db.$client.connect()
  } catch (error) {
    throw new DependencyUnavailableError('postgres', { cause: error })
  }
  let broken: Error | undefined
  try {
    return await drizzle({ client }).transaction((tx) => work(tx))
  } catch (error) {
    if (unavailableDependency(error) !== undefined) broken = error as Error
    throw error
  } finally {
    client.release(broken)
  }
}

export type Database<Schema extends Record<string, unknown>> = NodePgDatabase<Schema>

/** A database or a transaction: what repositories accept, so callers can compose them. */
// biome-ignore lint/suspicious/noExplicitAny: any schema, any relations
export type DbExecutor = PgDatabase<NodePgQueryResultHKT, any, any>
