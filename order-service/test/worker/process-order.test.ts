import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { drizzle } from '@shop/platform/drizzle'
import { type Job, UnrecoverableError } from 'bullmq'
import * as schema from '../../src/db/schema.js'
import {
  isFinalFailure,
  runNumber,
  UNAVAILABLE_RETRY_MAX_MS,
  unavailableRetryDelay,
} from '../../src/orders/order-job.js'
import type { OrderJobData } from '../../src/orders/order-queue.js'
import { createOrdersRepository } from '../../src/orders/orders-repository.js'
import { createOrderProcessor, PAYMENT_DECLINED } from '../../src/worker/process-order.js'
import { createOrdersDatabase, insertOrder, type OrdersDatabase } from '../helpers.js'

/** The parts of a BullMQ job the processor reads. */
const jobFor = (orderId: number, attemptsMade = 0, attempts = 3) =>
  ({ data: { order_id: orderId }, attemptsMade, opts: { attempts } }) as Job<OrderJobData>

describe('processing an order', () => {
  let db: OrdersDatabase
  let orders: ReturnType<typeof createOrdersRepository>

  before(async () => {
    db = await createOrdersDatabase()
    orders = createOrdersRepository(drizzle(db.pool, { schema }))
  })
  after(async () => {
    await db.stop()
  })

  const processor = (failureRate = 0) =>
    createOrderProcessor({ orders, delayMs: 0, failureRate, wait: async () => {} })

  it('processes a pending order once', async () => {
    const id = await insertOrder(db)
    const result = await processor()(jobFor(id))
    assert.deepEqual(result, { order_id: id, status: 'processed', changed: true })
    const row = await db.orderRow(id)
    assert.equal(row?.status, 'processed')
    assert.equal(row?.attempts, 1)
  })

  it('changes nothing when an already processed order is processed again', async () => {
    const id = await insertOrder(db)
    await processor()(jobFor(id))
    const before = await db.orderRow(id)

    const result = await processor()(jobFor(id))
    assert.deepEqual(result, { order_id: id, status: 'processed', changed: false })
    assert.deepEqual(await db.orderRow(id), before)
  })

  it('changes nothing when a failed order is processed again', async () => {
    const id = await insertOrder(db)
    await assert.rejects(processor(1)(jobFor(id, 2, 3)), { message: PAYMENT_DECLINED })
    const before = await db.orderRow(id)
    assert.equal(before?.status, 'failed')

    const result = await processor()(jobFor(id))
    assert.equal(result.changed, false)
    assert.deepEqual(await db.orderRow(id), before)
  })

  it('leaves a declined order processing while attempts remain', async () => {
    const id = await insertOrder(db)
    await assert.rejects(processor(1)(jobFor(id, 0, 3)), { message: PAYMENT_DECLINED })
    const row = await db.orderRow(id)
    assert.equal(row?.status, 'processing')
    assert.equal(row?.failure_reason, null)
  })

  it('records the failure itself on the last attempt', async () => {
    const id = await insertOrder(db)
    await assert.rejects(processor(1)(jobFor(id, 4, 5)), { message: PAYMENT_DECLINED })
    const row = await db.orderRow(id)
    assert.equal(row?.status, 'failed')
    assert.equal(row?.failure_reason, PAYMENT_DECLINED)
  })

  it('refuses an unknown order with an unrecoverable error', async () => {
    await assert.rejects(processor()(jobFor(2_000_000_000)), UnrecoverableError)
  })

  it('answers each of many orders claimed and finished at once for itself', async () => {
    const ids = [await insertOrder(db), await insertOrder(db), await insertOrder(db)]
    const done = await insertOrder(db)
    await processor()(jobFor(done))
    const missing = 2_000_000_001

    const started = await Promise.all(
      [...ids, done, missing].map((id) => orders.startProcessing(id, 1)),
    )
    assert.deepEqual(started, [true, true, true, false, false])
    const processed = await Promise.all([...ids, done].map((id) => orders.markProcessed(id)))
    assert.deepEqual(processed, [true, true, true, false])
    for (const id of ids) assert.equal((await db.orderRow(id))?.status, 'processed')
  })

  it('knows which failure is final', () => {
    const declined = new Error(PAYMENT_DECLINED)
    assert.equal(isFinalFailure({ opts: { attempts: 1 } }, 1, declined), true)
    assert.equal(isFinalFailure({ opts: { attempts: 3 } }, 2, declined), false)
    assert.equal(isFinalFailure({ opts: { attempts: 3 } }, 3, declined), true)
    assert.equal(isFinalFailure({ opts: {} }, 1, declined), true)
    assert.equal(isFinalFailure({ opts: { attempts: 3 } }, 1, new UnrecoverableError('no')), true)
  })

  it('processes a job that names the request which placed its order', async () => {
    const id = await insertOrder(db)
    const job = { ...jobFor(id), data: { order_id: id, request_id: 'placed-7' } } as Job
    assert.deepEqual(await processor()(job), { order_id: id, status: 'processed', changed: true })
  })

  it('refuses malformed job data with an unrecoverable error naming the problem', async () => {
    for (const data of [
      {},
      { order_id: 'x' },
      { order_id: 0 },
      { order_id: 1, extra: true },
      { order_id: 1, request_id: '' },
      { order_id: 1, request_id: 7 },
      null,
    ]) {
      await assert.rejects(
        processor()({ data, attemptsMade: 0, opts: {} } as unknown as Job),
        (error) => {
          assert.ok(error instanceof UnrecoverableError)
          assert.match(error.message, /^malformed order job: /)
          return true
        },
      )
    }
  })

  it('records the attempt number of the job, counting one that never reached the database', async () => {
    const id = await insertOrder(db)
    await assert.rejects(processor(1)(jobFor(id, 1, 3)), { message: PAYMENT_DECLINED })
    assert.equal((await db.orderRow(id))?.attempts, 2)
  })

  it('puts off a run that met an outage by the queue backoff, doubling per run put off, up to a bound', () => {
    const job = (attemptsStarted: number, attemptsMade = 0) =>
      ({
        opts: { backoff: { type: 'exponential', delay: 100 } },
        attemptsStarted,
        attemptsMade,
      }) as Job
    assert.equal(unavailableRetryDelay(job(1)), 100)
    assert.equal(unavailableRetryDelay(job(3)), 400)
    assert.equal(unavailableRetryDelay(job(4, 2)), 200)
    assert.equal(unavailableRetryDelay(job(1_000)), UNAVAILABLE_RETRY_MAX_MS)
  })

  it('numbers a run by its attempt and the stalls before it', () => {
    assert.equal(runNumber({ attemptsMade: 0, stalledCounter: 0 }), 1)
    assert.equal(runNumber({ attemptsMade: 1, stalledCounter: 0 }), 2)
    assert.equal(runNumber({ attemptsMade: 0, stalledCounter: 1 }), 2)
  })
})
