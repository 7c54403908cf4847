import { createLogger } from '@shop/platform'
import { createOrderQueue } from '../../src/orders/order-queue.js'
import { buildWorker, type WorkerOverrides } from '../../src/worker/order-worker.js'
import {
  inspectQueue,
  uniqueName,
  useCleanups,
  useOrdersDatabase,
  useTestRedis,
  workerConfig,
} from '../helpers.js'

export interface WorkerSetup {
  env?: Record<string, string>
  overrides?: WorkerOverrides
  maxAttempts?: number
  /** Another Redis than the suite's. */
  redisUrl?: string
  prefix?: string
}

/**
 * For a suite of worker tests: its database and Redis, and `start`, which gives a test a queue
 * of its own, a producer adding jobs as the API does and a worker on it, all closed when the
 * test ends; `defer` closes more with them.
 */
export function useWorkers() {
  const db = useOrdersDatabase()
  const redis = useTestRedis()
  const defer = useCleanups()

  async function start(setup: WorkerSetup = {}) {
    const { env = {}, overrides = {}, maxAttempts = 3, redisUrl = redis.url, prefix } = setup
    const queueName = uniqueName('orders')
    const producer = createOrderQueue({
      redisUrl,
      queueName,
      ...(prefix === undefined ? {} : { prefix }),
      maxAttempts,
      backoffMs: 10,
      log: createLogger('test', 'silent'),
    })
    defer(() => producer.close())
    const { app, worker } = await buildWorker(
      workerConfig({
        DATABASE_URL: db.url,
        REDIS_URL: redisUrl,
        ORDER_QUEUE_NAME: queueName,
        ...(prefix === undefined ? {} : { ORDER_QUEUE_PREFIX: prefix }),
        ...env,
      }),
      overrides,
    )
    defer(() => app.close())
    let inspector: ReturnType<typeof inspectQueue> | undefined
    return {
      producer,
      app,
      worker,
      queueName,
      /** The queue, read as a test does (opened on first use). */
      get queue() {
        if (!inspector) {
          const opened = inspectQueue(redisUrl, queueName)
          defer(() => opened.close())
          inspector = opened
        }
        return inspector.queue
      },
    }
  }

  return { db, redis, start, defer }
}
