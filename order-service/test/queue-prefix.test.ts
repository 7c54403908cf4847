import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createLogger } from '@shop/platform'
import { eventually } from '@shop/test-kit'
import { Redis } from 'ioredis'
import { createOrderQueue } from '../src/orders/order-queue.js'
import { buildWorker } from '../src/worker/order-worker.js'
import {
  createOrdersDatabase,
  insertOrder,
  type OrdersDatabase,
  startTestRedis,
  uniqueName,
  workerConfig,
} from './helpers.js'

describe('ORDER_QUEUE_PREFIX', () => {
  let db: OrdersDatabase
  let redis: Awaited<ReturnType<typeof startTestRedis>>
  before(async () => {
    db = await createOrdersDatabase()
    redis = await startTestRedis()
  })
  after(async () => {
    await redis.stop()
    await db.stop()
  })

  it('keeps every key of the queue under a hash-tag prefix, and the worker finds its jobs there', async () => {
    const queueName = uniqueName('orders')
    const prefix = `{${uniqueName('shop')}}`
    const producer = createOrderQueue({
      redisUrl: redis.url,
      queueName,
      prefix,
      maxAttempts: 3,
      backoffMs: 10,
      log: createLogger('test', 'silent'),
    })
    const { app } = await buildWorker(
      workerConfig({
        DATABASE_URL: db.url,
        REDIS_URL: redis.url,
        ORDER_QUEUE_NAME: queueName,
        ORDER_QUEUE_PREFIX: prefix,
      }),
    )
    const client = new Redis(redis.url)
    try {
      const id = await insertOrder(db)
      await producer.enqueue([id])
      await eventually(
        async () => ((await db.orderRow(id))?.status === 'processed' ? true : undefined),
        { what: `order ${id} processed` },
      )
      const keys = await client.keys(`*${queueName}*`)
      assert.ok(keys.length > 0, 'the queue has keys')
      // One hash tag for all: on Redis Cluster they share one slot, as BullMQ's scripts need.
      for (const key of keys) assert.ok(key.startsWith(`${prefix}:${queueName}:`), key)
      assert.deepEqual(await client.keys(`bull:${queueName}:*`), [])
    } finally {
      client.disconnect()
      await app.close()
      await producer.close()
    }
  })
})
