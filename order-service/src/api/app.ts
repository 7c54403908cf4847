import { authConfigFrom, authentication, createServiceApp, health, openApi } from '@shop/platform'
import { idempotencyRetention, pingDatabase, postgres } from '@shop/platform/postgres'
import type { ApiConfig } from '../config.js'
import { idempotencyKeys } from '../db/schema.js'
import { createOrderEnqueuer } from '../orders/order-enqueuer.js'
import { orderQueuePlugin } from '../orders/order-queue.js'
import { createOrdersRepository } from '../orders/orders-repository.js'
import { startOutboxSweeper } from '../orders/outbox-sweeper.js'
import { createUserClient } from '../orders/user-client.js'
import { ORDERS_TAG, ordersRoutes } from './routes/orders.js'

export interface AppOptions {
  /** How old an unqueued order must be before the sweeper takes it over from its request. */
  outboxGraceMs?: number
}

/** The order API; never listens (server.ts does), so tests drive it with `inject`. */
export async function buildApp(config: ApiConfig, { outboxGraceMs }: AppOptions = {}) {
  const app = await createServiceApp({ name: 'order-service', logLevel: config.LOG_LEVEL })
  await app.register(authentication, authConfigFrom(config))
  await app.register(postgres, { url: config.DATABASE_URL, applicationName: 'order-service' })
  await app.register(orderQueuePlugin, {
    redisUrl: config.REDIS_URL,
    queueName: config.ORDER_QUEUE_NAME,
    prefix: config.ORDER_QUEUE_PREFIX,
    maxAttempts: config.ORDER_MAX_ATTEMPTS,
    backoffMs: config.ORDER_BACKOFF_MS,
  })
  const users = createUserClient({
    urls: config.USER_SERVICE_URL,
    refreshMs: config.DNS_REFRESH_MS,
    timeoutMs: config.USER_SERVICE_TIMEOUT_MS,
    log: app.log,
  })
  app.addHook('onReady', () => users.start())
  app.addHook('onClose', () => users.close())
  const orders = createOrdersRepository(app.db)
  const enqueuer = createOrderEnqueuer({
    queue: app.orderQueue,
    orders,
    log: app.log.child({ component: 'enqueue' }),
  })

  await app.register(openApi, {
    title: 'order-service',
    description: 'Accepts orders and queues them for the order worker.',
    tags: [ORDERS_TAG],
  })
  await app.register(health, {
    checks: {
      postgres: () => pingDatabase(app.pool),
      redis: () => app.orderQueue.redis.ping(),
      'user-service': () => users.ping(),
    },
  })
  await app.register(ordersRoutes, { users, orders, enqueuer })
  await app.register(idempotencyRetention, {
    table: idempotencyKeys,
    retentionHours: config.IDEMPOTENCY_RETENTION_HOURS,
  })

  const sweeper = startOutboxSweeper({
    db: app.db,
    orders,
    queue: app.orderQueue,
    intervalMs: config.OUTBOX_SWEEP_INTERVAL_MS,
    requeueAfterMs: config.OUTBOX_REQUEUE_AFTER_MS,
    log: app.log.child({ component: 'outbox' }),
    ...(outboxGraceMs === undefined ? {} : { graceMs: outboxGraceMs }),
  })
  // preClose runs before any onClose: no sweep or batch may be running once the queue and
  // pool close.
  app.addHook('preClose', async () => {
    await sweeper.stop()
    await enqueuer.drain()
  })
  return app
}

export type App = Awaited<ReturnType<typeof buildApp>>
