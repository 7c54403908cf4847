import { rm } from 'node:fs/promises'
import {
  createTestDatabase,
  listenOnLoopback,
  scratchDir,
  startTestRedis,
  testAuthEnv,
  uniqueName,
} from '@shop/test-kit'
import { buildApp as buildOrderService } from '../../../order-service/src/api/app.js'
import { loadConfig as loadOrderConfig } from '../../../order-service/src/config.js'
import { migrateDatabase as migrateOrders } from '../../../order-service/src/db/migrate.js'
import { buildApp as buildUserService } from '../../../user-service/src/app.js'
import { loadConfig as loadUserConfig } from '../../../user-service/src/config.js'
import { migrateDatabase as migrateUsers } from '../../../user-service/src/db/migrate.js'

export interface RealServices {
  usersUrl: string
  ordersUrl: string
  stop(): Promise<void>
}

/**
 * The real user-service and order-service on loopback ports, each on a freshly migrated
 * database of its own, order-service asking this user-service, both trusting the test
 * issuer's tokens. No worker runs, so orders stay `pending`.
 */
export async function startRealServices(): Promise<RealServices> {
  const [usersDb, ordersDb, redis, keysDir] = await Promise.all([
    createTestDatabase(),
    createTestDatabase(),
    startTestRedis(),
    scratchDir('user-service-keys-'),
  ])
  await Promise.all([migrateUsers(usersDb.url), migrateOrders(ordersDb.url)])
  const auth = await testAuthEnv()
  const users = await buildUserService(
    loadUserConfig({
      DATABASE_URL: usersDb.url,
      LOG_LEVEL: 'silent',
      AUTH_KEYS_DIR: keysDir,
      ...auth,
    }),
  )
  const usersUrl = await listenOnLoopback(users)
  const orders = await buildOrderService(
    loadOrderConfig({
      DATABASE_URL: ordersDb.url,
      REDIS_URL: redis.url,
      USER_SERVICE_URL: usersUrl,
      ORDER_QUEUE_NAME: uniqueName('orders'),
      OUTBOX_SWEEP_INTERVAL_MS: '600000',
      LOG_LEVEL: 'silent',
      ...auth,
    }),
  )
  const ordersUrl = await listenOnLoopback(orders)
  return {
    usersUrl,
    ordersUrl,
    async stop() {
      await orders.close()
      await users.close()
      await Promise.all([usersDb.stop(), ordersDb.stop(), redis.stop()])
      await rm(keysDir, { recursive: true, force: true })
    },
  }
}
