import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres'
import { migrate } from 'drizzle-orm/node-postgres/migrator'
import type { PgDatabase } from 'drizzle-orm/pg-core'
import fp from 'fastify-plugin'
import pg from 'pg'

export interface PoolOptions {
  url: string
  applicationName: string
  max?: number
}

export function createPool({ url, applicationName, max = 10 }: PoolOptions) {
  const pool = new pg.Pool({
    connectionString: url,
    application_name: applicationName,
    max,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
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

declare module 'fastify' {
  interface FastifyInstance {
    pool: pg.Pool
  }
}

/** Decorates the app with a pool, closed when the app closes. */
export const postgres = fp<PoolOptions>(
  async (app, options) => {
    const pool = createPool(options)
    app.decorate('pool', pool)
    app.addHook('onClose', async () => {
      await pool.end()
    })
  },
  { name: 'postgres' },
)

export type Database<Schema extends Record<string, unknown>> = NodePgDatabase<Schema>

/** A database or a transaction: what repositories accept, so callers can compose them. */
// biome-ignore lint/suspicious/noExplicitAny: any schema, any relations
export type DbExecutor = PgDatabase<NodePgQueryResultHKT, any, any>
