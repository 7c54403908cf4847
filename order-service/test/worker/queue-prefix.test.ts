import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { Redis } from 'ioredis'
import { insertOrder, uniqueName } from '../helpers.js'
import { useWorkers } from './workers.js'

describe('ORDER_QUEUE_PREFIX', () => {
  const { db, redis, start, defer } = useWorkers()

  it('keeps every key of the queue under a hash-tag prefix, and the worker finds its jobs there', async () => {
    const prefix = `{${uniqueName('shop')}}`
    const { producer, queueName } = await start({ prefix })
    const client = new Redis(redis.url)
    defer(async () => client.disconnect())
    const id = await insertOrder(db)
    await producer.enqueue([id])
    await db.untilStatus(id, 'processed')
    const keys = await client.keys(`*${queueName}*`)
    assert.ok(keys.length > 0, 'the queue has keys')
    // One hash tag for all: on Redis Cluster they share one slot, as BullMQ's scripts need.
    for (const key of keys) assert.ok(key.startsWith(`${prefix}:${queueName}:`), key)
    assert.deepEqual(await client.keys(`bull:${queueName}:*`), [])
  })
})
