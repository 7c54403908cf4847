import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import fp from 'fastify-plugin'
import type pg from 'pg'
import * as schema from './schema.js'

/** Drizzle over the pool; `$client` is the pool, for the few statements written as SQL. */
export type OrdersDatabase = NodePgDatabase<typeof schema> & { $client: pg.Pool }

declare module 'fastify' {
  interface FastifyInstance {
    db: OrdersDatabase
  }
}

/** Drizzle over the pool of the platform's `postgres` plugin. */
export const database = fp(
  async (app) => {
    app.decorate('db', drizzle(app.pool, { schema }))
  },
  { name: 'database', dependencies: ['postgres'] },
)
