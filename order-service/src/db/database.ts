import { fileURLToPath } from 'node:url'
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres'
import fp from 'fastify-plugin'
import type pg from 'pg'
import * as schema from './schema.js'

export type OrdersDatabase = NodePgDatabase<typeof schema> & { $client: pg.Pool }

/** `drizzle/` sits beside both `src/` and `dist/`, so this resolves from either. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url))

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
