import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, afterEach, before } from 'node:test'
import { freePort, startLocalRedis } from '@shop/local-infra'
import { drizzle } from '@shop/platform/drizzle'
import { createPool } from '@shop/platform/postgres'
import {
  asCustomer,
  createTestDatabase,
  eventually,
  listenOnLoopback,
  startTestRedis,
  testAuthEnv,
  uniqueName,
} from '@shop/test-kit'
import { Queue } from 'bullmq'
import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import { buildApp } from '../src/api/app.js'
import { type ApiConfig, loadConfig, loadWorkerConfig, type WorkerConfig } from '../src/config.js'
import { migrateDatabase } from '../src/db/migrate.js'
import * as schema from '../src/db/schema.js'
import { createOrdersRepository } from '../src/orders/orders-repository.js'

/** A database with the orders schema migrated, for one suite (on the server `on`, if given). */
export async function createOrdersDatabase(on?: { url: string }) {
  const database = await createTestDatabase(on)
  await migrateDatabase(database.url)
  // The platform's pool: its clients' errors are handled, as the database is dropped at the
  // suite's end while a client just ended may still be closing.
  const pool = createPool({ url: database.url, applicationName: 'orders-test', max: 3 })
  const orm = drizzle(pool, { schema })
  const orderRow = async (id: number) => {
    const { rows } = await pool.query('select * from orders.orders where id = $1', [id])
    return rows[0] as Record<string, unknown> | undefined
  }
  return {
    url: database.url,
    pool,
    /** Drizzle over the suite's pool, and the repository the service builds on it. */
    orm,
    repository: createOrdersRepository(orm),
    orderRow,
    /** The order's row once it is in `status`. */
    untilStatus(id: number, status: string, timeoutMs = 30_000) {
      const reached = async () => {
        const row = await orderRow(id)
        return row?.status === status ? row : undefined
      }
      return eventually(reached, { timeoutMs, what: `order ${id} ${status}` })
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
 * known ids and 404 otherwise, and keeps the request ids and credentials it was sent; `hang`
 * makes it never answer (to provoke timeouts).
 */
export async function startFakeUserService(knownIds: number[]) {
  const known = new Set(knownIds)
  const requestIds: string[] = []
  const authorizations: (string | undefined)[] = []
  let hanging = false
  let release = () => {}
  const released = new Promise<void>((resolve) => {
    release = resolve
  })
  const app = Fastify({ forceCloseConnections: true })
  app.get<{ Params: { id: string } }>('/users/:id', async (request, reply) => {
    requestIds.push(String(request.headers['x-request-id']))
    authorizations.push(request.headers.authorization)
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
    authorizations,
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

/**
 * A Redis of the test's own, to stop and start again on its port and folder; `remove` stops
 * it for good and deletes its folder.
 */
export async function startOwnRedis() {
  const dir = await mkdtemp(join(tmpdir(), 'orders-redis-'))
  const port = await freePort()
  let server = await startLocalRedis({ port, dir })
  const restart = async () => {
    server = await startLocalRedis({ port, dir })
  }
  const remove = () => server.stop().then(() => rm(dir, { recursive: true, force: true }))
  return {
    restart,
    remove,
    stop: () => server.stop(),
    get url() {
      return server.url
    },
  }
}

/** A loopback URL nothing listens on. */
export async function unreachableUrl() {
  return `http://127.0.0.1:${await freePort()}`
}

/** The API's settings for a database, a Redis, a queue and a user-service. */
export const apiEnv = (
  db: { url: string },
  redisUrl: string,
  queueName: string,
  users: { url: string },
) => ({
  DATABASE_URL: db.url,
  REDIS_URL: redisUrl,
  ORDER_QUEUE_NAME: queueName,
  USER_SERVICE_URL: users.url,
})

/** The API's config for tests: quiet, no sweeping, trusting the test issuer's tokens. */
export async function apiConfig(env: Record<string, string>): Promise<ApiConfig> {
  return loadConfig({
    LOG_LEVEL: 'silent',
    OUTBOX_SWEEP_INTERVAL_MS: '600000',
    ...(await testAuthEnv()),
    ...env,
  })
}

export interface OrderBody {
  user_id: number
  item: string
  quantity: number
}

/** POST /orders as the customer it is for: their own token vouches for them. */
export async function placeAsCustomer(
  app: Pick<FastifyInstance, 'inject'>,
  body: OrderBody,
  headers: Record<string, string> = {},
) {
  const auth = await asCustomer(body.user_id)
  return app.inject({
    method: 'POST',
    url: '/orders',
    payload: body,
    headers: { ...auth, ...headers },
  })
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

/** Runs what a test deferred (`defer`) when it ends, the last deferred first. */
export function useCleanups() {
  const cleanups: (() => Promise<unknown>)[] = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
  })
  return (cleanup: () => Promise<unknown>) => {
    cleanups.push(cleanup)
  }
}

/**
 * What `start` makes, for one suite: made before its first test and stopped after its last.
 * Call it in the suite's body; the object it returns stands for what was made once tests run.
 */
export function forSuite<T extends object>(start: () => Promise<T>, stop: (made: T) => unknown): T {
  let made: T | undefined
  before(async () => {
    made = await start()
  })
  after(() => made && stop(made))
  return new Proxy({} as T, {
    get(_, key) {
      if (!made) throw new Error('read before the suite started')
      const value = Reflect.get(made, key)
      return typeof value === 'function' ? value.bind(made) : value
    },
  })
}

/** The suite's migrated database. */
export const useOrdersDatabase = () => forSuite(createOrdersDatabase, (db) => db.stop())

/** The suite's Redis. */
export const useTestRedis = () => forSuite(startTestRedis, (redis) => redis.stop())

/** The suite's stand-in for user-service, knowing the users `knownIds`. */
export const useFakeUserService = (knownIds: number[]) =>
  forSuite(
    () => startFakeUserService(knownIds),
    (users) => users.stop(),
  )

/** A processing delay that lasts until the test opens it. */
export function gate() {
  let open = () => {}
  const opened = new Promise<void>((resolve) => {
    open = resolve
  })
  return { wait: () => opened, open }
}

/**
 * The order API on the suite's database, Redis and stand-in user-service (knowing the users
 * `knownIds`); `config` gives the settings of another app on them.
 */
export function useOrderApi(knownIds: number[] = [1]) {
  return forSuite(
    async () => {
      const db = await createOrdersDatabase()
      const redis = await startTestRedis()
      const users = await startFakeUserService(knownIds)
      const config = (env: Record<string, string> = {}) =>
        apiConfig({ ...apiEnv(db, redis.url, uniqueName('orders'), users), ...env })
      return { db, redis, users, config, app: await buildApp(await config()) }
    },
    async ({ db, redis, users, app }) => {
      await app.close()
      await users.stop()
      await redis.stop()
      await db.stop()
    },
  )
}
