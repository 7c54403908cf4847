import { freePort } from '@shop/local-infra'
import { createPool } from '@shop/platform/postgres'
import { createTestDatabase, listenOnLoopback, startTestRedis, uniqueName } from '@shop/test-kit'
import { Queue } from 'bullmq'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import { type ApiConfig, loadConfig, loadWorkerConfig, type WorkerConfig } from '../src/config.js'
import { migrateDatabase } from '../src/db/migrate.js'

/** A database with the orders schema migrated, for one suite (on the server `on`, if given). */
export async function createOrdersDatabase(on?: { url: string }) {
  const database = await createTestDatabase(on)
  await migrateDatabase(database.url)
  // The platform's pool: its clients' errors are handled, as the database is dropped at the
  // suite's end while a client just ended may still be closing.
  const pool = createPool({ url: database.url, applicationName: 'orders-test', max: 3 })
  return {
    url: database.url,
    pool,
    async orderRow(id: number) {
      const { rows } = await pool.query('select * from orders.orders where id = $1', [id])
      return rows[0] as Record<string, unknown> | undefined
    },
    async orderCount() {
      const { rows } = await pool.query('select count(*)::int as n from orders.orders')
      return (rows[0] as { n: number }).n
    },
    async stop() {
      await pool.end()
      await database.stop()
    },
  }
}
export type OrdersDatabase = Awaited<ReturnType<typeof createOrdersDatabase>>

export { startTestRedis, uniqueName }

/**
 * A stand-in for user-service on a real loopback port: `GET /users/:id` answers 200 for the
 * known ids and 404 otherwise; `hang` makes it never answer (to provoke timeouts).
 */
export async function startFakeUserService(knownIds: number[]) {
  const known = new Set(knownIds)
  const requestIds: string[] = []
  let hanging = false
  let release = () => {}
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  const app = Fastify({ forceCloseConnections: true })
  app.get<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
    requestIds.push(String(request.headers['x-request-id']))
    if (hanging) await released
    const id = Number(request.params.id)
    if (!known.has(id)) return reply.code(404).send({ status: 404 })
    return { id, email: `user${id}@example.com`, full_name: `User ${id}` }
  })
  app.get('/healthz', async () => ({ status: 'ok' }))
  const url = await listenOnLoopback(app)
  return {
    url,
    requestIds,
    /** Registers a user from now on, as POST /users would. */
    add(id: number) {
      known.add(id)
    },
    hang(value: boolean) {
      hanging = value
    },
    async stop() {
      release()
      await app.close()
    },
  }
}
export type FakeUserService = Awaited<ReturnType<typeof startFakeUserService>>

/** A loopback URL nothing listens on. */
export async function unreachableUrl() {
  return `http://127.0.0.1:${await freePort()}`
}

export function apiConfig(env: Record<string, string>): ApiConfig {
  return loadConfig({ LOG_LEVEL: 'silent', OUTBOX_SWEEP_INTERVAL_MS: '600000', ...env })
}

export function workerConfig(env: Record<string, string>): WorkerConfig {
  return loadWorkerConfig({
    LOG_LEVEL: 'silent',
    WORKER_PORT: '0',
    PROCESSING_DELAY_MS: '0',
    ...env,
  })
}

/** A queue handle for assertions, closed with its connection by `close()`. */
export function inspectQueue(redisUrl: string, name: string) {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null })
  const queue = new Queue(name, { connection: redis })
  return {
    queue,
    async close() {
      await queue.close()
      redis.disconnect()
    },
  }
}

/** An order row straight in the database, as if the API had committed it. */
export async function insertOrder(
  db: OrdersDatabase,
  values: { userId?: number; item?: string; quantity?: number } = {},
) {
  const { rows } = await db.pool.query(
    'insert into orders.orders (user_id, item, quantity) values ($1, $2, $3) returning id',
    [values.userId ?? 1, values.item ?? 'book', values.quantity ?? 1],
  )
  return (rows[0] as { id: number }).id
}
