import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { eventually } from '@shop/test-kit'
import type { Queue } from 'bullmq'
import { gate, insertOrder } from '../helpers.js'
import { useWorkers } from './workers.js'

/**
 * The job once it has failed for good. Its state is checked before it is read: a job read
 * first and checked after could be a snapshot from before its last attempt failed.
 */
async function failedJob(queue: Queue, id: string) {
  await eventually(async () => ((await queue.getJobState(id)) === 'failed' ? true : undefined), {
    what: `job ${id} failed`,
  })
  const job = await queue.getJob(id)
  assert.ok(job, `job ${id}`)
  return job
}

describe('order worker', () => {
  const { db, start: setup } = useWorkers()

  it('takes an order from pending through processing to processed', async () => {
    const delay = gate()
    const { producer } = await setup({ overrides: { wait: delay.wait } })
    const id = await insertOrder(db)
    assert.equal((await db.orderRow(id))?.status, 'pending')
    await producer.enqueue([id])

    const processing = await db.untilStatus(id, 'processing')
    assert.equal(processing.attempts, 1)
    assert.equal(processing.processed_at, null)
    delay.open()
    const processed = await db.untilStatus(id, 'processed')
    assert.ok(processed.processed_at instanceof Date)
    assert.equal(processed.failure_reason, null)
    assert.equal(processed.attempts, 1)
  })

  it('marks the order failed with its reason once every attempt is declined', async () => {
    const { producer, queue } = await setup({ env: { PAYMENT_FAILURE_RATE: '1' }, maxAttempts: 3 })
    const id = await insertOrder(db)
    await producer.enqueue([id])

    const failed = await db.untilStatus(id, 'failed')
    assert.equal(failed.failure_reason, 'payment declined')
    assert.equal(failed.attempts, 3)
    assert.equal(failed.processed_at, null)
    const job = await failedJob(queue, `order-${id}`)
    assert.equal(job.attemptsMade, 3)
  })

  it('retries a declined payment and processes the order on a later attempt', async () => {
    const draws = [0, 0.99]
    const { producer } = await setup({
      env: { PAYMENT_FAILURE_RATE: '0.5' },
      overrides: { random: () => draws.shift() ?? 0.99 },
    })
    const id = await insertOrder(db)
    await producer.enqueue([id])

    const processed = await db.untilStatus(id, 'processed')
    assert.equal(processed.attempts, 2)
    assert.equal(processed.failure_reason, null)
  })

  it('fails a job for an unknown order at once, without retrying', async () => {
    const { producer, queue } = await setup({ maxAttempts: 5 })
    await producer.enqueue([2_000_000_000])

    const job = await failedJob(queue, 'order-2000000000')
    assert.equal(job.attemptsMade, 1)
    assert.equal(job.failedReason, 'order 2000000000 does not exist')
  })

  it('fails a malformed job as unrecoverable with its reason, and carries on', async () => {
    const { producer, queue } = await setup({ maxAttempts: 5 })
    const poison = [
      await queue.add('process-order', { order_id: 'one' } as never, {
        jobId: 'poison-1',
        attempts: 5,
      }),
      await queue.add('process-order', {} as never, { jobId: 'poison-2', attempts: 5 }),
      await queue.add('process-order', { order_id: -3 } as never, {
        jobId: 'poison-3',
        attempts: 5,
      }),
    ]
    const id = await insertOrder(db)
    await producer.enqueue([id])

    for (const added of poison) {
      const job = await failedJob(queue, added.id as string)
      assert.equal(job.attemptsMade, 1)
      assert.match(job.failedReason, /^malformed order job: .*order_id/s)
    }
    await db.untilStatus(id, 'processed')
  })

  it('counts an attempt lost to a database error among the attempts an order had', async () => {
    const id = await insertOrder(db)
    // The first update of this order fails in PostgreSQL, once: a fault before the attempt
    // reaches its claim. nextval is not rolled back with the failed statement.
    await db.pool.query(`
      create sequence if not exists orders.fault_${id};
      create or replace function orders.fault_${id}() returns trigger language plpgsql as $$
      begin
        if new.id = ${id} then
          if nextval('orders.fault_${id}') = 1 then
            raise exception 'injected fault';
          end if;
        end if;
        return new;
      end $$;
      create trigger fault_${id} before update on orders.orders
        for each row execute function orders.fault_${id}();`)
    try {
      const { producer, queue } = await setup({
        env: { PAYMENT_FAILURE_RATE: '1' },
        maxAttempts: 3,
      })
      await producer.enqueue([id])
      const failed = await db.untilStatus(id, 'failed')
      assert.equal(failed.failure_reason, 'payment declined')
      const job = await failedJob(queue, `order-${id}`)
      assert.equal(job.attemptsMade, 3)
      assert.equal(failed.attempts, 3)
    } finally {
      await db.pool.query(`drop trigger fault_${id} on orders.orders`)
    }
  })

  it('works on WORKER_CONCURRENCY jobs at a time', async () => {
    const delay = gate()
    const { producer, queue } = await setup({
      env: { WORKER_CONCURRENCY: '3' },
      overrides: { wait: delay.wait },
    })
    const ids = [await insertOrder(db), await insertOrder(db), await insertOrder(db)]
    ids.push(await insertOrder(db), await insertOrder(db))
    await producer.enqueue(ids)

    await eventually(async () => ((await queue.getActiveCount()) === 3 ? true : undefined), {
      what: '3 active jobs',
    })
    assert.equal(await queue.getWaitingCount(), 2)
    delay.open()
    for (const id of ids) await db.untilStatus(id, 'processed')
  })

  it('serves health, readiness and job counters', async () => {
    const { producer, app } = await setup()
    const id = await insertOrder(db)
    await producer.enqueue([id])
    await db.untilStatus(id, 'processed')

    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
    const ready = await eventually(async () => {
      const response = await app.inject({ method: 'GET', url: '/readyz' })
      return response.statusCode === 200 ? response : undefined
    })
    assert.deepEqual(ready.json().checks, { postgres: 'ok', redis: 'ok' })
    assert.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404)
    const metrics = await eventually(async () => {
      const response = await app.metricsServer.inject({ method: 'GET', url: '/metrics' })
      return /^orders_processed_total 1$/m.test(response.body) ? response : undefined
    })
    assert.match(metrics.body, /^orders_failed_total 0$/m)
  })
})
